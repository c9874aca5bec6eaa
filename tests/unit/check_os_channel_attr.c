/*
 * check_os_channel_attr.c - os_channel_attr_* on their own (no channel).
 *
 * Objective: Apple's attribute table (spec section 1.1, seed 000): which
 * types read back, which sets are ENOTSUP (decided by the nexus), which
 * are EINVAL (never implemented, or a value outside its set), booleans
 * normalised, NO_AUTO_SYNC always on; key set/get/clone rules.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <skywalk/os_skywalk_private.h>

static channel_attr_t a;

static void
setup(void)
{
	a = os_channel_attr_create();
	ck_assert_ptr_nonnull(a);
}

static void
teardown(void)
{
	os_channel_attr_destroy(a);
}

static uint64_t
get(channel_attr_type_t t)
{
	uint64_t v = 0xdeadbeef;

	ck_assert_int_eq(os_channel_attr_get(a, t, &v), 0);
	return v;
}

/* Set by the nexus, never by the program. */
static const channel_attr_type_t nexus_owned[] = {
    CHANNEL_ATTR_TX_RINGS,	     CHANNEL_ATTR_RX_RINGS,
    CHANNEL_ATTR_TX_SLOTS,	     CHANNEL_ATTR_RX_SLOTS,
    CHANNEL_ATTR_SLOT_BUF_SIZE,	     CHANNEL_ATTR_SLOT_META_SIZE,
    CHANNEL_ATTR_NEXUS_EXTENSIONS,   CHANNEL_ATTR_NEXUS_MHINTS,
    CHANNEL_ATTR_NEXUS_IFINDEX,	     CHANNEL_ATTR_NEXUS_STATS_SIZE,
    CHANNEL_ATTR_NEXUS_FLOWADV_MAX,  CHANNEL_ATTR_NEXUS_META_TYPE,
    CHANNEL_ATTR_NEXUS_META_SUBTYPE, CHANNEL_ATTR_NEXUS_CHECKSUM_OFFLOAD,
    CHANNEL_ATTR_NEXUS_ADV_SIZE,     CHANNEL_ATTR_MAX_FRAGS,
    CHANNEL_ATTR_NUM_BUFFERS,	     CHANNEL_ATTR_LARGE_BUF_SIZE,
};

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

START_TEST(test_fresh_attr_is_zero)
{
	channel_attr_type_t t;

	for (t = CHANNEL_ATTR_TX_RINGS; t <= CHANNEL_ATTR_LARGE_BUF_SIZE; t++) {
		uint64_t v = 0xdeadbeef;
		int err = os_channel_attr_get(a, t, &v);

		if (t == CHANNEL_ATTR_TX_HOST_RINGS ||
		    t == CHANNEL_ATTR_RX_HOST_RINGS ||
		    t == CHANNEL_ATTR_FILTER) {
			ck_assert_int_eq(err, EINVAL);
			continue;
		}
		ck_assert_int_eq(err, 0);
		ck_assert_uint_eq(v, t == CHANNEL_ATTR_NO_AUTO_SYNC ? 1 : 0);
	}
}
END_TEST

START_TEST(test_nexus_owned_enotsup)
{
	size_t i;

	for (i = 0; i < NELEM(nexus_owned); i++)
		ck_assert_int_eq(os_channel_attr_set(a, nexus_owned[i], 5),
				 ENOTSUP);
	for (i = 0; i < NELEM(nexus_owned); i++)
		ck_assert_uint_eq(get(nexus_owned[i]), 0);
}
END_TEST

