/*
 * poll.c - poll(), ppoll(), select() and pselect() that know channels.
 *
 * Theory of operation.  On XNU, waiting on a channel fd is part of the
 * protocol: write interest runs a TX sync, read interest an RX sync, and
 * readiness is judged after them.  Through the CUSE door the daemon's
 * poll handler does exactly that, so nothing is needed here.  A
 * socket-door channel fd is a Unix socket, whose own readiness means
 * nothing; so libskywalk exports these four functions and, coming before
 * libc in the link order, they replace libc's for the whole program.
 *
 * Fast path: no socket-door channel alive in the process (one atomic
 * load) or none in this set => the real libc function, untouched.
 *
 * Slow path, per round:
 *
 *   1. for each socket-door channel with interest: drain its wakeup
 *      eventfd, then send SKC_IOC_CHANNEL_POLL {events}; the daemon runs
 *      the implicit syncs and returns revents, and when nothing is ready
 *      arms the channel so that it writes the eventfd on a change.
 *      Draining before asking is what makes the wakeup race-free: a
 *      change after the daemon's answer always leaves the eventfd set.
 *   2. poll everything else, with the channels replaced by their
 *      eventfds: timeout 0 if a channel was ready, else what remains of
 *      the caller's timeout (and the caller's signal mask, if any).
 *   3. an eventfd fired => back to 1 (what the kernel does on re-poll);
 *      otherwise report.
 *
 * revents of a channel are exactly the daemon's bits (POLLWRNORM only if
 * POLLWRNORM was asked).  A daemon that went away reads as POLLHUP|POLLERR
 * (so select reports it in the read and write sets).
 *
 * select/pselect run on the same core: read set => POLLIN|POLLRDNORM,
 * write set => POLLOUT|POLLWRNORM, exception set => POLLPRI.  Results
 * map back as Linux's select maps a driver's poll mask: POLLHUP and
 * POLLERR count as readable, POLLERR as writable, only POLLPRI as
 * exceptional (so a defunct channel shows in the read and write sets,
 * where XNU shows it in the exception set: see skywalk-behaviours §6),
 * and each bit only in a set the caller asked about.  POLLNVAL => EBADF.
 * select updates *timeout to the time not slept, as Linux's does.
 *
 * Signals: ppoll/pselect pass the caller's mask to every wait, so a
 * signal it unblocks interrupts the call (EINTR) while it sleeps; the
 * channel requests themselves are never interrupted (door.c).
 *
 * Not interposed: epoll.  epoll on a socket-door channel fd watches the
 * Unix socket itself: always writable, never readable, and no implicit
 * sync runs; the wakeup eventfd the daemon writes is private to libos.
 * Programs that wait on a socket-door channel use poll/select (or the
 * CUSE door, where every wait primitive works because the kernel's poll
 * handler does the syncs).
 *
 * POSIX makes poll/select async-signal-safe.  The fast path stays so;
 * the slow path takes fdtab's lock and may allocate, so a signal handler
 * must not poll while the process has socket-door channels open.
 *
 * The real functions are found once with dlsym(RTLD_NEXT); if that
 * fails the raw system calls stand in (losing only libc's cancellation
 * bookkeeping).
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/select.h>
#include <sys/syscall.h>

#include "door.h"

/* glibc's fortify helpers: interposed too, else -D_FORTIFY_SOURCE
 * builds would bypass us. */
int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
		const sigset_t *mask, size_t fdslen);
extern void __chk_fail(void) __attribute__((noreturn));

#define POLL_STACK 32 /* pollfds handled without malloc */
#define POLL_INTEREST                                                          \
	(POLLIN | POLLRDNORM | POLLRDBAND | POLLPRI | POLLOUT | POLLWRNORM |   \
	 POLLWRBAND)
#define SEL_RD_IN (POLLIN | POLLRDNORM)
#define SEL_WR_IN (POLLOUT | POLLWRNORM)
#define SEL_EX_IN (POLLPRI)
#define SEL_RD_OUT (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_WR_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX_OUT (POLLPRI)

typedef int (*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *,
			const sigset_t *);
typedef int (*poll_fn)(struct pollfd *, nfds_t, int);
typedef int (*select_fn)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
typedef int (*pselect_fn)(int, fd_set *, fd_set *, fd_set *,
			  const struct timespec *, const sigset_t *);

static struct {
	poll_fn poll;
	ppoll_fn ppoll;
	select_fn select;
	pselect_fn pselect;
} real;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* ---- the real functions ---------------------------------------------- */

static int
raw_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
	  const sigset_t *mask)
{
	struct timespec t, *tp = NULL;

	if (ts != NULL) { /* the kernel writes it back */
		t = *ts;
		tp = &t;
	}
	return (int)syscall(SYS_ppoll, fds, n, tp, mask, _NSIG / 8);
}

