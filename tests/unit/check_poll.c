/*
 * check_poll.c - libos/poll.c: poll, ppoll, select and pselect on
 * socket-door channels, against a fake daemon that scripts each
 * channel's readiness and writes its wakeup eventfd the way cuse-dev's
 * socket door does (once per arming, when readiness may have changed).
 *
 * Covered: the fast path (no channel: libc's behaviour, untouched);
 * revents exactly the daemon's bits; timeouts (0, finite, across
 * wakeups); a wakeup ending the wait; a spurious wakeup not ending it;
 * channels mixed with ordinary fds (either ready first); negative fds
 * and no-interest entries; two channels; the daemon hanging up; an fd
 * closed behind libos's back and reused; select's set mapping, EBADF
 * and remaining-time update; ppoll/pselect signal masks (EINTR);
 * __poll_chk; concurrent pollers on one channel.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <skywalk/os_skywalk_private.h>
#include <skywalk/skchan_abi.h>

#include "../../libos/door.h"
#include "fake_daemon.h"

int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);

/* ---- the fake daemon ---------------------------------------------------- */

#define FK_CHANS 4

struct fk_chan {
	int fc_evfd;	   /* the daemon's copy of the wakeup eventfd */
	unsigned fc_ready; /* poll bits that are ready */
	int fc_armed;
	int fc_polls;  /* CHANNEL_POLL requests seen */
	int fc_hangup; /* close instead of answering a poll */
};

static struct fk_chan fk_ch[FK_CHANS];
static int fk_nch;
static pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;

