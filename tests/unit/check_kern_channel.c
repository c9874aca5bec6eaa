/*
 * check_kern_channel.c - the channel KPI (seed 004), function by function.
 *
 * Objective: every kern_channel_* call behaves as seed 004 says, seen
 * from a provider: get_next_slot walks exactly the kernel-owned window
 * (TX [khead, rhead), RX the free slots but one), advance_slot moves the
 * kernel index (TX khead/ktail, RX ktail) and the process sees it at the
 * end of the sync, available_slot_count matches the walk, reclaim gives
 * back what the process released, notify fires the armed waiter once
 * (ENXIO when rejected), stats add up, tx_refill refuses zero limits with
 * EINVAL and runs the provider's TX sync otherwise, contexts come back,
 * attach/detach keep slots consistent, defunct honours DEFUNCT_OK and
 * disconnects the provider.
 *
 * A test provider on a kernel pipe (8 slots) records its callbacks and
 * runs the test's hooks inside its syncs; the process side is played by
 * kern_harness.h on the mapped span.
 */
#include <signal.h>

#include "kern_harness.h"
#include "../../cuse-dev/kern_channel.h"
#include "../../cuse-dev/channel_var.h"
#include "../../cuse-dev/nx_kpipe.h"

#define KT_SLOTS        8

struct ktp {
	kern_channel_t ch;
	kern_channel_ring_t tx, rx;
	unsigned pre_connect, connected, pre_disconnect, disconnected;
	unsigned ring_init, ring_fini, slot_init, slot_fini;
	unsigned ntx, nrx;
	errno_t tx_ret, rx_ret;
	void (*on_tx)(kern_channel_ring_t kr);
	void (*on_rx)(kern_channel_ring_t kr);
	/* what the hooks saw */
	uint32_t walked, avail, first_idx, reclaimed;
	errno_t inner_err;
};

static struct ktp ktp;
static struct sk_file *ctl;
static struct kern_nexus *knx;
static struct kh_chan c;

/* ---- the test provider ------------------------------------------------------ */

static errno_t
ktp_pre_connect(kern_nexus_provider_t prov, proc_t p, kern_nexus_t nx,
    nexus_port_t port, kern_channel_t ch, void **ctx)
{
	(void)prov, (void)p, (void)nx, (void)port;
	ktp.pre_connect++;
	ktp.ch = ch;
	*ctx = &ktp;
	return 0;
}

static errno_t
ktp_connected(kern_nexus_provider_t prov, kern_nexus_t nx, kern_channel_t ch)
{
	(void)prov, (void)nx, (void)ch;
	ktp.connected++;
	return 0;
}

static void
ktp_pre_disconnect(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_t ch)
{
	(void)prov, (void)nx, (void)ch;
	ktp.pre_disconnect++;
}

static void
ktp_disconnected(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_t ch)
{
	(void)prov, (void)nx, (void)ch;
	ktp.disconnected++;
}

static errno_t
ktp_ring_init(kern_nexus_provider_t prov, kern_nexus_t nx, kern_channel_t ch,
    kern_channel_ring_t ring, boolean_t is_tx, void **ctx)
{
	(void)prov, (void)nx, (void)ch;
	ktp.ring_init++;
	if (is_tx)
		ktp.tx = ring;
	else
		ktp.rx = ring;
	*ctx = is_tx ? (void *)&ktp.tx : (void *)&ktp.rx;
	return 0;
}

static void
ktp_ring_fini(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_ring_t ring)
{
	(void)prov, (void)nx, (void)ring;
	ktp.ring_fini++;
}

/* Slot context: 1-based index, TX ones with bit 8 set. */
static errno_t
ktp_slot_init(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_ring_t ring, kern_channel_slot_t slot, uint32_t idx,
    struct kern_slot_prop **prop, void **ctx)
{
	(void)prov, (void)nx, (void)slot, (void)prop;
	ktp.slot_init++;
	*ctx = (void *)(uintptr_t)((idx + 1) |
	    (kern_channel_ring_is_tx(ring) ? 0x100 : 0));
	return 0;
}

static void
ktp_slot_fini(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_ring_t ring, kern_channel_slot_t slot, uint32_t idx)
{
	(void)prov, (void)nx, (void)ring, (void)slot, (void)idx;
	ktp.slot_fini++;
}

static errno_t
ktp_sync_tx(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_ring_t kr, uint32_t flags)
{
	(void)prov, (void)nx, (void)flags;
	ktp.ntx++;
	if (ktp.on_tx != NULL)
		ktp.on_tx(kr);
	return ktp.tx_ret;
}

