/*
 * check_sync_close.c - SKC_IOC_HANDLE_CLOSE, the synchronous close.
 *
 * Objective: XNU's close of a channel or controller fd has finished its
 * work when it returns; the doors' releases here trail close(2), so the
 * library sends HANDLE_CLOSE first.  These tests hold the kernel to
 * what that request promises: at its reply the port is free (a second
 * handle opens it at once), the channel's arena is gone, a controller's
 * providers, instances and bindings are gone; the handle stays counted
 * but empty until its release, and every further request on it -- a
 * second close, a poll, a request of any kind -- fails with EBADF
 * (poll: POLLERR) without touching anything; a poller armed on the
 * channel is woken; a malformed close closes nothing; the release that
 * follows frees the handle and nothing else.  Through the socket door,
 * requests pipelined behind a close in one write are refused in order,
 * and EOF after the close leaves every count at its baseline.
 */
#include <sys/socket.h>

#include "kern_harness.h"
#include "../../cuse-dev/door.h"
#include "../../cuse-dev/evloop.h"

static struct sk_file *ctl;
static uuid_t nx;

static void
setup(void)
{
	kh_setup();
	ctl = kh_ctl_open();
	kh_upipe(ctl, 1, 8, 1, 0, nx);
}

static void
teardown(void)
{
	if (ctl != NULL)
		sk_file_close(ctl);
	kh_teardown();
}

static int
hc_close(struct sk_file *f)
{
	struct skc_handle_close hc;

	memset(&hc, 0, sizeof(hc));
	return kh_ioctl(f, SKC_IOC_HANDLE_CLOSE, &hc);
}

static struct skc_ctl_stats
hc_stats(void)
{
	struct skc_ctl_stats st;

	sk_kern_stats(&st);
	return st;
}

/* Every kind of request on a closed handle: EBADF, nothing else. */
static void
hc_assert_dead(struct sk_file *f)
{
	struct skc_channel_sync cs;
	struct skc_channel_info ci;
	struct skc_ctl_stats st;
	struct skc_nexus_open no;

	memset(&cs, 0, sizeof(cs));
	cs.cs_mode = CHANNEL_SYNC_TX;
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CHANNEL_SYNC, &cs), -EBADF);
	memset(&ci, 0, sizeof(ci));
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CHANNEL_INFO, &ci), -EBADF);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CTL_STATS, &st), -EBADF);
	memset(&no, 0, sizeof(no));
	no.no_init.ni_version = NEXUSCTL_INIT_CURRENT_VERSION;
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_NEXUS_OPEN, &no), -EBADF);
	ck_assert_int_eq(hc_close(f), -EBADF);          /* double close */
	ck_assert_uint_eq(sk_file_poll(f, &kh_cred, POLLIN | POLLOUT, 1),
	    POLLERR);
}

START_TEST(test_channel_close_frees_port_at_once)
{
	struct skc_ctl_stats before = hc_stats(), st;
	struct kh_chan a, b;

	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 0, CHANNEL_RING_ID_ANY),
	    -EBUSY);
	ck_assert_int_eq(hc_close(a.f), 0);
	st = hc_stats();
	ck_assert_uint_eq(st.cs_channels, before.cs_channels);
	ck_assert_uint_eq(st.cs_arenas, before.cs_arenas);
	ck_assert_uint_eq(st.cs_files, before.cs_files + 1);   /* a, empty */
	ck_assert_int_eq(kh_chan_open(&b, nx, 0, CHANNEL_RING_ID_ANY), 0);
	hc_assert_dead(a.f);
	/* the old mapping stays readable until the client unmaps it */
	ck_assert_uint_ne(a.schema->csm_tx_rings, 0);
	kh_chan_close(&a);
	ck_assert_uint_eq(hc_stats().cs_files, before.cs_files + 1);  /* b */
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_TX), 0);
	kh_chan_close(&b);
}
END_TEST

/* Open, close, reopen, many times: the port is never left held. */
START_TEST(test_close_reopen_loop)
{
	struct kh_chan c;
	int i;

	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(kh_chan_open(&c, nx, (nexus_port_t)(i & 1),
		    CHANNEL_RING_ID_ANY), 0);
		ck_assert_int_eq(hc_close(c.f), 0);
		kh_chan_close(&c);
	}
	ck_assert_uint_eq(hc_stats().cs_channels, 0);
}
END_TEST

