/*
 * check_upp.c - the user packet pool (cuse-dev/upp.c, its hooks in
 * kring.c and channel.c) in-process, on a netif over a loop device.
 *
 * The harness plays libskywalk's part on the mapped span: it takes
 * packets off the alloc ring, attaches them to TX slots, detaches RX
 * packets and puts them on the free ring, exactly as os_channel_upp.c
 * does, and it also breaks the rules the library would trap on, to see
 * the kernel refuse (EFAULT, a kill counted) without harm.  Ownership is
 * checked through the pool counts SKC_IOC_CTL_NETIF_LOOKUP reports: a
 * channel that closes holding packets gives every one back.
 * check_event_ring.c covers the event ring.
 */
#include "upp_harness.h"

/* ---- layout and modes ----------------------------------------------------- */

START_TEST(test_layout)
{
	struct up_env e;
	struct __user_channel_ring *tx, *al, *fr;
	uint32_t i;

	up_open(&e, NULL, CHMODE_USER_PACKET_POOL);
	ck_assert_uint_eq(e.c.info.ci_info.cinfo_ch_mode &
	    CHMODE_USER_PACKET_POOL, CHMODE_USER_PACKET_POOL);
	ck_assert_uint_eq(e.c.schema->csm_allocator_ring_pairs, 1);
	ck_assert_uint_eq(e.c.schema->csm_num_event_rings, 0);
	ck_assert_uint_eq(e.c.schema->csm_large_buf_alloc_rings, 0);
	tx = kh_tx(&e.c, 0);
	al = up_ring(&e, UP_ALLOC);
	fr = up_ring(&e, UP_FREE);
	ck_assert_uint_eq(kh_rx(&e.c, 0)->ring_kind, CR_KIND_RX);
	ck_assert_uint_eq(al->ring_kind, CR_KIND_ALLOC);
	ck_assert_uint_eq(fr->ring_kind, CR_KIND_FREE);
	ck_assert_uint_eq(al->ring_tail, 0);            /* filled at sync */
	ck_assert_uint_eq(fr->ring_tail, fr->ring_num_slots - 1);
	ck_assert_uint_eq(al->ring_alloc_ws, al->ring_num_slots - 1);
	/* TX slots come empty, and their descriptors are the process's */
	for (i = 0; i < tx->ring_num_slots; i++)
		ck_assert_uint_eq(up_sd(&e, 0, i)->sd_flags & SD_IDX_VALID, 0);
	up_sd(&e, 0, 0)->sd_len = 7;
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_UPP, CHANNEL_SYNCF_ALLOC), 0);
	ck_assert_uint_eq(kh_avail(al), al->ring_num_slots - 1);
	up_close(&e);
}
END_TEST

START_TEST(test_sync_flags)
{
	struct up_env e;
	struct kh_chan c;

	up_open(&e, NULL, 0);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_UPP, 0), -EINVAL);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, CHANNEL_SYNCF_ALLOC),
	    -EINVAL);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, CHANNEL_SYNCF_FREE),
	    -EINVAL);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, CHANNEL_SYNCF_PURGE), 0);
	kh_chan_close(&e.c);
	/* event ring without the pool; pipes have no pool */
	ck_assert_int_eq(kh_chan_open_key(&c, e.nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY, CHMODE_EVENT_RING, NULL, 0), -EINVAL);
	e.c.f = NULL;
	up_close(&e);
}
END_TEST

START_TEST(test_pipe_refuses)
{
	struct sk_file *ctl = kh_ctl_open();
	struct kh_chan c;
	uuid_t nx;

	kh_upipe(ctl, 1, 64, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_USER_PACKET_POOL, NULL, 0), -ENOTSUP);
	sk_file_close(ctl);
}
END_TEST

/* ---- the data path ---------------------------------------------------------- */