static errno_t
ktp_sync_rx(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_ring_t kr, uint32_t flags)
{
	(void)prov, (void)nx, (void)flags;
	ktp.nrx++;
	if (ktp.on_rx != NULL)
		ktp.on_rx(kr);
	return ktp.rx_ret;
}

static const struct kern_nexus_provider_init ktp_init = {
	.nxpi_version = KERN_NEXUS_PROVIDER_CURRENT_VERSION,
	.nxpi_pre_connect = ktp_pre_connect,
	.nxpi_connected = ktp_connected,
	.nxpi_pre_disconnect = ktp_pre_disconnect,
	.nxpi_disconnected = ktp_disconnected,
	.nxpi_ring_init = ktp_ring_init,
	.nxpi_ring_fini = ktp_ring_fini,
	.nxpi_slot_init = ktp_slot_init,
	.nxpi_slot_fini = ktp_slot_fini,
	.nxpi_sync_tx = ktp_sync_tx,
	.nxpi_sync_rx = ktp_sync_rx,
};

/* ---- hooks the tests run inside syncs --------------------------------------- */

/* Walk the window without advancing: how long, where from. */
static void
walk_only(kern_channel_ring_t kr)
{
	kern_channel_slot_t s;
	uint32_t n = 0;

	ktp.avail = kern_channel_available_slot_count(kr);
	s = kern_channel_get_next_slot(kr, NULL, NULL);
	ktp.first_idx = s != NULL ? kern_channel_ring_get_slot_index(kr, s) :
	    UINT32_MAX;
	for (; s != NULL; s = kern_channel_get_next_slot(kr, s, NULL))
		n++;
	ktp.walked = n;
}

/* TX: everything queued is sent. */
static void
tx_advance_all(kern_channel_ring_t kr)
{
	kern_channel_slot_t s, last = NULL;

	walk_only(kr);
	for (s = kern_channel_get_next_slot(kr, NULL, NULL); s != NULL;
	    s = kern_channel_get_next_slot(kr, s, NULL))
		last = s;
	if (last != NULL)
		kern_channel_advance_slot(kr, last);
}

static uint32_t rx_fill_count;

/* RX: reclaim, then rx_fill_count packets of (10 + i) bytes of 'A' + i. */
static void
rx_fill(kern_channel_ring_t kr)
{
	kern_pbufpool_t pp = kern_channel_ring_get_pbufpool(kr);
	kern_channel_slot_t s = NULL, last = NULL;
	uint32_t i;

	ktp.reclaimed = kern_channel_reclaim(kr);
	for (i = 0; i < rx_fill_count; i++) {
		kern_packet_t ph;
		kern_buflet_t b;

		s = kern_channel_get_next_slot(kr, s, NULL);
		if (s == NULL)
			break;
		ck_assert_int_eq(kern_pbufpool_alloc(pp, 1, &ph), 0);
		b = kern_packet_get_next_buflet(ph, NULL);
		memset(kern_buflet_get_data_address(b), 'A' + (int)i, 10 + i);
		ck_assert_int_eq(kern_buflet_set_data_length(b, 10 + i), 0);
		ck_assert_int_eq(kern_packet_finalize(ph), 0);
		ck_assert_int_eq(kern_channel_slot_attach_packet(kr, s, ph), 0);
		last = s;
	}
	if (last != NULL)
		kern_channel_advance_slot(kr, last);
}

static void
rx_reclaim_only(kern_channel_ring_t kr)
{
	ktp.reclaimed = kern_channel_reclaim(kr);
	walk_only(kr);
}

/* ---- fixture ---------------------------------------------------------------- */

static void
setup(void)
{
	struct nx_kpipe_params kpp = { 1, KT_SLOTS, 0 };

	kh_setup();
	memset(&ktp, 0, sizeof(ktp));
	rx_fill_count = 0;
	ctl = kh_ctl_open();
	ck_assert_int_eq(nx_kpipe_create(&ktp_init, "kpi-test", &kpp, &knx),
	    0);
	ck_assert_int_eq(kh_chan_open(&c, knx->nx_uuid, 0,
	    CHANNEL_RING_ID_ANY), 0);
	ck_assert_ptr_nonnull(ktp.tx);
	ck_assert_ptr_nonnull(ktp.rx);
}

static void
teardown(void)
{
	if (c.f != NULL)
		kh_chan_close(&c);
	ck_assert_int_eq(nx_kpipe_destroy(knx), 0);
	sk_file_close(ctl);
	kh_teardown();
}