static void
fk_wake(struct fk_chan *c)
{
	uint64_t one = 1;

	if (write(c->fc_evfd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* Change a channel's readiness; wakes it if it was armed. */
static void
fk_set_ready(int i, unsigned ready)
{
	struct fk_chan *c = &fk_ch[i];

	pthread_mutex_lock(&fk_lock);
	c->fc_ready = ready;
	if (c->fc_armed) {
		c->fc_armed = 0;
		fk_wake(c);
	}
	pthread_mutex_unlock(&fk_lock);
}

static int
fk_polls(int i)
{
	int n;

	pthread_mutex_lock(&fk_lock);
	n = fk_ch[i].fc_polls;
	pthread_mutex_unlock(&fk_lock);
	return n;
}

/* One page of memfd, one region, and the eventfd after it. */
static int
fk_open(struct skc_channel_open *co, int fds[2])
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int i;

	memset(&co->co_map, 0, sizeof(co->co_map));
	co->co_map.mp_span_size = pg;
	co->co_map.mp_nfds = 1;
	co->co_map.mp_nregions = 1;
	co->co_map.mp_regions[0] =
	    (struct skc_map_region){.mr_fd = 0,
				    .mr_prot = SKC_PROT_READ | SKC_PROT_WRITE,
				    .mr_len = pg};
	fds[0] = memfd_create("check_poll", MFD_CLOEXEC);
	if (ftruncate(fds[0], (off_t)pg) < 0)
		abort();
	fds[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_lock(&fk_lock);
	i = fk_nch++;
	fk_ch[i].fc_evfd = dup(fds[1]);
	pthread_mutex_unlock(&fk_lock);
	return i;
}

/* CHANNEL_POLL: what sk_file_poll(arm=1) does.  -1: hang up. */
static int
fk_poll(int i, struct skc_channel_poll *cp)
{
	struct fk_chan *c = &fk_ch[i];
	int hang;

	pthread_mutex_lock(&fk_lock);
	c->fc_polls++;
	hang = c->fc_hangup;
	cp->cp_revents = cp->cp_events & c->fc_ready;
	if (cp->cp_revents == 0)
		c->fc_armed = 1;
	pthread_mutex_unlock(&fk_lock);
	return hang ? -1 : 0;
}

static void *
fk_conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg, ch = -1, fds[2], nfds;
	unsigned char out[sizeof(struct skc_msg) + 4096];
	unsigned char *body = out + sizeof(struct skc_msg);
	struct skc_msg m;

	while (fk_read_msg(fd, &m, body, 4096) == 0) {
		nfds = 0;
		m.sm_error = 0;
		if (m.sm_cmd == SKC_IOC_CHANNEL_OPEN) {
			ch = fk_open((void *)body, fds);
			nfds = 2;
		} else if (m.sm_cmd == SKC_IOC_CHANNEL_POLL && ch >= 0 &&
			   fk_poll(ch, (void *)body) < 0)
			break;
		memcpy(out, &m, sizeof(m));
		(void)fk_sendmsg(fd, out, sizeof(m) + m.sm_len, NULL, 0, fds,
				  nfds);
		while (nfds > 0)
			close(fds[--nfds]);
	}
	close(fd);
	return NULL;
}

static void
setup(void)
{
	memset(fk_ch, 0, sizeof(fk_ch));
	fk_nch = 0;
	fk_listen("/tmp/check_poll.XXXXXX", fk_conn_main, 0);
}

static void
teardown(void)
{
	fk_unlisten();
}

/* ---- helpers ----------------------------------------------------------------
 */

struct chan {
	int c_fd;
	guardid_t c_guard;
};

static struct chan
chan_open(void)
{
	struct ch_init ci;
	struct chan c;

	memset(&ci, 0, sizeof(ci));
	ci.ci_version = CHANNEL_INIT_CURRENT_VERSION;
	uuid_generate(ci.ci_nx_uuid);
	c.c_fd = __channel_open(&ci, sizeof(ci));
	ck_assert_int_ge(c.c_fd, 0);
	c.c_guard = ci.ci_guard;
	return c;
}

static void
chan_close(struct chan *c)
{
	ck_assert_int_eq(guarded_close_np(c->c_fd, &c->c_guard), 0);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static struct timespec
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

/* Later, from another thread: make channel i ready, or just wake it. */
struct later {
	int l_ms;
	int l_chan;
	unsigned l_ready;
	int l_spurious;
	pthread_t l_kill; /* or send SIGUSR1 to this thread */
	int l_signal;
};

static void *
later_main(void *arg)
{
	struct later *l = arg;

	usleep((useconds_t)l->l_ms * 1000);
	if (l->l_signal)
		pthread_kill(l->l_kill, SIGUSR1);
	else if (l->l_spurious)
		fk_wake(&fk_ch[l->l_chan]);
	else
		fk_set_ready(l->l_chan, l->l_ready);
	return NULL;
}

static pthread_t
later(struct later *l)
{
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, later_main, l), 0);
	return t;
}

/* ---- fast path
 * ----------------------------------------------------------------- */

START_TEST(test_fast_path_plain_fds)
{
	struct pollfd p[2];
	struct timeval tv = {0, 0};
	int pfd[2];
	fd_set r;

	ck_assert_uint_eq(fdt_sock_channels(), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	p[0] = (struct pollfd){pfd[0], POLLIN, 0};
	p[1] = (struct pollfd){pfd[1], POLLOUT, 0};
	ck_assert_int_eq(poll(p, 2, 0), 1);
	ck_assert_int_eq(p[1].revents, POLLOUT);
	ck_assert_int_eq(write(pfd[1], "x", 1), 1);
	ck_assert_int_eq(poll(p, 1, 1000), 1);
	ck_assert_int_eq(p[0].revents, POLLIN);
	FD_ZERO(&r);
	FD_SET(pfd[0], &r);
	ck_assert_int_eq(select(pfd[0] + 1, &r, NULL, NULL, &tv), 1);
	ck_assert(FD_ISSET(pfd[0], &r));
	close(pfd[0]);
	close(pfd[1]);
}
END_TEST

/* ---- poll
 * ------------------------------------------------------------------------ */

START_TEST(test_ready_exact_bits)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLWRNORM, 0};

	ck_assert_uint_eq(fdt_sock_channels(), 1);
	fk_set_ready(0, POLLOUT | POLLWRNORM | POLLIN | POLLRDNORM);
	ck_assert_int_eq(poll(&p, 1, -1), 1);
	ck_assert_int_eq(p.revents, POLLWRNORM);
	ck_assert_int_eq(fk_polls(0), 1);
	p.events = POLLRDNORM;
	ck_assert_int_eq(poll(&p, 1, -1), 1);
	ck_assert_int_eq(p.revents, POLLRDNORM);
	chan_close(&c);
	ck_assert_uint_eq(fdt_sock_channels(), 0);
}
END_TEST