/* Frames out through UPP TX, back through UPP RX, all packets returned. */
START_TEST(test_roundtrip)
{
	struct up_env e;
	struct skc_ctl_netif_lookup nl;
	obj_idx_t pk[40];
	uint32_t i, free0;

	up_open(&e, NULL, CHMODE_USER_PACKET_POOL);
	free0 = up_pool_free(&e);
	ck_assert_uint_ne(free0, 0);
	for (i = 0; i < 40; i++) {
		pk[i] = up_alloc(&e, UP_ALLOC);
		ck_assert_uint_ne(pk[i], OBJ_IDX_NONE);
		up_fill(&e, pk[i], 60 + i, i);
		up_tx_attach(&e, 0, pk[i]);
	}
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), 0);
	/* TX slots come back empty; the packets went to the device */
	ck_assert_uint_eq(kh_tx(&e.c, 0)->ring_khead, 40);
	ck_assert_uint_eq(up_sd(&e, 0, 3)->sd_flags & SD_IDX_VALID, 0);
	nt_pump_all();
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&e.c, 0)), 40);
	for (i = 0; i < 40; i++)
		up_rx_take_free(&e, 60 + i, i);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), 0);
	up_purge_all(&e);
	ck_assert_uint_eq(up_pool_free(&e), free0);
	ck_assert_int_eq(nt_lookup(UP_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_packets, 40);
	ck_assert_uint_eq(nl.nl_q[0].nq_rx_packets, 40);
	up_close(&e);
}
END_TEST

/* A TX slot naming a packet the process does not hold: refused, whole. */
START_TEST(test_tx_foreign_packet)
{
	struct up_env e;
	struct skc_ctl_stats st;
	obj_idx_t p;

	up_open(&e, NULL, CHMODE_USER_PACKET_POOL);
	p = up_alloc(&e, UP_ALLOC);
	up_fill(&e, p, 100, 1);
	up_tx_attach(&e, 0, p);
	/* second slot: an index never handed out */
	up_fill(&e, 3000, 100, 2);
	up_tx_attach(&e, 0, 3000);
	sk_kern_stats(&st);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), -EFAULT);
	ck_assert_uint_eq(up_kills(), st.cs_kills + 1);
	/* nothing moved: the first packet is still ours; repair and go */
	ck_assert_uint_eq(kh_tx(&e.c, 0)->ring_khead, 0);
	kh_tx(&e.c, 0)->ring_head = 1;
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, 0), 0);
	ck_assert_uint_eq(kh_tx(&e.c, 0)->ring_khead, 1);
	/* the same packet again: it went to the kernel (and was freed) */
	up_tx_attach(&e, 0, p);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, 0), -EFAULT);
	up_close(&e);
}
END_TEST

/* The real kill: our own pid, as the daemon would see a client. */
START_TEST(test_tx_foreign_kills)
{
	struct up_env e;

	up_open(&e, NULL, CHMODE_USER_PACKET_POOL);
	kh_cred = KH_CRED_SELF;
	up_fill(&e, 5, 100, 1);
	up_tx_attach(&e, 0, 5);
	(void)up_sync(&e, CHANNEL_SYNC_TX, UP_TXF);
	ck_abort_msg("not killed");
}
END_TEST

/* Releasing an RX slot that still holds its packet is a violation. */
START_TEST(test_rx_not_detached)
{
	struct up_env e;
	struct __user_channel_ring *rx;
	obj_idx_t p;

	up_open(&e, NULL, CHMODE_USER_PACKET_POOL);
	p = up_alloc(&e, UP_ALLOC);
	up_fill(&e, p, 80, 3);
	up_tx_attach(&e, 0, p);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), 0);
	nt_pump_all();
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), 0);
	rx = kh_rx(&e.c, 0);
	ck_assert_uint_eq(kh_avail(rx), 1);
	ck_assert_uint_eq(up_rsd(&e, 0, 0)->sd_len, 80);
	rx->ring_head = 1;              /* advanced without detaching */
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), -EFAULT);
	rx->ring_head = 0;
	up_rx_take_free(&e, 80, 3);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), 0);
	up_close(&e);
}
END_TEST

/* Free-ring entries the process does not hold are refused. */
START_TEST(test_free_foreign)
{
	struct up_env e;
	obj_idx_t p;

	up_open(&e, NULL, CHMODE_USER_PACKET_POOL);
	p = up_alloc(&e, UP_ALLOC);
	up_free(&e, UP_FREE, p);
	up_free(&e, UP_FREE, p);        /* twice */
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_UPP, CHANNEL_SYNCF_FREE),
	    -EFAULT);
	/* the first was taken, the bad one left at head */
	ck_assert_uint_eq(up_ring(&e, UP_FREE)->ring_khead, 1);
	up_ring(&e, UP_FREE)->ring_head = 1;
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_UPP, CHANNEL_SYNCF_FREE), 0);
	up_close(&e);
}
END_TEST

