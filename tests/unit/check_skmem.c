/*
 * check_skmem.c - the arena: sealed memfds, span maps, tickets.
 *
 * Objective: a region is sealed against shrink/grow (and, read-only
 * ones, against any writable client mapping) while the daemon's own
 * mapping stays writable; span maps are page-aligned and in order;
 * tickets are one-time and bound to pid and uid; every count returns
 * to zero.
 */
#include <fcntl.h>

#include "kern_harness.h"
#include "../../cuse-dev/skmem_var.h"

static void
assert_zero(void)
{
	struct skmem_stats st;

	skmem_stats_get(&st);
	ck_assert_uint_eq(st.sms_arenas, 0);
	ck_assert_uint_eq(st.sms_memfds, 0);
	ck_assert_uint_eq(st.sms_tickets, 0);
	ck_assert_uint_eq(st.sms_bytes, 0);
}

START_TEST(test_region_rw)
{
	struct skmem_region sr;
	uint8_t *p;

	ck_assert_int_eq(skmem_region_create(&sr, "skchan:test:rw", 100, 0), 0);
	ck_assert_uint_eq(sr.sr_size, skmem_page_size());
	ck_assert_int_eq(fcntl(sr.sr_fd, F_GET_SEALS),
	    F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	p = mmap(NULL, sr.sr_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    sr.sr_fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	p[10] = 42;
	ck_assert_uint_eq(((uint8_t *)sr.sr_addr)[10], 42);
	ck_assert_int_ne(ftruncate(sr.sr_fd, 0), 0);
	ck_assert_int_ne(ftruncate(sr.sr_fd, 1 << 20), 0);
	munmap(p, sr.sr_size);
	skmem_region_destroy(&sr);
	assert_zero();
}
END_TEST

START_TEST(test_region_ro)
{
	struct skmem_region sr;
	uint8_t *p;

	ck_assert_int_eq(skmem_region_create(&sr, "skchan:test:ro", 8192,
	    SKMEM_REGION_F_USER_RO), 0);
	ck_assert(fcntl(sr.sr_fd, F_GET_SEALS) & F_SEAL_FUTURE_WRITE);
	p = mmap(NULL, sr.sr_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    sr.sr_fd, 0);
	ck_assert_ptr_eq(p, MAP_FAILED);
	ck_assert_int_eq(write(sr.sr_fd, "x", 1), -1);
	p = mmap(NULL, sr.sr_size, PROT_READ, MAP_SHARED, sr.sr_fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_ne(mprotect(p, sr.sr_size, PROT_READ | PROT_WRITE), 0);
	/* the daemon still writes, and the client sees it */
	((uint8_t *)sr.sr_addr)[4097] = 7;
	ck_assert_uint_eq(p[4097], 7);
	munmap(p, sr.sr_size);
	skmem_region_destroy(&sr);
	assert_zero();
}
END_TEST

START_TEST(test_revoke)
{
	struct skmem_region sr;
	uint8_t *p;

	ck_assert_int_eq(skmem_region_create(&sr, "skchan:test:rv", 4096, 0),
	    0);
	p = mmap(NULL, sr.sr_size, PROT_READ, MAP_SHARED, sr.sr_fd, 0);
	((uint8_t *)sr.sr_addr)[0] = 9;
	ck_assert_uint_eq(p[0], 9);
	skmem_region_revoke(&sr);
	ck_assert_uint_eq(p[0], 0);
	munmap(p, sr.sr_size);
	skmem_region_destroy(&sr);
}
END_TEST

START_TEST(test_arena_refcount)
{
	struct skmem_arena *ar = skmem_arena_create();
	struct skmem_stats st;

	ck_assert_ptr_nonnull(skmem_arena_add(ar, "skchan:test:a", 1, 0));
	ck_assert_ptr_nonnull(skmem_arena_add(ar, "skchan:test:b", 5000, 0));
	skmem_stats_get(&st);
	ck_assert_uint_eq(st.sms_arenas, 1);
	ck_assert_uint_eq(st.sms_memfds, 2);
	ck_assert_uint_eq(st.sms_bytes, 3 * skmem_page_size());
	skmem_arena_retain(ar);
	skmem_arena_release(ar);
	skmem_stats_get(&st);
	ck_assert_uint_eq(st.sms_memfds, 2);
	skmem_arena_release(ar);
	assert_zero();
	skmem_arena_release(NULL);
}
END_TEST

START_TEST(test_map)
{
	struct skc_map mp;
	uint64_t off[3];
	size_t pg = skmem_page_size();

	skmem_map_init(&mp);
	ck_assert_int_eq(skmem_map_add(&mp, 0, SKC_PROT_READ, 0, 10, &off[0]),
	    0);
	ck_assert_int_eq(skmem_map_add(&mp, 2, SKC_PROT_READ | SKC_PROT_WRITE,
	    pg, pg + 1, &off[1]), 0);
	ck_assert_int_eq(skmem_map_add(&mp, 1, SKC_PROT_READ, 0, pg, &off[2]),
	    0);
	ck_assert_uint_eq(off[0], 0);
	ck_assert_uint_eq(off[1], pg);
	ck_assert_uint_eq(off[2], 3 * pg);
	ck_assert_uint_eq(mp.mp_span_size, 4 * pg);
	ck_assert_uint_eq(mp.mp_nfds, 3);
	ck_assert_uint_eq(mp.mp_regions[1].mr_len, 2 * pg);
	ck_assert_uint_eq(mp.mp_regions[1].mr_fd_off, pg);
	ck_assert_int_eq(skmem_map_add(&mp, SKC_MAP_FDS_MAX, 0, 0, 1, NULL),
	    -ENOMEM);
}
END_TEST

START_TEST(test_tickets)
{
	struct sk_cred me = KH_CRED_SELF, zero = KH_CRED_SELF, uid = me;
	struct skmem_ticket *tk;
	int owner_obj;
	void *owner = NULL;

	zero.cr_pid = 0;
	uid.cr_uid++;
	tk = skmem_ticket_mint(&me, &owner_obj);
	ck_assert_ptr_nonnull(tk);
	ck_assert_uint_ne(tk->tk_value, 0);
	ck_assert_int_eq(skmem_ticket_claim(0, &me, &owner), -ENOENT);
	ck_assert_int_eq(skmem_ticket_claim(tk->tk_value ^ 1, &me, &owner),
	    -ENOENT);
	ck_assert_int_eq(skmem_ticket_claim(tk->tk_value, &zero, &owner),
	    -EPERM);
	ck_assert_int_eq(skmem_ticket_claim(tk->tk_value, &uid, &owner),
	    -EPERM);
	ck_assert_int_eq(skmem_ticket_claim(tk->tk_value, &me, &owner), 0);
	ck_assert_ptr_eq(owner, &owner_obj);
	ck_assert_int_eq(skmem_ticket_claim(tk->tk_value, &me, &owner),
	    -ENOENT);
	skmem_ticket_destroy(tk);
	/* unclaimed ones are counted until destroyed */
	tk = skmem_ticket_mint(&zero, &owner_obj);
	ck_assert_int_eq(skmem_ticket_claim(tk->tk_value, &zero, &owner),
	    -EPERM);
	skmem_ticket_destroy(tk);
	assert_zero();
}
END_TEST

static Suite *
skmem_suite(void)
{
	Suite *s = suite_create("skmem");
	TCase *tc = tcase_create("skmem");

	tcase_add_test(tc, test_region_rw);
	tcase_add_test(tc, test_region_ro);
	tcase_add_test(tc, test_revoke);
	tcase_add_test(tc, test_arena_refcount);
	tcase_add_test(tc, test_map);
	tcase_add_test(tc, test_tickets);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(skmem_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