static void
queue_tx(uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		kh_tx_put(&c, kh_tx(&c, 0), 16, (uint8_t)i);
}

/* ---- walking, counting, advancing ------------------------------------------- */

START_TEST(test_tx_walk_is_the_queued_window)
{
	ktp.on_tx = walk_only;
	queue_tx(3);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(ktp.walked, 3);
	ck_assert_uint_eq(ktp.avail, 3);
	ck_assert_uint_eq(ktp.first_idx, 0);
	/* Not advanced: still pending, the process has 7 - 3 free. */
	ck_assert_uint_eq(kh_tx(&c, 0)->ring_khead, 0);
	ck_assert_uint_eq(kh_avail(kh_tx(&c, 0)), KT_SLOTS - 1 - 3);
	queue_tx(2);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(ktp.walked, 5);
	ck_assert_uint_eq(ktp.first_idx, 0);
	/* Nothing queued: nothing to walk. */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(ktp.walked, 5);
}
END_TEST

START_TEST(test_tx_advance_moves_khead)
{
	struct __user_channel_ring *tx = kh_tx(&c, 0);

	ktp.on_tx = walk_only;
	queue_tx(4);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_avail(tx), KT_SLOTS - 1 - 4);
	ktp.on_tx = tx_advance_all;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(ktp.walked, 4);
	ck_assert_uint_eq(tx->ring_khead, 4);
	ck_assert_uint_eq(tx->ring_tail, 3);            /* khead - 1 */
	ck_assert_uint_eq(kh_avail(tx), KT_SLOTS - 1);
	/* The given-back slots hold fresh full-size packets again. */
	ck_assert_uint_eq(kh_slot_md(&c, tx, 0)->qum_buf[0].buf_dlim, 2048);
	ck_assert_uint_eq(kh_slot_md(&c, tx, 0)->qum_len, 0);
	ktp.on_tx = walk_only;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(ktp.walked, 0);
	ck_assert_uint_eq(ktp.first_idx, UINT32_MAX);
}
END_TEST

START_TEST(test_rx_walk_is_the_free_window)
{
	ktp.on_rx = walk_only;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(ktp.walked, KT_SLOTS - 1);    /* one stays empty */
	ck_assert_uint_eq(ktp.avail, KT_SLOTS - 1);
	ck_assert_uint_eq(ktp.first_idx, 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 0);
}
END_TEST

START_TEST(test_rx_attach_advance_reaches_the_process)
{
	struct __user_channel_ring *rx = kh_rx(&c, 0);
	kern_pbufpool_t pp = kern_channel_ring_get_pbufpool(ktp.rx);
	uint32_t free0 = kern_pbufpool_get_free_count(pp), i;

	ck_assert_uint_eq(free0, KT_SLOTS);     /* TX ring holds the rest */
	rx_fill_count = 3;
	ktp.on_rx = rx_fill;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(rx), 3);
	for (i = 0; i < 3; i++) {
		struct __user_quantum *q = kh_slot_md(&c, rx, i);

		ck_assert_uint_eq(q->qum_len, 10 + i);
		ck_assert(q->qum_qflags & QUM_F_FINALIZED);
		ck_assert_uint_eq(kh_slot_buf(&c, rx, i)[9 + i], 'A' + i);
	}
	ck_assert_uint_eq(ktp.rx->ckr_ready_bytes, 10 + 11 + 12);
	ck_assert_uint_eq(kern_pbufpool_get_free_count(pp), free0 - 3);
	ktp.on_rx = walk_only;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(ktp.walked, KT_SLOTS - 1 - 3);
	ck_assert_uint_eq(ktp.first_idx, 3);
}
END_TEST

START_TEST(test_reclaim_returns_released)
{
	struct __user_channel_ring *rx = kh_rx(&c, 0);
	kern_pbufpool_t pp = kern_channel_ring_get_pbufpool(ktp.rx);
	uint32_t free0 = kern_pbufpool_get_free_count(pp);

	rx_fill_count = 5;
	ktp.on_rx = rx_fill;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(ktp.reclaimed, 0);
	rx->ring_head = 2;                      /* release two */
	/* The process edits an RX length: ignored (kernel lengths count). */
	kh_slot_md(&c, rx, 0)->qum_len = 1000;
	ktp.on_rx = rx_reclaim_only;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(ktp.reclaimed, 2);
	ck_assert_uint_eq(ktp.avail, KT_SLOTS - 1 - 3);
	ck_assert_uint_eq(ktp.rx->ckr_ready_bytes, 12 + 13 + 14);
	ck_assert_uint_eq(kern_pbufpool_get_free_count(pp), free0 - 3);
	ck_assert_uint_eq(rx->ring_khead, 2);
	/* Again without releasing: nothing. */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(ktp.reclaimed, 0);
	/* On a TX ring reclaim is a no-op. */
	ck_assert_uint_eq(kern_channel_reclaim(ktp.tx), 0);
}
END_TEST

