/*
 * door.c - open a handle to cuse-dev and carry one request through it.
 *
 * Theory of operation.  Every controller and every channel is one
 * handle: an open() of the CUSE device, or one connection to the
 * daemon's Unix socket.  SKCHAN_DOOR picks the door (cuse, socket, auto;
 * auto = the device if it opens, else the socket), SKCHAN_DEVICE and
 * SKCHAN_SOCKET override the paths.  The environment is read at every
 * open, so a process may mix doors; the daemon serves both with one
 * kernel.
 *
 * A request is one fixed-size struct (skchan_abi.h).  On the CUSE door
 * it is one restricted ioctl: the kernel copies it in and out.  On the
 * socket door it is a struct skc_msg header plus the struct each way,
 * with descriptors riding on the reply.  A stream socket has no record
 * boundaries, so a request and its reply must not interleave with
 * another thread's on the same handle: each socket-door exchange holds
 * a lock chosen by fd (a small striped array: cheap, and two handles
 * sharing a stripe only lose some parallelism).  Signals never cut an
 * exchange short: EINTR is retried, because abandoning half a frame
 * would desynchronise the stream for good.
 *
 * When no door works the open fails with ENXIO, the errno with which
 * Apple's library already reports "the channel's kernel side is gone"
 * (defunct), and which reads as "device not configured" for a missing
 * daemon.  ENOTSUP would be confused with a mode the nexus refuses.
 * One line goes to stderr, once per process, naming what was tried and
 * why each failed: the only message the library prints besides Apple's
 * SK_ABORT ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "door.h"

#define UDOOR_STRIPES 64
#define UDOOR_WHY_LEN (PATH_MAX + 128)

enum udoor_mode {
	UDOOR_MODE_AUTO,
	UDOOR_MODE_CUSE,
	UDOOR_MODE_SOCKET,
};

static pthread_mutex_t udoor_locks[UDOOR_STRIPES] = {
    [0 ... UDOOR_STRIPES - 1] = PTHREAD_MUTEX_INITIALIZER};
static atomic_int udoor_warned;

static enum udoor_mode
udoor_mode(void)
{
	const char *s = getenv("SKCHAN_DOOR");

	if (s != NULL && strcmp(s, "cuse") == 0)
		return UDOOR_MODE_CUSE;
	if (s != NULL && strcmp(s, "socket") == 0)
		return UDOOR_MODE_SOCKET;
	return UDOOR_MODE_AUTO;
}

static const char *
udoor_env(const char *name, const char *def)
{
	const char *s = getenv(name);

	return (s != NULL && *s != '\0') ? s : def;
}

static void
udoor_why(char *why, const char *what, const char *path, int err)
{
	char buf[96];

	snprintf(why, UDOOR_WHY_LEN, "%s%s: %s", what, path,
		 strerror_r(err, buf, sizeof(buf)));
}

static int
udoor_cuse_open(char *why)
{
	const char *path = udoor_env("SKCHAN_DEVICE", SKCHAN_DEFAULT_DEVICE);
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		udoor_why(why, "", path, errno);
	return fd;
}

/* connect() interrupted by a signal goes on in the background: wait. */
static int
udoor_connect_wait(int s)
{
	struct pollfd p = {.fd = s, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int err = 0;

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -1;
	errno = err;
	return err == 0 ? 0 : -1;
}

static int
udoor_connect(int s, const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return 0;
	return errno == EINTR ? udoor_connect_wait(s) : -1;
}

static int
udoor_sock_open(char *why)
{
	const char *path = udoor_env("SKCHAN_SOCKET", SKCHAN_DEFAULT_SOCKET);
	int s, err;

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	if (udoor_connect(s, path) == 0)
		return s;
	err = errno;
	close(s);
	errno = err;
fail:
	if (why != NULL)
		udoor_why(why, "socket ", path, errno);
	return -1;
}

int
udoor_sock_connect(void)
{
	return udoor_sock_open(NULL);
}

/* The one line the library prints when the daemon cannot be reached. */
static void
udoor_warn(const char *cuse, const char *sock)
{
	char line[2 * UDOOR_WHY_LEN + 64];
	int n;

	if (atomic_exchange(&udoor_warned, 1) != 0)
		return;
	n = snprintf(line, sizeof(line),
		     "libskywalk: cannot reach cuse-dev: "
		     "%s%s%s\n",
		     cuse, (*cuse && *sock) ? "; " : "", sock);
	if (n > (int)sizeof(line))
		n = sizeof(line);
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nothing more we can do */
	}
}

int
udoor_open(enum udoor_kind *kind)
{
	enum udoor_mode mode = udoor_mode();
	char cwhy[UDOOR_WHY_LEN] = "", swhy[UDOOR_WHY_LEN] = "";
	int fd;

	libos_atfork_init();
	if (mode != UDOOR_MODE_SOCKET) {
		fd = udoor_cuse_open(cwhy);
		if (fd >= 0) {
			*kind = UDOOR_CUSE;
			return fd;
		}
	}
	if (mode != UDOOR_MODE_CUSE) {
		fd = udoor_sock_open(swhy);
		if (fd >= 0) {
			*kind = UDOOR_SOCKET;
			return fd;
		}
	}
	udoor_warn(cwhy, swhy);
	errno = ENXIO;
	return -1;
}

void
udoor_hdr_init(struct skc_req_hdr *hdr, size_t size)
{
	hdr->rh_version = SKCHAN_ABI_VERSION;
	hdr->rh_size = (uint16_t)size;
	hdr->rh_flags = 0;
}

void
udoor_fds_close(struct udoor_fds *fds)
{
	while (fds->df_count > 0)
		close(fds->df_fd[--fds->df_count]);
}

