/*
 * check_os_cksum.c - os_inet_checksum / os_copy_and_inet_checksum
 * against a plain 16-bit-word reference (RFC 1071, words paired from
 * the start of the buffer, read in memory order).
 *
 * Covered: every length 0..1500 at every source alignment 0..7 (and,
 * for the copy, every destination alignment 0..7); the ranges Apple's
 * own inetcksum/copycksum tests sweep (length 20..256, source and
 * destination offsets 0..127); sum0 at its extremes; known vectors.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <skywalk/os_packet.h>

#define CK_MAXLEN 1500
#define CK_GUARD 0xa5

static uint8_t ck_src[CK_MAXLEN + 256];
static uint8_t ck_dst[CK_MAXLEN + 256];
static uint8_t ck_guard[CK_MAXLEN + 256];

/*
 * Check's assertions record a mark point on every call (a write to the
 * runner), so the sweeps below count mismatches themselves and assert
 * once per sweep; each reports the first failing case it saw.
 */
struct ck_fail {
	unsigned cf_count;
	uint32_t cf_len, cf_soff, cf_doff;
};

static void
ck_note(struct ck_fail *f, int bad, uint32_t len, uint32_t soff, uint32_t doff)
{
	if (!bad || f->cf_count++ != 0)
		return;
	f->cf_len = len;
	f->cf_soff = soff;
	f->cf_doff = doff;
}

#define CK_ASSERT_NONE(f)                                                      \
	ck_assert_msg((f).cf_count == 0,                                       \
		      "%u mismatches, first len %u src off %u dst off %u",     \
		      (f).cf_count, (f).cf_len, (f).cf_soff, (f).cf_doff)

static uint16_t
ref_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* one 16-bit word at a time, odd byte zero-padded in memory order */
static uint16_t
ref_sum(const uint8_t *p, uint32_t len, uint32_t sum0)
{
	uint64_t s = sum0;
	uint16_t w;
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2) {
		memcpy(&w, p + i, 2);
		s += w;
	}
	if (len & 1) {
		uint8_t last[2] = {p[len - 1], 0};

		memcpy(&w, last, 2);
		s += w;
	}
	return ref_fold(s);
}

static void
fill_random(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	srandom(seed);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)random();
}

/* fold the library's unfolded sum the way Apple's test does */
static uint16_t
lib_fold(uint32_t s)
{
	s = (s >> 16) + (s & 0xffff);
	s = (s >> 16) + (s & 0xffff);
	s = (s >> 16) + (s & 0xffff);
	return (uint16_t)s;
}

START_TEST(test_partial_all_lengths_alignments)
{
	struct ck_fail f = {0};
	uint32_t len, off, sum0;

	fill_random(ck_src, sizeof(ck_src), 1);
	for (off = 0; off < 8; off++) {
		for (len = 0; len <= CK_MAXLEN; len++) {
			sum0 = (uint32_t)random();
			ck_note(&f,
				lib_fold(os_inet_checksum(ck_src + off, len,
							  sum0)) !=
				    ref_sum(ck_src + off, len, sum0),
				len, off, 0);
		}
	}
	CK_ASSERT_NONE(f);
}
END_TEST

/* 1 if the copy or its result is wrong */
static int
copy_bad(uint32_t soff, uint32_t doff, uint32_t len, uint16_t ref,
	 uint32_t sum0)
{
	uint32_t r;
	size_t end = doff + len;

	memset(ck_dst, CK_GUARD, sizeof(ck_dst));
	r = os_copy_and_inet_checksum(ck_src + soff, ck_dst + doff, len, sum0);
	/* exact result, exact copy, nothing outside [doff, end) touched */
	return r != (uint16_t)~ref ||
	       memcmp(ck_dst + doff, ck_src + soff, len) != 0 ||
	       memcmp(ck_dst, ck_guard, doff) != 0 ||
	       memcmp(ck_dst + end, ck_guard, sizeof(ck_dst) - end) != 0;
}

START_TEST(test_copy_all_lengths_alignments)
{
	struct ck_fail f = {0};
	uint32_t len, soff, doff, sum0;

	fill_random(ck_src, sizeof(ck_src), 2);
	memset(ck_guard, CK_GUARD, sizeof(ck_guard));
	for (soff = 0; soff < 8; soff++) {
		for (len = 0; len <= CK_MAXLEN; len++) {
			sum0 = (uint32_t)random();
			uint16_t ref = ref_sum(ck_src + soff, len, sum0);

			for (doff = 0; doff < 8; doff++)
				ck_note(&f,
					copy_bad(soff, doff, len, ref, sum0),
					len, soff, doff);
		}
	}
	CK_ASSERT_NONE(f);
}
END_TEST

