/*
 * check_door.c - libos/door.c and libos/fdtab.c, and the descriptor
 * half of libos/syscalls.c (__nexus_open, guarded_close_np, ENODEV/EBADF,
 * close-on-fork, the shared controller), with no daemon: a fake one
 * written here listens on a socket in a private temp directory and
 * serves each connection from its own thread.
 *
 * Covered: door selection (SKCHAN_DOOR cuse|socket|auto, SKCHAN_DEVICE,
 * SKCHAN_SOCKET); the single "cannot reach" line naming both attempts,
 * printed once per process, errno ENXIO; socket framing both ways (magic,
 * command, length, header version and size); the daemon's errno passed
 * through; descriptors arriving with a reply (close-on-exec, surplus
 * closed); replies in one-byte pieces; replies slowed while signals
 * interrupt the reader; malformed replies (EIO, then the handle is dead);
 * the daemon hanging up (ENXIO); guards; fork.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <skywalk/os_skywalk_private.h>
#include <skywalk/skchan_abi.h>

#include "../../libos/door.h"
#include "fake_daemon.h"

/* ---- the fake daemon ------------------------------------------------------
 */

enum fk_mode {
	FK_NORMAL,
	FK_BYTEWISE,  /* reply one byte per write, slowly */
	FK_BAD_MAGIC, /* reply with a wrong magic */
	FK_HANGUP,    /* close the connection instead of replying */
	FK_SLOW,      /* wait 200 ms before replying */
};

static enum fk_mode fk_mode;
static int fk_errno;	/* sm_error of every reply */
static int fk_send_fds; /* descriptors attached to each reply */
static struct skc_msg fk_last_msg;
static struct skc_req_hdr fk_last_hdr;
static int fk_opens; /* NEXUS_OPEN requests served */
static pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;

/* Reply bytes, with nfds fresh eventfds standing in for the memfds. */
static void
fk_send(int fd, const void *buf, size_t len, int nfds)
{
	int fds[FK_MAX_FDS], i;

	for (i = 0; i < nfds; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(fk_sendmsg(fd, buf, len, NULL, 0, fds, nfds),
			 (ssize_t)len);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

static void
fk_reply(int fd, struct skc_msg *m, unsigned char *body)
{
	unsigned char out[sizeof(*m) + 4096];
	size_t len = sizeof(*m) + m->sm_len, i;

	m->sm_error = fk_errno;
	if (fk_mode == FK_BAD_MAGIC)
		m->sm_magic = 0xdeadbeef;
	memcpy(out, m, sizeof(*m));
	memcpy(out + sizeof(*m), body, m->sm_len);
	if (fk_mode == FK_SLOW)
		usleep(200000);
	if (fk_mode != FK_BYTEWISE) {
		fk_send(fd, out, len, fk_send_fds);
		return;
	}
	for (i = 0; i < len; i++) {
		fk_send(fd, out + i, 1, i == 0 ? fk_send_fds : 0);
		usleep(200);
	}
}

static void *
fk_conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	unsigned char body[4096];
	struct skc_msg m;

	fk_block_signals();

	while (fk_read_msg(fd, &m, body, sizeof(body)) == 0) {
		pthread_mutex_lock(&fk_lock);
		fk_last_msg = m;
		memcpy(&fk_last_hdr, body, sizeof(fk_last_hdr));
		fk_opens += m.sm_cmd == SKC_IOC_NEXUS_OPEN;
		pthread_mutex_unlock(&fk_lock);
		if (fk_mode == FK_HANGUP)
			break;
		fk_reply(fd, &m, body);
	}
	close(fd);
	return NULL;
}

static void
setup(void)
{
	fk_mode = FK_NORMAL;
	fk_errno = 0;
	fk_send_fds = 0;
	fk_opens = 0;
	fk_listen("/tmp/check_door.XXXXXX", fk_conn_main, 1);
	setenv("SKCHAN_DEVICE", "/nonexistent/skchan-dev", 1);
}

static void
teardown(void)
{
	fk_unlisten();
}

/* ---- helpers --------------------------------------------------------------
 */

/* Run fn with stderr captured into buf. */
static void
capture_stderr(void (*fn)(void), char *buf, size_t len)
{
	char path[] = "/tmp/check_door_err.XXXXXX";
	int tmp = mkstemp(path), saved = dup(2);
	ssize_t n;

	ck_assert_int_ge(tmp, 0);
	unlink(path);
	dup2(tmp, 2);
	fn();
	dup2(saved, 2);
	close(saved);
	n = pread(tmp, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(tmp);
}

static int
count_open_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static int
ctl_open(uint64_t *guard)
{
	struct nxctl_init init = {.ni_version = NEXUSCTL_INIT_CURRENT_VERSION};
	int fd = __nexus_open(&init, sizeof(init));

	if (guard != NULL)
		*guard = init.ni_guard;
	return fd;
}

/* A raw exchange on a fresh socket-door handle. */
static int
raw_sync_call(int *fdp, struct udoor_fds *fds)
{
	struct skc_channel_sync req = {.cs_mode = 1, .cs_flags = 2};
	enum udoor_kind kind;
	int fd = udoor_open(&kind);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kind, UDOOR_SOCKET);
	*fdp = fd;
	udoor_hdr_init(&req.cs_hdr, sizeof(req));
	return udoor_call(fd, kind, SKC_IOC_CHANNEL_SYNC, &req, fds);
}

/* ---- door selection ---------------------------------------------------------
 */

START_TEST(test_socket_door_selected)
{
	enum udoor_kind kind = UDOOR_NONE;
	int fd = udoor_open(&kind);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kind, UDOOR_SOCKET);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
}
END_TEST