START_TEST(test_timeout_zero)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLIN, 0};
	struct timespec t0 = now();

	ck_assert_int_eq(poll(&p, 1, 0), 0);
	ck_assert_int_eq(p.revents, 0);
	ck_assert_int_lt(ms_since(&t0), 50);
	chan_close(&c);
}
END_TEST

START_TEST(test_timeout_expires)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLIN, 0};
	struct timespec t0 = now();
	long ms;

	ck_assert_int_eq(poll(&p, 1, 150), 0);
	ms = ms_since(&t0);
	ck_assert_int_ge(ms, 140);
	ck_assert_int_lt(ms, 1000);
	chan_close(&c);
}
END_TEST

START_TEST(test_wakeup_ends_wait)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLIN | POLLRDNORM, 0};
	struct later l = {
	    .l_ms = 60, .l_chan = 0, .l_ready = POLLIN | POLLRDNORM};
	struct timespec t0 = now();
	pthread_t t = later(&l);

	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_eq(p.revents, POLLIN | POLLRDNORM);
	ck_assert_int_lt(ms_since(&t0), 2000);
	ck_assert_int_eq(fk_polls(0), 2); /* asked, woken, asked again */
	pthread_join(t, NULL);
	chan_close(&c);
}
END_TEST

/* A wakeup with nothing ready: ask again, then keep waiting. */
START_TEST(test_spurious_wakeup)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLIN, 0};
	struct later l = {.l_ms = 30, .l_chan = 0, .l_spurious = 1};
	struct timespec t0 = now();
	pthread_t t = later(&l);

	ck_assert_int_eq(poll(&p, 1, 200), 0);
	ck_assert_int_ge(ms_since(&t0), 190);
	ck_assert_int_ge(fk_polls(0), 2);
	pthread_join(t, NULL);
	chan_close(&c);
}
END_TEST

START_TEST(test_mixed_other_fd_first)
{
	struct chan c = chan_open();
	struct pollfd p[2];
	int pfd[2];

	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(write(pfd[1], "x", 1), 1);
	p[0] = (struct pollfd){c.c_fd, POLLIN, 0};
	p[1] = (struct pollfd){pfd[0], POLLIN, 0};
	ck_assert_int_eq(poll(p, 2, -1), 1);
	ck_assert_int_eq(p[0].revents, 0);
	ck_assert_int_eq(p[1].revents, POLLIN);
	close(pfd[0]);
	close(pfd[1]);
	chan_close(&c);
}
END_TEST

START_TEST(test_mixed_both_ready)
{
	struct chan c = chan_open();
	struct pollfd p[2];
	int pfd[2];

	ck_assert_int_eq(pipe(pfd), 0);
	p[0] = (struct pollfd){pfd[1], POLLOUT, 0};
	p[1] = (struct pollfd){c.c_fd, POLLOUT, 0};
	fk_set_ready(0, POLLOUT);
	ck_assert_int_eq(poll(p, 2, -1), 2);
	ck_assert_int_eq(p[0].revents, POLLOUT);
	ck_assert_int_eq(p[1].revents, POLLOUT);
	close(pfd[0]);
	close(pfd[1]);
	chan_close(&c);
}
END_TEST

