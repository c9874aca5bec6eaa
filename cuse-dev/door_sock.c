/*
 * door_sock.c - the socket door: skchan requests over a Unix stream socket.
 *
 * Theory of operation.  One listening socket (door_sock_listen) or any
 * connected stream socket handed in (door_sock_attach, which is how the
 * unit tests drive the door through a socketpair).  Each connection is
 * one kernel handle, opened at accept with the peer's SO_PEERCRED
 * credentials (taken at connect time, so passing the socket to another
 * process does not change who it is) and closed at EOF or error.
 *
 * Framing (skchan_abi.h): struct skc_msg, then exactly _IOC_SIZE(sm_cmd)
 * bytes.  Each connection has one fixed buffer that holds the largest
 * valid frame; bytes are appended as they arrive and every complete
 * frame in it is served in order, so a client may pipeline requests.
 * A frame the door cannot serve is answered EINVAL (or ENOTTY for a
 * foreign command) as long as its end is known; a frame longer than any
 * request could be (> _IOC_SIZEMASK) or with a bad magic leaves the
 * stream without a trustworthy boundary, and the connection is closed.
 * Frames longer than the buffer but within _IOC_SIZEMASK are skipped
 * byte by byte (cn_skip) and then answered EINVAL: no allocation ever
 * depends on what a client sends.
 *
 * Replies: struct skc_msg (sm_error = positive errno or 0, sm_len = the
 * bytes that follow) + the request struct as the kernel left it, plus
 * SCM_RIGHTS descriptors when the kernel returns some.  Replies are sent
 * with MSG_DONTWAIT: a client that does not read its replies fills its
 * socket buffer and is disconnected (ss_closed_slow) instead of stalling
 * the single-threaded daemon.
 *
 * Wakeups.  A socket client cannot poll() a kernel object, so when
 * SKC_IOC_CHANNEL_OPEN succeeds the door gives the connection an eventfd
 * and appends it to the reply after the kernel's memfds (the client gets
 * co_map.mp_nfds + 1 descriptors; the last is the eventfd).
 * SKC_IOC_CHANNEL_POLL goes to the kernel like any request (it runs the
 * same readiness check as sk_file_poll, armed, and validates the header
 * in the one place all requests are validated); when the kernel later
 * fires the handle's waiter, the door writes 1 to that eventfd, which
 * makes it readable for the client's poll/epoll/select.
 *
 * Ownership: the door owns each connection's fd, eventfd and buffer; the
 * kernel owns the memfds (the door only passes copies along).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "door.h"
#include "evloop.h"
#include "sk_log.h"

#define DS_BUF_SIZE	(sizeof(struct skc_msg) + DOOR_REQ_MAX)
#define DS_FRAME_MAX	_IOC_SIZEMASK	/* no request can be larger */
#define DS_ACCEPT_BATCH	16		/* accepts per wakeup: fairness */
#define DS_FDS_MAX	(SKC_MAP_FDS_MAX + 1)	/* memfds + eventfd */

struct ds_conn {
	struct door_sock *cn_door;
	int cn_fd;
	int cn_evfd;			/* wakeup eventfd, -1 until open */
	struct evl_watch *cn_watch;
	struct sk_file *cn_file;
	struct sk_cred cn_cred;
	struct sk_waiter cn_waiter;
	struct ds_conn *cn_next;
	struct ds_conn *cn_prev;
	size_t cn_have;			/* bytes in cn_buf */
	uint32_t cn_skip;		/* bytes of an oversized frame left */
	struct skc_msg cn_skip_hdr;	/* its header, answered when skipped */
	unsigned char cn_buf[DS_BUF_SIZE];
};

struct door_sock {
	struct evl *ds_loop;
	int ds_lfd;			/* listening socket or -1 */
	int ds_spare;			/* reserve fd for EMFILE, or -1 */
	struct evl_watch *ds_lwatch;
	char *ds_path;			/* path we bound, to unlink */
	dev_t ds_dev;			/* its inode, so that we never */
	ino_t ds_ino;			/* unlink someone else's socket */
	struct ds_conn *ds_conns;
	struct door_sock_stats ds_st;
};

/* ---- connections --------------------------------------------------------- */

static void ds_fire(struct sk_waiter *w)
{
	struct ds_conn *cn = (struct ds_conn *)((char *)w -
	    offsetof(struct ds_conn, cn_waiter));
	uint64_t one = 1;

	/* EAGAIN means the counter is already huge: still readable. */
	if (cn->cn_evfd >= 0 && write(cn->cn_evfd, &one, sizeof(one)) < 0)
		SK_DF(SK_VERB_DOOR, "eventfd write: %s", strerror(errno));
}