START_TEST(test_auto_falls_back_to_socket)
{
	enum udoor_kind kind = UDOOR_NONE;
	int fd;

	setenv("SKCHAN_DOOR", "auto", 1);
	fd = udoor_open(&kind);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kind, UDOOR_SOCKET);
	close(fd);
	unsetenv("SKCHAN_DOOR"); /* default is auto */
	fd = udoor_open(&kind);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kind, UDOOR_SOCKET);
	close(fd);
}
END_TEST

/* auto prefers the device whenever it opens (here: any openable file). */
START_TEST(test_auto_prefers_device)
{
	char dev[128];
	enum udoor_kind kind = UDOOR_NONE;
	int fd;

	snprintf(dev, sizeof(dev), "%s/fake-dev", fk_dir);
	close(open(dev, O_CREAT | O_RDWR, 0600));
	setenv("SKCHAN_DOOR", "auto", 1);
	setenv("SKCHAN_DEVICE", dev, 1);
	fd = udoor_open(&kind);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kind, UDOOR_CUSE);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
	unlink(dev);
}
END_TEST

static int nd_rc, nd_errno;

static void
nd_open(void)
{
	enum udoor_kind kind;

	nd_rc = udoor_open(&kind);
	nd_errno = errno;
}

START_TEST(test_neither_door_one_line)
{
	char err[1024];

	setenv("SKCHAN_DOOR", "auto", 1);
	setenv("SKCHAN_SOCKET", "/nonexistent/skchan.sock", 1);
	capture_stderr(nd_open, err, sizeof(err));
	ck_assert_int_eq(nd_rc, -1);
	ck_assert_int_eq(nd_errno, ENXIO);
	ck_assert_str_eq(
	    err,
	    "libskywalk: cannot reach cuse-dev: "
	    "/nonexistent/skchan-dev: No such file or directory; "
	    "socket /nonexistent/skchan.sock: No such file or directory\n");
	/* once per process */
	capture_stderr(nd_open, err, sizeof(err));
	ck_assert_int_eq(nd_rc, -1);
	ck_assert_int_eq(nd_errno, ENXIO);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_refused_socket_named)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char err[1024], path[128], want[512];
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	/* a socket file nobody listens on: ECONNREFUSED */
	snprintf(path, sizeof(path), "%s/dead.sock", fk_dir);
	strcpy(sun.sun_path, path);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(s);
	setenv("SKCHAN_DOOR", "socket", 1);
	setenv("SKCHAN_SOCKET", path, 1);
	capture_stderr(nd_open, err, sizeof(err));
	ck_assert_int_eq(nd_rc, -1);
	ck_assert_int_eq(nd_errno, ENXIO);
	snprintf(want, sizeof(want),
		 "libskywalk: cannot reach cuse-dev: "
		 "socket %s: Connection refused\n",
		 path);
	ck_assert_str_eq(err, want);
	unlink(path);
}
END_TEST

START_TEST(test_cuse_only_names_device)
{
	char err[1024];

	setenv("SKCHAN_DOOR", "cuse", 1);
	capture_stderr(nd_open, err, sizeof(err));
	ck_assert_int_eq(nd_rc, -1);
	ck_assert_int_eq(nd_errno, ENXIO);
	ck_assert_str_eq(
	    err, "libskywalk: cannot reach cuse-dev: "
		 "/nonexistent/skchan-dev: No such file or directory\n");
}
END_TEST