START_TEST(test_controller_close_frees_providers)
{
	struct skc_ctl_stats before = hc_stats(), st;
	struct sk_file *c2 = kh_ctl_open();
	struct kh_chan ch;
	uuid_t nx2;

	kh_upipe(c2, 1, 8, 0, 0, nx2);
	ck_assert_int_eq(kh_bind(c2, nx2, 0, NEXUS_BIND_KEY, 0, "key", 3),
	    0);
	ck_assert_uint_eq(hc_stats().cs_bindings, before.cs_bindings + 1);
	ck_assert_int_eq(hc_close(c2), 0);
	st = hc_stats();
	ck_assert_uint_eq(st.cs_controllers, before.cs_controllers);
	ck_assert_uint_eq(st.cs_providers, before.cs_providers);
	ck_assert_uint_eq(st.cs_instances, before.cs_instances);
	ck_assert_uint_eq(st.cs_bindings, before.cs_bindings);
	ck_assert_int_eq(kh_chan_open(&ch, nx2, 0, CHANNEL_RING_ID_ANY),
	    -ENOENT);
	hc_assert_dead(c2);
	sk_file_close(c2);
	ck_assert_uint_eq(hc_stats().cs_files, before.cs_files);
}
END_TEST

/* As a release would: the controller goes, its instance's channel stays
 * usable for closing; every count returns. */
START_TEST(test_controller_close_under_channel)
{
	struct kh_chan ch;

	ck_assert_int_eq(kh_chan_open(&ch, nx, 1, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(hc_close(ctl), 0);
	ck_assert_uint_eq(hc_stats().cs_providers, 0);
	ck_assert_int_eq(hc_close(ch.f), 0);
	ck_assert_uint_eq(hc_stats().cs_channels, 0);
	kh_chan_close(&ch);
	sk_file_close(ctl);
	ctl = NULL;
}
END_TEST

START_TEST(test_fresh_handle_close)
{
	struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, NULL);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(hc_close(f), 0);
	hc_assert_dead(f);
	sk_file_close(f);
}
END_TEST

/* A close that fails its framing checks closes nothing. */
START_TEST(test_malformed_close_closes_nothing)
{
	struct skc_handle_close hc;
	struct kh_chan c;

	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	memset(&hc, 0, sizeof(hc));
	hc.hc_reserved = 1;
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_HANDLE_CLOSE, &hc), -EINVAL);
	kh_hdr(&hc, SKC_IOC_HANDLE_CLOSE);
	hc.hc_reserved = 0;
	hc.hc_hdr.rh_version = SKCHAN_ABI_VERSION + 1;
	ck_assert_int_eq(sk_file_ioctl(c.f, &kh_cred, SKC_IOC_HANDLE_CLOSE,
	    &hc, sizeof(hc), NULL), -ENOTSUP);
	ck_assert_int_eq(sk_file_ioctl(c.f, &kh_cred, SKC_IOC_HANDLE_CLOSE,
	    &hc, sizeof(hc) - 1, NULL), -EINVAL);
	ck_assert_uint_eq(hc_stats().cs_channels, 1);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	kh_chan_close(&c);
}
END_TEST

/* A thread of the owner blocked in poll must not sleep through the close. */
START_TEST(test_close_wakes_armed_poller)
{
	struct kh_chan c;

	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), 0);   /* nothing: armed */
	ck_assert_uint_eq(c.fired, 0);
	ck_assert_int_eq(hc_close(c.f), 0);
	ck_assert_uint_eq(c.fired, 1);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), POLLERR);
	kh_chan_close(&c);
	ck_assert_uint_eq(c.fired, 1);
}
END_TEST

/* Not armed: the close fires nothing (the waiter fires once per arming). */
START_TEST(test_close_unarmed_fires_nothing)
{
	struct kh_chan c;

	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(hc_close(c.f), 0);
	ck_assert_uint_eq(c.fired, 0);
	kh_chan_close(&c);
}
END_TEST

