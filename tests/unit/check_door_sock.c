/*
 * check_door_sock.c - the socket door (cuse-dev/door_sock.c) in-process,
 * in front of the real kernel, through socketpairs attached with
 * door_sock_attach() and through a real listening socket.
 *
 * Covered: a request and its reply; pipelined and byte-by-byte frames;
 * every refusal the door makes itself (length mismatch, foreign command,
 * non-zero sm_error, oversized-but-delimited frame) and that the
 * connection survives them; the frames after which it cannot survive
 * (bad magic, impossible length); EOF closing the kernel handle; a
 * client that never reads being dropped; descriptors sent by a client
 * being discarded; a channel opened through the door: memfds + the
 * wakeup eventfd, CHANNEL_POLL arming it and the peer's TX firing it;
 * listening (parent directories, mode, stale and live sockets, files
 * that are not sockets, unlink at free) and the EMFILE escape; and
 * random input (pure noise and well-framed junk) leaving the daemon
 * alive with every handle released.
 *
 * SKCHAN_FUZZ_SEED and SKCHAN_FUZZ_ROUNDS reproduce or lengthen the
 * fuzz runs.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "kern_harness.h"
#include "../../cuse-dev/door.h"
#include "../../cuse-dev/evloop.h"

#define DT_STATS_LEN	sizeof(struct skc_ctl_stats)

static struct evl *dt_loop;
static struct door_sock *dt_ds;

static void dt_setup(void)
{
	kh_setup();
	dt_loop = evl_new();
	ck_assert_ptr_nonnull(dt_loop);
	dt_ds = door_sock_new(dt_loop);
	ck_assert_ptr_nonnull(dt_ds);
}

static void dt_teardown(void)
{
	door_sock_free(dt_ds);
	ck_assert_uint_eq(evl_count(dt_loop), 0);
	evl_free(dt_loop);
	kh_teardown();
}

/* Serve whatever is pending, until the door has nothing left to do. */
static void dt_pump(void)
{
	int i;

	for (i = 0; i < 100000 && evl_run_once(dt_loop, 0) > 0; i++)
		;
}

static struct door_sock_stats dt_stats(void)
{
	struct door_sock_stats st;

	door_sock_get_stats(dt_ds, &st);
	return st;
}

static uint32_t dt_kern_files(void)
{
	struct skc_ctl_stats st;

	sk_kern_stats(&st);
	return st.cs_files;
}

/* A client connection to the door. */
static int dt_connect(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	ck_assert_int_eq(door_sock_attach(dt_ds, sv[1]), 0);
	return sv[0];
}

