/*
 * check_event_ring.c - the event ring of a user-packet-pool channel
 * (cuse-dev/evring.c, the expiry check in upp.c, the transmit-status
 * hook of the netif driver) in-process, on a netif over a loop device.
 *
 * Events are read the way os_channel_get_next_event_handle() and
 * os_channel_event_get_next_event() read them: a packet taken off the
 * event ring whose buffer starts with struct
 * __kern_channel_event_metadata and holds records back to back, every
 * one but the last flagged CHANNEL_EVENT_FLAG_MORE_EVENT; the packet goes
 * back through the free ring (os_channel_event_free).
 */
#include "upp_harness.h"

#define EV_MODE (CHMODE_USER_PACKET_POOL | CHMODE_EVENT_RING)

/* One event buffer at the event ring's head, taken: its packet index. */
static obj_idx_t
ev_take(struct up_env *e, struct __kern_channel_event_metadata *md)
{
	struct __user_channel_ring *ring = up_ring(e, UP_EVENT);
	struct __user_packet *up;
	obj_idx_t p;

	if (ring->ring_head == ring->ring_tail)
		return OBJ_IDX_NONE;
	p = up_alloc(e, UP_EVENT);
	up = up_pkt(e, p);
	ck_assert(up->pkt_qum_qflags & QUM_F_FINALIZED);
	ck_assert_uint_eq(up->pkt_qum_buf.buf_doff, 0);
	ck_assert_uint_eq(up->pkt_length, up->pkt_qum_buf.buf_dlen);
	memcpy(md, up_buf(e, &up->pkt_qum_buf), sizeof(*md));
	return p;
}

/* Record k of event packet p (walked with the MORE flags). */
static const struct __kern_channel_event *
ev_record(struct up_env *e, obj_idx_t p, uint32_t k, uint32_t nev)
{
	struct __user_packet *up = up_pkt(e, p);
	const uint8_t *b = up_buf(e, &up->pkt_qum_buf);
	const struct __kern_channel_event *ev;
	uint32_t off = sizeof(struct __kern_channel_event_metadata), i;

	for (i = 0;; i++) {
		ev = (const void *)(b + off);
		ck_assert_uint_le(off + sizeof(*ev) + ev->ev_dlen,
		    up->pkt_qum_buf.buf_dlen);
		ck_assert_uint_eq(!!(ev->ev_flags &
		    CHANNEL_EVENT_FLAG_MORE_EVENT), i + 1 < nev);
		if (i == k)
			return ev;
		off += (uint32_t)sizeof(*ev) + ev->ev_dlen;
	}
}

/* A packet carrying frame seq with packet id seq, deadline ts, action. */
static obj_idx_t
ev_packet(struct up_env *e, uint32_t len, uint32_t seq, uint64_t ts,
    packet_expiry_action_t act)
{
	obj_idx_t p = up_alloc(e, UP_ALLOC);
	struct __user_packet *up = up_pkt(e, p);
	packet_id_t id;

	up_fill(e, p, len, seq);
	memset(&id, 0, sizeof(id));
	id.pktid_version = OS_PACKET_PKTID_VERSION_1;
	id.pktid_stream_identifier = seq;
	memcpy(up->pkt_com_opt.__po_token, &id, sizeof(id));
	up->pkt_com_opt.__po_token_len = sizeof(id);
	up->pkt_com_opt.__po_token_type = PKT_OPT_TOKEN_TYPE_PACKET_ID;
	up->pkt_pflags |= PKT_F_OPT_TOKEN;
	if (ts != 0) {
		up->pkt_com_opt.__po_expire_ts = ts;
		up->pkt_pflags |= PKT_F_OPT_EXPIRE_TS;
	}
	if (act != PACKET_EXPIRY_ACTION_NONE) {
		up->pkt_com_opt.__po_expiry_action = (uint8_t)act;
		up->pkt_pflags |= PKT_F_OPT_EXP_ACTION;
	}
	return p;
}

static uint64_t
ev_tx_packets(void)
{
	struct skc_ctl_netif_lookup nl;

	ck_assert_int_eq(nt_lookup(UP_DEV, &nl), 0);
	return nl.nl_q[0].nq_tx_packets;
}

