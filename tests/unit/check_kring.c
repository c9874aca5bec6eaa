/*
 * check_kring.c - kernel rings against a hostile user.
 *
 * Objective: every corruption of user-written ring state or TX metadata
 * is caught by the prologue of an explicit sync or of poll, kills the
 * offending process with SIGABRT and fails the call with EFAULT, without
 * affecting the kernel's own state; user edits of RX metadata are
 * ignored; a caller whose pid is unknown (0) gets EFAULT but no signal.
 *
 * The kill tests run with the test process's own pid as the caller and
 * expect to die of SIGABRT (Check fork mode: one death fails one test).
 */
#include <signal.h>

#include "kern_harness.h"

static struct sk_file *ctl;
static uuid_t nx;
static struct kh_chan a, b;

static void
setup(void)
{
	kh_setup();
	ctl = kh_ctl_open();
	kh_upipe(ctl, 1, 16, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	kh_cred = KH_CRED_SELF;
}

static void
teardown(void)
{
	kh_chan_close(&a);
	kh_chan_close(&b);
	sk_file_close(ctl);
	kh_teardown();
}

static struct __user_channel_ring *
txr(void)
{
	return kh_tx(&a, 0);
}

/* A write to a kernel-owned field, as a hostile process would do. */
#define KH_POKE(field, v) (*(volatile uint32_t *)(uintptr_t)&(field) = (v))

START_TEST(test_head_out_of_range)
{
	txr()->ring_head = 16;
	kh_sync(&a, CHANNEL_SYNC_TX);
}
END_TEST

START_TEST(test_head_beyond_tail)
{
	uint32_t i;

	/* Fill the peer's RX, then queue a full ring that cannot move. */
	for (i = 0; i < 15; i++)
		kh_tx_put(&a, txr(), 1, 1);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	for (i = 0; i < 15; i++)
		kh_tx_put(&a, txr(), 1, 1);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_avail(txr()), 0);
	/* The user owns nothing now: any other head is out of its window. */
	txr()->ring_head = kh_next(txr(), txr()->ring_head);
	kh_sync(&a, CHANNEL_SYNC_TX);
}
END_TEST

START_TEST(test_tail_tampered)
{
	KH_POKE(txr()->ring_tail, 3);
	kh_sync(&a, CHANNEL_SYNC_TX);
}
END_TEST

START_TEST(test_dlen_over_limit)
{
	struct __user_quantum *q = kh_slot_md(&a, txr(), 0);

	q->qum_len = 2049;
	q->qum_buf[0].buf_dlen = 2049;
	txr()->ring_head = 1;
	kh_sync(&a, CHANNEL_SYNC_TX);
}
END_TEST

START_TEST(test_doff_overflow)
{
	struct __user_quantum *q = kh_slot_md(&a, txr(), 0);

	q->qum_len = 16;
	q->qum_buf[0].buf_doff = 0xfffffff8u;   /* doff + dlen wraps in u32 */
	q->qum_buf[0].buf_dlen = 16;
	txr()->ring_head = 1;
	kh_sync(&a, CHANNEL_SYNC_TX);
}
END_TEST

START_TEST(test_buf_idx_tampered)
{
	struct __user_quantum *q = kh_slot_md(&a, txr(), 0);

	KH_POKE(q->qum_buf[0].buf_idx, q->qum_buf[0].buf_idx + 1);
	txr()->ring_head = 1;
	kh_sync(&a, CHANNEL_SYNC_TX);
}
END_TEST

START_TEST(test_len_mismatch)
{
	struct __user_quantum *q = kh_slot_md(&a, txr(), 0);

	q->qum_len = 10;
	q->qum_buf[0].buf_dlen = 11;
	txr()->ring_head = 1;
	kh_sync(&a, CHANNEL_SYNC_TX);
}
END_TEST

/* poll's implicit sync validates like an explicit one. */
START_TEST(test_poll_validates)
{
	txr()->ring_head = 1000;
	kh_poll(&a, POLLOUT, 0);
}
END_TEST

START_TEST(test_rx_head_tampered)
{
	kh_rx(&b, 0)->ring_head = 5;    /* nothing was delivered */
	kh_sync(&b, CHANNEL_SYNC_RX);
}
END_TEST