static void
nd_ctl_create(void)
{
	nexus_controller_t ncd = os_nexus_controller_create();

	nd_rc = ncd == NULL ? -1 : 0;
	nd_errno = errno;
	os_nexus_controller_destroy(ncd);
}

/* The public API reports a missing daemon as NULL + ENXIO. */
START_TEST(test_controller_create_no_daemon)
{
	char err[1024];

	setenv("SKCHAN_SOCKET", "/nonexistent/skchan.sock", 1);
	capture_stderr(nd_ctl_create, err, sizeof(err));
	ck_assert_int_eq(nd_rc, -1);
	ck_assert_int_eq(nd_errno, ENXIO);
	ck_assert_ptr_nonnull(strstr(err, "cannot reach cuse-dev"));
}
END_TEST

START_TEST(test_socket_path_too_long)
{
	char longpath[300], err[1024];

	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	setenv("SKCHAN_SOCKET", longpath, 1);
	capture_stderr(nd_open, err, sizeof(err));
	ck_assert_int_eq(nd_errno, ENXIO);
	ck_assert_ptr_nonnull(strstr(err, "File name too long"));
}
END_TEST

/* ---- framing ---------------------------------------------------------------
 */

START_TEST(test_frame_fields)
{
	int fd;

	ck_assert_int_eq(raw_sync_call(&fd, NULL), 0);
	ck_assert_uint_eq(fk_last_msg.sm_magic, SKC_MSG_MAGIC);
	ck_assert_uint_eq(fk_last_msg.sm_cmd, SKC_IOC_CHANNEL_SYNC);
	ck_assert_int_eq(fk_last_msg.sm_error, 0);
	ck_assert_uint_eq(fk_last_msg.sm_len, sizeof(struct skc_channel_sync));
	ck_assert_uint_eq(fk_last_hdr.rh_version, SKCHAN_ABI_VERSION);
	ck_assert_uint_eq(fk_last_hdr.rh_size, sizeof(struct skc_channel_sync));
	ck_assert_uint_eq(fk_last_hdr.rh_flags, 0);
	close(fd);
}
END_TEST

START_TEST(test_daemon_errno_passed)
{
	int fd;

	fk_errno = EDOM;
	errno = 0;
	ck_assert_int_eq(raw_sync_call(&fd, NULL), -1);
	ck_assert_int_eq(errno, EDOM);
	close(fd);
}
END_TEST

START_TEST(test_reply_fds_received)
{
	struct udoor_fds fds;
	unsigned i;
	int fd;

	fk_send_fds = 3;
	ck_assert_int_eq(raw_sync_call(&fd, &fds), 0);
	ck_assert_uint_eq(fds.df_count, 3);
	for (i = 0; i < fds.df_count; i++)
		ck_assert_int_ne(fcntl(fds.df_fd[i], F_GETFD) & FD_CLOEXEC, 0);
	udoor_fds_close(&fds);
	ck_assert_uint_eq(fds.df_count, 0);
	close(fd);
}
END_TEST

/*
 * Unwanted descriptors are closed; more than a reply can carry fails the
 * call (EIO: the reply was cut) and leaks nothing either.  The fake
 * daemon lives in this process, so counts are taken once it settled.
 */
static int
settled_fd_count(void)
{
	usleep(100000);
	return count_open_fds();
}

START_TEST(test_reply_fds_unwanted_closed)
{
	int fd, before;

	fk_send_fds = 3;
	before = settled_fd_count();
	ck_assert_int_eq(raw_sync_call(&fd, NULL), 0);
	close(fd);
	ck_assert_int_eq(settled_fd_count(), before);
}
END_TEST

START_TEST(test_reply_fds_too_many)
{
	int fd, before;

	fk_send_fds = UDOOR_FDS_MAX + 3;
	before = settled_fd_count();
	errno = 0;
	ck_assert_int_eq(raw_sync_call(&fd, NULL), -1);
	ck_assert_int_eq(errno, EIO);
	close(fd);
	ck_assert_int_eq(settled_fd_count(), before);
}
END_TEST