START_TEST(test_rx_full_ring_stops_the_walk)
{
	struct __user_channel_ring *rx = kh_rx(&c, 0);

	rx_fill_count = KT_SLOTS + 3;           /* more than fits */
	ktp.on_rx = rx_fill;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(rx), KT_SLOTS - 1);
	ktp.on_rx = walk_only;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(ktp.walked, 0);
	ck_assert_uint_eq(ktp.avail, 0);
}
END_TEST

START_TEST(test_walk_outside_sync_aborts)
{
	kern_channel_get_next_slot(ktp.tx, NULL, NULL);
}
END_TEST

START_TEST(test_advance_outside_sync_aborts)
{
	sk_protect_t p = sk_sync_protect();
	kern_channel_slot_t s = kern_channel_get_next_slot(ktp.rx, NULL, NULL);

	sk_sync_unprotect(p);
	ck_assert(!sk_is_sync_protected());
	kern_channel_advance_slot(ktp.rx, s);
}
END_TEST

/* ---- packets in slots ------------------------------------------------------- */

static kern_packet_t seen_ph[KT_SLOTS];

static void
tx_get_packets(kern_channel_ring_t kr)
{
	kern_channel_slot_t s;
	uint32_t n = 0;

	for (s = kern_channel_get_next_slot(kr, NULL, NULL); s != NULL;
	    s = kern_channel_get_next_slot(kr, s, NULL))
		seen_ph[n++] = kern_channel_slot_get_packet(kr, s);
	ktp.walked = n;
}

START_TEST(test_slot_get_packet)
{
	struct __user_channel_ring *tx = kh_tx(&c, 0);

	queue_tx(2);
	kh_slot_md(&c, tx, 1)->qum_qflags |= QUM_F_DROPPED;
	ktp.on_tx = tx_get_packets;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(ktp.walked, 2);
	ck_assert(seen_ph[0] != 0);
	ck_assert_uint_eq(seen_ph[1], 0);       /* dropped by the process */
	ck_assert_uint_eq(kern_packet_get_data_length(seen_ph[0]), 16);
	ck_assert_uint_eq(SK_PTR_TAG(seen_ph[0]), 0x5);  /* QUANTUM|PAYLOAD */
	ck_assert_uint_eq(kern_packet_get_object_index(seen_ph[0]),
	    kh_sd(&c, tx, 0)->sd_md_idx);
}
END_TEST

START_TEST(test_attach_detach_rules)
{
	sk_protect_t p = sk_sync_protect();
	kern_pbufpool_t pp = kern_channel_ring_get_pbufpool(ktp.rx);
	kern_channel_slot_t s = kern_channel_get_next_slot(ktp.rx, NULL, NULL);
	kern_channel_slot_t ts = kern_channel_get_next_slot(ktp.tx, NULL, NULL);
	kern_packet_t a, b;

	ck_assert_ptr_null(ts);                 /* nothing queued */
	ck_assert_uint_eq(kern_channel_slot_get_packet(ktp.rx, s), 0);
	ck_assert_int_eq(kern_pbufpool_alloc(pp, 1, &a), 0);
	ck_assert_int_eq(kern_pbufpool_alloc(pp, 1, &b), 0);
	ck_assert_int_eq(kern_channel_slot_attach_packet(ktp.rx, s, 0), EINVAL);
	ck_assert_int_eq(kern_channel_slot_attach_packet(ktp.rx, s, a), 0);
	ck_assert_uint_eq(kern_channel_slot_get_packet(ktp.rx, s), a);
	ck_assert_int_eq(kern_channel_slot_attach_packet(ktp.rx, s, b), EEXIST);
	ck_assert_int_eq(kern_channel_slot_detach_packet(ktp.rx, s, b), EINVAL);
	ck_assert_int_eq(kern_channel_slot_detach_packet(ktp.rx, s, a), 0);
	ck_assert_uint_eq(kern_channel_slot_get_packet(ktp.rx, s), 0);
	ck_assert_int_eq(kern_channel_slot_detach_packet(ktp.rx, s, a), EINVAL);
	kern_pbufpool_free(pp, a);
	/* A freed packet cannot be attached. */
	ck_assert_int_eq(kern_channel_slot_attach_packet(ktp.rx, s, a), EINVAL);
	kern_pbufpool_free(pp, b);
	sk_sync_unprotect(p);
}
END_TEST

