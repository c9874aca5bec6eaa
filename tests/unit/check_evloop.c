/*
 * check_evloop.c - the daemon's event loop (cuse-dev/evloop.c).
 *
 * Covered: dispatch with the right fd, events and argument; level
 * triggering; evl_mod; evl_stop from a callback; the deferred-free rule
 * (a watch deleted by an earlier callback of the same batch is never
 * called, even when its fd number is reused at once); self-deletion;
 * evl_free with watches still registered; bad fds; many watches.
 * Leaks are left to valgrind/ASan (SANITIZE=1), which see evl_free().
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "../../cuse-dev/evloop.h"

struct ev_rec {
	int calls;
	int fd;
	uint32_t events;
	struct evl_watch *self;
	struct evl_watch *victim;	/* deleted from the callback */
	int victim_fd;			/* closed after deleting */
	struct evl *loop;
	int stop;
	int reuse_fd;			/* a pipe made in the callback */
	int reuse_wfd;
};

static void ev_record(struct evl_watch *w, int fd, uint32_t events,
    void *arg)
{
	struct ev_rec *r = arg;

	r->calls++;
	r->fd = fd;
	r->events = events;
	if (r->stop)
		evl_stop(r->loop);
}

static void ev_pipe(int p[2])
{
	ck_assert_int_eq(pipe(p), 0);
}

static void ev_close_pipe(int p[2])
{
	close(p[0]);
	close(p[1]);
}

START_TEST(test_dispatch_fd_events_arg)
{
	struct evl *l = evl_new();
	struct ev_rec r = { 0 };
	struct evl_watch *w;
	int p[2];

	ck_assert_ptr_nonnull(l);
	ev_pipe(p);
	w = evl_add(l, p[0], EPOLLIN, ev_record, &r);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(evl_count(l), 1);
	ck_assert_int_eq(evl_run_once(l, 0), 0);	/* nothing yet */
	ck_assert_int_eq(r.calls, 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(evl_run_once(l, 1000), 1);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.fd, p[0]);
	ck_assert(r.events & EPOLLIN);
	/* Level-triggered: still readable, called again. */
	ck_assert_int_eq(evl_run_once(l, 0), 1);
	ck_assert_int_eq(r.calls, 2);
	evl_del(w);
	ck_assert_uint_eq(evl_count(l), 0);
	ck_assert_int_eq(evl_run_once(l, 0), 0);
	ck_assert_int_eq(r.calls, 2);
	evl_free(l);
	ev_close_pipe(p);
}
END_TEST

START_TEST(test_mod_changes_interest)
{
	struct evl *l = evl_new();
	struct ev_rec r = { 0 };
	struct evl_watch *w;
	int p[2];

	ev_pipe(p);
	w = evl_add(l, p[1], 0, ev_record, &r);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(evl_run_once(l, 0), 0);
	ck_assert_int_eq(evl_mod(w, EPOLLOUT), 0);
	ck_assert_int_eq(evl_run_once(l, 0), 1);
	ck_assert(r.events & EPOLLOUT);
	ck_assert_int_eq(evl_mod(w, 0), 0);
	ck_assert_int_eq(evl_run_once(l, 0), 0);
	evl_free(l);
	ev_close_pipe(p);
}
END_TEST

START_TEST(test_stop_from_callback)
{
	struct evl *l = evl_new();
	struct ev_rec r = { .stop = 1 };
	int p[2];

	r.loop = l;
	ev_pipe(p);
	ck_assert_ptr_nonnull(evl_add(l, p[0], EPOLLIN, ev_record, &r));
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(evl_run(l), 0);
	ck_assert_int_eq(r.calls, 1);
	evl_free(l);
	ev_close_pipe(p);
}
END_TEST

/* Deletes r->victim (and closes its fd, and reuses the number). */
static void ev_killer(struct evl_watch *w, int fd, uint32_t events,
    void *arg)
{
	struct ev_rec *r = arg;
	int p[2];

	r->calls++;
	if (r->victim == NULL)
		return;
	evl_del(r->victim);
	r->victim = NULL;
	close(r->victim_fd);
	/* Most likely the same fd number comes back at once. */
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "y", 1), 1);
	r->reuse_fd = p[0];
	r->reuse_wfd = p[1];
}

/*
 * Two readable pipes in one batch; whichever callback runs first
 * deletes the other watch.  The other must not be called, although its
 * event is already in the batch.
 */