static int
raw_poll(struct pollfd *fds, nfds_t n, int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	return raw_ppoll(fds, n, ms < 0 ? NULL : &ts, NULL);
}

static int
raw_pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
	    const sigset_t *mask)
{
	struct timespec t, *tp = NULL;
	struct {
		const sigset_t *ss;
		size_t len;
	} sm = {mask, _NSIG / 8};

	if (ts != NULL) {
		t = *ts;
		tp = &t;
	}
	return (int)syscall(SYS_pselect6, n, r, w, e, tp,
			    mask != NULL ? &sm : NULL);
}

static int
raw_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	struct timespec ts;
	int rc;

	if (tv == NULL)
		return raw_pselect(n, r, w, e, NULL, NULL);
	ts = (struct timespec){tv->tv_sec, tv->tv_usec * 1000};
	rc = (int)syscall(SYS_pselect6, n, r, w, e, &ts, NULL);
	*tv = (struct timeval){ts.tv_sec, ts.tv_nsec / 1000};
	return rc;
}

static void *
real_sym(const char *name, void *fallback)
{
	void *p = dlsym(RTLD_NEXT, name);

	return p != NULL ? p : fallback;
}

static void
real_resolve(void)
{
	real.poll = (poll_fn)real_sym("poll", (void *)raw_poll);
	real.ppoll = (ppoll_fn)real_sym("ppoll", (void *)raw_ppoll);
	real.select = (select_fn)real_sym("select", (void *)raw_select);
	real.pselect = (pselect_fn)real_sym("pselect", (void *)raw_pselect);
}

static void
real_init(void)
{
	pthread_once(&real_once, real_resolve);
}

/* ---- time -------------------------------------------------------------- */

static int
ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

static struct timespec
ts_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

static struct timespec
ts_add(struct timespec a, const struct timespec *b)
{
	a.tv_sec += b->tv_sec;
	a.tv_nsec += b->tv_nsec;
	if (a.tv_nsec >= 1000000000) {
		a.tv_sec++;
		a.tv_nsec -= 1000000000;
	}
	return a;
}

/* deadline - now, never negative */
static struct timespec
ts_left(const struct timespec *deadline)
{
	struct timespec now = ts_now(), d;

	d.tv_sec = deadline->tv_sec - now.tv_sec;
	d.tv_nsec = deadline->tv_nsec - now.tv_nsec;
	if (d.tv_nsec < 0) {
		d.tv_sec--;
		d.tv_nsec += 1000000000;
	}
	if (d.tv_sec < 0)
		d = (struct timespec){0, 0};
	return d;
}

/* ---- the core --------------------------------------------------------------
 */

struct poll_ctx {
	struct pollfd *pc_fds; /* the caller's set */
	size_t pc_n;
	struct fdt_ent *pc_ent; /* socket-door channels (else FREE) */
	struct pollfd *pc_wait; /* what is waited on */
	const sigset_t *pc_mask;
	const struct timespec *pc_deadline; /* NULL: forever */
};

void
poll_drain_evfd(int evfd)
{
	uint64_t v;

	if (read(evfd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing was pending */
	}
}

static short
poll_channel(int fd, short events)
{
	struct skc_channel_poll req;

	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.cp_hdr, sizeof(req));
	req.cp_events = (uint16_t)events;
	if (udoor_call(fd, UDOOR_SOCKET, SKC_IOC_CHANNEL_POLL, &req, NULL) < 0)
		return errno == ENXIO ? (POLLHUP | POLLERR) : POLLERR;
	return (short)req.cp_revents;
}

static int
poll_is_chan(const struct poll_ctx *pc, size_t i)
{
	return pc->pc_ent[i].fe_type == FDT_CHANNEL;
}

/* Step 1: ask the daemon about each channel; returns how many are ready. */
static size_t
poll_channels(struct poll_ctx *pc)
{
	struct pollfd *p;
	size_t i, ready = 0;

	for (i = 0; i < pc->pc_n; i++) {
		p = &pc->pc_fds[i];
		if (!poll_is_chan(pc, i) || !(p->events & POLL_INTEREST))
			continue;
		poll_drain_evfd(pc->pc_ent[i].fe_evfd);
		p->revents = poll_channel(p->fd, p->events);
		ready += p->revents != 0;
	}
	return ready;
}

/* Step 2's set: others as given; channels by eventfd, or not at all. */
static void
poll_build(struct poll_ctx *pc, int chans_too)
{
	struct pollfd *p, *w;
	size_t i;

	for (i = 0; i < pc->pc_n; i++) {
		p = &pc->pc_fds[i];
		w = &pc->pc_wait[i];
		*w = (struct pollfd){.fd = p->fd, .events = p->events};
		if (!poll_is_chan(pc, i))
			continue;
		w->fd = -1;
		if (chans_too && (p->events & POLL_INTEREST))
			*w = (struct pollfd){pc->pc_ent[i].fe_evfd, POLLIN, 0};
	}
}