START_TEST(test_unimplemented_einval)
{
	uint64_t v;

	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_NEXUS_TYPE, 1),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_TX_HOST_RINGS, 1),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_RX_HOST_RINGS, 1),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_get(a, CHANNEL_ATTR_TX_HOST_RINGS, &v),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_get(a, CHANNEL_ATTR_FILTER, &v),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_FILTER, 1), 0);
	ck_assert_int_eq(os_channel_attr_set(a, (channel_attr_type_t)33, 1),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_get(a, (channel_attr_type_t)33, &v),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_set(a, (channel_attr_type_t)-1, 1),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_get(a, (channel_attr_type_t)-1, &v),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_set(NULL, CHANNEL_ATTR_EXCLUSIVE, 1),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_get(a, CHANNEL_ATTR_EXCLUSIVE, NULL),
			 EINVAL);
}
END_TEST

START_TEST(test_settable_round_trip)
{
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_EXCLUSIVE, 5), 0);
	ck_assert_uint_eq(get(CHANNEL_ATTR_EXCLUSIVE), 5);
	ck_assert_int_eq(
	    os_channel_attr_set(a, CHANNEL_ATTR_TX_LOWAT_VALUE, 0x100000007ULL),
	    0);
	ck_assert_uint_eq(get(CHANNEL_ATTR_TX_LOWAT_VALUE), 7);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_RX_LOWAT_VALUE, 9),
			 0);
	ck_assert_uint_eq(get(CHANNEL_ATTR_RX_LOWAT_VALUE), 9);
	ck_assert_uint_eq(get(CHANNEL_ATTR_TX_LOWAT_VALUE), 7);
}
END_TEST

/* Booleans read back as 0/1 whatever was stored. */
START_TEST(test_booleans)
{
	static const channel_attr_type_t b[] = {
	    CHANNEL_ATTR_USER_PACKET_POOL,
	    CHANNEL_ATTR_NEXUS_DEFUNCT_OK,
	    CHANNEL_ATTR_EVENT_RING,
	    CHANNEL_ATTR_LOW_LATENCY,
	};
	size_t i;

	for (i = 0; i < NELEM(b); i++) {
		ck_assert_int_eq(os_channel_attr_set(a, b[i], 0x700000000ULL),
				 0);
		ck_assert_uint_eq(get(b[i]), 1);
		ck_assert_int_eq(os_channel_attr_set(a, b[i], 0), 0);
		ck_assert_uint_eq(get(b[i]), 0);
	}
}
END_TEST

START_TEST(test_no_auto_sync)
{
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_NO_AUTO_SYNC, 0),
			 ENOTSUP);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_NO_AUTO_SYNC, 1),
			 0);
	ck_assert_uint_eq(get(CHANNEL_ATTR_NO_AUTO_SYNC), 1);
}
END_TEST

START_TEST(test_closed_sets)
{
	uint64_t m;

	for (m = CHANNEL_MONITOR_OFF; m <= CHANNEL_MONITOR_COPY; m++) {
		ck_assert_int_eq(
		    os_channel_attr_set(a, CHANNEL_ATTR_MONITOR, m), 0);
		ck_assert_uint_eq(get(CHANNEL_ATTR_MONITOR), m);
	}
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_MONITOR, 3),
			 EINVAL);
	ck_assert_int_eq(
	    os_channel_attr_set(a, CHANNEL_ATTR_MONITOR, 1ULL << 32), EINVAL);
	ck_assert_uint_eq(get(CHANNEL_ATTR_MONITOR), CHANNEL_MONITOR_COPY);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_TX_LOWAT_UNIT,
					     CHANNEL_THRESHOLD_UNIT_BYTES),
			 0);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_RX_LOWAT_UNIT,
					     CHANNEL_THRESHOLD_UNIT_BYTES),
			 0);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_TX_LOWAT_UNIT, 2),
			 EINVAL);
	ck_assert_int_eq(
	    os_channel_attr_set(a, CHANNEL_ATTR_RX_LOWAT_UNIT, (uint64_t)-1),
	    EINVAL);
	ck_assert_uint_eq(get(CHANNEL_ATTR_TX_LOWAT_UNIT),
			  CHANNEL_THRESHOLD_UNIT_BYTES);
	ck_assert_uint_eq(get(CHANNEL_ATTR_RX_LOWAT_UNIT),
			  CHANNEL_THRESHOLD_UNIT_BYTES);
}
END_TEST