/* ---- socket door ----------------------------------------------------- */

static pthread_mutex_t *
udoor_lock_of(int fd)
{
	return &udoor_locks[(unsigned)fd % UDOOR_STRIPES];
}

/* A peer that went away is, to the caller, a kernel that is gone. */
static int
udoor_broken(void)
{
	if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)
		errno = ENXIO;
	return -1;
}

static int
udoor_send(int fd, const struct skc_msg *m, const void *req, size_t len)
{
	struct iovec iov[2] = {
	    {.iov_base = (void *)m, .iov_len = sizeof(*m)},
	    {.iov_base = (void *)req, .iov_len = len},
	};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;

	while (mh.msg_iovlen > 0) {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return udoor_broken();
		for (; mh.msg_iovlen > 0 && (size_t)n >= mh.msg_iov->iov_len;
		     mh.msg_iov++, mh.msg_iovlen--)
			n -= (ssize_t)mh.msg_iov->iov_len;
		if (mh.msg_iovlen > 0) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Keep the descriptors of one SCM_RIGHTS message; close any surplus. */
static void
udoor_take_fds(struct cmsghdr *c, struct udoor_fds *fds)
{
	size_t i, n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	int fd;

	for (i = 0; i < n; i++) {
		memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		if (fds->df_count < UDOOR_FDS_MAX)
			fds->df_fd[fds->df_count++] = fd;
		else
			close(fd);
	}
}

static int
udoor_cmsgs(struct msghdr *mh, struct udoor_fds *fds)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			udoor_take_fds(c, fds);
	return (mh->msg_flags & MSG_CTRUNC) ? -1 : 0;
}

/* Read exactly len bytes, collecting descriptors on the way. */
static int
udoor_recv_all(int fd, void *buf, size_t len, struct udoor_fds *fds, int *trunc)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * UDOOR_FDS_MAX)];
	} cm;
	struct iovec iov;
	struct msghdr mh;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		iov = (struct iovec){(char *)buf + got, len - got};
		mh = (struct msghdr){.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = cm.buf,
				     .msg_controllen = sizeof(cm.buf)};
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return udoor_broken();
		if (n == 0) {
			errno = ENXIO;
			return -1;
		}
		if (udoor_cmsgs(&mh, fds) < 0)
			*trunc = 1;
		got += (size_t)n;
	}
	return 0;
}

/* A reply we cannot parse leaves the stream out of step: end it. */
static int
udoor_desync(int fd)
{
	shutdown(fd, SHUT_RDWR);
	errno = EIO;
	return -1;
}

static int
udoor_recv(int fd, uint32_t cmd, void *req, size_t len, struct udoor_fds *fds)
{
	struct skc_msg m;
	int trunc = 0;

	if (udoor_recv_all(fd, &m, sizeof(m), fds, &trunc) < 0)
		return -1;
	if (m.sm_magic != SKC_MSG_MAGIC || m.sm_cmd != cmd || m.sm_len != len ||
	    m.sm_error < 0 || m.sm_error > 4095)
		return udoor_desync(fd);
	if (udoor_recv_all(fd, req, len, fds, &trunc) < 0)
		return -1;
	if (trunc) {
		errno = EIO;
		return -1;
	}
	if (m.sm_error != 0) {
		errno = m.sm_error;
		return -1;
	}
	return 0;
}

static int
udoor_sock_call(int fd, uint32_t cmd, void *req, struct udoor_fds *fds)
{
	struct skc_msg m = {
	    .sm_magic = SKC_MSG_MAGIC,
	    .sm_cmd = cmd,
	    .sm_error = 0,
	    .sm_len = _IOC_SIZE(cmd),
	};
	pthread_mutex_t *lock = udoor_lock_of(fd);
	int rc, err;

	pthread_mutex_lock(lock);
	rc = udoor_send(fd, &m, req, m.sm_len);
	if (rc == 0)
		rc = udoor_recv(fd, cmd, req, m.sm_len, fds);
	err = errno;
	pthread_mutex_unlock(lock);
	errno = err;
	return rc;
}

/* ---- both doors -------------------------------------------------------- */

static int
udoor_cuse_call(int fd, uint32_t cmd, void *req)
{
	int rc;

	do {
		rc = ioctl(fd, cmd, req);
	} while (rc < 0 && errno == EINTR);
	return rc < 0 ? -1 : 0;
}

int
udoor_call(int fd, enum udoor_kind kind, uint32_t cmd, void *req,
	   struct udoor_fds *fds)
{
	struct udoor_fds scratch = {.df_count = 0};
	struct udoor_fds *got = fds != NULL ? fds : &scratch;
	int rc, err;

	got->df_count = 0;
	if (kind == UDOOR_CUSE)
		return udoor_cuse_call(fd, cmd, req);
	if (kind != UDOOR_SOCKET) {
		errno = EBADF;
		return -1;
	}
	rc = udoor_sock_call(fd, cmd, req, got);
	err = errno;
	if (rc < 0 || fds == NULL)
		udoor_fds_close(got);
	errno = err;
	return rc;
}

/* ---- fork ---------------------------------------------------------------- */

/*
 * A fork must not leave the child with a stripe some other thread held:
 * prepare takes them all (each is held for one round trip at most).
 */
void
udoor_atfork_prepare(void)
{
	for (int i = 0; i < UDOOR_STRIPES; i++)
		pthread_mutex_lock(&udoor_locks[i]);
}

void
udoor_atfork_release(void)
{
	for (int i = UDOOR_STRIPES - 1; i >= 0; i--)
		pthread_mutex_unlock(&udoor_locks[i]);
}