/* Exhaust the pool: ENOMEM-style empty alloc ring, nothing breaks. */
START_TEST(test_exhaust_and_close)
{
	struct up_env e, e2;
	uint32_t n = 0, free0;

	up_open2(&e, &e2);
	free0 = e2.free_before;
	while (up_alloc(&e2, UP_ALLOC) != OBJ_IDX_NONE)
		n++;
	ck_assert_uint_ge(n, 1000);
	ck_assert_uint_eq(up_pool_free(&e2), 0);
	/* the other ring's channel (no pool) still sends */
	nt_tx(&e.c, 0, 64, 9);
	ck_assert_int_eq(kh_sync(&e.c, CHANNEL_SYNC_TX), 0);
	kh_chan_close(&e2.c);           /* dies holding everything */
	ck_assert_uint_eq(up_pool_free(&e), free0);
	up_close(&e);
}
END_TEST

/*
 * Defunct (pid_shutdown_sockets) with packets held and queued: all back,
 * the channel says ENXIO, the other ring's channel goes on.
 */
START_TEST(test_defunct_reclaims)
{
	struct up_env e, e2;
	struct skc_ctl_defunct df;
	struct sk_cred self = KH_CRED_SELF;
	uint32_t i;
	obj_idx_t p;

	kh_cred = self;                 /* defunct goes by the opener's pid */
	up_open2(&e, &e2);
	for (i = 0; i < 40; i++)
		(void)up_alloc(&e2, UP_ALLOC);
	p = up_alloc(&e2, UP_ALLOC);
	up_fill(&e2, p, 100, 1);
	up_tx_attach(&e2, 0, p);        /* queued, never synced */
	memset(&df, 0, sizeof(df));
	df.df_pid = getpid();
	ck_assert_int_eq(kh_ioctl(e.ctl, SKC_IOC_CTL_DEFUNCT, &df), 0);
	ck_assert_uint_eq(df.df_count, 2);      /* both asked DEFUNCT_OK */
	ck_assert_int_eq(up_sync(&e2, CHANNEL_SYNC_UPP, CHANNEL_SYNCF_ALLOC),
	    -ENXIO);
	kh_chan_close(&e2.c);
	kh_chan_close(&e.c);
	up_close(&e);
}
END_TEST

/*
 * A ring goes from a pool channel to one without and back: TX slots get
 * packets again (the library insists), then come empty again.
 */
START_TEST(test_mode_switch)
{
	struct up_env e, e2;
	struct kh_chan c3;
	uint32_t i;

	up_open2(&e, &e2);
	up_tx_attach(&e2, 0, up_alloc(&e2, UP_ALLOC));
	kh_tx(&e2.c, 0)->ring_head = 0; /* never mind: not synced */
	kh_chan_close(&e2.c);
	ck_assert_uint_eq(up_pool_free(&e), e2.free_before);
	ck_assert_int_eq(kh_chan_open_key(&c3, e.nx, NEXUS_PORT_NET_IF_DEV, 1,
	    CHMODE_DEFUNCT_OK, NULL, 0), 0);
	for (i = 0; i < kh_tx(&c3, 0)->ring_num_slots - 1; i++)
		ck_assert(kh_sd(&c3, kh_tx(&c3, 0), i)->sd_flags &
		    SD_IDX_VALID);
	nt_tx(&c3, 0, 64, 1);
	ck_assert_int_eq(kh_sync(&c3, CHANNEL_SYNC_TX), 0);
	nt_pump_all();
	ck_assert_int_eq(kh_sync(&c3, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c3, 0)), 1);
	kh_chan_close(&c3);
	ck_assert_int_eq(kh_chan_open_key(&e2.c, e.nx, NEXUS_PORT_NET_IF_DEV,
	    1, CHMODE_DEFUNCT_OK | CHMODE_USER_PACKET_POOL, NULL, 0), 0);
	for (i = 0; i < kh_tx(&e2.c, 0)->ring_num_slots; i++)
		ck_assert_uint_eq(up_sd(&e2, 0, i)->sd_flags & SD_IDX_VALID, 0);
	kh_chan_close(&e2.c);
	up_close(&e);
}
END_TEST

/* A pool held dry: arriving frames are dropped and counted no_packet. */
START_TEST(test_rx_no_packet)
{
	struct up_env e, e2;
	struct skc_ctl_netif_lookup nl;

	up_open2(&e, &e2);
	while (up_alloc(&e2, UP_ALLOC) != OBJ_IDX_NONE)
		;
	nt_tx(&e.c, 0, 64, 1);
	nt_tx(&e.c, 0, 64, 2);
	ck_assert_int_eq(kh_sync(&e.c, CHANNEL_SYNC_TX), 0);
	nt_pump_all();
	ck_assert_int_eq(kh_sync(&e.c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&e.c, 0)), 0);
	ck_assert_int_eq(nt_lookup(UP_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_drops[SKC_NETIF_DROP_NO_PACKET], 2);
	ck_assert_uint_eq(nl.nl_q[0].nq_drops[SKC_NETIF_DROP_RING_FULL], 0);
	/* the pool back, frames flow again */
	kh_chan_close(&e2.c);
	nt_tx(&e.c, 0, 64, 3);
	ck_assert_int_eq(kh_sync(&e.c, CHANNEL_SYNC_TX), 0);
	nt_pump_all();
	ck_assert_int_eq(kh_sync(&e.c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&e.c, 0)), 1);
	up_close(&e);
}
END_TEST

