/*
 * check_nx_upipe.c - the user pipe nexus, driven in-process.
 *
 * Objective: the exact ring accounting of spec behaviours scenario 1
 * (fullupipe), zero-copy slot swapping, data integrity across the pipe,
 * implicit syncs in poll with exactly the requested bits, the waiter
 * firing once per arming, and a pipe end's state surviving its reopen.
 */
#include "kern_harness.h"

static struct sk_file *ctl;
static uuid_t nx;

static void
setup(void)
{
	kh_setup();
	ctl = kh_ctl_open();
}

static void
teardown(void)
{
	sk_file_close(ctl);
	kh_teardown();
}

/* Walk avail TX slots from head, leave the properties as they are. */
static void
fill_tx(struct kh_chan *c, uint32_t n)
{
	struct __user_channel_ring *tx = kh_tx(c, 0);
	uint32_t i;

	for (i = 0; i < n; i++)
		kh_tx_put(c, tx, 8, (uint8_t)i);
}

static void
consume_rx(struct kh_chan *c, uint32_t n)
{
	struct __user_channel_ring *rx = kh_rx(c, 0);
	uint32_t i;

	for (i = 0; i < n; i++)
		rx->ring_head = kh_next(rx, rx->ring_head);
}

/* Scenario 1, step by step (spec behaviours section 3.20). */
START_TEST(test_fullupipe)
{
	struct kh_chan a, b;
	struct __user_channel_ring *tx0, *rx1;

	kh_upipe(ctl, 1, 100, 1, 1, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	tx0 = kh_tx(&a, 0);
	rx1 = kh_rx(&b, 0);

	ck_assert_uint_eq(kh_avail(tx0), 99);
	ck_assert_uint_eq(kh_avail(rx1), 0);
	fill_tx(&a, 99);
	ck_assert_uint_eq(tx0->ring_head, tx0->ring_tail);
	ck_assert_uint_eq(kh_avail(tx0), 0);

	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);       /* 2 */
	ck_assert_uint_eq(kh_avail(tx0), 0);
	ck_assert_uint_eq(kh_avail(rx1), 0);

	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);       /* 3 */
	ck_assert_uint_eq(kh_avail(tx0), 99);
	ck_assert_uint_eq(kh_avail(rx1), 0);

	fill_tx(&a, 99);                                         /* 4 */
	ck_assert_uint_eq(kh_avail(tx0), 0);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_avail(tx0), 0);
	ck_assert_uint_eq(kh_avail(rx1), 0);

	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);       /* 5 */
	ck_assert_uint_eq(kh_avail(tx0), 0);
	ck_assert_uint_eq(kh_avail(rx1), 99);

	consume_rx(&b, 99);                                      /* 6 */
	ck_assert_uint_eq(kh_avail(rx1), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(rx1), 99);
	ck_assert_uint_eq(kh_avail(tx0), 0);

	consume_rx(&b, 99);                                      /* 7 */
	ck_assert_uint_eq(kh_avail(rx1), 0);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_avail(tx0), 99);
	ck_assert_uint_eq(kh_avail(rx1), 0);

	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* The payload arrives intact, and the buffer itself moved (no copy). */