static void dt_write(int fd, const void *p, size_t n)
{
	ck_assert_int_eq(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void dt_frame(int fd, uint32_t magic, uint32_t cmd, int32_t err,
    uint32_t len, const void *body, size_t body_len)
{
	struct skc_msg m = { magic, cmd, err, len };

	dt_write(fd, &m, sizeof(m));
	if (body_len != 0)
		dt_write(fd, body, body_len);
}

static void dt_req(int fd, uint32_t cmd, void *body)
{
	kh_hdr(body, cmd);
	dt_frame(fd, SKC_MSG_MAGIC, cmd, 0, _IOC_SIZE(cmd), body,
	    _IOC_SIZE(cmd));
}

struct dt_reply {
	struct skc_msg r_msg;
	union door_req r_body;
	int r_fds[16];
	unsigned r_nfds;
};

/* Reads one reply that must already be there (the door was pumped). */
static void dt_reply(int fd, struct dt_reply *r)
{
	char cbuf[CMSG_SPACE(16 * sizeof(int))];
	struct iovec iov = { &r->r_msg, sizeof(r->r_msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC),
	    sizeof(r->r_msg));
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		ck_assert_int_eq(c->cmsg_type, SCM_RIGHTS);
		r->r_nfds = (unsigned)((c->cmsg_len - CMSG_LEN(0)) /
		    sizeof(int));
		memcpy(r->r_fds, CMSG_DATA(c), r->r_nfds * sizeof(int));
	}
	ck_assert_uint_eq(r->r_msg.sm_magic, SKC_MSG_MAGIC);
	ck_assert_uint_le(r->r_msg.sm_len, sizeof(r->r_body));
	if (r->r_msg.sm_len != 0)
		ck_assert_int_eq(recv(fd, &r->r_body, r->r_msg.sm_len,
		    MSG_DONTWAIT), r->r_msg.sm_len);
}

static void dt_close_fds(struct dt_reply *r)
{
	unsigned i;

	for (i = 0; i < r->r_nfds; i++)
		close(r->r_fds[i]);
	r->r_nfds = 0;
}

/* Nothing more to read, and the door has not hung up. */
static void dt_assert_quiet(int fd)
{
	char c;

	ck_assert_int_eq(recv(fd, &c, 1, MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
}

static void dt_assert_hung_up(int fd)
{
	char c;

	ck_assert_int_eq(recv(fd, &c, 1, MSG_DONTWAIT), 0);
}

static void dt_stats_req(int fd, struct dt_reply *r)
{
	struct skc_ctl_stats st;

	memset(&st, 0, sizeof(st));
	dt_req(fd, SKC_IOC_CTL_STATS, &st);
	dt_pump();
	dt_reply(fd, r);
	ck_assert_uint_eq(r->r_msg.sm_cmd, SKC_IOC_CTL_STATS);
	ck_assert_int_eq(r->r_msg.sm_error, 0);
	ck_assert_uint_eq(r->r_msg.sm_len, DT_STATS_LEN);
	ck_assert_uint_eq(r->r_nfds, 0);
}

/* ---- framing ------------------------------------------------------------ */

START_TEST(test_stats_roundtrip)
{
	struct dt_reply r;
	int fd = dt_connect();

	ck_assert_uint_eq(dt_stats().ss_live, 1);
	ck_assert_uint_eq(dt_kern_files(), 1);
	dt_stats_req(fd, &r);
	ck_assert_uint_eq(r.r_body.ctl_stats.cs_files, 1);
	ck_assert_uint_eq(r.r_body.ctl_stats.cs_hdr.rh_version,
	    SKCHAN_ABI_VERSION);
	dt_assert_quiet(fd);
	ck_assert_uint_eq(dt_stats().ss_requests, 1);
	close(fd);
	dt_pump();
	ck_assert_uint_eq(dt_stats().ss_live, 0);
	ck_assert_uint_eq(dt_kern_files(), 0);
}
END_TEST

START_TEST(test_pipelined_and_split)
{
	unsigned char buf[3 * (sizeof(struct skc_msg) + DT_STATS_LEN)];
	struct skc_ctl_stats st;
	struct skc_msg m = { SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 0,
	    DT_STATS_LEN };
	struct dt_reply r;
	size_t i, off = 0;
	int fd = dt_connect();

	memset(&st, 0, sizeof(st));
	kh_hdr(&st, SKC_IOC_CTL_STATS);
	for (i = 0; i < 3; i++) {
		memcpy(buf + off, &m, sizeof(m));
		memcpy(buf + off + sizeof(m), &st, sizeof(st));
		off += sizeof(m) + sizeof(st);
	}
	/* Three at once: three replies, in order. */
	dt_write(fd, buf, off);
	dt_pump();
	for (i = 0; i < 3; i++) {
		dt_reply(fd, &r);
		ck_assert_int_eq(r.r_msg.sm_error, 0);
	}
	dt_assert_quiet(fd);
	/* One byte at a time: no reply until the last byte. */
	for (i = 0; i + 1 < off / 3; i++) {
		dt_write(fd, buf + i, 1);
		dt_pump();
		dt_assert_quiet(fd);
	}
	dt_write(fd, buf + i, 1);
	dt_pump();
	dt_reply(fd, &r);
	ck_assert_int_eq(r.r_msg.sm_error, 0);
	ck_assert_uint_eq(dt_stats().ss_requests, 4);
	close(fd);
}
END_TEST

START_TEST(test_refusals_keep_connection)
{
	unsigned char junk[6000];
	struct skc_ctl_stats st;
	struct dt_reply r;
	int fd = dt_connect();

	memset(junk, 0xab, sizeof(junk));
	memset(&st, 0, sizeof(st));
	kh_hdr(&st, SKC_IOC_CTL_STATS);

	/* Length not the command's: EINVAL, what was sent comes back. */
	dt_frame(fd, SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 0, 20, junk, 20);
	dt_pump();
	dt_reply(fd, &r);
	ck_assert_int_eq(r.r_msg.sm_error, EINVAL);
	ck_assert_uint_eq(r.r_msg.sm_len, 20);
	ck_assert_int_eq(memcmp(&r.r_body, junk, 20), 0);

	/* Not an skchan command: ENOTTY. */
	dt_frame(fd, SKC_MSG_MAGIC, _IOWR('X', 15, struct skc_ctl_stats), 0,
	    DT_STATS_LEN, &st, DT_STATS_LEN);
	dt_pump();
	dt_reply(fd, &r);
	ck_assert_int_eq(r.r_msg.sm_error, ENOTTY);

	/* Requests carry sm_error 0. */
	dt_frame(fd, SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 5, DT_STATS_LEN, &st,
	    DT_STATS_LEN);
	dt_pump();
	dt_reply(fd, &r);
	ck_assert_int_eq(r.r_msg.sm_error, EINVAL);

	/* Longer than any request, but delimited: skipped, then EINVAL. */
	dt_frame(fd, SKC_MSG_MAGIC, _IOWR('W', 99, char[5000]), 0, 5000,
	    junk, 5000);
	dt_pump();
	dt_reply(fd, &r);
	ck_assert_int_eq(r.r_msg.sm_error, EINVAL);
	ck_assert_uint_eq(r.r_msg.sm_len, 0);

	/* The kernel's own refusals travel back the same way. */
	st.cs_hdr.rh_version = 77;
	dt_frame(fd, SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 0, DT_STATS_LEN, &st,
	    DT_STATS_LEN);
	dt_pump();
	dt_reply(fd, &r);
	ck_assert_int_eq(r.r_msg.sm_error, ENOTSUP);
	ck_assert_uint_eq(r.r_msg.sm_len, DT_STATS_LEN);
	dt_frame(fd, SKC_MSG_MAGIC, _IOWR('W', 99, struct skc_ctl_stats), 0,
	    DT_STATS_LEN, &st, DT_STATS_LEN);
	dt_pump();
	dt_reply(fd, &r);
	ck_assert_int_eq(r.r_msg.sm_error, ENOTTY);

	/* Still in step after all that. */
	dt_stats_req(fd, &r);
	dt_assert_quiet(fd);
	ck_assert_uint_eq(dt_stats().ss_bad_frames, 4);
	ck_assert_uint_eq(dt_stats().ss_live, 1);
	close(fd);
}
END_TEST

START_TEST(test_bad_magic_hangs_up)
{
	struct skc_ctl_stats st;
	int fd = dt_connect();

	memset(&st, 0, sizeof(st));
	dt_frame(fd, 0x12345678, SKC_IOC_CTL_STATS, 0, DT_STATS_LEN, &st,
	    DT_STATS_LEN);
	dt_pump();
	dt_assert_hung_up(fd);
	ck_assert_uint_eq(dt_stats().ss_closed_bad, 1);
	ck_assert_uint_eq(dt_stats().ss_live, 0);
	ck_assert_uint_eq(dt_kern_files(), 0);
	close(fd);
}
END_TEST

START_TEST(test_impossible_length_hangs_up)
{
	int fd = dt_connect();

	dt_frame(fd, SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 0, 0x7fffffff, NULL, 0);
	dt_pump();
	dt_assert_hung_up(fd);
	ck_assert_uint_eq(dt_stats().ss_closed_bad, 1);
	close(fd);
}
END_TEST

/* A half-sent frame then EOF: the handle goes, nothing is answered. */
START_TEST(test_eof_mid_frame_closes_handle)
{
	struct skc_msg m = { SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 0,
	    DT_STATS_LEN };
	int fd = dt_connect();

	dt_write(fd, &m, sizeof(m));
	dt_write(fd, "abc", 3);
	dt_pump();
	ck_assert_uint_eq(dt_kern_files(), 1);
	shutdown(fd, SHUT_WR);
	dt_pump();
	ck_assert_uint_eq(dt_kern_files(), 0);
	ck_assert_uint_eq(dt_stats().ss_live, 0);
	dt_assert_hung_up(fd);
	close(fd);
}
END_TEST

/* A client that never reads cannot make the door block: it is dropped. */
START_TEST(test_slow_reader_dropped)
{
	struct skc_ctl_stats st;
	int sv[2], small = 4096, i;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	ck_assert_int_eq(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)), 0);
	ck_assert_int_eq(door_sock_attach(dt_ds, sv[1]), 0);
	memset(&st, 0, sizeof(st));
	for (i = 0; i < 400 && dt_stats().ss_live == 1; i++) {
		dt_req(sv[0], SKC_IOC_CTL_STATS, &st);
		dt_pump();
	}
	ck_assert_uint_eq(dt_stats().ss_live, 0);
	ck_assert_uint_eq(dt_stats().ss_closed_slow, 1);
	ck_assert_uint_eq(dt_kern_files(), 0);
	close(sv[0]);
}
END_TEST

static int dt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Descriptors a client attaches are not kept by the daemon. */
START_TEST(test_client_fds_discarded)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(3 * sizeof(int))];
	} cb;
	struct skc_ctl_stats st;
	struct skc_msg m = { SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 0,
	    DT_STATS_LEN };
	struct iovec iov[2] = { { &m, sizeof(m) }, { &st, sizeof(st) } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2,
	    .msg_control = cb.buf, .msg_controllen = sizeof(cb.buf) };
	struct cmsghdr *c;
	struct dt_reply r;
	int fd = dt_connect(), fds[3], before, i;

	for (i = 0; i < 3; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	memset(&cb, 0, sizeof(cb));
	memset(&st, 0, sizeof(st));
	kh_hdr(&st, SKC_IOC_CTL_STATS);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	before = dt_count_fds();
	ck_assert_int_eq(sendmsg(fd, &mh, 0), sizeof(m) + sizeof(st));
	dt_pump();
	dt_reply(fd, &r);
	ck_assert_int_eq(r.r_msg.sm_error, 0);
	ck_assert_int_eq(dt_count_fds(), before);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	close(fd);
}
END_TEST