/* Unknown caller: EFAULT, counted, nobody killed, state unchanged. */
START_TEST(test_fault_without_pid)
{
	struct skc_ctl_stats st;

	kh_cred = KH_CRED_NOBODY;
	txr()->ring_head = 16;
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), -EFAULT);
	ck_assert_uint_eq(kh_poll(&a, POLLOUT, 0), POLLERR);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_kills, 2);
	/* Repaired by the user, the ring works as before. */
	txr()->ring_head = 0;
	kh_tx_put(&a, txr(), 9, 1);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 1);
}
END_TEST

/* Only the offender's channel is affected. */
START_TEST(test_fault_is_local)
{
	kh_cred = KH_CRED_NOBODY;
	KH_POKE(kh_tx(&b, 0)->ring_tail, 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_TX), -EFAULT);
	kh_tx_put(&a, txr(), 9, 1);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 1);
}
END_TEST

/* RX metadata edits change nothing the kernel relies on. */
START_TEST(test_rx_tamper_ignored)
{
	struct __user_channel_ring *rx = kh_rx(&b, 0);
	struct __user_quantum *q;

	kh_tx_put(&a, txr(), 100, 1);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	q = kh_slot_md(&b, rx, rx->ring_head);
	q->qum_len = 0xffffffffu;
	q->qum_buf[0].buf_dlen = 0xffffffffu;
	KH_POKE(q->qum_buf[0].buf_idx, 12345);
	rx->ring_head = kh_next(rx, rx->ring_head);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	/* The object travels back to a's TX side as a fresh packet. */
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_avail(txr()), 15);
}
END_TEST

/* Published metadata carries the redzone the library checks. */
START_TEST(test_redzone)
{
	struct __user_channel_ring *tx = txr();
	struct __user_slot_desc *sd = kh_sd(&a, tx, 0);
	struct __user_quantum *q = kh_md(tx, sd->sd_md_idx);
	uint64_t off = (uint64_t)((uint8_t *)q - ((uint8_t *)tx +
	    tx->ring_md_base));

	ck_assert_uint_eq(METADATA_PREAMBLE(q)->mdp_redzone,
	    off ^ a.schema->csm_md_redzone_cookie);
	ck_assert_uint_eq(METADATA_IDX(q), sd->sd_md_idx);
	ck_assert_uint_eq(METADATA_TYPE(q), NEXUS_META_TYPE_QUANTUM);
	ck_assert_uint_eq(METADATA_SUBTYPE(q), NEXUS_META_SUBTYPE_PAYLOAD);
	ck_assert_uint_eq((uintptr_t)q % 64, 0);
	ck_assert_uint_eq(q->qum_buf[0].buf_dlim, tx->ring_def_buf_size);
}
END_TEST

static Suite *
kring_suite(void)
{
	Suite *s = suite_create("kring");
	TCase *kill = tcase_create("kill");
	TCase *safe = tcase_create("safe");

	tcase_add_checked_fixture(kill, setup, teardown);
	tcase_add_test_raise_signal(kill, test_head_out_of_range, SIGABRT);
	tcase_add_test_raise_signal(kill, test_head_beyond_tail, SIGABRT);
	tcase_add_test_raise_signal(kill, test_tail_tampered, SIGABRT);
	tcase_add_test_raise_signal(kill, test_dlen_over_limit, SIGABRT);
	tcase_add_test_raise_signal(kill, test_doff_overflow, SIGABRT);
	tcase_add_test_raise_signal(kill, test_buf_idx_tampered, SIGABRT);
	tcase_add_test_raise_signal(kill, test_len_mismatch, SIGABRT);
	tcase_add_test_raise_signal(kill, test_poll_validates, SIGABRT);
	tcase_add_test_raise_signal(kill, test_rx_head_tampered, SIGABRT);
	suite_add_tcase(s, kill);

	tcase_add_checked_fixture(safe, setup, teardown);
	tcase_add_test(safe, test_fault_without_pid);
	tcase_add_test(safe, test_fault_is_local);
	tcase_add_test(safe, test_rx_tamper_ignored);
	tcase_add_test(safe, test_redzone);
	suite_add_tcase(s, safe);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(kring_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