static void ds_conn_close(struct ds_conn *cn)
{
	struct door_sock *ds = cn->cn_door;

	evl_del(cn->cn_watch);
	if (cn->cn_file != NULL)
		sk_file_close(cn->cn_file);
	if (cn->cn_evfd >= 0)
		close(cn->cn_evfd);
	close(cn->cn_fd);
	if (cn->cn_prev != NULL)
		cn->cn_prev->cn_next = cn->cn_next;
	else
		ds->ds_conns = cn->cn_next;
	if (cn->cn_next != NULL)
		cn->cn_next->cn_prev = cn->cn_prev;
	ds->ds_st.ss_live--;
	free(cn);
}

/* Room for the largest SCM_RIGHTS a reply carries, aligned for cmsghdr. */
union ds_cmsg {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * DS_FDS_MAX)];
};

static void ds_attach_fds(struct msghdr *mh, union ds_cmsg *cb,
    const int *fds, unsigned nfds)
{
	struct cmsghdr *c;

	memset(cb, 0, sizeof(*cb));
	mh->msg_control = cb->buf;
	mh->msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	/* only called with nfds > 0, so fds is never NULL here */
	// cppcheck-suppress ctunullpointer
	memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
}

/* Sends one reply; on any failure the caller must drop the connection. */
static int ds_send(struct ds_conn *cn, const struct skc_msg *m,
    const void *body, const int *fds, unsigned nfds)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)m, .iov_len = sizeof(*m) },
		{ .iov_base = (void *)body, .iov_len = m->sm_len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	union ds_cmsg cb;
	ssize_t n;

	if (nfds > 0)
		ds_attach_fds(&mh, &cb, fds, nfds);
	do
		n = sendmsg(cn->cn_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)(sizeof(*m) + m->sm_len))
		return 0;
	if (n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK) {
		/* Short or refused: the client is not reading its replies. */
		cn->cn_door->ds_st.ss_closed_slow++;
		SK_RD("socket door: pid %d does not read replies, dropped",
		    (int)cn->cn_cred.cr_pid);
	}
	return -1;
}

/* Answers a frame the door refused, echoing what the client sent. */
static int ds_reply_err(struct ds_conn *cn, const struct skc_msg *req,
    const void *body, uint32_t len, int err)
{
	struct skc_msg m = {
		.sm_magic = SKC_MSG_MAGIC,
		.sm_cmd = req->sm_cmd,
		.sm_error = err,
		.sm_len = len,
	};

	cn->cn_door->ds_st.ss_bad_frames++;
	return ds_send(cn, &m, body, NULL, 0);
}

/* The channel's wakeup eventfd exists before the kernel opens the
 * channel, so that a channel is never opened without one. */
static int ds_evfd_get(struct ds_conn *cn)
{
	if (cn->cn_evfd >= 0)
		return 0;
	cn->cn_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return cn->cn_evfd >= 0 ? 0 : -errno;
}

/* Runs one request through the kernel; fills fds for the reply. */
static int ds_call(struct ds_conn *cn, uint32_t cmd, union door_req *req,
    size_t len, int *fds, unsigned *nfds)
{
	struct sk_fds kf = { .f_count = 0 };
	int err;

	*nfds = 0;
	if (cmd == SKC_IOC_CHANNEL_OPEN && (err = ds_evfd_get(cn)) != 0)
		return err;
	err = sk_file_ioctl(cn->cn_file, &cn->cn_cred, cmd, req, len, &kf);
	if (err != 0)
		return err;
	if (kf.f_count > SKC_MAP_FDS_MAX) {
		SK_ERR("kernel returned %u fds for cmd %#x", kf.f_count, cmd);
		return -EIO;
	}
	memcpy(fds, kf.f_fd, sizeof(int) * kf.f_count);
	*nfds = kf.f_count;
	if (cmd == SKC_IOC_CHANNEL_OPEN)
		fds[(*nfds)++] = cn->cn_evfd;
	return 0;
}

/* Serves one complete, well-delimited frame. */
static int ds_serve(struct ds_conn *cn, const struct skc_msg *m,
    const unsigned char *body)
{
	union door_req req;
	struct skc_msg r = *m;
	int fds[DS_FDS_MAX];
	unsigned nfds = 0;
	int err;

	err = door_req_check(m->sm_cmd, m->sm_len);
	if (err == 0 && m->sm_error != 0)
		err = -EINVAL;
	if (err != 0)
		return ds_reply_err(cn, m, body, m->sm_len, -err);
	memcpy(&req, body, m->sm_len);
	cn->cn_door->ds_st.ss_requests++;
	err = ds_call(cn, m->sm_cmd, &req, m->sm_len, fds, &nfds);
	SK_DF(SK_VERB_DOOR, "pid %d cmd %#x -> %d", (int)cn->cn_cred.cr_pid,
	    m->sm_cmd, err);
	r.sm_error = -err;
	return ds_send(cn, &r, &req, fds, err == 0 ? nfds : 0);
}

