/*
 * check_nx_kpipe.c - the kernel pipe nexus and its loopback provider.
 *
 * Objective: kernel pipes exist only through nx_kpipe_create (userland
 * registration of KERNEL_PIPE: EINVAL; controllers cannot see or destroy
 * them), refuse bad providers and sizes, refuse to die under an open
 * channel; channel opens follow spec §4 (port >= 1 EDOM; user packet
 * pool, event ring, low latency ENOTSUP; one owner per ring); the
 * loopback (§4.2) returns every TX packet, bytes and length intact, on
 * the RX ring, in order, limited by RX room, with the RX sync running
 * the TX path first; dropped TX packets are not delivered; the pool
 * neither leaks nor runs dry; poll is exact and the waiter fires; a
 * broken TX ring found during an RX sync is a violation (EFAULT).
 */
#include "kern_harness.h"
#include "../../cuse-dev/channel_var.h"
#include "../../cuse-dev/nx_kpipe.h"

static struct sk_file *ctl;
static uuid_t lo;
static struct kh_chan c;

static void
setup(void)
{
	kh_setup();
	ctl = kh_ctl_open();
	ck_assert_int_eq(nx_kpipe_loopback_start(), 0);
	ck_assert_int_eq(nx_kpipe_loopback_uuid(lo), 0);
	memset(&c, 0, sizeof(c));
}

static void
teardown(void)
{
	if (c.f != NULL)
		kh_chan_close(&c);
	nx_kpipe_loopback_stop();
	ck_assert_uint_eq(nx_kpipe_count(), 0);
	sk_file_close(ctl);
	kh_teardown();
}

static void
open_lo(void)
{
	ck_assert_int_eq(kh_chan_open(&c, lo, NEXUS_PORT_KERNEL_PIPE_CLIENT,
	    CHANNEL_RING_ID_ANY), 0);
}

static struct kern_channel *
lo_channel(void)
{
	struct kern_nexus *nx = NULL;

	ck_assert_int_eq(nx_kpipe_lookup(lo, &nx), 0);
	ck_assert_ptr_nonnull(TAILQ_FIRST(&nx->nx_channels));
	return TAILQ_FIRST(&nx->nx_channels);
}

/* Slot at TX head: len bytes, byte i = seed + i. */
static void
put(uint32_t len, uint8_t seed)
{
	struct __user_channel_ring *tx = kh_tx(&c, 0);
	uint32_t s = tx->ring_head, i;
	struct __user_quantum *q = kh_slot_md(&c, tx, s);
	uint8_t *b = kh_slot_buf(&c, tx, s);

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i);
	q->qum_len = len;
	q->qum_buf[0].buf_doff = 0;
	q->qum_buf[0].buf_dlen = len;
	tx->ring_head = kh_next(tx, s);
}

/* The RX slot at head must hold what put(len, seed) sent; consume it. */
static void
get(uint32_t len, uint8_t seed)
{
	struct __user_channel_ring *rx = kh_rx(&c, 0);
	uint32_t s = rx->ring_head, i;
	struct __user_quantum *q = kh_slot_md(&c, rx, s);
	const uint8_t *b = kh_slot_buf(&c, rx, s);

	ck_assert_uint_eq(q->qum_len, len);
	ck_assert(q->qum_qflags & QUM_F_FINALIZED);
	for (i = 0; i < len; i++)
		ck_assert_uint_eq(b[i], (uint8_t)(seed + i));
	rx->ring_head = kh_next(rx, s);
}

/* ---- instances -------------------------------------------------------------- */