/*
 * Wait for step 2.  A zero wait is a peek: it never takes the caller's
 * mask, and a signal already pending does not turn results into EINTR.
 */
static int
poll_wait(struct poll_ctx *pc, int peek)
{
	struct timespec zero = {0, 0}, left;
	const struct timespec *tp = NULL;
	int rc;

	if (peek)
		tp = &zero;
	else if (pc->pc_deadline != NULL) {
		left = ts_left(pc->pc_deadline);
		tp = &left;
	}
	rc = real.ppoll(pc->pc_wait, pc->pc_n, tp,
			tp == &zero ? NULL : pc->pc_mask);
	if (rc < 0 && errno == EINTR && tp == &zero)
		rc = 0;
	return rc;
}

/* Step 3: copy the others' results; 1 if a channel's eventfd fired. */
static int
poll_collect(struct poll_ctx *pc)
{
	int fired = 0;
	size_t i;

	for (i = 0; i < pc->pc_n; i++) {
		if (!poll_is_chan(pc, i))
			pc->pc_fds[i].revents = pc->pc_wait[i].revents;
		else if (pc->pc_wait[i].fd >= 0 && pc->pc_wait[i].revents)
			fired = 1;
	}
	return fired;
}

static int
poll_count(const struct poll_ctx *pc)
{
	size_t i;
	int n = 0;

	for (i = 0; i < pc->pc_n; i++)
		n += pc->pc_fds[i].revents != 0;
	return n;
}

static int
poll_expired(const struct poll_ctx *pc)
{
	struct timespec left;

	if (pc->pc_deadline == NULL)
		return 0;
	left = ts_left(pc->pc_deadline);
	return left.tv_sec == 0 && left.tv_nsec == 0;
}

static int
poll_rounds(struct poll_ctx *pc)
{
	size_t i, ready;

	int last;

	for (;;) {
		for (i = 0; i < pc->pc_n; i++)
			pc->pc_fds[i].revents = 0;
		ready = poll_channels(pc);
		last = poll_expired(pc);
		poll_build(pc, ready == 0);
		if (poll_wait(pc, ready != 0 || last) < 0)
			return -1;
		/* past the deadline a wakeup gets no second look */
		if (!poll_collect(pc) || last)
			return poll_count(pc);
	}
}

/* Keep only the socket-door channels whose fd is still the one we opened. */
static size_t
poll_find_channels(struct poll_ctx *pc)
{
	size_t i, n;

	n = fdt_lookup_pollfds(pc->pc_fds, pc->pc_n, pc->pc_ent);
	for (i = 0; n != 0 && i < pc->pc_n; i++) {
		if (pc->pc_ent[i].fe_type == FDT_FREE)
			continue;
		if (pc->pc_ent[i].fe_door != UDOOR_SOCKET ||
		    pc->pc_ent[i].fe_type != FDT_CHANNEL ||
		    pc->pc_fds[i].fd < 0 ||
		    !fdt_same_file(pc->pc_fds[i].fd, &pc->pc_ent[i]))
			pc->pc_ent[i].fe_type = FDT_FREE;
	}
	for (i = 0, n = 0; i < pc->pc_n; i++)
		n += poll_is_chan(pc, i);
	return n;
}

/*
 * The whole slow path.  Returns -2 when the set holds no socket-door
 * channel after all, so the caller can use the real function as is.
 */
static int
poll_slow(struct pollfd *fds, size_t n, const struct timespec *ts,
	  const sigset_t *mask)
{
	struct fdt_ent ent_stack[POLL_STACK];
	struct pollfd wait_stack[POLL_STACK];
	struct timespec deadline;
	struct poll_ctx pc = {fds, n, ent_stack, wait_stack, mask, NULL};
	int rc = -1;

	if (n > POLL_STACK) {
		pc.pc_ent = malloc(n * sizeof(*pc.pc_ent));
		pc.pc_wait = malloc(n * sizeof(*pc.pc_wait));
		if (pc.pc_ent == NULL || pc.pc_wait == NULL) {
			errno = ENOMEM;
			goto out;
		}
	}
	if (poll_find_channels(&pc) == 0) {
		rc = -2;
		goto out;
	}
	if (ts != NULL) {
		deadline = ts_add(ts_now(), ts);
		pc.pc_deadline = &deadline;
	}
	rc = poll_rounds(&pc);
out:
	if (n > POLL_STACK) {
		free(pc.pc_ent);
		free(pc.pc_wait);
	}
	return rc;
}

/* ---- poll, ppoll
 * ------------------------------------------------------------- */