START_TEST(test_reply_fds_closed_on_error)
{
	int fd, before;

	fk_send_fds = 2;
	fk_errno = EIO;
	before = settled_fd_count();
	ck_assert_int_eq(raw_sync_call(&fd, NULL), -1);
	close(fd);
	ck_assert_int_eq(settled_fd_count(), before);
}
END_TEST

START_TEST(test_bytewise_reply)
{
	struct udoor_fds fds;
	int fd;

	fk_mode = FK_BYTEWISE;
	fk_send_fds = 2;
	ck_assert_int_eq(raw_sync_call(&fd, &fds), 0);
	ck_assert_uint_eq(fds.df_count, 2);
	udoor_fds_close(&fds);
	close(fd);
}
END_TEST

static void
on_alarm(int sig)
{
	(void)sig;
}

/* A signal handler without SA_RESTART firing mid-exchange changes nothing. */
START_TEST(test_eintr_retried)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	struct itimerval it = {{0, 10000}, {0, 10000}};
	int fd;

	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	fk_mode = FK_SLOW;
	setitimer(ITIMER_REAL, &it, NULL);
	ck_assert_int_eq(raw_sync_call(&fd, NULL), 0);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	close(fd);
}
END_TEST

START_TEST(test_bad_magic_eio_then_dead)
{
	struct skc_channel_sync req;
	int fd;

	fk_mode = FK_BAD_MAGIC;
	errno = 0;
	ck_assert_int_eq(raw_sync_call(&fd, NULL), -1);
	ck_assert_int_eq(errno, EIO);
	fk_mode = FK_NORMAL;
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.cs_hdr, sizeof(req));
	ck_assert_int_eq(
	    udoor_call(fd, UDOOR_SOCKET, SKC_IOC_CHANNEL_SYNC, &req, NULL), -1);
	ck_assert_int_eq(errno, ENXIO);
	close(fd);
}
END_TEST

START_TEST(test_hangup_enxio)
{
	struct skc_channel_sync req;
	int fd;

	fk_mode = FK_HANGUP;
	errno = 0;
	ck_assert_int_eq(raw_sync_call(&fd, NULL), -1);
	ck_assert_int_eq(errno, ENXIO);
	/* and again on the same handle: the write side now fails (EPIPE,
	 * without a SIGPIPE killing us) */
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.cs_hdr, sizeof(req));
	ck_assert_int_eq(
	    udoor_call(fd, UDOOR_SOCKET, SKC_IOC_CHANNEL_SYNC, &req, NULL), -1);
	ck_assert_int_eq(errno, ENXIO);
	close(fd);
}
END_TEST

START_TEST(test_cuse_door_uses_ioctl)
{
	struct skc_channel_sync req;
	char dev[128];
	int fd = -1;

	snprintf(dev, sizeof(dev), "%s/fake-dev", fk_dir);
	close(open(dev, O_CREAT | O_RDWR, 0600));
	fd = open(dev, O_RDWR);
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.cs_hdr, sizeof(req));
	/* a regular file has no such ioctl: the kernel's errno comes back */
	ck_assert_int_eq(
	    udoor_call(fd, UDOOR_CUSE, SKC_IOC_CHANNEL_SYNC, &req, NULL), -1);
	ck_assert_int_eq(errno, ENOTTY);
	close(fd);
	unlink(dev);
}
END_TEST

/* ---- handles and guards
 * -------------------------------------------------------- */