START_TEST(test_delete_other_pending_in_batch)
{
	struct evl *l = evl_new();
	struct ev_rec a = { 0 }, b = { 0 }, *k;
	int pa[2], pb[2];

	ev_pipe(pa);
	ev_pipe(pb);
	a.self = evl_add(l, pa[0], EPOLLIN, ev_killer, &a);
	b.self = evl_add(l, pb[0], EPOLLIN, ev_killer, &b);
	a.victim = b.self;
	a.victim_fd = pb[0];
	b.victim = a.self;
	b.victim_fd = pa[0];
	ck_assert_int_eq(write(pa[1], "x", 1), 1);
	ck_assert_int_eq(write(pb[1], "x", 1), 1);
	ck_assert_int_eq(evl_run_once(l, 1000), 2);	/* both were ready */
	ck_assert_int_eq(a.calls + b.calls, 1);
	ck_assert_uint_eq(evl_count(l), 1);
	evl_free(l);
	k = a.calls ? &a : &b;
	close(k == &a ? pa[0] : pb[0]);	/* the victim's was closed */
	close(pa[1]);
	close(pb[1]);
	close(k->reuse_fd);
	close(k->reuse_wfd);
}
END_TEST

static void ev_self_delete(struct evl_watch *w, int fd, uint32_t events,
    void *arg)
{
	struct ev_rec *r = arg;

	r->calls++;
	evl_del(w);
	evl_del(w);		/* twice is harmless */
}

START_TEST(test_delete_self)
{
	struct evl *l = evl_new();
	struct ev_rec r = { 0 };
	int p[2];

	ev_pipe(p);
	ck_assert_ptr_nonnull(evl_add(l, p[0], EPOLLIN, ev_self_delete, &r));
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(evl_run_once(l, 1000), 1);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(evl_count(l), 0);
	ck_assert_int_eq(evl_run_once(l, 0), 0);
	ck_assert_int_eq(r.calls, 1);
	evl_del(NULL);
	evl_free(l);
	ev_close_pipe(p);
}
END_TEST

START_TEST(test_bad_fd)
{
	struct evl *l = evl_new();
	struct ev_rec r = { 0 };

	errno = 0;
	ck_assert_ptr_null(evl_add(l, -1, EPOLLIN, ev_record, &r));
	ck_assert_int_eq(errno, EBADF);
	ck_assert_ptr_null(evl_add(l, 12345, EPOLLIN, ev_record, &r));
	ck_assert_uint_eq(evl_count(l), 0);
	evl_free(l);
	evl_free(NULL);
}
END_TEST

START_TEST(test_same_fd_twice)
{
	struct evl *l = evl_new();
	struct ev_rec r = { 0 };
	int p[2];

	ev_pipe(p);
	ck_assert_ptr_nonnull(evl_add(l, p[0], EPOLLIN, ev_record, &r));
	errno = 0;
	ck_assert_ptr_null(evl_add(l, p[0], EPOLLIN, ev_record, &r));
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_uint_eq(evl_count(l), 1);
	evl_free(l);
	ev_close_pipe(p);
}
END_TEST

/* evl_free() reclaims watches nobody deleted (checked by ASan/valgrind). */
START_TEST(test_free_with_live_watches)
{
	struct evl *l = evl_new();
	struct ev_rec r = { 0 };
	int p[2];

	ev_pipe(p);
	ck_assert_ptr_nonnull(evl_add(l, p[0], EPOLLIN, ev_record, &r));
	ck_assert_ptr_nonnull(evl_add(l, p[1], EPOLLOUT, ev_record, &r));
	evl_free(l);
	ev_close_pipe(p);
}
END_TEST

#define EV_MANY 512

/* Many watches, all ready at once (more than one epoll batch). */
START_TEST(test_many_watches)
{
	static int p[EV_MANY][2];
	static struct evl_watch *w[EV_MANY];
	struct evl *l = evl_new();
	struct ev_rec r = { 0 };
	int i, n = 0, got;

	for (i = 0; i < EV_MANY; i++) {
		ev_pipe(p[i]);
		w[i] = evl_add(l, p[i][1], EPOLLOUT, ev_record, &r);
		ck_assert_ptr_nonnull(w[i]);
	}
	ck_assert_uint_eq(evl_count(l), EV_MANY);
	while (n < EV_MANY && (got = evl_run_once(l, 0)) > 0)
		n += got;
	ck_assert_int_ge(n, EV_MANY);
	for (i = 0; i < EV_MANY; i += 2)
		evl_del(w[i]);
	ck_assert_uint_eq(evl_count(l), EV_MANY / 2);
	evl_free(l);
	for (i = 0; i < EV_MANY; i++)
		ev_close_pipe(p[i]);
}
END_TEST

static Suite *evloop_suite(void)
{
	Suite *s = suite_create("evloop");
	TCase *tc = tcase_create("evloop");

	tcase_add_test(tc, test_dispatch_fd_events_arg);
	tcase_add_test(tc, test_mod_changes_interest);
	tcase_add_test(tc, test_stop_from_callback);
	tcase_add_test(tc, test_delete_other_pending_in_batch);
	tcase_add_test(tc, test_delete_self);
	tcase_add_test(tc, test_bad_fd);
	tcase_add_test(tc, test_same_fd_twice);
	tcase_add_test(tc, test_free_with_live_watches);
	tcase_add_test(tc, test_many_watches);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(evloop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