/* ---- a channel through the door ---------------------------------------- */

static int dt_is_eventfd(int fd)
{
	char path[64], link[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = '\0';
	return strstr(link, "eventfd") != NULL;
}

static void dt_chan_open(int fd, const uuid_t nx, nexus_port_t port,
    struct dt_reply *r)
{
	struct skc_channel_open co;

	memset(&co, 0, sizeof(co));
	co.co_init.ci_version = CHANNEL_INIT_CURRENT_VERSION;
	co.co_init.ci_ch_mode = CHMODE_DEFUNCT_OK;
	co.co_init.ci_ch_ring_id = CHANNEL_RING_ID_ANY;
	co.co_init.ci_nx_port = port;
	uuid_copy(co.co_init.ci_nx_uuid, nx);
	dt_req(fd, SKC_IOC_CHANNEL_OPEN, &co);
	dt_pump();
	dt_reply(fd, r);
}

static unsigned dt_chan_poll(int fd, unsigned events)
{
	struct skc_channel_poll cp;
	struct dt_reply r;

	memset(&cp, 0, sizeof(cp));
	cp.cp_events = events;
	dt_req(fd, SKC_IOC_CHANNEL_POLL, &cp);
	dt_pump();
	dt_reply(fd, &r);
	ck_assert_int_eq(r.r_msg.sm_error, 0);
	return r.r_body.channel_poll.cp_revents;
}

static int dt_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

START_TEST(test_channel_open_eventfd_wakeup)
{
	struct sk_file *ctl = kh_ctl_open();
	struct kh_chan peer;
	struct dt_reply r;
	uint64_t v;
	uuid_t nx;
	int fd = dt_connect(), evfd;
	unsigned i;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	dt_chan_open(fd, nx, 0, &r);
	ck_assert_int_eq(r.r_msg.sm_error, 0);
	ck_assert_uint_ge(r.r_body.channel_open.co_map.mp_nfds, 1);
	ck_assert_uint_eq(r.r_nfds, r.r_body.channel_open.co_map.mp_nfds + 1);
	for (i = 0; i + 1 < r.r_nfds; i++)
		ck_assert(!dt_is_eventfd(r.r_fds[i]));
	evfd = r.r_fds[r.r_nfds - 1];
	ck_assert(dt_is_eventfd(evfd));
	ck_assert(!dt_readable(evfd));

	/* Nothing to receive: not ready, and now armed. */
	ck_assert_uint_eq(dt_chan_poll(fd, POLLIN) & POLLIN, 0);
	ck_assert(!dt_readable(evfd));

	/* The peer sends: the kernel fires our waiter, the eventfd rings. */
	ck_assert_int_eq(kh_chan_open(&peer, nx, 1, CHANNEL_RING_ID_ANY), 0);
	kh_tx_put(&peer, kh_tx(&peer, 0), 60, 0x5a);
	ck_assert_int_eq(kh_sync(&peer, CHANNEL_SYNC_TX), 0);
	ck_assert(dt_readable(evfd));
	ck_assert_int_eq(read(evfd, &v, sizeof(v)), sizeof(v));
	ck_assert_uint_ge(v, 1);
	ck_assert_uint_ne(dt_chan_poll(fd, POLLIN) & POLLIN, 0);

	/* A second open on the same handle is the kernel's EBUSY, and
	 * carries no descriptors. */
	dt_close_fds(&r);
	dt_chan_open(fd, nx, 0, &r);
	ck_assert_int_eq(r.r_msg.sm_error, EBUSY);
	ck_assert_uint_eq(r.r_nfds, 0);

	close(fd);
	dt_pump();
	kh_chan_close(&peer);
	sk_file_close(ctl);
}
END_TEST

/* CHANNEL_POLL on a handle that is not a channel is refused. */
START_TEST(test_poll_not_a_channel)
{
	struct skc_channel_poll cp;
	struct dt_reply r;
	int fd = dt_connect();

	memset(&cp, 0, sizeof(cp));
	cp.cp_events = POLLIN;
	dt_req(fd, SKC_IOC_CHANNEL_POLL, &cp);
	dt_pump();
	dt_reply(fd, &r);
	ck_assert_int_ne(r.r_msg.sm_error, 0);
	close(fd);
}
END_TEST

/* ---- listening ---------------------------------------------------------- */

static char dt_dir[64];

static void dt_path(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", dt_dir, rel);
}

static void dt_mkdtemp(void)
{
	snprintf(dt_dir, sizeof(dt_dir), "/tmp/check_door_sock.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dt_dir));
}

static int dt_dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

START_TEST(test_listen_accept_unlink)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dt_reply r;
	struct stat st;
	int fd;

	dt_mkdtemp();
	dt_path(path, sizeof(path), "a/b/skchan.sock");
	ck_assert_int_eq(door_sock_listen(dt_ds, path, 0640), 0);
	ck_assert_int_eq(door_sock_listen(dt_ds, path, 0640), -EBUSY);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	fd = dt_dial(path);
	ck_assert_int_ge(fd, 0);
	dt_pump();
	ck_assert_uint_eq(dt_stats().ss_live, 1);
	dt_stats_req(fd, &r);
	close(fd);
	dt_pump();
	ck_assert_uint_eq(dt_stats().ss_live, 0);

	door_sock_free(dt_ds);
	dt_ds = door_sock_new(dt_loop);
	ck_assert_int_eq(lstat(path, &st), -1);		/* unlinked */
	ck_assert_int_eq(rmdir(dirname(strcpy(sub, path))), 0);
	dt_path(sub, sizeof(sub), "a");
	ck_assert_int_eq(rmdir(sub), 0);
	ck_assert_int_eq(rmdir(dt_dir), 0);
}
END_TEST

START_TEST(test_listen_stale_live_and_foreign)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct door_sock *other;
	char path[PATH_MAX], file[PATH_MAX];
	int s;

	dt_mkdtemp();
	dt_path(path, sizeof(path), "s.sock");
	/* Stale: bound, nobody listening. */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, path);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	ck_assert_int_eq(door_sock_listen(dt_ds, path, 0666), 0);

	/* Live: a second door must not steal it. */
	other = door_sock_new(dt_loop);
	ck_assert_int_eq(door_sock_listen(other, path, 0666), -EADDRINUSE);
	door_sock_free(other);
	ck_assert_int_ge(access(path, F_OK), 0);	/* still ours */

	/* A file that is not a socket is never removed. */
	dt_path(file, sizeof(file), "plain");
	close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	other = door_sock_new(dt_loop);
	ck_assert_int_eq(door_sock_listen(other, file, 0666), -EEXIST);
	ck_assert_int_eq(access(file, F_OK), 0);
	ck_assert_int_eq(door_sock_listen(other, "", 0666), -ENAMETOOLONG);
	memset(file, 'x', sizeof(sa.sun_path));
	file[sizeof(sa.sun_path)] = '\0';
	ck_assert_int_eq(door_sock_listen(other, file, 0666), -ENAMETOOLONG);
	door_sock_free(other);

	door_sock_free(dt_ds);
	dt_ds = door_sock_new(dt_loop);
	dt_path(file, sizeof(file), "plain");
	unlink(file);
	ck_assert_int_eq(rmdir(dt_dir), 0);
}
END_TEST