START_TEST(test_nexus_open_args)
{
	struct nxctl_init init = {.ni_version = NEXUSCTL_INIT_CURRENT_VERSION};

	ck_assert_int_eq(__nexus_open(NULL, sizeof(init)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(__nexus_open(&init, sizeof(init) - 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	init.ni_version = 2;
	ck_assert_int_eq(__nexus_open(&init, sizeof(init)), -1);
	ck_assert_int_eq(errno, ENOTSUP);
	ck_assert_int_eq(fk_opens, 0);
}
END_TEST

START_TEST(test_guarded_close)
{
	uint64_t guard, bad;
	int fd = ctl_open(&guard);
	int plain = open("/dev/null", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_ne(guard, 0);
	bad = guard + 1;
	ck_assert_int_eq(guarded_close_np(fd, NULL), -1);
	ck_assert_int_eq(errno, EFAULT);
	ck_assert_int_eq(guarded_close_np(fd, &bad), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0); /* still open */
	ck_assert_int_eq(guarded_close_np(fd, &guard), 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1); /* closed */
	ck_assert_int_eq(guarded_close_np(fd, &guard), -1);
	ck_assert_int_eq(errno, EBADF);
	/* an fd that is open but carries no guard */
	ck_assert_int_eq(guarded_close_np(plain, &guard), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(plain);
}
END_TEST

START_TEST(test_guards_differ)
{
	uint64_t g1, g2;
	int a = ctl_open(&g1), b = ctl_open(&g2);

	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_uint_ne(g1, g2);
	ck_assert_int_eq(guarded_close_np(a, &g1), 0);
	ck_assert_int_eq(guarded_close_np(b, &g2), 0);
}
END_TEST

START_TEST(test_wrong_kind_enodev)
{
	struct ch_info ci;
	uint64_t guard;
	int fd = ctl_open(&guard);
	int plain = open("/dev/null", O_RDONLY);
	uuid_t u;

	ck_assert_int_eq(__channel_get_info(fd, &ci, sizeof(ci)), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(__channel_sync(fd, 0, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(__nexus_create(plain, u, sizeof(u), &u, sizeof(u)),
			 -1);
	ck_assert_int_eq(errno, ENODEV);
	close(plain);
	ck_assert_int_eq(__channel_sync(plain, 0, 0), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(__channel_sync(-5, 0, 0), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(guarded_close_np(fd, &guard), 0);
	/* closed: its number is no longer a controller */
	ck_assert_int_eq(__nexus_destroy(fd, u, sizeof(u)), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

/* Closed with close(2) and the number reused: never sent a frame. */
START_TEST(test_stale_fd_not_used)
{
	struct nx_unbind_req nur;
	uint64_t guard;
	int fd = ctl_open(&guard), sv[2];
	char c;

	ck_assert_int_ge(fd, 0);
	close(fd); /* behind libos's back */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(dup2(sv[0], fd), fd);
	memset(&nur, 0, sizeof(nur));
	ck_assert_int_eq(
	    __nexus_set_opt(fd, NXOPT_NEXUS_UNBIND, &nur, sizeof(nur)), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(recv(sv[1], &c, 1, MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN); /* nothing was written */
	close(fd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* XNU's controller and channel fds are close-on-fork. */
START_TEST(test_close_on_fork)
{
	uint64_t guard;
	int fd = ctl_open(&guard), st;
	pid_t pid;

	ck_assert_int_ge(fd, 0);
	pid = fork();
	if (pid == 0)
		_exit(fcntl(fd, F_GETFD) < 0 && errno == EBADF ? 0 : 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0); /* parent keeps it */
	ck_assert_int_eq(guarded_close_np(fd, &guard), 0);
}
END_TEST

/* fork() while other threads hammer the door must not deadlock the child. */
static volatile int hammer_stop;

static void *
hammer(void *arg)
{
	struct skc_channel_sync req;
	int fd = *(int *)arg;

	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.cs_hdr, sizeof(req));
	while (!hammer_stop)
		udoor_call(fd, UDOOR_SOCKET, SKC_IOC_CHANNEL_SYNC, &req, NULL);
	return NULL;
}

START_TEST(test_fork_while_busy)
{
	uint64_t guard;
	int fd = ctl_open(&guard), i, st;
	pthread_t t[2];
	pid_t pid;

	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, hammer, &fd);
	for (i = 0; i < 20; i++) {
		pid = fork();
		if (pid == 0) {
			int c = ctl_open(NULL); /* the child can use libos */
			_exit(c >= 0 ? 0 : 1);
		}
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	hammer_stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(guarded_close_np(fd, &guard), 0);
}
END_TEST

/* __nexus_set_opt(-1) opens one shared controller, once. */
START_TEST(test_shared_controller)
{
	struct nx_unbind_req nur;

	memset(&nur, 0, sizeof(nur));
	ck_assert_int_eq(
	    __nexus_set_opt(-1, NXOPT_NEXUS_UNBIND, &nur, sizeof(nur)), 0);
	ck_assert_int_eq(
	    __nexus_set_opt(-1, NXOPT_NEXUS_UNBIND, &nur, sizeof(nur)), 0);
	ck_assert_int_eq(fk_opens, 1);
	ck_assert_int_eq(
	    __nexus_set_opt(-2, NXOPT_NEXUS_UNBIND, &nur, sizeof(nur)), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

/* ---- fdtab
 * ------------------------------------------------------------------------- */

START_TEST(test_fdtab_basics)
{
	struct fdt_ent e = {.fe_type = FDT_CHANNEL,
			    .fe_door = UDOOR_SOCKET,
			    .fe_guard = 42,
			    .fe_evfd = -1},
		       got;
	int sv[2];
	unsigned before = fdt_sock_channels();

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fdt_insert(sv[0], &e), 0);
	ck_assert_uint_eq(fdt_sock_channels(), before + 1);
	ck_assert_int_eq(fdt_lookup(sv[0], &got), 0);
	ck_assert_uint_eq(got.fe_guard, 42);
	ck_assert(fdt_same_file(sv[0], &got));
	ck_assert(!fdt_same_file(sv[1], &got));
	ck_assert_int_eq(fdt_lookup(sv[1], &got), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(fdt_remove(sv[0], 41, &got), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(fdt_remove(sv[0], 42, &got), 0);
	ck_assert_uint_eq(fdt_sock_channels(), before);
	ck_assert_int_eq(fdt_insert(-1, &e), -1);
	ck_assert_int_eq(errno, EBADF);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A high fd number grows the table. */
START_TEST(test_fdtab_high_fd)
{
	struct fdt_ent e = {.fe_type = FDT_CONTROLLER,
			    .fe_door = UDOOR_CUSE,
			    .fe_guard = 7,
			    .fe_evfd = -1},
		       got;
	int fd = fcntl(0, F_DUPFD, 900);

	ck_assert_int_ge(fd, 900);
	ck_assert_int_eq(fdt_insert(fd, &e), 0);
	ck_assert_int_eq(fdt_lookup(fd, &got), 0);
	ck_assert_int_eq(got.fe_type, FDT_CONTROLLER);
	ck_assert_int_eq(fdt_remove(fd, 7, &got), 0);
	close(fd);
}
END_TEST

START_TEST(test_guard_nonzero_random)
{
	uint64_t a = fdt_new_guard(), b = fdt_new_guard();

	ck_assert_uint_ne(a, 0);
	ck_assert_uint_ne(b, 0);
	ck_assert_uint_ne(a, b);
}
END_TEST

static Suite *
door_suite(void)
{
	Suite *s = suite_create("door");
	TCase *sel = tcase_create("selection");
	TCase *frm = tcase_create("framing");
	TCase *hdl = tcase_create("handles");

	tcase_add_checked_fixture(sel, setup, teardown);
	tcase_add_test(sel, test_socket_door_selected);
	tcase_add_test(sel, test_auto_falls_back_to_socket);
	tcase_add_test(sel, test_auto_prefers_device);
	tcase_add_test(sel, test_neither_door_one_line);
	tcase_add_test(sel, test_refused_socket_named);
	tcase_add_test(sel, test_cuse_only_names_device);
	tcase_add_test(sel, test_controller_create_no_daemon);
	tcase_add_test(sel, test_socket_path_too_long);
	suite_add_tcase(s, sel);

	tcase_add_checked_fixture(frm, setup, teardown);
	tcase_add_test(frm, test_frame_fields);
	tcase_add_test(frm, test_daemon_errno_passed);
	tcase_add_test(frm, test_reply_fds_received);
	tcase_add_test(frm, test_reply_fds_unwanted_closed);
	tcase_add_test(frm, test_reply_fds_too_many);
	tcase_add_test(frm, test_reply_fds_closed_on_error);
	tcase_add_test(frm, test_bytewise_reply);
	tcase_add_test(frm, test_eintr_retried);
	tcase_add_test(frm, test_bad_magic_eio_then_dead);
	tcase_add_test(frm, test_hangup_enxio);
	tcase_add_test(frm, test_cuse_door_uses_ioctl);
	suite_add_tcase(s, frm);

	tcase_add_checked_fixture(hdl, setup, teardown);
	tcase_set_timeout(hdl, 30);
	tcase_add_test(hdl, test_nexus_open_args);
	tcase_add_test(hdl, test_guarded_close);
	tcase_add_test(hdl, test_guards_differ);
	tcase_add_test(hdl, test_wrong_kind_enodev);
	tcase_add_test(hdl, test_stale_fd_not_used);
	tcase_add_test(hdl, test_close_on_fork);
	tcase_add_test(hdl, test_fork_while_busy);
	tcase_add_test(hdl, test_shared_controller);
	tcase_add_test(hdl, test_fdtab_basics);
	tcase_add_test(hdl, test_fdtab_high_fd);
	tcase_add_test(hdl, test_guard_nonzero_random);
	suite_add_tcase(s, hdl);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(door_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
