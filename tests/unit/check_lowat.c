/*
 * check_lowat.c - channel low-watermarks, in-process (channel.c).
 *
 * Objective (issue part 5; XNU ch_ev_thresh_validate): TX/RX thresholds
 * arrive with the open (ch_init) or CHOPT_{TX,RX}_LOWAT_THRESH; a unit
 * other than SLOTS/BYTES is EINVAL (open and set_opt alike, the old
 * value kept); values are clamped to [1, slots - 1] slots or
 * [1, (slots - 1) x buffer size] bytes of that direction; get_opt and
 * ch_info report the clamped value; the default is {SLOTS, 1}; a change
 * fires the channel's armed waiter; poll readiness stays "any slot"
 * whatever the thresholds (kevent alone applies them on XNU); a short
 * payload is EINVAL, an unknown option ENOPROTOOPT.
 */
#include "kern_harness.h"

#define LW_SLOTS        16
#define LW_BUF          2048

static struct sk_file *ctl;
static uuid_t nx;

static void
setup(void)
{
	kh_setup();
	ctl = kh_ctl_open();
	kh_upipe(ctl, 1, LW_SLOTS, 1, 0, nx);
}

static void
teardown(void)
{
	sk_file_close(ctl);
	kh_teardown();
}

static int
lw_set(struct kh_chan *c, uint32_t opt, uint32_t unit, uint32_t value)
{
	struct skc_channel_opt o;
	struct ch_ev_thresh t = { (channel_threshold_unit_t)unit, value };

	memset(&o, 0, sizeof(o));
	o.co_opt = opt;
	o.co_len = sizeof(t);
	memcpy(o.co_data, &t, sizeof(t));
	return kh_ioctl(c->f, SKC_IOC_CHANNEL_SET_OPT, &o);
}

static struct ch_ev_thresh
lw_get(struct kh_chan *c, uint32_t opt)
{
	struct skc_channel_opt o;
	struct ch_ev_thresh t;

	memset(&o, 0, sizeof(o));
	o.co_opt = opt;
	o.co_len = SKC_CHOPT_DATA_MAX;
	ck_assert_int_eq(kh_ioctl(c->f, SKC_IOC_CHANNEL_GET_OPT, &o), 0);
	ck_assert_uint_eq(o.co_len, sizeof(t));
	memcpy(&t, o.co_data, sizeof(t));
	return t;
}

static const struct ch_info *
lw_info(struct kh_chan *c)
{
	ck_assert_int_eq(kh_ioctl(c->f, SKC_IOC_CHANNEL_INFO, &c->info), 0);
	return &c->info.ci_info;
}

/* get_opt and ch_info agree, and say (unit, value). */
static void
lw_expect(struct kh_chan *c, uint32_t opt, uint32_t unit, uint32_t value)
{
	struct ch_ev_thresh t = lw_get(c, opt);
	const struct ch_info *ci = lw_info(c);
	const struct ch_ev_thresh *it = opt == CHOPT_TX_LOWAT_THRESH ?
	    &ci->cinfo_tx_lowat : &ci->cinfo_rx_lowat;

	ck_assert_uint_eq(t.cet_unit, unit);
	ck_assert_uint_eq(t.cet_value, value);
	ck_assert_uint_eq(it->cet_unit, unit);
	ck_assert_uint_eq(it->cet_value, value);
}

/* Open port 0 with these thresholds in ch_init. */
static int
lw_open(struct kh_chan *c, struct ch_ev_thresh tx, struct ch_ev_thresh rx)
{
	struct ch_init *ci = &c->req.co_init;
	int err;

	memset(c, 0, sizeof(*c));
	c->f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, NULL);
	ck_assert_ptr_nonnull(c->f);
	ci->ci_version = CHANNEL_INIT_CURRENT_VERSION;
	ci->ci_ch_mode = CHMODE_DEFUNCT_OK;
	ci->ci_ch_ring_id = CHANNEL_RING_ID_ANY;
	ci->ci_tx_lowat = tx;
	ci->ci_rx_lowat = rx;
	uuid_copy(ci->ci_nx_uuid, nx);
	kh_hdr(&c->req, SKC_IOC_CHANNEL_OPEN);
	err = sk_file_ioctl(c->f, &kh_cred, SKC_IOC_CHANNEL_OPEN, &c->req,
	    sizeof(c->req), NULL);
	if (err != 0) {
		sk_file_close(c->f);
		c->f = NULL;
	}
	return err;
}

static void
lw_close(struct kh_chan *c)
{
	sk_file_close(c->f);
	c->f = NULL;
}

START_TEST(test_default_is_one_slot)
{
	struct kh_chan c;

	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	lw_expect(&c, CHOPT_TX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_SLOTS, 1);
	lw_expect(&c, CHOPT_RX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_SLOTS, 1);
	kh_chan_close(&c);
}
END_TEST

START_TEST(test_open_clamps)
{
	struct ch_ev_thresh big_slots = { CHANNEL_THRESHOLD_UNIT_SLOTS, 1000 };
	struct ch_ev_thresh big_bytes = { CHANNEL_THRESHOLD_UNIT_BYTES,
		UINT32_MAX };
	struct ch_ev_thresh zero_bytes = { CHANNEL_THRESHOLD_UNIT_BYTES, 0 };
	struct ch_ev_thresh mid = { CHANNEL_THRESHOLD_UNIT_SLOTS, 7 };
	struct kh_chan c;

	ck_assert_int_eq(lw_open(&c, big_slots, big_bytes), 0);
	lw_expect(&c, CHOPT_TX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_SLOTS,
	    LW_SLOTS - 1);
	lw_expect(&c, CHOPT_RX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_BYTES,
	    (LW_SLOTS - 1) * LW_BUF);
	lw_close(&c);
	ck_assert_int_eq(lw_open(&c, zero_bytes, mid), 0);
	lw_expect(&c, CHOPT_TX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_BYTES, 1);
	lw_expect(&c, CHOPT_RX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_SLOTS, 7);
	lw_close(&c);
}
END_TEST

