/*
 * skt_raw.h - raw requests to the daemon, bypassing libskywalk.
 *
 * For tools and tests that must speak the request protocol itself
 * (skstat, the malformed-request test): one handle on whichever door
 * SKCHAN_DOOR names -- "cuse" opens SKCHAN_DEVICE and sends ioctls,
 * anything else connects to SKCHAN_SOCKET and sends struct skc_msg
 * frames (include/skywalk/skchan_abi.h).  A reply's file descriptors,
 * if any, are closed at once: raw users never map an arena.
 */
#ifndef SKT_RAW_H
#define SKT_RAW_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <skywalk/skchan_abi.h>

/* skt_raw_req()'s result when the daemon hung up instead of replying. */
#define SKT_RAW_CLOSED (-1)

struct skt_door {
	int sd_fd;
	int sd_cuse;
};

static inline int skt_door_is_cuse(void)
{
	const char *d = getenv("SKCHAN_DOOR");

	return d != NULL && strcmp(d, "cuse") == 0;
}

static inline const char *skt_door_path(int cuse)
{
	const char *p = getenv(cuse ? "SKCHAN_DEVICE" : "SKCHAN_SOCKET");

	if (p != NULL && *p != '\0')
		return p;
	return cuse ? SKCHAN_DEFAULT_DEVICE : SKCHAN_DEFAULT_SOCKET;
}

static inline int skt_sock_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Returns 0, or -1 with errno. */
static inline int skt_door_open(struct skt_door *d)
{
	d->sd_cuse = skt_door_is_cuse();
	if (d->sd_cuse)
		d->sd_fd = open(skt_door_path(1), O_RDWR | O_CLOEXEC);
	else
		d->sd_fd = skt_sock_connect(skt_door_path(0));
	return d->sd_fd < 0 ? -1 : 0;
}

static inline void skt_door_close(struct skt_door *d)
{
	if (d->sd_fd >= 0)
		close(d->sd_fd);
	d->sd_fd = -1;
}

static inline int skt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes, closing any descriptors that ride along.
 * Returns 0, or SKT_RAW_CLOSED on EOF or error. */
static inline int skt_read_all(int fd, void *buf, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int) * SKC_MAP_FDS_MAX)];
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		struct iovec iov = { p, len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;

		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return SKT_RAW_CLOSED;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
			int *fds = (int *)(void *)CMSG_DATA(c);
			size_t i, nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_RIGHTS)
				for (i = 0; i < nfd; i++)
					close(fds[i]);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One socket frame with every header field chosen by the caller;
 * payload is plen bytes.  The reply's struct lands in reply (at most
 * rlen bytes kept, the rest read and dropped).  Returns the reply's
 * sm_error (0 or a positive errno) or SKT_RAW_CLOSED.
 */
static inline int skt_sock_frame(int fd, const struct skc_msg *m,
    const void *payload, size_t plen, void *reply, size_t rlen)
{
	struct skc_msg r;
	char sink[256];
	size_t left;

	if (skt_write_all(fd, m, sizeof(*m)) < 0 ||
	    (plen > 0 && skt_write_all(fd, payload, plen) < 0))
		return SKT_RAW_CLOSED;
	if (skt_read_all(fd, &r, sizeof(r)) < 0 || r.sm_magic != SKC_MSG_MAGIC)
		return SKT_RAW_CLOSED;
	left = r.sm_len;
	if (reply != NULL && rlen > 0) {
		size_t k = left < rlen ? left : rlen;

		if (skt_read_all(fd, reply, k) < 0)
			return SKT_RAW_CLOSED;
		left -= k;
	}
	while (left > 0) {
		size_t k = left < sizeof(sink) ? left : sizeof(sink);

		if (skt_read_all(fd, sink, k) < 0)
			return SKT_RAW_CLOSED;
		left -= k;
	}
	return r.sm_error;
}

/* One request on either door: 0, a positive errno, or SKT_RAW_CLOSED. */
static inline int skt_raw_req(struct skt_door *d, unsigned long cmd, void *arg,
    size_t len)
{
	struct skc_msg m = { SKC_MSG_MAGIC, (uint32_t)cmd, 0, (uint32_t)len };

	if (d->sd_cuse)
		return ioctl(d->sd_fd, cmd, arg) < 0 ? errno : 0;
	return skt_sock_frame(d->sd_fd, &m, arg, len, arg, len);
}

static inline void skt_req_hdr(struct skc_req_hdr *h, size_t size)
{
	h->rh_version = SKCHAN_ABI_VERSION;
	h->rh_size = (uint16_t)size;
	h->rh_flags = 0;
}

#endif /* SKT_RAW_H */