int
ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
      const sigset_t *mask)
{
	int rc;

	real_init();
	if (fdt_sock_channels() == 0)
		return real.ppoll(fds, nfds, ts, mask);
	if (ts != NULL && !ts_valid(ts)) {
		errno = EINVAL;
		return -1;
	}
	rc = poll_slow(fds, nfds, ts, mask);
	return rc != -2 ? rc : real.ppoll(fds, nfds, ts, mask);
}

int
poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000};
	int rc;

	real_init();
	if (fdt_sock_channels() == 0)
		return real.poll(fds, nfds, timeout);
	rc = poll_slow(fds, nfds, timeout < 0 ? NULL : &ts, NULL);
	return rc != -2 ? rc : real.poll(fds, nfds, timeout);
}

int
__poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return poll(fds, nfds, timeout);
}

int
__ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
	    const sigset_t *mask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return ppoll(fds, nfds, ts, mask);
}

/* ---- select, pselect
 * ---------------------------------------------------------- */

struct sel_sets {
	fd_set *ss_set[3]; /* read, write, except */
};

static const short sel_in[3] = {SEL_RD_IN, SEL_WR_IN, SEL_EX_IN};
static const short sel_out[3] = {SEL_RD_OUT, SEL_WR_OUT, SEL_EX_OUT};

/* fd_sets -> pollfds; returns how many fds are in any set. */
static size_t
sel_to_poll(int nfds, const struct sel_sets *ss, struct pollfd *pfd)
{
	size_t n = 0;
	short ev;
	int fd, k;

	for (fd = 0; fd < nfds; fd++) {
		for (ev = 0, k = 0; k < 3; k++)
			if (ss->ss_set[k] != NULL &&
			    FD_ISSET(fd, ss->ss_set[k]))
				ev |= sel_in[k];
		if (ev != 0)
			pfd[n++] = (struct pollfd){.fd = fd, .events = ev};
	}
	return n;
}

/* pollfds -> fd_sets; returns select's count, or -1/EBADF. */
static int
sel_from_poll(const struct pollfd *pfd, size_t n, const struct sel_sets *ss)
{
	int count = 0, k;
	size_t i;

	for (i = 0; i < n; i++)
		if (pfd[i].revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
	for (k = 0; k < 3; k++)
		if (ss->ss_set[k] != NULL)
			FD_ZERO(ss->ss_set[k]);
	for (i = 0; i < n; i++)
		for (k = 0; k < 3; k++)
			if ((pfd[i].events & sel_in[k]) &&
			    (pfd[i].revents & sel_out[k])) {
				FD_SET(pfd[i].fd, ss->ss_set[k]);
				count++;
			}
	return count;
}

/* The select core.  -2: no socket-door channel in the sets. */
static int
sel_slow(int nfds, const struct sel_sets *ss, const struct timespec *ts,
	 const sigset_t *mask)
{
	struct pollfd *pfd;
	size_t n;
	int rc;

	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	pfd = malloc((size_t)(nfds > 0 ? nfds : 1) * sizeof(*pfd));
	if (pfd == NULL) {
		errno = ENOMEM;
		return -1;
	}
	n = sel_to_poll(nfds, ss, pfd);
	rc = poll_slow(pfd, n, ts, mask);
	if (rc >= 0)
		rc = sel_from_poll(pfd, n, ss);
	free(pfd);
	return rc;
}

int
pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *ts,
	const sigset_t *mask)
{
	struct sel_sets ss = {{rd, wr, ex}};
	int rc;

	real_init();
	if (fdt_sock_channels() == 0)
		return real.pselect(nfds, rd, wr, ex, ts, mask);
	if (nfds < 0 || (ts != NULL && !ts_valid(ts))) {
		errno = EINVAL;
		return -1;
	}
	rc = sel_slow(nfds, &ss, ts, mask);
	return rc != -2 ? rc : real.pselect(nfds, rd, wr, ex, ts, mask);
}

int
select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	struct sel_sets ss = {{rd, wr, ex}};
	struct timespec ts, deadline, left;
	int rc;

	real_init();
	if (fdt_sock_channels() == 0)
		return real.select(nfds, rd, wr, ex, tv);
	if (nfds < 0 || (tv != NULL && (tv->tv_sec < 0 || tv->tv_usec < 0 ||
					tv->tv_usec >= 1000000))) {
		errno = EINVAL;
		return -1;
	}
	if (tv != NULL) {
		ts = (struct timespec){tv->tv_sec, tv->tv_usec * 1000};
		deadline = ts_add(ts_now(), &ts);
	}
	rc = sel_slow(nfds, &ss, tv != NULL ? &ts : NULL, NULL);
	if (rc == -2)
		return real.select(nfds, rd, wr, ex, tv);
	if (tv != NULL) { /* Linux reports the time not slept */
		left = ts_left(&deadline);
		*tv = (struct timeval){left.tv_sec, left.tv_nsec / 1000};
	}
	return rc;
}