/* Drops the first n bytes of the connection buffer. */
static void ds_consume(struct ds_conn *cn, size_t n)
{
	cn->cn_have -= n;
	memmove(cn->cn_buf, cn->cn_buf + n, cn->cn_have);
}

/* Skips bytes of an oversized frame; answers it once it is all gone. */
static int ds_skip(struct ds_conn *cn)
{
	size_t n = cn->cn_have < cn->cn_skip ? cn->cn_have : cn->cn_skip;

	ds_consume(cn, n);
	cn->cn_skip -= n;
	if (cn->cn_skip > 0)
		return 0;
	return ds_reply_err(cn, &cn->cn_skip_hdr, NULL, 0, EINVAL);
}

/*
 * Serves every complete frame in the buffer.  Returns 0 to keep the
 * connection, -1 to drop it.
 */
static int ds_parse(struct ds_conn *cn)
{
	struct skc_msg m;

	for (;;) {
		if (cn->cn_skip > 0 && ds_skip(cn) < 0)
			return -1;
		if (cn->cn_skip > 0 || cn->cn_have < sizeof(m))
			return 0;
		memcpy(&m, cn->cn_buf, sizeof(m));
		if (m.sm_magic != SKC_MSG_MAGIC || m.sm_len > DS_FRAME_MAX) {
			cn->cn_door->ds_st.ss_closed_bad++;
			SK_RD("socket door: pid %d sent a bad frame header",
			    (int)cn->cn_cred.cr_pid);
			return -1;
		}
		if (m.sm_len > DS_BUF_SIZE - sizeof(m)) {
			cn->cn_skip = m.sm_len;
			cn->cn_skip_hdr = m;
			ds_consume(cn, sizeof(m));
			continue;
		}
		if (cn->cn_have < sizeof(m) + m.sm_len)
			return 0;
		if (ds_serve(cn, &m, cn->cn_buf + sizeof(m)) < 0)
			return -1;
		ds_consume(cn, sizeof(m) + m.sm_len);
	}
}

static void ds_conn_event(struct evl_watch *w, int fd, uint32_t events,
    void *arg)
{
	struct ds_conn *cn = arg;
	ssize_t n;

	n = recv(fd, cn->cn_buf + cn->cn_have, DS_BUF_SIZE - cn->cn_have,
	    MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		SK_DF(SK_VERB_DOOR, "pid %d: connection closed",
		    (int)cn->cn_cred.cr_pid);
		ds_conn_close(cn);
		return;
	}
	cn->cn_have += (size_t)n;
	if (ds_parse(cn) < 0)
		ds_conn_close(cn);
}

int door_sock_attach(struct door_sock *ds, int fd)
{
	struct ds_conn *cn;
	int err = -ENOMEM;

	cn = calloc(1, sizeof(*cn));
	if (cn == NULL)
		goto fail_close;
	cn->cn_door = ds;
	cn->cn_fd = fd;
	cn->cn_evfd = -1;
	cn->cn_waiter.w_fire = ds_fire;
	err = door_cred_from_socket(fd, &cn->cn_cred);
	if (err != 0)
		goto fail_free;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		err = -errno;
		goto fail_free;
	}
	cn->cn_file = sk_file_open(&cn->cn_cred, SK_DOOR_SOCKET,
	    &cn->cn_waiter);
	if (cn->cn_file == NULL) {
		err = -ENOMEM;
		goto fail_free;
	}
	cn->cn_watch = evl_add(ds->ds_loop, fd, EPOLLIN, ds_conn_event, cn);
	if (cn->cn_watch == NULL) {
		err = -errno;
		goto fail_file;
	}
	cn->cn_next = ds->ds_conns;
	if (ds->ds_conns != NULL)
		ds->ds_conns->cn_prev = cn;
	ds->ds_conns = cn;
	ds->ds_st.ss_accepted++;
	ds->ds_st.ss_live++;
	return 0;

fail_file:
	sk_file_close(cn->cn_file);
fail_free:
	free(cn);
fail_close:
	close(fd);
	return err;
}

/* ---- listening ------------------------------------------------------------ */

/*
 * Out of descriptors: the pending connection would keep the listening
 * socket readable forever.  Give back the reserve fd, accept the
 * connection and close it at once (the client sees EOF), then take the
 * reserve again (the classic libev/libuv answer to EMFILE).
 */