START_TEST(test_zero_copy)
{
	struct kh_chan a, b;
	struct __user_channel_ring *tx, *rx;
	obj_idx_t sent;
	uint32_t s;
	uint8_t *buf;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	tx = kh_tx(&a, 0);
	rx = kh_rx(&b, 0);
	s = tx->ring_head;
	sent = kh_sd(&a, tx, s)->sd_md_idx;
	ck_assert_uint_eq(kh_slot_md(&a, tx, s)->qum_buf[0].buf_dlim, 2048);
	buf = kh_slot_buf(&a, tx, s);
	memcpy(buf, "Time flies like an arrow;  fruit flies like a banana.",
	    54);
	kh_slot_md(&a, tx, s)->qum_len = 54;
	kh_slot_md(&a, tx, s)->qum_buf[0].buf_dlen = 54;
	tx->ring_head = kh_next(tx, s);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(rx), 1);
	s = rx->ring_head;
	ck_assert_uint_eq(kh_sd(&b, rx, s)->sd_md_idx, sent);
	ck_assert(kh_slot_md(&b, rx, s)->qum_qflags & QUM_F_FINALIZED);
	ck_assert_uint_eq(kh_slot_md(&b, rx, s)->qum_len, 54);
	ck_assert_mem_eq(kh_slot_buf(&b, rx, s),
	    "Time flies like an arrow;  fruit flies like a banana.", 54);
	/* The TX slot got a fresh object in exchange once synced again. */
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* Many rounds with varying lengths: nothing lost, duplicated or stale. */
START_TEST(test_stream)
{
	struct kh_chan a, b;
	struct __user_channel_ring *tx, *rx;
	uint32_t sent = 0, rcvd = 0, n, len;

	kh_upipe(ctl, 1, 32, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	tx = kh_tx(&a, 0);
	rx = kh_rx(&b, 0);
	while (rcvd < 5000) {
		for (n = kh_avail(tx); n > 0 && sent < 5000; n--, sent++)
			kh_tx_put(&a, tx, 1 + sent % 2048, (uint8_t)sent);
		ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
		ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
		for (n = kh_avail(rx); n > 0; n--, rcvd++) {
			len = kh_slot_md(&b, rx, rx->ring_head)->qum_len;
			ck_assert_uint_eq(len, 1 + rcvd % 2048);
			ck_assert_uint_eq(kh_slot_buf(&b, rx,
			    rx->ring_head)[len - 1], (uint8_t)rcvd);
			rx->ring_head = kh_next(rx, rx->ring_head);
		}
	}
	ck_assert_uint_eq(sent, rcvd);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* poll: implicit syncs, exactly the requested bits, waiter fires once. */
START_TEST(test_poll)
{
	struct kh_chan a, b;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	ck_assert_uint_eq(kh_poll(&a, POLLWRNORM, 0), POLLWRNORM);
	ck_assert_uint_eq(kh_poll(&a, POLLOUT | POLLIN, 0), POLLOUT);
	ck_assert_uint_eq(kh_poll(&b, POLLRDNORM, 1), 0);
	ck_assert_uint_eq(b.fired, 0);

	kh_tx_put(&a, kh_tx(&a, 0), 4, 1);
	/* Write interest runs the TX sync: the slot reaches b. */
	ck_assert_uint_eq(kh_poll(&a, POLLWRNORM, 0), POLLWRNORM);
	ck_assert_uint_eq(b.fired, 1);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 0);  /* not before b syncs */
	ck_assert_uint_eq(kh_poll(&b, POLLRDNORM | POLLWRNORM, 1),
	    POLLRDNORM | POLLWRNORM);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 1);

	/* Armed once, fired once, however much happens after. */
	consume_rx(&b, 1);
	ck_assert_uint_eq(kh_poll(&b, POLLIN, 1), 0);
	kh_tx_put(&a, kh_tx(&a, 0), 4, 2);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	kh_tx_put(&a, kh_tx(&a, 0), 4, 3);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(b.fired, 2);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* A writer blocked on a full pipe is woken by the reader's RX sync. */
START_TEST(test_writer_wakeup)
{
	struct kh_chan a, b;
	struct __user_channel_ring *tx;

	kh_upipe(ctl, 1, 4, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	tx = kh_tx(&a, 0);
	fill_tx(&a, 3);
	ck_assert_uint_eq(kh_poll(&a, POLLOUT, 1), POLLOUT);   /* moved 3 */
	fill_tx(&a, 3);
	ck_assert_uint_eq(kh_poll(&a, POLLOUT, 1), 0);         /* peer full */
	ck_assert_uint_eq(kh_avail(tx), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	consume_rx(&b, 3);
	ck_assert_uint_eq(a.fired, 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);     /* pulls 3 */
	ck_assert_uint_eq(a.fired, 1);
	ck_assert_uint_eq(kh_poll(&a, POLLOUT, 1), POLLOUT);
	ck_assert_uint_eq(kh_avail(tx), 3);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* Sync and notify times: ours at our sync, the peer's at its sync. */
START_TEST(test_times)
{
	struct kh_chan a, b;
	uint64_t t0;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	ck_assert_uint_eq(kh_tx(&a, 0)->ring_sync_time, 0);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	t0 = kh_tx(&a, 0)->ring_sync_time;
	ck_assert_uint_ne(t0, 0);
	ck_assert_uint_eq(kh_rx(&b, 0)->ring_notify_time, t0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_ge(kh_rx(&b, 0)->ring_sync_time, t0);
	ck_assert_uint_eq(kh_tx(&a, 0)->ring_notify_time,
	    kh_rx(&b, 0)->ring_sync_time);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* An end reopened while its peer stays open finds queued data. */
START_TEST(test_reopen_keeps_data)
{
	struct kh_chan a, b;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	kh_chan_close(&b);
	kh_tx_put(&a, kh_tx(&a, 0), 5, 7);
	kh_tx_put(&a, kh_tx(&a, 0), 6, 8);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 2);
	ck_assert_uint_eq(kh_slot_md(&b, kh_rx(&b, 0),
	    kh_rx(&b, 0)->ring_head)->qum_len, 5);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* Rings r of one end feed ring r of the other, and only ring r. */
START_TEST(test_multi_ring)
{
	struct kh_chan a, b;
	uint32_t r;

	kh_upipe(ctl, 4, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, 2), 0);
	ck_assert_uint_eq(b.nrings, 1);
	for (r = 0; r < 4; r++)
		kh_tx_put(&a, kh_tx(&a, r), 10 + r, (uint8_t)r);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 1);
	ck_assert_uint_eq(kh_rx(&b, 0)->ring_id, 2);
	ck_assert_uint_eq(kh_slot_md(&b, kh_rx(&b, 0),
	    kh_rx(&b, 0)->ring_head)->qum_len, 12);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* A user DROPPED flag goes through as an empty slot, no kill. */
START_TEST(test_dropped)
{
	struct kh_chan a, b;
	struct __user_channel_ring *tx;
	struct __user_quantum *q;

	kh_cred = KH_CRED_SELF;
	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	tx = kh_tx(&a, 0);
	q = kh_slot_md(&a, tx, tx->ring_head);
	q->qum_len = 0;
	q->qum_buf[0].buf_dlen = 5000;  /* would be fatal if not dropped */
	q->qum_qflags = QUM_F_DROPPED;
	tx->ring_head = kh_next(tx, tx->ring_head);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_slot_md(&b, kh_rx(&b, 0),
	    kh_rx(&b, 0)->ring_head)->qum_len, 0);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

static Suite *
upipe_suite(void)
{
	Suite *s = suite_create("nx_upipe");
	TCase *tc = tcase_create("upipe");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fullupipe);
	tcase_add_test(tc, test_zero_copy);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_poll);
	tcase_add_test(tc, test_writer_wakeup);
	tcase_add_test(tc, test_times);
	tcase_add_test(tc, test_reopen_keeps_data);
	tcase_add_test(tc, test_multi_ring);
	tcase_add_test(tc, test_dropped);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(upipe_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