/* Out of descriptors: the pending client is shed, the door lives on. */
START_TEST(test_emfile_sheds_client)
{
	struct rlimit old, rl;
	char path[PATH_MAX];
	struct dt_reply r;
	int c1, c2, lowest;

	dt_mkdtemp();
	dt_path(path, sizeof(path), "s.sock");
	ck_assert_int_eq(door_sock_listen(dt_ds, path, 0666), 0);
	c1 = dt_dial(path);
	ck_assert_int_ge(c1, 0);
	lowest = fcntl(0, F_DUPFD, 0);
	close(lowest);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = (rlim_t)lowest;	/* no free slot left */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	dt_pump();
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	ck_assert_uint_ge(dt_stats().ss_accept_fail, 1);
	ck_assert_uint_eq(dt_stats().ss_live, 0);
	dt_assert_hung_up(c1);
	close(c1);
	/* And the next client is served. */
	c2 = dt_dial(path);
	dt_pump();
	dt_stats_req(c2, &r);
	close(c2);
	door_sock_free(dt_ds);
	dt_ds = door_sock_new(dt_loop);
	ck_assert_int_eq(rmdir(dt_dir), 0);
}
END_TEST

/* ---- fuzz --------------------------------------------------------------- */

static const uint32_t dt_cmds[] = {
	SKC_IOC_NEXUS_OPEN, SKC_IOC_NEXUS_REGISTER, SKC_IOC_NEXUS_DEREGISTER,
	SKC_IOC_NEXUS_CREATE, SKC_IOC_NEXUS_DESTROY, SKC_IOC_NEXUS_GET_OPT,
	SKC_IOC_NEXUS_SET_OPT, SKC_IOC_CHANNEL_OPEN, SKC_IOC_CHANNEL_INFO,
	SKC_IOC_CHANNEL_SYNC, SKC_IOC_CHANNEL_GET_OPT,
	SKC_IOC_CHANNEL_SET_OPT, SKC_IOC_CHANNEL_POLL, SKC_IOC_ARENA_FETCH,
	SKC_IOC_CTL_STATS,
};
#define DT_NCMDS	(sizeof(dt_cmds) / sizeof(dt_cmds[0]))