START_TEST(test_loopback_lifecycle)
{
	struct kern_nexus *nx = NULL;
	uuid_t u, unknown;

	ck_assert_uint_eq(nx_kpipe_count(), 1);
	ck_assert_int_eq(nx_kpipe_loopback_start(), 0);         /* once */
	ck_assert_uint_eq(nx_kpipe_count(), 1);
	ck_assert_int_eq(nx_kpipe_loopback_uuid(u), 0);
	ck_assert_int_eq(uuid_compare(u, lo), 0);
	ck_assert_int_eq(nx_kpipe_lookup(lo, &nx), 0);
	ck_assert_int_eq(nx->nx_params.nxp_type, NEXUS_TYPE_KERNEL_PIPE);
	uuid_generate(unknown);
	ck_assert_int_eq(nx_kpipe_lookup(unknown, &nx), -ENOENT);
	nx_kpipe_loopback_stop();
	ck_assert_int_eq(nx_kpipe_loopback_uuid(u), -ENXIO);
	ck_assert_int_eq(nx_kpipe_lookup(lo, &nx), -ENOENT);
	ck_assert_int_eq(kh_chan_open(&c, lo, 0, CHANNEL_RING_ID_ANY),
	    -ENOENT);
	ck_assert_int_eq(nx_kpipe_loopback_start(), 0);
	ck_assert_int_eq(nx_kpipe_loopback_uuid(u), 0);
	ck_assert_int_ne(uuid_compare(u, lo), 0);               /* new one */
}
END_TEST

static errno_t
nop_sync(kern_nexus_provider_t p, kern_nexus_t nx, kern_channel_ring_t kr,
    uint32_t flags)
{
	(void)p, (void)nx, (void)kr, (void)flags;
	return 0;
}

START_TEST(test_create_refuses_bad_providers_and_sizes)
{
	struct kern_nexus_provider_init pi = {
		.nxpi_version = KERN_NEXUS_PROVIDER_CURRENT_VERSION,
		.nxpi_sync_tx = nop_sync, .nxpi_sync_rx = nop_sync,
	};
	struct nx_kpipe_params bad[] = {
		{ 9, 0, 0 }, { 0, 1, 0 }, { 0, 4097, 0 }, { 0, 0, 63 },
		{ 0, 0, 16385 },
	};
	struct kern_nexus *nx;
	size_t i;

	ck_assert_int_eq(nx_kpipe_create(NULL, "x", NULL, &nx), -EINVAL);
	ck_assert_int_eq(nx_kpipe_create(&pi, "", NULL, &nx), -EINVAL);
	ck_assert_int_eq(nx_kpipe_create(&pi, NULL, NULL, &nx), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(nx_kpipe_create(&pi, "x", &bad[i], &nx),
		    -EINVAL);
	pi.nxpi_version = 2;
	ck_assert_int_eq(nx_kpipe_create(&pi, "x", NULL, &nx), -EINVAL);
	pi.nxpi_version = KERN_NEXUS_PROVIDER_CURRENT_VERSION;
	pi.nxpi_sync_rx = NULL;
	ck_assert_int_eq(nx_kpipe_create(&pi, "x", NULL, &nx), -EINVAL);
	ck_assert_uint_eq(nx_kpipe_count(), 1);
}
END_TEST

START_TEST(test_create_sizes_and_params)
{
	struct kern_nexus_provider_init pi = {
		.nxpi_version = KERN_NEXUS_PROVIDER_CURRENT_VERSION,
		.nxpi_sync_tx = nop_sync, .nxpi_sync_rx = nop_sync,
	};
	struct nx_kpipe_params kpp = { 2, 16, 64 };
	const struct nxprov_params *p;
	struct kern_nexus *nx;

	ck_assert_int_eq(nx_kpipe_create(&pi, "sized", &kpp, &nx), 0);
	p = &nx->nx_params;
	ck_assert_uint_eq(p->nxp_tx_rings, 2);
	ck_assert_uint_eq(p->nxp_rx_rings, 2);
	ck_assert_uint_eq(p->nxp_tx_slots, 16);
	ck_assert_uint_eq(p->nxp_rx_slots, 16);
	ck_assert_uint_eq(p->nxp_buf_size, 64);
	ck_assert_uint_eq(p->nxp_md_type, NEXUS_META_TYPE_QUANTUM);
	ck_assert_uint_eq(p->nxp_md_subtype, NEXUS_META_SUBTYPE_PAYLOAD);
	ck_assert(p->nxp_flags & NXPF_ANONYMOUS);
	ck_assert(p->nxp_flags & NXPF_USER_CHANNEL);
	ck_assert_str_eq((const char *)p->nxp_name, "sized");
	/* Ring 1 alone, then ring 0 alone, both at once. */
	ck_assert_int_eq(kh_chan_open(&c, nx->nx_uuid, 0, 1), 0);
	{
		struct kh_chan d;

		ck_assert_int_eq(kh_chan_open(&d, nx->nx_uuid, 0, 0), 0);
		ck_assert_int_eq(nx_kpipe_destroy(nx), -EBUSY);
		kh_chan_close(&d);
	}
	ck_assert_int_eq(nx_kpipe_destroy(nx), -EBUSY);
	kh_chan_close(&c);
	ck_assert_int_eq(nx_kpipe_destroy(nx), 0);
}
END_TEST

START_TEST(test_userland_cannot_register_or_destroy)
{
	struct kh_prov kp = { .type = NEXUS_TYPE_KERNEL_PIPE };
	struct skc_nexus_uuid nu;
	uuid_t prov;

	ck_assert_int_eq(kh_register(ctl, &kp, prov), -EINVAL);
	memset(&nu, 0, sizeof(nu));
	uuid_copy(nu.nu_uuid, lo);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DESTROY, &nu), -ENOENT);
	ck_assert_int_eq(nx_kpipe_count(), 1);
}
END_TEST