/* ---- buflet chains ---------------------------------------------------------- */

START_TEST(test_chain_tx)
{
	struct up_env e;
	struct nt_prov np = { .user_channel = 1, .max_frags = 4 };
	obj_idx_t p, b1, b2;
	uint32_t free0, bfree0, wl;
	uint8_t want[400];

	up_open(&e, &np, CHMODE_USER_PACKET_POOL);
	ck_assert_uint_eq(e.c.schema->csm_allocator_ring_pairs, 2);
	ck_assert_uint_eq(up_ring(&e, UP_BALLOC)->ring_kind, CR_KIND_ALLOC);
	ck_assert_uint_eq(up_ring(&e, UP_BFREE)->ring_kind, CR_KIND_FREE);
	ck_assert_uint_eq(up_ring(&e, UP_BALLOC)->ring_bft_size, 48);
	free0 = up_pool_free(&e);
	bfree0 = up_pool_bfree(&e);
	p = up_alloc(&e, UP_ALLOC);
	b1 = up_alloc(&e, UP_BALLOC);
	b2 = up_alloc(&e, UP_BALLOC);
	ck_assert_uint_ne(b2, OBJ_IDX_NONE);
	/* 3 buflets: 100 + 200 + 50 bytes make one 350-byte frame */
	up_fill(&e, p, 100, 7);
	up_chain(&e, p, b1, 200, 8);
	up_chain(&e, p, b2, 50, 9);
	wl = up_pkt_bytes(&e, p, want);
	ck_assert_uint_eq(wl, 350);
	up_tx_attach(&e, 0, p);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), 0);
	nt_pump_all();
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), 0);
	up_free(&e, UP_FREE, up_rx_take(&e, wl, want));
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), 0);
	up_purge_all(&e);
	ck_assert_uint_eq(up_pool_free(&e), free0);
	ck_assert_uint_eq(up_pool_bfree(&e), bfree0);
	up_close(&e);
}
END_TEST

/* Loops, wrong counts, foreign buflets, wrong sums: all refused. */
START_TEST(test_chain_bad)
{
	struct up_env e;
	struct nt_prov np = { .user_channel = 1, .max_frags = 3 };
	struct __user_packet *up;
	obj_idx_t p, b1, b2, b3;
	int k;

	up_open(&e, &np, CHMODE_USER_PACKET_POOL);
	p = up_alloc(&e, UP_ALLOC);
	b1 = up_alloc(&e, UP_BALLOC);
	b2 = up_alloc(&e, UP_BALLOC);
	b3 = up_alloc(&e, UP_BALLOC);
	up = up_pkt(&e, p);
	for (k = 0; k < 6; k++) {
		up_fill(&e, p, 100, 1);
		up_chain(&e, p, b1, 100, 2);
		switch (k) {
		case 0:         /* a loop */
			up_bft(&e, b1)->buf_nbft_idx = b1;
			up->pkt_bufs_cnt = 3;
			break;
		case 1:         /* count says 3, chain has 2 */
			up->pkt_bufs_cnt = 3;
			break;
		case 2:         /* above max_frags (3) */
			up_chain(&e, p, b2, 10, 3);
			up_chain(&e, p, b3, 10, 4);
			break;
		case 3:         /* length is not the sum */
			up->pkt_length = 150;
			break;
		case 4:         /* a buflet nobody handed out */
			up_bft(&e, b1)->buf_nbft_idx = 3000;
			up->pkt_bufs_cnt = 3;
			break;
		case 5:         /* data beyond the buffer */
			up_bft(&e, b1)->buf_doff = 2040;
			break;
		}
		up_tx_attach(&e, 0, p);
		ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), -EFAULT);
		kh_tx(&e.c, 0)->ring_head = 0;
		up_sd(&e, 0, 0)->sd_flags = 0;
	}
	/* and the good one still goes */
	up_fill(&e, p, 100, 1);
	up_chain(&e, p, b1, 100, 2);
	up_tx_attach(&e, 0, p);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), 0);
	up_close(&e);
}
END_TEST