static void ds_shed(struct door_sock *ds)
{
	int fd;

	if (ds->ds_spare < 0)
		return;
	close(ds->ds_spare);
	fd = accept4(ds->ds_lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	ds->ds_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void ds_accept_event(struct evl_watch *w, int fd, uint32_t events,
    void *arg)
{
	struct door_sock *ds = arg;
	int i, c;

	for (i = 0; i < DS_ACCEPT_BATCH; i++) {
		c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			ds->ds_st.ss_accept_fail++;
			SK_RD("socket door: accept: %s", strerror(errno));
			if (errno == EMFILE || errno == ENFILE)
				ds_shed(ds);
			return;
		}
		if (door_sock_attach(ds, c) < 0)
			ds->ds_st.ss_accept_fail++;
	}
}

struct door_sock *door_sock_new(struct evl *l)
{
	struct door_sock *ds = calloc(1, sizeof(*ds));

	if (ds == NULL)
		return NULL;
	ds->ds_loop = l;
	ds->ds_lfd = -1;
	ds->ds_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return ds;
}

/* mkdir -p of path's parent directory (mode 0755 for what it creates). */
static int ds_mkparent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	strcpy(dir, path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void ds_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strcpy(sa->sun_path, path);
}

/*
 * Something is at path.  Remove it only if it is a socket nobody
 * listens on (a daemon that died without cleaning up); a live socket
 * means another daemon: -EADDRINUSE; anything else is not ours: -EEXIST.
 */
static int ds_clear_stale(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, r, err;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ds_addr(&sa, path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = r < 0 ? errno : 0;
	close(fd);
	if (err == ECONNREFUSED) {
		SK_ERR("removing stale socket %s", path);
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	}
	if (err == ENOENT)
		return 0;
	return -EADDRINUSE;	/* connected, or backlog full (EAGAIN) */
}

/* socket + bind + chmod + listen.  The socket is born 0600 (umask) so
 * that nobody connects before the requested mode is in place. */
static int ds_bind(struct door_sock *ds, const char *path, mode_t mode)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int fd, r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ds_addr(&sa, path);
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		goto fail;
	if (chmod(path, mode) < 0 || lstat(path, &st) < 0 ||
	    listen(fd, SOMAXCONN) < 0)
		goto fail_unlink;
	ds->ds_lfd = fd;
	ds->ds_dev = st.st_dev;
	ds->ds_ino = st.st_ino;
	return 0;

fail_unlink:
	r = -errno;
	unlink(path);
	close(fd);
	return r;
fail:
	r = -errno;
	close(fd);
	return r;
}

int door_sock_listen(struct door_sock *ds, const char *path, mode_t mode)
{
	int err;

	if (ds->ds_lfd >= 0)
		return -EBUSY;
	if (path[0] == '\0' ||
	    strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	if ((err = ds_mkparent(path)) != 0 || (err = ds_clear_stale(path)) ||
	    (err = ds_bind(ds, path, mode)) != 0)
		return err;
	ds->ds_path = strdup(path);
	ds->ds_lwatch = evl_add(ds->ds_loop, ds->ds_lfd, EPOLLIN,
	    ds_accept_event, ds);
	if (ds->ds_path == NULL || ds->ds_lwatch == NULL) {
		err = ds->ds_path == NULL ? -ENOMEM : -errno;
		unlink(path);
		free(ds->ds_path);
		ds->ds_path = NULL;
		close(ds->ds_lfd);
		ds->ds_lfd = -1;
		return err;
	}
	return 0;
}

void door_sock_close_all(struct door_sock *ds)
{
	struct ds_conn *cn, *next;

	for (cn = ds->ds_conns; cn != NULL; cn = next) {
		next = cn->cn_next;
		ds_conn_close(cn);
	}
}

/* Unlinks our socket path, unless another daemon has replaced it. */
static void ds_unlink(struct door_sock *ds)
{
	struct stat st;

	if (ds->ds_path == NULL)
		return;
	if (lstat(ds->ds_path, &st) == 0 && st.st_dev == ds->ds_dev &&
	    st.st_ino == ds->ds_ino)
		unlink(ds->ds_path);
	free(ds->ds_path);
	ds->ds_path = NULL;
}

void door_sock_free(struct door_sock *ds)
{
	if (ds == NULL)
		return;
	door_sock_close_all(ds);
	evl_del(ds->ds_lwatch);
	if (ds->ds_lfd >= 0)
		close(ds->ds_lfd);
	ds_unlink(ds);
	if (ds->ds_spare >= 0)
		close(ds->ds_spare);
	free(ds);
}

void door_sock_get_stats(const struct door_sock *ds,
    struct door_sock_stats *st)
{
	*st = ds->ds_st;
}