START_TEST(test_layout)
{
	struct up_env e;
	struct __user_channel_ring *ev;

	up_open(&e, NULL, EV_MODE);
	ck_assert_uint_eq(e.c.info.ci_info.cinfo_ch_mode & EV_MODE, EV_MODE);
	ck_assert_uint_eq(e.c.schema->csm_num_event_rings, 1);
	ev = up_ring(&e, UP_EVENT);
	ck_assert_uint_eq(ev->ring_kind, CR_KIND_EVENT);
	ck_assert_uint_eq(ev->ring_num_slots, 64);
	ck_assert_uint_eq(ev->ring_tail, 0);
	/* nothing posted, nothing to read */
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), 0);
	ck_assert_uint_eq(ev->ring_tail, 0);
	up_close(&e);
}
END_TEST

/* Past its deadline with NOTIFY: dropped, counted, one expiry event. */
START_TEST(test_expired_notify)
{
	struct up_env e;
	struct __kern_channel_event_metadata md;
	const struct __kern_channel_event *ev;
	os_channel_event_packet_transmit_expired_t ex;
	uint32_t free0, k;
	obj_idx_t p;

	up_open(&e, NULL, EV_MODE);
	free0 = up_pool_free(&e);
	for (k = 0; k < 3; k++)
		up_tx_attach(&e, 0, ev_packet(&e, 100, 10 + k, 1,
		    PACKET_EXPIRY_ACTION_NOTIFY));
	/* and one with a deadline far away, which goes */
	up_tx_attach(&e, 0, ev_packet(&e, 100, 99, UINT64_MAX,
	    PACKET_EXPIRY_ACTION_NOTIFY));
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), 0);
	ck_assert_uint_eq(ev_tx_packets(), 1);
	/* the event is published by the same sync, all three in one buffer */
	p = ev_take(&e, &md);
	ck_assert_uint_ne(p, OBJ_IDX_NONE);
	ck_assert_uint_eq(md.emd_etype, CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED);
	ck_assert_uint_eq(md.emd_nevents, 3);
	for (k = 0; k < 3; k++) {
		ev = ev_record(&e, p, k, 3);
		ck_assert_uint_eq(ev->ev_type,
		    CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED);
		ck_assert_uint_eq(ev->ev_dlen, sizeof(ex));
		memcpy(&ex, ev->ev_data, sizeof(ex));
		ck_assert_uint_eq(ex.packet_id.pktid_stream_identifier, 10 + k);
		ck_assert_uint_eq(ex.packet_tx_expiration_deadline, 1);
		ck_assert_uint_ne(ex.packet_tx_expiration_timestamp, 0);
		ck_assert_uint_eq(ex.packet_tx_expiration_status,
		    CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_DROPPED);
	}
	ck_assert_uint_eq(ev_take(&e, &md), OBJ_IDX_NONE);
	up_free(&e, UP_FREE, p);        /* os_channel_event_free */
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), 0);
	nt_pump_all();
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), 0);
	up_rx_take_free(&e, 100, 99);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_RX, UP_RXF), 0);
	up_purge_all(&e);
	ck_assert_uint_eq(up_pool_free(&e), free0);
	up_close(&e);
}
END_TEST

/* DROP: dropped and counted, no event. */
START_TEST(test_expired_drop)
{
	struct up_env e;
	struct __kern_channel_event_metadata md;

	up_open(&e, NULL, EV_MODE);
	up_tx_attach(&e, 0, ev_packet(&e, 100, 1, 1,
	    PACKET_EXPIRY_ACTION_DROP));
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), 0);
	ck_assert_uint_eq(ev_tx_packets(), 0);
	ck_assert_uint_eq(ev_take(&e, &md), OBJ_IDX_NONE);
	up_close(&e);
}
END_TEST

/* Without an event ring an expired packet is still never sent. */
START_TEST(test_expired_no_ring)
{
	struct up_env e;

	up_open(&e, NULL, CHMODE_USER_PACKET_POOL);
	up_tx_attach(&e, 0, ev_packet(&e, 100, 1, 1,
	    PACKET_EXPIRY_ACTION_NOTIFY));
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), 0);
	ck_assert_uint_eq(ev_tx_packets(), 0);
	up_close(&e);
}
END_TEST