/* User pipe rings swap objects; the KPI may not empty their slots. */
START_TEST(test_attach_refused_on_swap_ring)
{
	struct kern_pbufpool *pp = pp_create("skchan:test:kc", 4, 1024,
	    NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD);
	struct kern_channel_ring kr;
	kern_channel_slot_t s;
	kern_packet_t ph;

	ck_assert_ptr_nonnull(pp);
	ck_assert_int_eq(kr_init(&kr, NR_RX, 0, 0, 4, pp, 0), 0);
	s = (kern_channel_slot_t)(void *)&kr.ckr_ksds[0];
	ph = kern_channel_slot_get_packet(&kr, s);
	ck_assert(ph != 0);
	ck_assert_int_eq(kern_channel_slot_detach_packet(&kr, s, ph), ENOTSUP);
	ck_assert_int_eq(kern_channel_slot_attach_packet(&kr, s, ph), ENOTSUP);
	kr_fini(&kr);
	pp_destroy(pp);
}
END_TEST

/* ---- notify ----------------------------------------------------------------- */

START_TEST(test_notify_fires_the_armed_waiter)
{
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), 0);   /* armed */
	ck_assert_uint_eq(c.fired, 0);
	ck_assert_uint_eq(kern_channel_notify(ktp.rx, 0), 0);
	ck_assert_uint_eq(c.fired, 1);
	ck_assert_uint_eq(kern_channel_notify(ktp.rx, 0), 0);
	ck_assert_uint_eq(c.fired, 1);          /* fires once per arming */
	/* What the provider delivers is then readable. */
	rx_fill_count = 1;
	ktp.on_rx = rx_fill;
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), POLLIN);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 1);
}
END_TEST

/* A rejected channel's rings drop (XNU KR_DROP); a defunct channel's
 * rings are gone: the provider saw them finalized and is disconnected. */
START_TEST(test_notify_on_dead_is_enxio)
{
	struct proc p = { .p_cred = KH_CRED_NOBODY };

	knx->nx_flags |= NXF_REJECT;
	ck_assert_uint_eq(kern_channel_notify(ktp.rx, 0), ENXIO);
	ck_assert_uint_eq(kern_channel_notify(ktp.tx, 0), ENXIO);
	knx->nx_flags &= ~NXF_REJECT;
	ck_assert_uint_eq(kern_channel_notify(ktp.rx, 0), 0);
	kern_channel_defunct(&p, ktp.ch);
	ck_assert_uint_eq(ktp.pre_disconnect, 1);
	ck_assert_uint_eq(ktp.ring_fini, 2);
	ck_assert_uint_eq(ktp.slot_fini, 2 * KT_SLOTS);
	ck_assert_uint_eq(ktp.disconnected, 1);
}
END_TEST

/* ---- contexts, container ---------------------------------------------------- */

START_TEST(test_contexts)
{
	sk_protect_t p;
	kern_channel_slot_t s;
	kern_packet_t *arr = NULL;
	uint32_t n = 0;

	ck_assert_ptr_eq(kern_channel_get_context(ktp.ch), &ktp);
	ck_assert_ptr_eq(kern_channel_ring_get_context(ktp.tx), &ktp.tx);
	ck_assert_ptr_eq(kern_channel_ring_get_context(ktp.rx), &ktp.rx);
	ck_assert_uint_eq(ktp.pre_connect, 1);
	ck_assert_uint_eq(ktp.connected, 1);
	ck_assert_uint_eq(ktp.ring_init, 2);
	ck_assert_uint_eq(ktp.slot_init, 2 * KT_SLOTS);
	p = sk_sync_protect();
	s = kern_channel_get_next_slot(ktp.rx, NULL, NULL);
	s = kern_channel_get_next_slot(ktp.rx, s, NULL);
	ck_assert_ptr_eq(kern_channel_slot_get_context(ktp.rx, s),
	    (void *)(uintptr_t)2);
	ck_assert_int_eq(kern_channel_ring_get_container(ktp.rx, NULL, &n),
	    EINVAL);
	ck_assert_int_eq(kern_channel_ring_get_container(ktp.rx, &arr, &n), 0);
	ck_assert_ptr_nonnull(arr);
	ck_assert_uint_eq(n, KT_SLOTS);
	arr[KT_SLOTS - 1] = 42;                 /* all of it is usable */
	ck_assert_int_eq(kern_channel_ring_get_container(ktp.tx, &arr, NULL),
	    0);
	sk_sync_unprotect(p);
}
END_TEST