START_TEST(test_ignored_entries)
{
	struct chan c = chan_open();
	struct pollfd p[2] = {{-1, POLLIN, 0}, {c.c_fd, 0, 0}};

	fk_set_ready(0, POLLIN);
	ck_assert_int_eq(poll(p, 2, 50), 0);
	ck_assert_int_eq(p[0].revents, 0);
	ck_assert_int_eq(p[1].revents, 0);
	ck_assert_int_eq(fk_polls(0), 0); /* no interest, no request */
	chan_close(&c);
}
END_TEST

START_TEST(test_two_channels)
{
	struct chan a = chan_open(), b = chan_open();
	struct pollfd p[2] = {{a.c_fd, POLLIN, 0}, {b.c_fd, POLLIN, 0}};
	struct later l = {.l_ms = 50, .l_chan = 1, .l_ready = POLLIN};
	pthread_t t = later(&l);

	ck_assert_int_eq(poll(p, 2, 5000), 1);
	ck_assert_int_eq(p[0].revents, 0);
	ck_assert_int_eq(p[1].revents, POLLIN);
	pthread_join(t, NULL);
	chan_close(&a);
	chan_close(&b);
}
END_TEST

START_TEST(test_daemon_hangup)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLIN, 0};

	fk_ch[0].fc_hangup = 1;
	ck_assert_int_eq(poll(&p, 1, 1000), 1);
	ck_assert_int_eq(p.revents, POLLHUP | POLLERR);
	chan_close(&c);
}
END_TEST

/* A channel fd closed with close(2) and reused: just an fd again. */
START_TEST(test_stale_fd_reused)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLIN, 0};
	int pfd[2];

	close(c.c_fd); /* behind libos's back */
	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(dup2(pfd[0], c.c_fd), c.c_fd);
	ck_assert_int_eq(write(pfd[1], "x", 1), 1);
	ck_assert_int_eq(poll(&p, 1, 1000), 1);
	ck_assert_int_eq(p.revents, POLLIN);
	ck_assert_int_eq(fk_polls(0), 0);
	close(pfd[0]);
	close(pfd[1]);
}
END_TEST

START_TEST(test_poll_chk)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLOUT, 0};

	fk_set_ready(0, POLLOUT);
	ck_assert_int_eq(__poll_chk(&p, 1, 0, sizeof(p)), 1);
	ck_assert_int_eq(p.revents, POLLOUT);
	chan_close(&c);
}
END_TEST

static void *
poller(void *arg)
{
	struct pollfd p = {*(int *)arg, POLLOUT, 0};
	intptr_t bad = 0;
	int i;

	for (i = 0; i < 300; i++)
		bad += poll(&p, 1, 1000) != 1 || p.revents != POLLOUT;
	return (void *)bad;
}

/* Requests from several threads on one channel never interleave. */
START_TEST(test_concurrent_pollers)
{
	struct chan c = chan_open();
	pthread_t t[4];
	void *bad;
	int i;

	fk_set_ready(0, POLLOUT);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, poller, &c.c_fd);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &bad);
		ck_assert_ptr_null(bad);
	}
	ck_assert_int_eq(fk_polls(0), 1200);
	chan_close(&c);
}
END_TEST

/* ---- signals
 * ---------------------------------------------------------------------- */

static void
on_usr1(int sig)
{
	(void)sig;
}

static void
block_usr1(sigset_t *unblocked)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigset_t s;

	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, unblocked);
	sigdelset(unblocked, SIGUSR1);
}

START_TEST(test_ppoll_sigmask_eintr)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLIN, 0};
	struct later l = {.l_ms = 50, .l_signal = 1, .l_kill = pthread_self()};
	sigset_t mask;
	pthread_t t;

	block_usr1(&mask);
	t = later(&l);
	ck_assert_int_eq(ppoll(&p, 1, NULL, &mask), -1);
	ck_assert_int_eq(errno, EINTR);
	pthread_join(t, NULL);
	chan_close(&c);
}
END_TEST