/* Frames the device refuses: one transmit-status event each. */
START_TEST(test_tx_status_refused)
{
	struct up_env e;
	struct __kern_channel_event_metadata md;
	os_channel_event_packet_transmit_status_t ts;
	const struct __kern_channel_event *ev;
	obj_idx_t p;

	up_open(&e, NULL, EV_MODE);
	/* a runt (badlen), a good frame, then two while the link is down */
	up_tx_attach(&e, 0, ev_packet(&e, 10, 1, 0, 0));
	up_tx_attach(&e, 0, ev_packet(&e, 100, 2, 0, 0));
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), 0);
	ck_assert_int_eq(skb_loop_set_link(UP_DEV, 0), 0);
	up_tx_attach(&e, 0, ev_packet(&e, 100, 3, 0, 0));
	up_tx_attach(&e, 0, ev_packet(&e, 100, 4, 0, 0));
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, UP_TXF), 0);
	ck_assert_uint_eq(ev_tx_packets(), 1);
	/* first sync's buffer: the runt */
	p = ev_take(&e, &md);
	ck_assert_uint_eq(md.emd_etype, CHANNEL_EVENT_PACKET_TRANSMIT_STATUS);
	ck_assert_uint_eq(md.emd_nevents, 1);
	ev = ev_record(&e, p, 0, 1);
	memcpy(&ts, ev->ev_data, sizeof(ts));
	ck_assert_uint_eq(ts.packet_id.pktid_stream_identifier, 1);
	ck_assert_int_eq(ts.packet_status,
	    CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_RETRY_FAILED);
	up_free(&e, UP_FREE, p);
	/* second: the two refused while down */
	p = ev_take(&e, &md);
	ck_assert_uint_eq(md.emd_nevents, 2);
	ev = ev_record(&e, p, 1, 2);
	memcpy(&ts, ev->ev_data, sizeof(ts));
	ck_assert_uint_eq(ts.packet_id.pktid_stream_identifier, 4);
	ck_assert_int_eq(ts.packet_status,
	    CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_FLUSH);
	up_free(&e, UP_FREE, p);
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_UPP, CHANNEL_SYNCF_FREE), 0);
	up_close(&e);
}
END_TEST

/* A full event ring drops events (counted) and never blocks TX. */
START_TEST(test_ring_full)
{
	struct up_env e;
	struct __kern_channel_event_metadata md;
	uint32_t k, n = 0;
	obj_idx_t p;

	up_open(&e, NULL, EV_MODE);
	/* alternate the types so that every event takes its own buffer */
	for (k = 0; k < 100; k++) {
		up_tx_attach(&e, 0, k % 2 ? ev_packet(&e, 10, k, 0, 0) :
		    ev_packet(&e, 100, k, 1, PACKET_EXPIRY_ACTION_NOTIFY));
		ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_TX, 0), 0);
	}
	while ((p = ev_take(&e, &md)) != OBJ_IDX_NONE) {
		up_free(&e, UP_FREE, p);
		n++;
	}
	ck_assert_uint_eq(n, 63);       /* a 64-slot ring keeps one empty */
	ck_assert_int_eq(up_sync(&e, CHANNEL_SYNC_UPP, CHANNEL_SYNCF_FREE), 0);
	up_close(&e);
}
END_TEST

/* A channel closed with events unread gives their packets back. */
START_TEST(test_close_with_events)
{
	struct up_env e, e2;
	struct nt_prov np = { .user_channel = 1, .rings = 2 };
	uint32_t k;

	memset(&e, 0, sizeof(e));
	memset(&e2, 0, sizeof(e2));
	up_nexus(&e, &np);
	ck_assert_int_eq(kh_chan_open_key(&e.c, e.nx, NEXUS_PORT_NET_IF_DEV,
	    0, CHMODE_DEFUNCT_OK, NULL, 0), 0);
	uuid_copy(e2.nx, e.nx);
	e2.free_before = up_pool_free(&e);
	ck_assert_int_eq(kh_chan_open_key(&e2.c, e.nx, NEXUS_PORT_NET_IF_DEV,
	    1, CHMODE_DEFUNCT_OK | EV_MODE, NULL, 0), 0);
	for (k = 0; k < 5; k++)
		up_tx_attach(&e2, 0, ev_packet(&e2, 10, k, 0, 0));
	ck_assert_int_eq(up_sync(&e2, CHANNEL_SYNC_TX, UP_TXF), 0);
	ck_assert_uint_ne(up_ring(&e2, UP_EVENT)->ring_tail, 0);
	kh_chan_close(&e2.c);
	ck_assert_uint_eq(up_pool_free(&e), e2.free_before);
	up_close(&e);
}
END_TEST

static Suite *
event_ring_suite(void)
{
	Suite *s = suite_create("event_ring");
	TCase *tc = tcase_create("loop");

	tcase_add_checked_fixture(tc, up_setup, up_teardown);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_expired_notify);
	tcase_add_test(tc, test_expired_drop);
	tcase_add_test(tc, test_expired_no_ring);
	tcase_add_test(tc, test_tx_status_refused);
	tcase_add_test(tc, test_ring_full);
	tcase_add_test(tc, test_close_with_events);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(event_ring_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