START_TEST(test_disconnect_hooks)
{
	kh_chan_close(&c);
	ck_assert_uint_eq(ktp.pre_disconnect, 1);
	ck_assert_uint_eq(ktp.disconnected, 1);
	ck_assert_uint_eq(ktp.ring_fini, 2);
	ck_assert_uint_eq(ktp.slot_fini, 2 * KT_SLOTS);
}
END_TEST

/* ---- stats ------------------------------------------------------------------ */

static unsigned thresh_calls;

static void
thresh_cb(struct ifnet *ifp)
{
	(void)ifp;
	thresh_calls++;
}

START_TEST(test_stats)
{
	struct kern_channel_ring_stat_increment st = { 3, 300 };
	struct ifnet ifp;
	uint64_t slots, bytes;

	kern_channel_increment_ring_stats(ktp.tx, &st);
	kern_channel_increment_ring_stats(ktp.tx, &st);
	kern_channel_ring_get_stats(ktp.tx, &slots, &bytes);
	ck_assert_uint_eq(slots, 6);
	ck_assert_uint_eq(bytes, 600);
	memset(&ifp, 0, sizeof(ifp));
	ifp.if_data_threshold = 1000;
	ifp.if_data_threshold_notify = thresh_cb;
	kern_channel_increment_ring_net_stats(ktp.tx, &ifp, &st);
	kern_channel_increment_ring_net_stats(ktp.rx, &ifp, &st);
	ck_assert_uint_eq(ifp.if_data.ifi_opackets, 3);
	ck_assert_uint_eq(ifp.if_data.ifi_obytes, 300);
	ck_assert_uint_eq(ifp.if_data.ifi_ipackets, 3);
	ck_assert_uint_eq(ifp.if_data.ifi_ibytes, 300);
	ck_assert_uint_eq(thresh_calls, 0);
	kern_channel_increment_ring_net_stats(ktp.rx, &ifp, &st);
	kern_channel_increment_ring_net_stats(ktp.rx, &ifp, &st);
	ck_assert_uint_eq(thresh_calls, 1);     /* 1200 >= 1000 */
	kern_channel_ring_get_stats(ktp.rx, &slots, &bytes);
	ck_assert_uint_eq(slots, 9);
	ck_assert_uint_eq(bytes, 900);
	kern_channel_ring_get_stats(ktp.tx, &slots, &bytes);
	ck_assert_uint_eq(slots, 9);
}
END_TEST

/* ---- tx_refill -------------------------------------------------------------- */

START_TEST(test_tx_refill_zero_limits)
{
	boolean_t pend = TRUE;

	ck_assert_int_eq(kern_channel_tx_refill(ktp.tx, 0, 1000, FALSE, &pend),
	    EINVAL);
	ck_assert_int_eq(pend, FALSE);
	pend = TRUE;
	ck_assert_int_eq(kern_channel_tx_refill(ktp.tx, 10, 0, FALSE, &pend),
	    EINVAL);
	ck_assert_int_eq(pend, FALSE);
	ck_assert_int_eq(kern_channel_tx_refill_canblock(ktp.tx, 0, 0, TRUE,
	    &pend), EINVAL);
	ck_assert_int_eq(kern_channel_tx_refill(ktp.rx, 10, 1000, FALSE,
	    &pend), EINVAL);
	ck_assert_uint_eq(ktp.ntx, 0);
}
END_TEST

START_TEST(test_tx_refill_runs_the_provider)
{
	struct __user_channel_ring *tx = kh_tx(&c, 0);
	boolean_t pend = TRUE;

	ktp.on_tx = walk_only;                  /* device "full": keep */
	queue_tx(3);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(ktp.ntx, 1);
	ktp.on_tx = tx_advance_all;             /* room again */
	ck_assert_int_eq(kern_channel_tx_refill(ktp.tx, 64, 65536, FALSE,
	    &pend), 0);
	ck_assert_int_eq(pend, FALSE);
	ck_assert_uint_eq(ktp.ntx, 2);
	ck_assert_uint_eq(ktp.walked, 3);
	ck_assert(!sk_is_sync_protected());
	/* The process sees the room at its next sync. */
	ck_assert_uint_eq(tx->ring_khead, 0);
	ktp.on_tx = NULL;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(tx->ring_khead, 3);
	ck_assert_uint_eq(kh_avail(tx), KT_SLOTS - 1);
	/* The provider's error comes back. */
	ktp.tx_ret = EIO;
	ck_assert_int_eq(kern_channel_tx_refill_canblock(ktp.tx, 1, 1, FALSE,
	    &pend), EIO);
}
END_TEST