static unsigned dt_env(const char *name, unsigned dflt)
{
	const char *s = getenv(name);

	return s != NULL && *s != '\0' ? (unsigned)strtoul(s, NULL, 0) : dflt;
}

static void dt_random(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)random();
}

/* Reads and drops whatever came back, closing any descriptors. */
static void dt_drain(int fd)
{
	char cbuf[CMSG_SPACE(16 * sizeof(int))], buf[4096];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh;
	struct cmsghdr *c;
	unsigned i, n;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if (recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
			return;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			n = (unsigned)((c->cmsg_len - CMSG_LEN(0)) /
			    sizeof(int));
			for (i = 0; i < n; i++)
				close(((int *)CMSG_DATA(c))[i]);
		}
	}
}

/* One frame of junk, more or less well formed depending on r. */
static size_t dt_junk_frame(unsigned char *buf, size_t cap)
{
	struct skc_msg m;
	unsigned kind = (unsigned)random() % 4;
	uint32_t cmd = dt_cmds[(unsigned)random() % DT_NCMDS];
	size_t len;

	if (kind == 0) {		/* noise */
		len = 1 + (unsigned)random() % 64;
		dt_random(buf, len);
		return len;
	}
	m.sm_magic = SKC_MSG_MAGIC;
	m.sm_cmd = kind == 1 ? (uint32_t)random() : cmd;
	m.sm_error = kind == 1 ? (int32_t)(random() % 3) : 0;
	m.sm_len = kind == 1 ? (uint32_t)random() % 3000 : _IOC_SIZE(cmd);
	len = sizeof(m) + m.sm_len;
	if (len > cap)
		len = cap;
	memcpy(buf, &m, sizeof(m));
	dt_random(buf + sizeof(m), len - sizeof(m));
	if (kind == 3) {		/* a header the kernel accepts */
		struct skc_req_hdr h = { SKCHAN_ABI_VERSION,
		    (uint16_t)m.sm_len, 0 };

		memcpy(buf + sizeof(m), &h, sizeof(h));
	}
	return len;
}