/* reject_on_close fires at the synchronous close, not at the release. */
START_TEST(test_reject_on_close_at_close)
{
	struct kh_chan a, b;
	uuid_t rnx;

	kh_upipe(ctl, 1, 8, 1, 1, rnx);
	ck_assert_int_eq(kh_chan_open(&a, rnx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, rnx, 1, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(hc_close(a.f), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_TX), -ENXIO);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* ---- through the socket door ----------------------------------------------- */

static void
hc_frame(int fd, uint32_t cmd, void *body)
{
	struct skc_msg m = { SKC_MSG_MAGIC, cmd, 0, _IOC_SIZE(cmd) };

	kh_hdr(body, cmd);
	ck_assert_int_eq(send(fd, &m, sizeof(m), MSG_NOSIGNAL),
	    (ssize_t)sizeof(m));
	ck_assert_int_eq(send(fd, body, m.sm_len, MSG_NOSIGNAL),
	    (ssize_t)m.sm_len);
}

/* The sm_error of the next reply (its body is read and dropped). */
static int
hc_reply(int fd, uint32_t cmd)
{
	struct skc_msg m;
	union door_req body;

	ck_assert_int_eq(recv(fd, &m, sizeof(m), MSG_WAITALL),
	    (ssize_t)sizeof(m));
	ck_assert_uint_eq(m.sm_cmd, cmd);
	ck_assert_uint_eq(m.sm_len, _IOC_SIZE(cmd));
	ck_assert_int_eq(recv(fd, &body, m.sm_len, MSG_WAITALL),
	    (ssize_t)m.sm_len);
	return m.sm_error;
}

static void
hc_pump(struct evl *l)
{
	int i;

	for (i = 0; i < 1000 && evl_run_once(l, 0) > 0; i++)
		;
}

START_TEST(test_socket_door_pipelined_close)
{
	struct skc_ctl_stats before = hc_stats();
	struct evl *l = evl_new();
	struct door_sock *ds;
	struct skc_nexus_open no;
	struct skc_handle_close hc;
	struct skc_nexus_uuid nu;
	int sv[2];

	ck_assert_ptr_nonnull(l);
	ds = door_sock_new(l);
	ck_assert_ptr_nonnull(ds);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	ck_assert_int_eq(door_sock_attach(ds, sv[1]), 0);
	memset(&no, 0, sizeof(no));
	no.no_init.ni_version = NEXUSCTL_INIT_CURRENT_VERSION;
	memset(&hc, 0, sizeof(hc));
	memset(&nu, 0, sizeof(nu));
	/* open, close, then two requests already on their way */
	hc_frame(sv[0], SKC_IOC_NEXUS_OPEN, &no);
	hc_frame(sv[0], SKC_IOC_HANDLE_CLOSE, &hc);
	hc_frame(sv[0], SKC_IOC_NEXUS_DESTROY, &nu);
	hc_frame(sv[0], SKC_IOC_HANDLE_CLOSE, &hc);
	hc_pump(l);
	ck_assert_int_eq(hc_reply(sv[0], SKC_IOC_NEXUS_OPEN), 0);
	ck_assert_int_eq(hc_reply(sv[0], SKC_IOC_HANDLE_CLOSE), 0);
	ck_assert_int_eq(hc_reply(sv[0], SKC_IOC_NEXUS_DESTROY), EBADF);
	ck_assert_int_eq(hc_reply(sv[0], SKC_IOC_HANDLE_CLOSE), EBADF);
	ck_assert_uint_eq(hc_stats().cs_controllers, before.cs_controllers);
	ck_assert_uint_eq(hc_stats().cs_files, before.cs_files + 1);
	close(sv[0]);                   /* the release: EOF */
	hc_pump(l);
	ck_assert_uint_eq(hc_stats().cs_files, before.cs_files);
	door_sock_free(ds);
	evl_free(l);
}
END_TEST

/* A client that dies right after sending its close: reply lost, release
 * on the closed handle, nothing left. */
START_TEST(test_socket_door_close_then_gone)
{
	struct skc_ctl_stats before = hc_stats();
	struct evl *l = evl_new();
	struct door_sock *ds;
	struct skc_nexus_open no;
	struct skc_handle_close hc;
	int sv[2];

	ck_assert_ptr_nonnull(l);
	ds = door_sock_new(l);
	ck_assert_ptr_nonnull(ds);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	ck_assert_int_eq(door_sock_attach(ds, sv[1]), 0);
	memset(&no, 0, sizeof(no));
	no.no_init.ni_version = NEXUSCTL_INIT_CURRENT_VERSION;
	memset(&hc, 0, sizeof(hc));
	hc_frame(sv[0], SKC_IOC_NEXUS_OPEN, &no);
	hc_frame(sv[0], SKC_IOC_HANDLE_CLOSE, &hc);
	close(sv[0]);
	hc_pump(l);
	ck_assert_uint_eq(hc_stats().cs_files, before.cs_files);
	ck_assert_uint_eq(hc_stats().cs_controllers, before.cs_controllers);
	door_sock_free(ds);
	evl_free(l);
}
END_TEST

static Suite *
sync_close_suite(void)
{
	Suite *s = suite_create("sync_close");
	TCase *tc = tcase_create("sync_close");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_channel_close_frees_port_at_once);
	tcase_add_test(tc, test_close_reopen_loop);
	tcase_add_test(tc, test_controller_close_frees_providers);
	tcase_add_test(tc, test_controller_close_under_channel);
	tcase_add_test(tc, test_fresh_handle_close);
	tcase_add_test(tc, test_malformed_close_closes_nothing);
	tcase_add_test(tc, test_close_wakes_armed_poller);
	tcase_add_test(tc, test_close_unarmed_fires_nothing);
	tcase_add_test(tc, test_reject_on_close_at_close);
	tcase_add_test(tc, test_socket_door_pipelined_close);
	tcase_add_test(tc, test_socket_door_close_then_gone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sync_close_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