static void
tx_refill_inside(kern_channel_ring_t kr)
{
	boolean_t pend;

	ktp.inner_err = kern_channel_tx_refill(kr, 1, 1, FALSE, &pend);
}

START_TEST(test_tx_refill_busy_ring)
{
	ktp.on_tx = tx_refill_inside;
	ktp.inner_err = -1;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(ktp.inner_err, 0);     /* busy: success, no sync */
	ck_assert_uint_eq(ktp.ntx, 1);
}
END_TEST

START_TEST(test_tx_refill_interface_state)
{
	struct ifnet ifp;
	boolean_t pend;

	memset(&ifp, 0, sizeof(ifp));
	ktp.tx->ckr_ifp = &ifp;
	ck_assert_int_eq(kern_channel_tx_refill(ktp.tx, 1, 1, FALSE, &pend),
	    ENXIO);                             /* not attached */
	ifp.if_attached = true;
	ifp.if_start_flags = IFSF_FLOW_CONTROLLED;
	ck_assert_int_eq(kern_channel_tx_refill(ktp.tx, 1, 1, FALSE, &pend),
	    ENXIO);
	ifp.if_start_flags = 0;
	ck_assert_int_eq(kern_channel_tx_refill(ktp.tx, 1, 1, FALSE, &pend),
	    0);
	ck_assert_uint_eq(ktp.ntx, 1);
	ktp.tx->ckr_ifp = NULL;
}
END_TEST

START_TEST(test_tx_refill_unbound_or_dead)
{
	struct kern_pbufpool *pp = pp_create("skchan:test:kc", 4, 1024,
	    NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD);
	struct proc p = { .p_cred = KH_CRED_NOBODY };
	struct kern_channel_ring kr;
	boolean_t pend;

	ck_assert_int_eq(kr_init(&kr, NR_TX, 0, 0, 4, pp, 0), 0);
	ck_assert_int_eq(kern_channel_tx_refill(&kr, 1, 1, FALSE, &pend),
	    ENXIO);                             /* no channel on it */
	kr_fini(&kr);
	pp_destroy(pp);
	knx->nx_flags |= NXF_REJECT;            /* dead (defunct: no ring) */
	ck_assert_int_eq(kern_channel_tx_refill(ktp.tx, 1, 1, FALSE, &pend),
	    ENXIO);
	knx->nx_flags &= ~NXF_REJECT;
	ck_assert_uint_eq(ktp.ntx, 0);
	kern_channel_defunct(&p, ktp.ch);
	ck_assert_uint_eq(ktp.ring_fini, 2);
}
END_TEST

/* ---- service class, flow advisories, memstatus, defunct --------------------- */

START_TEST(test_service_class_netif_only)
{
	kern_packet_svc_class_t svc = KPKT_SC_UNSPEC;

	ck_assert_int_eq(kern_channel_get_service_class(ktp.tx, &svc), ENOTSUP);
	ck_assert_int_eq(kern_channel_get_service_class(ktp.rx, &svc), ENOTSUP);
	ktp.tx->ckr_svc = KPKT_SC_VO;           /* still not a netif ring */
	ck_assert_int_eq(kern_channel_get_service_class(ktp.tx, &svc), ENOTSUP);
	ck_assert_int_eq(svc, KPKT_SC_UNSPEC);
}
END_TEST

START_TEST(test_flowadv_without_flowswitch)
{
	struct flowadv_fcentry fce;
	struct ifnet ifp;

	memset(&fce, 0, sizeof(fce));
	memset(&ifp, 0, sizeof(ifp));
	kern_channel_flowadv_clear(NULL);
	kern_channel_flowadv_clear(&fce);               /* no interface */
	fce.fce_ifp = &ifp;
	kern_channel_flowadv_clear(&fce);               /* not attached */
	ifp.if_attached = true;
	kern_channel_flowadv_clear(&fce);               /* no flowswitch */
	kern_channel_flowadv_report_ce_event(&fce, 3, 10);
	kern_channel_flowadv_report_ce_event(NULL, 0, 0);
	/* Nothing changed on the channel. */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
}
END_TEST

