/*
 * evloop.c - epoll event loop, see evloop.h for the contract.
 *
 * Theory of operation: each watch is a heap object whose address is the
 * epoll_event's data.ptr.  Live watches sit on a doubly linked list (so
 * evl_free() can reclaim them); evl_del() moves a watch to a "dead" list
 * and sets w_dead.  While a batch of events is being dispatched
 * (l_depth > 0) dead watches are kept: an event for them may still sit
 * later in the same batch and is skipped by the w_dead test.  When the
 * batch is over the dead list is freed.  This is the same deferred-free
 * rule libev and libuv use for their handles.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "evloop.h"

#define EVL_BATCH	64	/* events per epoll_wait */

struct evl_watch {
	struct evl *w_loop;
	int w_fd;
	int w_dead;
	evl_cb w_cb;
	void *w_arg;
	struct evl_watch *w_next;
	struct evl_watch *w_prev;
};

struct evl {
	int l_ep;
	int l_stop;
	int l_depth;			/* > 0 while dispatching */
	unsigned l_count;		/* live watches */
	struct evl_watch *l_live;
	struct evl_watch *l_dead;	/* singly linked through w_next */
};

struct evl *evl_new(void)
{
	struct evl *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->l_ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->l_ep < 0) {
		free(l);
		return NULL;
	}
	return l;
}

static void evl_reap(struct evl *l)
{
	struct evl_watch *w;

	while ((w = l->l_dead) != NULL) {
		l->l_dead = w->w_next;
		free(w);
	}
}

void evl_free(struct evl *l)
{
	if (l == NULL)
		return;
	while (l->l_live != NULL)
		evl_del(l->l_live);
	evl_reap(l);
	close(l->l_ep);
	free(l);
}

static void evl_link(struct evl *l, struct evl_watch *w)
{
	w->w_next = l->l_live;
	w->w_prev = NULL;
	if (l->l_live != NULL)
		l->l_live->w_prev = w;
	l->l_live = w;
	l->l_count++;
}

static void evl_unlink(struct evl *l, struct evl_watch *w)
{
	if (w->w_prev != NULL)
		w->w_prev->w_next = w->w_next;
	else
		l->l_live = w->w_next;
	if (w->w_next != NULL)
		w->w_next->w_prev = w->w_prev;
	l->l_count--;
}

struct evl_watch *evl_add(struct evl *l, int fd, uint32_t events, evl_cb cb,
    void *arg)
{
	struct epoll_event ev = { .events = events };
	struct evl_watch *w;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->w_loop = l;
	w->w_fd = fd;
	w->w_cb = cb;
	w->w_arg = arg;
	ev.data.ptr = w;
	if (epoll_ctl(l->l_ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = errno;

		free(w);
		errno = err;
		return NULL;
	}
	evl_link(l, w);
	return w;
}

int evl_mod(struct evl_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->w_dead)
		return -EINVAL;
	if (epoll_ctl(w->w_loop->l_ep, EPOLL_CTL_MOD, w->w_fd, &ev) < 0)
		return -errno;
	return 0;
}

void evl_del(struct evl_watch *w)
{
	struct evl *l;

	if (w == NULL || w->w_dead)
		return;
	l = w->w_loop;
	/* Fails only if the owner closed the fd first; nothing to undo. */
	(void)epoll_ctl(l->l_ep, EPOLL_CTL_DEL, w->w_fd, NULL);
	evl_unlink(l, w);
	w->w_dead = 1;
	w->w_next = l->l_dead;
	l->l_dead = w;
	if (l->l_depth == 0)
		evl_reap(l);
}

static void evl_dispatch(struct evl *l, const struct epoll_event *ev, int n)
{
	int i;

	l->l_depth++;
	for (i = 0; i < n; i++) {
		struct evl_watch *w = ev[i].data.ptr;

		if (!w->w_dead)
			w->w_cb(w, w->w_fd, ev[i].events, w->w_arg);
	}
	if (--l->l_depth == 0)
		evl_reap(l);
}

int evl_run_once(struct evl *l, int timeout_ms)
{
	struct epoll_event ev[EVL_BATCH];
	int n;

	n = epoll_wait(l->l_ep, ev, EVL_BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	evl_dispatch(l, ev, n);
	return n;
}

int evl_run(struct evl *l)
{
	int n;

	l->l_stop = 0;
	while (!l->l_stop) {
		n = evl_run_once(l, -1);
		if (n < 0)
			return n;
	}
	return 0;
}

void evl_stop(struct evl *l)
{
	l->l_stop = 1;
}

unsigned evl_count(const struct evl *l)
{
	return l->l_count;
}

/*
 * Timers.  The timerfd is owned here (unlike plain watches): it is made
 * by evl_timer_add and closed by evl_timer_del, after the watch is gone.
 * Reading the expiry count re-arms level-triggered epoll; a failed read
 * (EAGAIN: another callback in the batch already drained it) is ignored.
 */
struct evl_timer {
	struct evl_watch *t_watch;
	int t_fd;
	evl_timer_cb t_cb;
	void *t_arg;
};

static void evl_timer_fire(struct evl_watch *w, int fd, uint32_t events,
    void *arg)
{
	struct evl_timer *t = arg;
	uint64_t expiries;

	(void)w;
	(void)events;
	if (read(fd, &expiries, sizeof(expiries)) != sizeof(expiries))
		return;
	t->t_cb(t, t->t_arg);
}

static int evl_timer_arm(int fd, unsigned period_ms)
{
	struct itimerspec its;

	its.it_interval.tv_sec = period_ms / 1000;
	its.it_interval.tv_nsec = (long)(period_ms % 1000) * 1000000L;
	its.it_value = its.it_interval;
	return timerfd_settime(fd, 0, &its, NULL);
}

struct evl_timer *evl_timer_add(struct evl *l, unsigned period_ms,
    evl_timer_cb cb, void *arg)
{
	struct evl_timer *t;
	int err;

	if (period_ms == 0) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->t_cb = cb;
	t->t_arg = arg;
	t->t_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->t_fd < 0)
		goto fail_free;
	if (evl_timer_arm(t->t_fd, period_ms) < 0)
		goto fail_close;
	t->t_watch = evl_add(l, t->t_fd, EPOLLIN, evl_timer_fire, t);
	if (t->t_watch == NULL)
		goto fail_close;
	return t;

fail_close:
	err = errno;
	close(t->t_fd);
	errno = err;
fail_free:
	err = errno;
	free(t);
	errno = err;
	return NULL;
}

/* The watch dies first, so a pending expiry never reaches a freed timer. */
void evl_timer_del(struct evl_timer *t)
{
	if (t == NULL)
		return;
	evl_del(t->t_watch);
	close(t->t_fd);
	free(t);
}