START_TEST(test_pselect_sigmask_eintr)
{
	struct chan c = chan_open();
	struct later l = {.l_ms = 50, .l_signal = 1, .l_kill = pthread_self()};
	sigset_t mask;
	pthread_t t;
	fd_set r;

	block_usr1(&mask);
	FD_ZERO(&r);
	FD_SET(c.c_fd, &r);
	t = later(&l);
	ck_assert_int_eq(pselect(c.c_fd + 1, &r, NULL, NULL, NULL, &mask), -1);
	ck_assert_int_eq(errno, EINTR);
	pthread_join(t, NULL);
	chan_close(&c);
}
END_TEST

/* A signal blocked by the mask does not interrupt. */
START_TEST(test_ppoll_blocked_signal_waits)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLIN, 0};
	struct later l = {.l_ms = 20, .l_signal = 1, .l_kill = pthread_self()};
	struct timespec ts = {0, 150000000};
	sigset_t mask;
	pthread_t t;

	block_usr1(&mask);
	sigaddset(&mask, SIGUSR1);
	t = later(&l);
	ck_assert_int_eq(ppoll(&p, 1, &ts, &mask), 0);
	pthread_join(t, NULL);
	chan_close(&c);
}
END_TEST

START_TEST(test_ppoll_bad_timeout)
{
	struct chan c = chan_open();
	struct pollfd p = {c.c_fd, POLLIN, 0};
	struct timespec ts = {0, 1000000000};

	ck_assert_int_eq(ppoll(&p, 1, &ts, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	chan_close(&c);
}
END_TEST

/* ---- select
 * ---------------------------------------------------------------------- */

static void
sets3(fd_set s[3], int fd)
{
	int k;

	for (k = 0; k < 3; k++) {
		FD_ZERO(&s[k]);
		FD_SET(fd, &s[k]);
	}
}

START_TEST(test_select_read_only)
{
	struct chan c = chan_open();
	fd_set s[3];

	sets3(s, c.c_fd);
	fk_set_ready(0, POLLIN | POLLRDNORM);
	ck_assert_int_eq(select(c.c_fd + 1, &s[0], &s[1], &s[2], NULL), 1);
	ck_assert(FD_ISSET(c.c_fd, &s[0]));
	ck_assert(!FD_ISSET(c.c_fd, &s[1]));
	ck_assert(!FD_ISSET(c.c_fd, &s[2]));
	chan_close(&c);
}
END_TEST

START_TEST(test_select_write_only_asked)
{
	struct chan c = chan_open();
	fd_set w;

	FD_ZERO(&w);
	FD_SET(c.c_fd, &w);
	fk_set_ready(0, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
	ck_assert_int_eq(select(c.c_fd + 1, NULL, &w, NULL, NULL), 1);
	ck_assert(FD_ISSET(c.c_fd, &w));
	chan_close(&c);
}
END_TEST

START_TEST(test_select_read_write)
{
	struct chan c = chan_open();
	fd_set s[3];

	sets3(s, c.c_fd);
	fk_set_ready(0, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
	ck_assert_int_eq(select(c.c_fd + 1, &s[0], &s[1], &s[2], NULL), 2);
	ck_assert(FD_ISSET(c.c_fd, &s[0]));
	ck_assert(FD_ISSET(c.c_fd, &s[1]));
	ck_assert(!FD_ISSET(c.c_fd, &s[2]));
	chan_close(&c);
}
END_TEST

/* POLLHUP|POLLERR: readable and writable, not exceptional (as Linux). */
START_TEST(test_select_hangup_sets)
{
	struct chan c = chan_open();
	fd_set s[3];

	fk_ch[0].fc_hangup = 1;
	sets3(s, c.c_fd);
	ck_assert_int_eq(select(c.c_fd + 1, &s[0], &s[1], &s[2], NULL), 2);
	ck_assert(FD_ISSET(c.c_fd, &s[0]));
	ck_assert(FD_ISSET(c.c_fd, &s[1]));
	ck_assert(!FD_ISSET(c.c_fd, &s[2]));
	chan_close(&c);
}
END_TEST

START_TEST(test_select_ebadf)
{
	struct chan c = chan_open();
	int dead = open("/dev/null", O_RDONLY);
	fd_set r;

	close(dead);
	FD_ZERO(&r);
	FD_SET(c.c_fd, &r);
	FD_SET(dead, &r);
	ck_assert_int_eq(
	    select((dead > c.c_fd ? dead : c.c_fd) + 1, &r, NULL, NULL, NULL),
	    -1);
	ck_assert_int_eq(errno, EBADF);
	chan_close(&c);
}
END_TEST

START_TEST(test_select_timeout_updated)
{
	struct chan c = chan_open();
	struct timeval tv = {0, 100000};
	fd_set r;

	FD_ZERO(&r);
	FD_SET(c.c_fd, &r);
	ck_assert_int_eq(select(c.c_fd + 1, &r, NULL, NULL, &tv), 0);
	ck_assert(!FD_ISSET(c.c_fd, &r));
	ck_assert_int_eq(tv.tv_sec, 0);
	ck_assert_int_lt(tv.tv_usec, 20000);
	chan_close(&c);
}
END_TEST

START_TEST(test_select_wakeup)
{
	struct chan c = chan_open();
	struct later l = {.l_ms = 50, .l_chan = 0, .l_ready = POLLOUT};
	struct timeval tv = {5, 0};
	pthread_t t = later(&l);
	fd_set w;

	FD_ZERO(&w);
	FD_SET(c.c_fd, &w);
	ck_assert_int_eq(select(c.c_fd + 1, NULL, &w, NULL, &tv), 1);
	ck_assert(FD_ISSET(c.c_fd, &w));
	ck_assert_int_ge(tv.tv_sec, 3); /* most of it left */
	pthread_join(t, NULL);
	chan_close(&c);
}
END_TEST

static Suite *
poll_suite(void)
{
	Suite *s = suite_create("poll");
	TCase *fast = tcase_create("fast_path");
	TCase *pl = tcase_create("poll");
	TCase *sig = tcase_create("signals");
	TCase *sel = tcase_create("select");

	tcase_add_checked_fixture(fast, setup, teardown);
	tcase_add_test(fast, test_fast_path_plain_fds);
	suite_add_tcase(s, fast);

	tcase_add_checked_fixture(pl, setup, teardown);
	tcase_set_timeout(pl, 20);
	tcase_add_test(pl, test_ready_exact_bits);
	tcase_add_test(pl, test_timeout_zero);
	tcase_add_test(pl, test_timeout_expires);
	tcase_add_test(pl, test_wakeup_ends_wait);
	tcase_add_test(pl, test_spurious_wakeup);
	tcase_add_test(pl, test_mixed_other_fd_first);
	tcase_add_test(pl, test_mixed_both_ready);
	tcase_add_test(pl, test_ignored_entries);
	tcase_add_test(pl, test_two_channels);
	tcase_add_test(pl, test_daemon_hangup);
	tcase_add_test(pl, test_stale_fd_reused);
	tcase_add_test(pl, test_poll_chk);
	tcase_add_test(pl, test_concurrent_pollers);
	suite_add_tcase(s, pl);

	tcase_add_checked_fixture(sig, setup, teardown);
	tcase_add_test(sig, test_ppoll_sigmask_eintr);
	tcase_add_test(sig, test_pselect_sigmask_eintr);
	tcase_add_test(sig, test_ppoll_blocked_signal_waits);
	tcase_add_test(sig, test_ppoll_bad_timeout);
	suite_add_tcase(s, sig);

	tcase_add_checked_fixture(sel, setup, teardown);
	tcase_add_test(sel, test_select_read_only);
	tcase_add_test(sel, test_select_write_only_asked);
	tcase_add_test(sel, test_select_read_write);
	tcase_add_test(sel, test_select_hangup_sets);
	tcase_add_test(sel, test_select_ebadf);
	tcase_add_test(sel, test_select_timeout_updated);
	tcase_add_test(sel, test_select_wakeup);
	suite_add_tcase(s, sel);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(poll_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