START_TEST(test_memstatus_is_harmless)
{
	struct proc p = { .p_cred = KH_CRED_NOBODY };

	kern_channel_memstatus(&p, 0, ktp.ch);
	kern_channel_memstatus(&p, 1, ktp.ch);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert(c.schema->csm_flags & CSM_ACTIVE);
}
END_TEST

START_TEST(test_defunct_eligible)
{
	struct proc p = { .p_cred = KH_CRED_NOBODY };

	ck_assert(c.schema->csm_flags & CSM_ACTIVE);
	kern_channel_defunct(&p, ktp.ch);
	ck_assert(!(c.schema->csm_flags & CSM_ACTIVE));
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), -ENXIO);
	ck_assert_uint_eq(kh_poll(&c, POLLIN | POLLOUT, 0), POLLHUP | POLLIN);
	kern_channel_defunct(&p, ktp.ch);       /* again: nothing */
}
END_TEST

START_TEST(test_defunct_needs_defunct_ok)
{
	struct proc p = { .p_cred = KH_CRED_NOBODY };

	kh_chan_close(&c);
	ck_assert_int_eq(kh_chan_open_key(&c, knx->nx_uuid, 0,
	    CHANNEL_RING_ID_ANY, 0, NULL, 0), 0);
	kern_channel_defunct(&p, ktp.ch);
	ck_assert(c.schema->csm_flags & CSM_ACTIVE);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
}
END_TEST

/* User pipe: defunct only when every open end allowed it. */
START_TEST(test_defunct_upipe_needs_both_ends)
{
	struct proc p = { .p_cred = KH_CRED_NOBODY };
	struct kh_chan a, b;
	uuid_t unx;

	kh_upipe(ctl, 1, 16, 1, 0, unx);
	ck_assert_int_eq(kh_chan_open(&a, unx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open_key(&b, unx, 1, CHANNEL_RING_ID_ANY, 0,
	    NULL, 0), 0);
	/* a's kern_channel: the one on the nexus opened on port 0. */
	{
		struct kern_nexus *nx = NULL;
		struct kern_channel *ch;

		ck_assert_int_eq(nx_lookup_for_open(unx, &nx), 0);
		ch = TAILQ_FIRST(&nx->nx_channels);
		ck_assert_uint_eq(ch->ch_port, 0);
		kern_channel_defunct(&p, ch);
		ck_assert(a.schema->csm_flags & CSM_ACTIVE);
		kh_chan_close(&b);
		kern_channel_defunct(&p, ch);
		ck_assert(!(a.schema->csm_flags & CSM_ACTIVE));
	}
	kh_chan_close(&a);
}
END_TEST

static Suite *
kern_channel_suite(void)
{
	Suite *s = suite_create("kern_channel");
	TCase *tc = tcase_create("kpi");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tx_walk_is_the_queued_window);
	tcase_add_test(tc, test_tx_advance_moves_khead);
	tcase_add_test(tc, test_rx_walk_is_the_free_window);
	tcase_add_test(tc, test_rx_attach_advance_reaches_the_process);
	tcase_add_test(tc, test_reclaim_returns_released);
	tcase_add_test(tc, test_rx_full_ring_stops_the_walk);
	tcase_add_test_raise_signal(tc, test_walk_outside_sync_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, test_advance_outside_sync_aborts,
	    SIGABRT);
	tcase_add_test(tc, test_slot_get_packet);
	tcase_add_test(tc, test_attach_detach_rules);
	tcase_add_test(tc, test_attach_refused_on_swap_ring);
	tcase_add_test(tc, test_notify_fires_the_armed_waiter);
	tcase_add_test(tc, test_notify_on_dead_is_enxio);
	tcase_add_test(tc, test_contexts);
	tcase_add_test(tc, test_disconnect_hooks);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_tx_refill_zero_limits);
	tcase_add_test(tc, test_tx_refill_runs_the_provider);
	tcase_add_test(tc, test_tx_refill_busy_ring);
	tcase_add_test(tc, test_tx_refill_interface_state);
	tcase_add_test(tc, test_tx_refill_unbound_or_dead);
	tcase_add_test(tc, test_service_class_netif_only);
	tcase_add_test(tc, test_flowadv_without_flowswitch);
	tcase_add_test(tc, test_memstatus_is_harmless);
	tcase_add_test(tc, test_defunct_eligible);
	tcase_add_test(tc, test_defunct_needs_defunct_ok);
	tcase_add_test(tc, test_defunct_upipe_needs_both_ends);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(kern_channel_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