/* ---- channel opens ---------------------------------------------------------- */

START_TEST(test_open_rules)
{
	struct kh_chan d;

	ck_assert_int_eq(kh_chan_open(&d, lo, 1, CHANNEL_RING_ID_ANY), -EDOM);
	ck_assert_int_eq(kh_chan_open(&d, lo, 0, 1), -EINVAL);
	ck_assert_int_eq(kh_chan_open_key(&d, lo, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_USER_PACKET_POOL, NULL, 0), -ENOTSUP);
	ck_assert_int_eq(kh_chan_open_key(&d, lo, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_USER_PACKET_POOL | CHMODE_EVENT_RING, NULL, 0), -ENOTSUP);
	ck_assert_int_eq(kh_chan_open_key(&d, lo, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_LOW_LATENCY, NULL, 0), -ENOTSUP);
	ck_assert_int_eq(kh_chan_open_key(&d, lo, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_FILTER, NULL, 0), -ENOTSUP);
	open_lo();
	ck_assert_int_eq(kh_chan_open(&d, lo, 0, CHANNEL_RING_ID_ANY), -EBUSY);
	ck_assert_int_eq(kh_chan_open(&d, lo, 0, 0), -EBUSY);
}
END_TEST

START_TEST(test_channel_info)
{
	const struct ch_info *ci;

	open_lo();
	ci = &c.info.ci_info;
	ck_assert_int_eq(ci->cinfo_nxprov_params.nxp_type,
	    NEXUS_TYPE_KERNEL_PIPE);
	ck_assert_uint_eq(ci->cinfo_nxprov_params.nxp_tx_rings, 1);
	ck_assert_uint_eq(ci->cinfo_nxprov_params.nxp_tx_slots, 128);
	ck_assert_uint_eq(ci->cinfo_nxprov_params.nxp_rx_slots, 128);
	ck_assert_uint_eq(ci->cinfo_nxprov_params.nxp_buf_size, 2048);
	ck_assert_uint_eq(ci->cinfo_num_bufs, 256);
	ck_assert_uint_eq(ci->cinfo_nx_port, 0);
	ck_assert_int_eq(uuid_compare(ci->cinfo_nx_uuid, lo), 0);
	ck_assert_uint_eq(c.schema->csm_md_type, NEXUS_META_TYPE_QUANTUM);
	ck_assert_uint_eq(c.schema->csm_md_subtype, NEXUS_META_SUBTYPE_PAYLOAD);
	/* TX: every slot has a full-size packet; RX: empty, nothing ready. */
	ck_assert_uint_eq(kh_avail(kh_tx(&c, 0)), 127);
	ck_assert_uint_eq(kh_slot_md(&c, kh_tx(&c, 0), 126)->qum_buf[0].buf_dlim,
	    2048);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 0);
}
END_TEST

/* ---- the loopback ----------------------------------------------------------- */