START_TEST(test_key_rules)
{
	uint8_t key[NEXUS_MAX_KEY_LEN + 1], out[NEXUS_MAX_KEY_LEN];
	uint32_t len;

	memset(key, 0x42, sizeof(key));
	ck_assert_int_eq(os_channel_attr_set_key(a, NULL, 3), EINVAL);
	ck_assert_int_eq(os_channel_attr_set_key(a, key, 0), EINVAL);
	ck_assert_int_eq(os_channel_attr_set_key(a, key, NEXUS_MAX_KEY_LEN + 1),
			 EINVAL);
	ck_assert_int_eq(os_channel_attr_get_key(a, out, NULL), EINVAL);
	len = 99;
	ck_assert_int_eq(os_channel_attr_get_key(a, out, &len), 0);
	ck_assert_uint_eq(len, 0); /* none stored */
	ck_assert_int_eq(os_channel_attr_set_key(a, key, NEXUS_MAX_KEY_LEN), 0);
	len = 0;
	ck_assert_int_eq(os_channel_attr_get_key(a, NULL, &len), 0);
	ck_assert_uint_eq(len, NEXUS_MAX_KEY_LEN); /* length query */
	len = NEXUS_MAX_KEY_LEN - 1;
	ck_assert_int_eq(os_channel_attr_get_key(a, out, &len), ENOMEM);
	len = sizeof(out);
	ck_assert_int_eq(os_channel_attr_get_key(a, out, &len), 0);
	ck_assert_uint_eq(len, NEXUS_MAX_KEY_LEN);
	ck_assert_mem_eq(out, key, NEXUS_MAX_KEY_LEN);
	/* replacing, then clearing */
	ck_assert_int_eq(os_channel_attr_set_key(a, "ab", 2), 0);
	len = sizeof(out);
	ck_assert_int_eq(os_channel_attr_get_key(a, out, &len), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(os_channel_attr_set_key(a, NULL, 0), 0);
	len = 7;
	ck_assert_int_eq(os_channel_attr_get_key(a, out, &len), 0);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(test_clone)
{
	channel_attr_t c;
	uint8_t out[8];
	uint32_t len = sizeof(out);

	c = os_channel_attr_clone(NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_mem_eq(c, a, sizeof(struct channel_attr)); /* both zero */
	os_channel_attr_destroy(c);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_MONITOR, 2), 0);
	ck_assert_int_eq(os_channel_attr_set_key(a, "key!", 4), 0);
	c = os_channel_attr_clone(a);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_ne(c->cha_key, a->cha_key); /* deep copy */
	ck_assert_int_eq(os_channel_attr_set_key(a, "zz", 2), 0);
	ck_assert_int_eq(os_channel_attr_get_key(c, out, &len), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(out, "key!", 4);
	{
		uint64_t v;

		ck_assert_int_eq(
		    os_channel_attr_get(c, CHANNEL_ATTR_MONITOR, &v), 0);
		ck_assert_uint_eq(v, 2);
	}
	os_channel_attr_destroy(c);
	os_channel_attr_destroy(NULL);
}
END_TEST

static Suite *
attr_suite(void)
{
	Suite *s = suite_create("os_channel_attr");
	TCase *tc = tcase_create("attr");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fresh_attr_is_zero);
	tcase_add_test(tc, test_nexus_owned_enotsup);
	tcase_add_test(tc, test_unimplemented_einval);
	tcase_add_test(tc, test_settable_round_trip);
	tcase_add_test(tc, test_booleans);
	tcase_add_test(tc, test_no_auto_sync);
	tcase_add_test(tc, test_closed_sets);
	tcase_add_test(tc, test_key_rules);
	tcase_add_test(tc, test_clone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(attr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
