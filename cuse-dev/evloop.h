/*
 * evloop.h - the daemon's one event loop (epoll, level-triggered).
 *
 * cuse-dev is single-threaded: every door (the CUSE session fd, the
 * listening socket, each socket connection), the signalfd and any fd a
 * kernel part wants to watch (a TAP queue, a timerfd) is one "watch" in
 * one loop.  A callback runs to completion; nothing else runs meanwhile,
 * which is why the kernel needs no locks.
 *
 * Life cycle of a watch:
 *
 *   evl_add()  ->  callbacks as long as the fd is ready  ->  evl_del()
 *
 * evl_del() may be called from any callback, also for a watch other than
 * the one being served and also for a watch that already has an event
 * pending in the current batch: the watch is unhooked from epoll at once,
 * marked dead, and freed only when the batch is over, so a pending event
 * never reaches a freed watch or a reused fd.  The loop never closes an
 * fd: whoever added it closes it, after evl_del().
 *
 * Callbacks get the epoll event bits (EPOLLIN, EPOLLOUT, EPOLLERR,
 * EPOLLHUP, ...).  They must not block.
 */
#ifndef EVLOOP_H
#define EVLOOP_H

#include <stdint.h>

struct evl;
struct evl_watch;

/* Called with the ready events of w's fd. */
typedef void (*evl_cb)(struct evl_watch *w, int fd, uint32_t events,
    void *arg);

struct evl *evl_new(void);
/* Frees the loop and every watch still registered (fds stay open). */
void evl_free(struct evl *l);

/* Watch fd for events (EPOLLIN, ...).  NULL with errno set on failure. */
struct evl_watch *evl_add(struct evl *l, int fd, uint32_t events, evl_cb cb,
    void *arg);
/* Change the events a watch waits for.  0 or -errno. */
int evl_mod(struct evl_watch *w, uint32_t events);
/* Stop watching; safe inside callbacks (see above).  NULL is a no-op. */
void evl_del(struct evl_watch *w);

/* Serve events until evl_stop(); 0, or -errno if epoll_wait failed. */
int evl_run(struct evl *l);
/* Wait at most timeout_ms (-1: forever) and serve one batch of events.
 * Returns the number of events served (0 on timeout) or -errno. */
int evl_run_once(struct evl *l, int timeout_ms);
/* Make evl_run() return after the current batch (callable anywhere). */
void evl_stop(struct evl *l);

/* Number of live watches (tests use it to check for leaks). */
unsigned evl_count(const struct evl *l);

/*
 * Periodic timers: a timerfd (CLOCK_MONOTONIC) watched like any fd, so a
 * timer is one more watch in evl_count().  cb runs once per expiry batch
 * (missed periods are folded into one call, never queued), with the
 * timer as its first argument.  evl_timer_del() is safe inside callbacks,
 * its own included, and closes the timerfd.  NULL is a no-op.
 */
struct evl_timer;
typedef void (*evl_timer_cb)(struct evl_timer *t, void *arg);

/* First expiry after period_ms, then every period_ms (> 0).  NULL with
 * errno set on failure. */
struct evl_timer *evl_timer_add(struct evl *l, unsigned period_ms,
    evl_timer_cb cb, void *arg);
void evl_timer_del(struct evl_timer *t);

#endif /* EVLOOP_H */