START_TEST(test_loopback_moves_on_tx_sync)
{
	struct __user_channel_ring *tx, *rx;

	open_lo();
	tx = kh_tx(&c, 0);
	rx = kh_rx(&c, 0);
	put(54, 'T');
	put(1, 1);
	put(2048, 7);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(tx->ring_khead, 3);
	ck_assert_uint_eq(kh_avail(tx), 127);
	ck_assert_uint_eq(kh_avail(rx), 0);     /* visible at the RX sync */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(rx), 3);
	get(54, 'T');
	get(1, 1);
	get(2048, 7);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(rx), 0);
	ck_assert_uint_eq(rx->ring_khead, 3);
}
END_TEST

START_TEST(test_rx_sync_runs_tx_first)
{
	open_lo();
	put(10, 0);
	put(20, 1);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);      /* no TX */
	ck_assert_uint_eq(kh_tx(&c, 0)->ring_khead, 2);
	ck_assert_uint_eq(kh_avail(kh_tx(&c, 0)), 127);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 2);
	get(10, 0);
	get(20, 1);
}
END_TEST

/* 127 in flight fill RX; the next 127 wait in TX until the reader frees. */
START_TEST(test_rx_room_limits_and_rx_sync_pulls)
{
	struct __user_channel_ring *tx, *rx;
	uint32_t i;

	open_lo();
	tx = kh_tx(&c, 0);
	rx = kh_rx(&c, 0);
	for (i = 0; i < 127; i++)
		put(4, (uint8_t)i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	for (i = 0; i < 127; i++)
		put(4, (uint8_t)(127 + i));
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_avail(tx), 0);     /* all pending: RX full */
	ck_assert_uint_eq(kh_avail(rx), 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(rx), 127);
	ck_assert_uint_eq(kh_avail(tx), 0);     /* still no room for them */
	for (i = 0; i < 127; i++)
		get(4, (uint8_t)i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(rx), 127);
	ck_assert_uint_eq(kh_avail(tx), 127);
	for (i = 0; i < 127; i++)
		get(4, (uint8_t)(127 + i));
}
END_TEST

START_TEST(test_dropped_tx_is_not_delivered)
{
	struct __user_channel_ring *tx;

	open_lo();
	tx = kh_tx(&c, 0);
	put(8, 'a');
	kh_slot_md(&c, tx, 0)->qum_qflags |= QUM_F_DROPPED;
	put(9, 'b');
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(tx->ring_khead, 2);   /* both consumed */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 1);
	get(9, 'b');
}
END_TEST

static uint32_t
occupied(const struct kern_channel_ring *kr)
{
	uint32_t i, n = 0;

	for (i = 0; i < kr->ckr_num_slots; i++)
		n += kr->ckr_ksds[i] != OBJ_IDX_NONE;
	return n;
}

START_TEST(test_pool_neither_leaks_nor_runs_dry)
{
	struct kern_pbufpool *pp;
	uint32_t round, i, free0;

	open_lo();
	pp = lo_channel()->ch_pp;
	free0 = kern_pbufpool_get_free_count(pp);
	ck_assert_uint_eq(free0, 128);          /* TX ring holds the rest */
	for (round = 0; round < 300; round++) {
		uint32_t n = 1 + round % 127;

		for (i = 0; i < n; i++)
			put(4 + i % 64, (uint8_t)(round + i));
		ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
		ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
		ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), n);
		for (i = 0; i < n; i++)
			get(4 + i % 64, (uint8_t)(round + i));
	}
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	/* Every object is free or in exactly one slot (the TX slot kept
	 * empty behind khead is refilled only when it rejoins the window). */
	ck_assert_uint_eq(kern_pbufpool_get_free_count(pp) +
	    occupied(lo_channel()->ch_tx_krings[0]) +
	    occupied(lo_channel()->ch_rx_krings[0]), pp->pp_nobjs);
	ck_assert_uint_eq(occupied(lo_channel()->ch_rx_krings[0]), 0);
	ck_assert_uint_ge(occupied(lo_channel()->ch_tx_krings[0]), 127);
	ck_assert_uint_eq(lo_channel()->ch_rx_krings[0]->ckr_ready_bytes, 0);
}
END_TEST