/* Apple's inetcksum range: len 20..256, offsets 0..127, random sum0 */
START_TEST(test_partial_apple_range)
{
	struct ck_fail f = {0};
	uint32_t len, off, sum0;

	fill_random(ck_src, sizeof(ck_src), 3);
	for (len = 20; len <= 256; len++) {
		for (off = 0; off < 128; off++) {
			sum0 = (uint32_t)random();
			ck_note(&f,
				lib_fold(os_inet_checksum(ck_src + off, len,
							  sum0)) !=
				    ref_sum(ck_src + off, len, sum0),
				len, off, 0);
		}
	}
	CK_ASSERT_NONE(f);
}
END_TEST

/* Apple's copycksum-single range: same, and destination offsets 0..127 */
START_TEST(test_copy_apple_range)
{
	struct ck_fail f = {0};
	uint32_t len, soff, doff, sum0;

	fill_random(ck_src, sizeof(ck_src), 4);
	memset(ck_guard, CK_GUARD, sizeof(ck_guard));
	for (len = 20; len <= 256; len++) {
		for (soff = 0; soff < 128; soff++) {
			sum0 = (uint32_t)random() & 0xffff;
			uint16_t ref = ref_sum(ck_src + soff, len, sum0);

			for (doff = 0; doff < 128; doff++)
				ck_note(&f,
					copy_bad(soff, doff, len, ref, sum0),
					len, soff, doff);
		}
	}
	CK_ASSERT_NONE(f);
}
END_TEST

START_TEST(test_sum0_extremes)
{
	static const uint32_t sums[] = {0,	    1,		0xffff,
					0x10000,    0xfffe0001, 0x7fffffff,
					0x80000000, 0xffffffff};
	uint32_t i, len;

	memset(ck_guard, CK_GUARD, sizeof(ck_guard));
	memset(ck_src, 0xff, sizeof(ck_src));
	for (i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
		for (len = 0; len < 64; len++) {
			ck_assert_uint_eq(
			    lib_fold(os_inet_checksum(ck_src, len, sums[i])),
			    ref_sum(ck_src, len, sums[i]));
			ck_assert(!copy_bad(
			    0, 3, len, ref_sum(ck_src, len, sums[i]), sums[i]));
		}
	}
	/* all zero data, zero sum: sum 0, checksum 0xffff */
	memset(ck_src, 0, 64);
	ck_assert_uint_eq(os_inet_checksum(ck_src, 64, 0), 0);
	ck_assert_uint_eq(os_copy_and_inet_checksum(ck_src, ck_dst, 64, 0),
			  0xffff);
}
END_TEST

/* An IPv4 header: its checksum field makes the whole sum 0xffff. */
static const uint8_t ip_hdr[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
				   0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
				   0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

START_TEST(test_known_ipv4_header)
{
	uint8_t hdr[20], out[20];
	uint16_t ck;
	uint32_t r;

	memcpy(hdr, ip_hdr, sizeof(hdr));
	ck_assert_uint_eq(os_copy_and_inet_checksum(hdr, out, 20, 0), 0);
	ck_assert_uint_eq(lib_fold(os_inet_checksum(hdr, 20, 0)), 0xffff);
	/* with the field zeroed, the result stored as-is is the field */
	hdr[10] = hdr[11] = 0;
	r = os_copy_and_inet_checksum(hdr, out, 20, 0);
	ck_assert_uint_eq(r >> 16, 0);
	ck = (uint16_t)r;
	memcpy(&hdr[10], &ck, 2);
	ck_assert_uint_eq(hdr[10], 0xb8);
	ck_assert_uint_eq(hdr[11], 0x61);
}
END_TEST

/* RFC 1071 section 3 example: words 0001 f203 f4f5 f6f7 sum to ddf2. */
START_TEST(test_rfc1071_example)
{
	static const uint8_t d[8] = {0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7};
	uint16_t s = lib_fold(os_inet_checksum(d, 8, 0));
	uint8_t b[2];

	memcpy(b, &s, 2);
	ck_assert_uint_eq(b[0], 0xdd);
	ck_assert_uint_eq(b[1], 0xf2);
}
END_TEST

static Suite *
cksum_suite(void)
{
	Suite *s = suite_create("os_cksum");
	TCase *tc = tcase_create("cksum");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_partial_all_lengths_alignments);
	tcase_add_test(tc, test_copy_all_lengths_alignments);
	tcase_add_test(tc, test_partial_apple_range);
	tcase_add_test(tc, test_copy_apple_range);
	tcase_add_test(tc, test_sum0_extremes);
	tcase_add_test(tc, test_known_ipv4_header);
	tcase_add_test(tc, test_rfc1071_example);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cksum_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