/* A channel closed holding packets and buflets gives every one back. */
START_TEST(test_close_reclaims)
{
	struct up_env e, e2;
	struct nt_prov np = { .user_channel = 1, .max_frags = 4, .rings = 2 };
	uint32_t free0, bfree0, i;
	obj_idx_t p;

	up_open2_prov(&e, &e2, &np);
	free0 = e2.free_before;
	bfree0 = e2.bfree_before;
	for (i = 0; i < 50; i++)
		(void)up_alloc(&e2, UP_ALLOC);
	for (i = 0; i < 20; i++)
		(void)up_alloc(&e2, UP_BALLOC);
	p = up_alloc(&e2, UP_ALLOC);
	up_fill(&e2, p, 100, 1);
	up_chain(&e2, p, up_alloc(&e2, UP_BALLOC), 100, 2);
	kh_chan_close(&e2.c);
	ck_assert_uint_eq(up_pool_free(&e), free0);
	ck_assert_uint_eq(up_pool_bfree(&e), bfree0);
	up_close(&e);
}
END_TEST

/* ---- large buffers ---------------------------------------------------------- */

START_TEST(test_large)
{
	struct up_env e;
	struct nt_prov np = { .user_channel = 1, .large = 9000 };
	struct skc_ctl_netif_lookup nl;
	struct __user_channel_ring *lr;
	obj_idx_t p;

	up_open(&e, &np, CHMODE_USER_PACKET_POOL);
	ck_assert_uint_eq(e.c.schema->csm_large_buf_alloc_rings, 1);
	lr = up_ring(&e, UP_LARGE);
	ck_assert_uint_eq(lr->ring_kind, CR_KIND_LARGE_BUF_ALLOC);
	ck_assert_uint_eq(lr->ring_large_buf_size, 9000);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_UPP,
	    CHANNEL_SYNCF_LARGE_ALLOC), 0);
	p = up_alloc(&e, UP_LARGE);
	ck_assert_uint_ne(p, OBJ_IDX_NONE);
	ck_assert(up_pkt(&e, p)->pkt_qum_buf.buf_flag & BUFLET_FLAG_LARGE_BUF);
	ck_assert_uint_eq(up_pkt(&e, p)->pkt_qum_buf.buf_dlim, 9000);
	up_fill(&e, p, 8000, 5);
	up_tx_attach(&e, 0, p);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), 0);
	ck_assert_int_eq(nt_lookup(UP_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_packets, 1);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_bytes, 8000);
	up_close(&e);
}
END_TEST

START_TEST(test_register_limits)
{
	struct sk_file *ctl = kh_ctl_open();
	struct nt_prov np = { .user_channel = 1 };
	struct nxprov_params p;
	uuid_t prov;

	np.max_frags = 4;
	np.large = 16384;
	ck_assert_int_eq(nt_register(ctl, &np, prov, &p), 0);
	ck_assert_uint_eq(p.nxp_max_frags, 4);
	ck_assert_uint_eq(p.nxp_large_buf_size, 16384);
	np.max_frags = BUFLETS_GSO + 1;
	ck_assert_int_eq(nt_register(ctl, &np, prov, NULL), -ENOMEM);
	np.max_frags = 0;
	np.large = 1024;        /* not above the buffer size */
	ck_assert_int_eq(nt_register(ctl, &np, prov, NULL), -EINVAL);
	np.large = 1 << 20;
	ck_assert_int_eq(nt_register(ctl, &np, prov, NULL), -ENOMEM);
	sk_file_close(ctl);
}
END_TEST

static Suite *
upp_suite(void)
{
	Suite *s = suite_create("upp");
	TCase *tc = tcase_create("loop");

	tcase_add_checked_fixture(tc, up_setup, up_teardown);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_sync_flags);
	tcase_add_test(tc, test_pipe_refuses);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_tx_foreign_packet);
	tcase_add_test_raise_signal(tc, test_tx_foreign_kills, SIGABRT);
	tcase_add_test(tc, test_rx_not_detached);
	tcase_add_test(tc, test_free_foreign);
	tcase_add_test(tc, test_exhaust_and_close);
	tcase_add_test(tc, test_defunct_reclaims);
	tcase_add_test(tc, test_mode_switch);
	tcase_add_test(tc, test_rx_no_packet);
	tcase_add_test(tc, test_chain_tx);
	tcase_add_test(tc, test_chain_bad);
	tcase_add_test(tc, test_close_reclaims);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_register_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(upp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