static void dt_fuzz(unsigned seed, unsigned rounds, int framed)
{
	unsigned char buf[8192];
	unsigned i, j, frames;
	size_t n;
	int fd;

	srandom(seed);
	for (i = 0; i < rounds; i++) {
		fd = dt_connect();
		frames = 1 + (unsigned)random() % 8;
		for (j = 0; j < frames; j++) {
			if (framed) {
				n = dt_junk_frame(buf, sizeof(buf));
			} else {
				n = 1 + (unsigned)random() % sizeof(buf);
				dt_random(buf, n);
			}
			if (send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				break;
			dt_pump();
			dt_drain(fd);
		}
		close(fd);
		dt_pump();
	}
	ck_assert_uint_eq(dt_stats().ss_live, 0);
	ck_assert_uint_eq(dt_stats().ss_accepted, rounds);
}

START_TEST(test_fuzz_noise)
{
	unsigned seed = dt_env("SKCHAN_FUZZ_SEED", 12345);

	fprintf(stderr, "check_door_sock: noise fuzz seed %u\n", seed);
	dt_fuzz(seed, dt_env("SKCHAN_FUZZ_ROUNDS", 2000), 0);
	ck_assert_uint_eq(dt_kern_files(), 0);
}
END_TEST

START_TEST(test_fuzz_framed)
{
	unsigned seed = dt_env("SKCHAN_FUZZ_SEED", 54321);

	fprintf(stderr, "check_door_sock: framed fuzz seed %u\n", seed);
	dt_fuzz(seed, dt_env("SKCHAN_FUZZ_ROUNDS", 2000), 1);
	ck_assert_uint_eq(dt_kern_files(), 0);
	ck_assert_uint_gt(dt_stats().ss_requests, 0);
}
END_TEST

/* Junk aimed at a live channel handle and at its nexus's controller. */
START_TEST(test_fuzz_against_channel)
{
	unsigned char buf[8192];
	struct sk_file *ctl = kh_ctl_open();
	struct dt_reply r;
	uuid_t nx;
	unsigned i, rounds = dt_env("SKCHAN_FUZZ_ROUNDS", 2000);
	int fd;

	srandom(dt_env("SKCHAN_FUZZ_SEED", 777));
	kh_upipe(ctl, 1, 16, 1, 0, nx);
	fd = dt_connect();
	dt_chan_open(fd, nx, 0, &r);
	ck_assert_int_eq(r.r_msg.sm_error, 0);
	dt_close_fds(&r);
	for (i = 0; i < rounds && dt_stats().ss_live == 1; i++) {
		size_t n = dt_junk_frame(buf, sizeof(buf));

		if (buf[0] != (SKC_MSG_MAGIC & 0xff))
			continue;	/* keep the connection for long */
		if (send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			break;
		dt_pump();
		dt_drain(fd);
	}
	close(fd);
	dt_pump();
	ck_assert_uint_eq(dt_stats().ss_live, 0);
	sk_file_close(ctl);
}
END_TEST

static Suite *door_sock_suite(void)
{
	Suite *s = suite_create("door_sock");
	TCase *tc = tcase_create("framing");
	TCase *tch = tcase_create("channel");
	TCase *tl = tcase_create("listen");
	TCase *tf = tcase_create("fuzz");

	tcase_add_checked_fixture(tc, dt_setup, dt_teardown);
	tcase_add_test(tc, test_stats_roundtrip);
	tcase_add_test(tc, test_pipelined_and_split);
	tcase_add_test(tc, test_refusals_keep_connection);
	tcase_add_test(tc, test_bad_magic_hangs_up);
	tcase_add_test(tc, test_impossible_length_hangs_up);
	tcase_add_test(tc, test_eof_mid_frame_closes_handle);
	tcase_add_test(tc, test_slow_reader_dropped);
	tcase_add_test(tc, test_client_fds_discarded);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tch, dt_setup, dt_teardown);
	tcase_add_test(tch, test_channel_open_eventfd_wakeup);
	tcase_add_test(tch, test_poll_not_a_channel);
	suite_add_tcase(s, tch);

	tcase_add_checked_fixture(tl, dt_setup, dt_teardown);
	tcase_add_test(tl, test_listen_accept_unlink);
	tcase_add_test(tl, test_listen_stale_live_and_foreign);
	tcase_add_test(tl, test_emfile_sheds_client);
	suite_add_tcase(s, tl);

	tcase_add_checked_fixture(tf, dt_setup, dt_teardown);
	tcase_set_timeout(tf, 300);
	tcase_add_test(tf, test_fuzz_noise);
	tcase_add_test(tf, test_fuzz_framed);
	tcase_add_test(tf, test_fuzz_against_channel);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(door_sock_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