START_TEST(test_ring_stats_count_the_traffic)
{
	struct kern_channel *ch;
	uint64_t slots, bytes;

	open_lo();
	ch = lo_channel();
	put(100, 0);
	put(50, 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	kern_channel_ring_get_stats(ch->ch_tx_krings[0], &slots, &bytes);
	ck_assert_uint_eq(slots, 2);
	ck_assert_uint_eq(bytes, 150);
	kern_channel_ring_get_stats(ch->ch_rx_krings[0], &slots, &bytes);
	ck_assert_uint_eq(slots, 2);
	ck_assert_uint_eq(bytes, 150);
	ck_assert(kh_tx(&c, 0)->ring_sync_time != 0);
}
END_TEST

/* ---- poll and the waiter ---------------------------------------------------- */

START_TEST(test_poll_exact_bits)
{
	open_lo();
	ck_assert_uint_eq(kh_poll(&c, POLLOUT, 0), POLLOUT);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), 0);
	ck_assert_uint_eq(c.fired, 0);
	put(54, 'x');
	/* Reading alone drains TX (implicit TX path of the RX sync). */
	ck_assert_uint_eq(kh_poll(&c, POLLIN | POLLRDNORM, 0),
	    POLLIN | POLLRDNORM);
	get(54, 'x');
	ck_assert_uint_eq(kh_poll(&c, POLLIN | POLLOUT, 0), POLLOUT);
}
END_TEST

START_TEST(test_tx_sync_fires_the_reader)
{
	open_lo();
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), 0);   /* armed */
	put(3, 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(c.fired, 1);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), POLLIN);
}
END_TEST

/* ---- violations ------------------------------------------------------------- */

START_TEST(test_broken_tx_ring_in_rx_sync)
{
	struct skc_ctl_stats st0, st1;

	open_lo();
	sk_kern_stats(&st0);
	kh_tx(&c, 0)->ring_head = 500;          /* beyond the ring */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), -EFAULT);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 0), POLLERR);
	sk_kern_stats(&st1);
	ck_assert_uint_eq(st1.cs_kills, st0.cs_kills + 2);
	kh_tx(&c, 0)->ring_head = 0;            /* repaired: works again */
	put(5, 5);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	get(5, 5);
}
END_TEST

START_TEST(test_bad_tx_metadata)
{
	struct __user_channel_ring *tx;

	open_lo();
	tx = kh_tx(&c, 0);
	put(10, 0);
	kh_slot_md(&c, tx, 0)->qum_len = 11;    /* != buflet length */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), -EFAULT);
	kh_slot_md(&c, tx, 0)->qum_len = 10;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
}
END_TEST

START_TEST(test_reopen_starts_fresh)
{
	open_lo();
	put(10, 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	kh_chan_close(&c);
	open_lo();
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 0);
	ck_assert_uint_eq(kh_avail(kh_tx(&c, 0)), 127);
	put(7, 1);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	get(7, 1);
}
END_TEST

static Suite *
nx_kpipe_suite(void)
{
	Suite *s = suite_create("nx_kpipe");
	TCase *tc = tcase_create("kpipe");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_loopback_lifecycle);
	tcase_add_test(tc, test_create_refuses_bad_providers_and_sizes);
	tcase_add_test(tc, test_create_sizes_and_params);
	tcase_add_test(tc, test_userland_cannot_register_or_destroy);
	tcase_add_test(tc, test_open_rules);
	tcase_add_test(tc, test_channel_info);
	tcase_add_test(tc, test_loopback_moves_on_tx_sync);
	tcase_add_test(tc, test_rx_sync_runs_tx_first);
	tcase_add_test(tc, test_rx_room_limits_and_rx_sync_pulls);
	tcase_add_test(tc, test_dropped_tx_is_not_delivered);
	tcase_add_test(tc, test_pool_neither_leaks_nor_runs_dry);
	tcase_add_test(tc, test_ring_stats_count_the_traffic);
	tcase_add_test(tc, test_poll_exact_bits);
	tcase_add_test(tc, test_tx_sync_fires_the_reader);
	tcase_add_test(tc, test_broken_tx_ring_in_rx_sync);
	tcase_add_test(tc, test_bad_tx_metadata);
	tcase_add_test(tc, test_reopen_starts_fresh);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(nx_kpipe_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