START_TEST(test_open_bad_unit)
{
	struct ch_ev_thresh ok = { CHANNEL_THRESHOLD_UNIT_SLOTS, 1 };
	struct ch_ev_thresh bad = { (channel_threshold_unit_t)2, 1 };
	struct kh_chan c;

	ck_assert_int_eq(lw_open(&c, bad, ok), -EINVAL);
	ck_assert_int_eq(lw_open(&c, ok, bad), -EINVAL);
}
END_TEST

START_TEST(test_set_clamps)
{
	struct kh_chan c;

	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(lw_set(&c, CHOPT_TX_LOWAT_THRESH,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, 5), 0);
	lw_expect(&c, CHOPT_TX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_SLOTS, 5);
	lw_expect(&c, CHOPT_RX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_SLOTS, 1);
	ck_assert_int_eq(lw_set(&c, CHOPT_TX_LOWAT_THRESH,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, LW_SLOTS), 0);
	lw_expect(&c, CHOPT_TX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_SLOTS,
	    LW_SLOTS - 1);
	ck_assert_int_eq(lw_set(&c, CHOPT_TX_LOWAT_THRESH,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, 0), 0);
	lw_expect(&c, CHOPT_TX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_SLOTS, 1);
	ck_assert_int_eq(lw_set(&c, CHOPT_RX_LOWAT_THRESH,
	    CHANNEL_THRESHOLD_UNIT_BYTES, 3000), 0);
	lw_expect(&c, CHOPT_RX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_BYTES,
	    3000);
	ck_assert_int_eq(lw_set(&c, CHOPT_RX_LOWAT_THRESH,
	    CHANNEL_THRESHOLD_UNIT_BYTES, (LW_SLOTS - 1) * LW_BUF + 1), 0);
	lw_expect(&c, CHOPT_RX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_BYTES,
	    (LW_SLOTS - 1) * LW_BUF);
	lw_expect(&c, CHOPT_TX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_SLOTS, 1);
	kh_chan_close(&c);
}
END_TEST

START_TEST(test_set_bad_unit_keeps_value)
{
	struct kh_chan c;
	struct skc_channel_opt o;

	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(lw_set(&c, CHOPT_RX_LOWAT_THRESH,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, 4), 0);
	ck_assert_int_eq(lw_set(&c, CHOPT_RX_LOWAT_THRESH, 2, 9), -EINVAL);
	ck_assert_int_eq(lw_set(&c, CHOPT_RX_LOWAT_THRESH, UINT32_MAX, 9),
	    -EINVAL);
	lw_expect(&c, CHOPT_RX_LOWAT_THRESH, CHANNEL_THRESHOLD_UNIT_SLOTS, 4);
	/* a payload shorter than struct ch_ev_thresh */
	memset(&o, 0, sizeof(o));
	o.co_opt = CHOPT_TX_LOWAT_THRESH;
	o.co_len = sizeof(struct ch_ev_thresh) - 1;
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_SET_OPT, &o), -EINVAL);
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_GET_OPT, &o), -EINVAL);
	o.co_opt = 99;
	o.co_len = sizeof(struct ch_ev_thresh);
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_GET_OPT, &o),
	    -ENOPROTOOPT);
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_SET_OPT, &o),
	    -ENOPROTOOPT);
	kh_chan_close(&c);
}
END_TEST

/* A change fires the armed waiter (XNU posts an event on the rings). */
START_TEST(test_change_fires_waiter)
{
	struct kh_chan c;

	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), 0);   /* armed */
	ck_assert_uint_eq(c.fired, 0);
	ck_assert_int_eq(lw_set(&c, CHOPT_RX_LOWAT_THRESH,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, 3), 0);
	ck_assert_uint_eq(c.fired, 1);
	ck_assert_int_eq(lw_set(&c, CHOPT_TX_LOWAT_THRESH,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, 3), 0);
	ck_assert_uint_eq(c.fired, 1);          /* once per arming */
	kh_chan_close(&c);
}
END_TEST

/* poll: any slot is ready, whatever the marks (kevent alone uses them). */
START_TEST(test_poll_ignores_lowat)
{
	struct kh_chan a, b;

	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(lw_set(&b, CHOPT_RX_LOWAT_THRESH,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, LW_SLOTS - 1), 0);
	ck_assert_int_eq(lw_set(&a, CHOPT_TX_LOWAT_THRESH,
	    CHANNEL_THRESHOLD_UNIT_BYTES, (LW_SLOTS - 1) * LW_BUF), 0);
	ck_assert_uint_eq(kh_poll(&b, POLLIN, 0), 0);
	kh_tx_put(&a, kh_tx(&a, 0), 10, 1);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_poll(&b, POLLIN, 0), POLLIN);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 1);
	ck_assert_uint_eq(kh_poll(&a, POLLOUT, 0), POLLOUT);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

static Suite *
lowat_suite(void)
{
	Suite *s = suite_create("lowat");
	TCase *tc = tcase_create("lowat");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_default_is_one_slot);
	tcase_add_test(tc, test_open_clamps);
	tcase_add_test(tc, test_open_bad_unit);
	tcase_add_test(tc, test_set_clamps);
	tcase_add_test(tc, test_set_bad_unit_keeps_value);
	tcase_add_test(tc, test_change_fires_waiter);
	tcase_add_test(tc, test_poll_ignores_lowat);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(lowat_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
