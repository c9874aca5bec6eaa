/*
 * fake_daemon.h - the socket-door plumbing of the Check suites that play
 * cuse-dev themselves (check_door.c, check_poll.c, check_arena.c,
 * check_os_nexus.c).
 *
 * Each of those suites tests libskywalk's half of a conversation and so
 * scripts the daemon's half: what a request is answered with, which
 * descriptors ride along, when the connection hangs up.  That answering
 * differs per suite and stays in each suite as its own fk_conn_main().
 * What does not differ lives here, once: a listening Unix socket in a
 * fresh temporary directory with SKCHAN_DOOR/SKCHAN_SOCKET pointing the
 * library at it, a thread accepting connections and handing each one to
 * the suite's fk_conn_main on a thread of its own, full reads of the
 * framing (header, then sm_len bytes of body), and a sendmsg() that
 * attaches descriptors as SCM_RIGHTS the way the real socket door does.
 *
 * Everything is static: the header is included by one suite at a time
 * and is never compiled on its own.  Each Check test runs in a forked
 * child, so the listening socket and its thread die with the test; only
 * the directory entries need fk_unlisten() in the teardown.
 */
#ifndef FAKE_DAEMON_H
#define FAKE_DAEMON_H

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <skywalk/skchan_abi.h>

#define FK_MAX_FDS 16 /* descriptors one reply may carry */

static char fk_dir[64], fk_path[128];
static int fk_lfd = -1;
static void *(*fk_conn_fn)(void *);
static int fk_quiet; /* daemon threads block every signal */

/* Read exactly len bytes; -1 on EOF or error (the client went away). */
static int
fk_read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Read one request: the header into m, then its m->sm_len bytes of body
 * into body (cap bytes).  -1 when the client went away or the body would
 * not fit: the connection is then over.
 */
static int
fk_read_msg(int fd, struct skc_msg *m, void *body, size_t cap)
{
	if (fk_read_all(fd, m, sizeof(*m)) != 0 || m->sm_len > cap)
		return -1;
	return fk_read_all(fd, body, m->sm_len);
}

/* Attach nfds descriptors to mh as one SCM_RIGHTS message, in cm. */
static void
fk_attach_fds(struct msghdr *mh, void *cm, const int *fds, int nfds)
{
	struct cmsghdr *c;

	mh->msg_control = cm;
	mh->msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
}

/*
 * One sendmsg() of a, then b (blen may be 0), with nfds descriptors.
 * Two parts so a suite can keep its body buffer aligned apart from the
 * header.  Returns what sendmsg() returned: each suite judges it itself.
 */
static ssize_t
fk_sendmsg(int fd, const void *a, size_t alen, const void *b, size_t blen,
	   const int *fds, int nfds)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * FK_MAX_FDS)];
	} cm;
	struct iovec iov[2] = {{(void *)a, alen}, {(void *)b, blen}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = blen > 0 ? 2 : 1};

	if (nfds > FK_MAX_FDS)
		abort();
	memset(&cm, 0, sizeof(cm));
	if (nfds > 0 && fds != NULL)
		fk_attach_fds(&mh, cm.b, fds, nfds);
	return sendmsg(fd, &mh, MSG_NOSIGNAL);
}

/* Signals are for the client under test, never for a daemon thread. */
static void
fk_block_signals(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

static void *
fk_accept_main(void *arg)
{
	pthread_t t;
	int fd;

	(void)arg;
	if (fk_quiet)
		fk_block_signals();
	while ((fd = accept(fk_lfd, NULL, NULL)) >= 0) {
		pthread_create(&t, NULL, fk_conn_fn, (void *)(intptr_t)fd);
		pthread_detach(t);
	}
	return NULL;
}

/*
 * Listen on <mkdtemp(tmpl)>/skchan.sock, serve each connection with
 * conn_main, and point the library's socket door at it.  quiet: the
 * accept thread blocks all signals (conn_main does its own).
 */
static void
fk_listen(const char *tmpl, void *(*conn_main)(void *), int quiet)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	pthread_t t;

	fk_conn_fn = conn_main;
	fk_quiet = quiet;
	ck_assert_uint_lt(strlen(tmpl), sizeof(fk_dir));
	strcpy(fk_dir, tmpl);
	ck_assert_ptr_nonnull(mkdtemp(fk_dir));
	snprintf(fk_path, sizeof(fk_path), "%s/skchan.sock", fk_dir);
	strcpy(sun.sun_path, fk_path);
	fk_lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fk_lfd, 0);
	ck_assert_int_eq(bind(fk_lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fk_lfd, 16), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, fk_accept_main, NULL), 0);
	pthread_detach(t);
	setenv("SKCHAN_DOOR", "socket", 1);
	setenv("SKCHAN_SOCKET", fk_path, 1);
}

/* The teardown's half: the socket's name and its directory. */
static void
fk_unlisten(void)
{
	unlink(fk_path);
	rmdir(fk_dir);
}

#endif /* FAKE_DAEMON_H */
