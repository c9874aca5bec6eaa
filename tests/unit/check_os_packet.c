/*
 * check_os_packet.c - os_packet_* and os_buflet_* on metadata objects
 * built in the test (no channel: these calls never make one).
 *
 * Objective: spec section 2.8 for QUANTUM (pipes) and PACKET (netif)
 * handles: tagged handles, service/traffic class tables, finalize's sums
 * and range checks per subtype, optional fields present only with their
 * flag (ENOENT otherwise), tokens and packet ids, buflet chains and
 * add_buflet's rules, use counts at their limits, and the trap for a
 * packet-only call on a quantum.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <skywalk/os_skywalk_private.h>

#define BUFSZ 2048

/* preamble + packet, then four external buflets and their buffers */
struct obj {
	struct __metadata_preamble mdp;
	struct __user_packet pkt;
} __attribute__((aligned(64)));

static struct obj *o;
static struct __user_buflet *xb; /* 4 external buflets */
static uint8_t *bufs;		 /* 5 buffers */

#define KSET(lval, v)                                                          \
	do {                                                                   \
		__typeof__(lval) _kv = (v);                                    \
		memcpy((void *)(uintptr_t) & (lval),                           \
		       (const void *)(uintptr_t)&_kv, sizeof(_kv));            \
	} while (0)

static void
bft_init(struct __user_buflet *b, obj_idx_t self, int buf)
{
	memset(b, 0, sizeof(*b));
	KSET(b->buf_bft_idx_reg, self);
	KSET(b->buf_idx, buf < 0 ? OBJ_IDX_NONE : (obj_idx_t)buf);
	KSET(b->buf_nbft_idx, OBJ_IDX_NONE);
	KSET(b->buf_dlim, buf < 0 ? 0 : BUFSZ);
	KSET(b->buf_addr,
	     buf < 0
		 ? 0
		 : (mach_vm_address_t)(uintptr_t)(bufs + (size_t)buf * BUFSZ));
}

static void
setup(void)
{
	int i;

	o = aligned_alloc(64, sizeof(*o));
	xb = calloc(4, sizeof(*xb));
	bufs = calloc(5, BUFSZ);
	ck_assert(o != NULL && xb != NULL && bufs != NULL);
	memset(o, 0, sizeof(*o));
	bft_init(&o->pkt.pkt_qum_buf, OBJ_IDX_NONE, 0);
	KSET(o->pkt.pkt_bufs_max, 4);
	KSET(o->pkt.pkt_bufs_cnt, 1);
	for (i = 0; i < 4; i++)
		bft_init(&xb[i], (obj_idx_t)i, i + 1);
}

static void
teardown(void)
{
	free(o);
	free(xb);
	free(bufs);
}

static packet_t
ph_of(nexus_meta_type_t t, nexus_meta_subtype_t st)
{
	return SK_PTR_ENCODE(&o->pkt, t, st);
}

#define QUM() ph_of(NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD)
#define RAW() ph_of(NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW)
#define PAY() ph_of(NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_PAYLOAD)

START_TEST(test_handle_tags)
{
	ck_assert_uint_eq(SK_PTR_TAG(QUM()), 0x5);
	ck_assert_uint_eq(SK_PTR_TAG(RAW()), 0xA);
	ck_assert_uint_eq(SK_PTR_TAG(PAY()), 0x6);
	ck_assert_ptr_eq(SK_PTR_ADDR_UPKT(RAW()), &o->pkt);
	ck_assert_ptr_eq(SK_PTR_ADDR_UQUM(QUM()), &o->pkt.pkt_qum);
}
END_TEST

static const packet_svc_class_t all_sc[] = {
    PKT_SC_BK_SYS, PKT_SC_BK, PKT_SC_BE,  PKT_SC_RD, PKT_SC_OAM, PKT_SC_AV,
    PKT_SC_RV,	   PKT_SC_VI, PKT_SC_SIG, PKT_SC_VO, PKT_SC_CTL,
};

START_TEST(test_service_class)
{
	size_t i;

	for (i = 0; i < sizeof(all_sc) / sizeof(all_sc[0]); i++) {
		ck_assert_int_eq(os_packet_set_service_class(QUM(), all_sc[i]),
				 0);
		ck_assert_int_eq(os_packet_get_service_class(QUM()), all_sc[i]);
		ck_assert_int_eq(os_packet_get_traffic_class(RAW()),
				 PKT_SC2TC(all_sc[i]));
	}
	ck_assert_int_eq(
	    os_packet_set_service_class(QUM(), (packet_svc_class_t)0x12345),
	    EINVAL);
	ck_assert_int_eq(os_packet_get_service_class(QUM()), PKT_SC_CTL);
	o->pkt.pkt_svc_class = 0x777; /* not a class: reads as BE */
	ck_assert_int_eq(os_packet_get_service_class(RAW()), PKT_SC_BE);
}
END_TEST

START_TEST(test_traffic_class)
{
	static const struct {
		packet_traffic_class_t tc;
		packet_svc_class_t sc;
	} map[] = {
	    {PKT_TC_BE, PKT_SC_BE},
	    {PKT_TC_BK, PKT_SC_BK},
	    {PKT_TC_VI, PKT_SC_VI},
	    {PKT_TC_VO, PKT_SC_VO},
	    {(packet_traffic_class_t)9, PKT_SC_BE},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		ck_assert_int_eq(os_packet_set_traffic_class(QUM(), map[i].tc),
				 0);
		ck_assert_int_eq(os_packet_get_service_class(QUM()), map[i].sc);
	}
	ck_assert_int_eq(os_packet_set_traffic_class(QUM(), PKT_TC_VO), 0);
	ck_assert_int_eq(os_packet_get_traffic_class(QUM()), PKT_TC_VO);
}
END_TEST

START_TEST(test_flow_uuid)
{
	uuid_t in, out;

	uuid_generate(in);
	os_packet_set_flow_uuid(QUM(), in);
	os_packet_get_flow_uuid(QUM(), &out);
	ck_assert_mem_eq(in, out, 16);
	ck_assert_mem_eq(o->pkt.pkt_flow_id, in, 16);
	os_packet_clear_flow_uuid(QUM());
	os_packet_get_flow_uuid(RAW(), &out);
	ck_assert(uuid_is_null(out));
}
END_TEST

START_TEST(test_finalize_quantum)
{
	struct __user_buflet *b = os_packet_get_next_buflet(QUM(), NULL);

	ck_assert_ptr_eq(b, &o->pkt.pkt_qum.qum_buf[0]);
	ck_assert_ptr_null(os_packet_get_next_buflet(QUM(), b));
	ck_assert_uint_eq(os_packet_get_buflet_count(QUM()), 1);
	os_buflet_set_data_offset(b, 10);
	os_buflet_set_data_length(b, 100);
	o->pkt.pkt_qum_qflags = QUM_F_DROPPED;
	ck_assert_int_eq(os_packet_finalize(QUM()), 0);
	ck_assert_uint_eq(os_packet_get_data_length(QUM()), 100);
	ck_assert_uint_eq(o->pkt.pkt_qum_qflags, QUM_F_FINALIZED);
	/* the setters take anything; finalize does the checking */
	ck_assert_int_eq(os_buflet_set_data_length(b, BUFSZ), 0);
	ck_assert_int_eq(os_packet_finalize(QUM()), ERANGE);
	ck_assert_uint_eq(os_packet_get_data_length(QUM()), 0);
	ck_assert_uint_eq(o->pkt.pkt_qum_qflags, QUM_F_DROPPED);
}
END_TEST

START_TEST(test_finalize_packet_raw)
{
	struct __user_buflet *b = os_packet_get_next_buflet(RAW(), NULL);

	os_buflet_set_data_offset(b, 14);
	os_buflet_set_data_length(b, 60);
	ck_assert_int_eq(os_packet_set_link_header_length(RAW(), 14), 0);
	ck_assert_int_eq(os_packet_finalize(RAW()), 0);
	ck_assert_uint_eq(os_packet_get_headroom(RAW()), 14);
	ck_assert_uint_eq(os_packet_get_link_header_length(RAW()), 0);
	ck_assert_uint_eq(os_packet_get_data_length(RAW()), 60);
	os_buflet_set_data_offset(b, 256);
	ck_assert_int_eq(os_packet_finalize(RAW()), ERANGE);
	ck_assert(o->pkt.pkt_qum_qflags & QUM_F_DROPPED);
}
END_TEST

START_TEST(test_finalize_packet_payload)
{
	struct __user_buflet *b = os_packet_get_next_buflet(PAY(), NULL);

	os_buflet_set_data_length(b, 60);
	ck_assert_int_eq(os_packet_finalize(PAY()), 0);
	os_buflet_set_data_offset(b, 2); /* no headroom on payload */
	ck_assert_int_eq(os_packet_finalize(PAY()), ERANGE);
	os_buflet_set_data_offset(b, 0);
	o->pkt.pkt_l2_len = 14;
	ck_assert_int_eq(os_packet_finalize(PAY()), ERANGE);
	o->pkt.pkt_l2_len = 0;
	ck_assert_int_eq(os_packet_finalize(PAY()), 0);
}
END_TEST

START_TEST(test_finalize_option_rules)
{
	os_buflet_set_data_length(os_packet_get_next_buflet(RAW(), NULL), 8);
	o->pkt.pkt_pflags |= PKT_F_OPT_EXPIRE_TS; /* ts 0 */
	ck_assert_int_eq(os_packet_finalize(RAW()), EINVAL);
	ck_assert_int_eq(os_packet_set_expire_time(RAW(), 5), 0);
	ck_assert_int_eq(os_packet_finalize(RAW()), 0);
	o->pkt.pkt_pflags |= PKT_F_OPT_TOKEN; /* length 0 */
	ck_assert_int_eq(os_packet_finalize(RAW()), EINVAL);
	ck_assert_int_eq(os_packet_set_token(RAW(), "t", 1), 0);
	ck_assert_int_eq(os_packet_finalize(RAW()), 0);
}
END_TEST

START_TEST(test_finalize_chain)
{
	packet_t ph = RAW();
	buflet_t b;

	/* inline buflet empty; the data is in external buflets 0 and 1 */
	bft_init(&o->pkt.pkt_qum_buf, OBJ_IDX_NONE, -1);
	KSET(o->pkt.pkt_bufs_cnt, 0);
	ck_assert_int_eq(os_packet_add_buflet(ph, NULL, &xb[0]), 0);
	ck_assert_int_eq(os_packet_add_buflet(ph, &xb[0], &xb[1]), 0);
	ck_assert_uint_eq(os_packet_get_buflet_count(ph), 2);
	ck_assert_uint_eq(o->pkt.pkt_qum_buf.buf_nbft_idx, 0);
	ck_assert_uint_eq(xb[0].buf_nbft_idx, 1);
	b = os_packet_get_next_buflet(ph, NULL);
	ck_assert_ptr_eq(b, &xb[0]);
	os_buflet_set_data_length(b, 1000);
	b = os_packet_get_next_buflet(ph, b);
	ck_assert_ptr_eq(b, &xb[1]);
	os_buflet_set_data_length(b, 500);
	ck_assert_ptr_null(os_packet_get_next_buflet(ph, b));
	ck_assert_int_eq(os_packet_finalize(ph), 0);
	ck_assert_uint_eq(os_packet_get_data_length(ph), 1500);
	os_buflet_set_data_offset(b, BUFSZ - 499);
	ck_assert_int_eq(os_packet_finalize(ph), ERANGE);
}
END_TEST

START_TEST(test_add_buflet_rules)
{
	packet_t ph = RAW();

	bft_init(&o->pkt.pkt_qum_buf, OBJ_IDX_NONE, -1);
	KSET(o->pkt.pkt_bufs_cnt, 0);
	KSET(o->pkt.pkt_bufs_max, 2);
	ck_assert_int_eq(os_packet_add_buflet(ph, NULL, NULL), EINVAL);
	ck_assert_int_eq(os_packet_add_buflet(ph, NULL, &xb[0]), 0);
	ck_assert_int_eq(os_packet_add_buflet(ph, NULL, &xb[1]), EINVAL);
	ck_assert_int_eq(os_packet_add_buflet(ph, &xb[0], &xb[0]), EINVAL);
	ck_assert_int_eq(os_packet_add_buflet(ph, &xb[0], &xb[1]), 0);
	ck_assert_int_eq(os_packet_add_buflet(ph, &xb[1], &xb[2]), EINVAL);
	ck_assert_uint_eq(o->pkt.pkt_bufs_cnt, 2);
}
END_TEST

START_TEST(test_buflet_accessors)
{
	buflet_t b = os_packet_get_next_buflet(RAW(), NULL);

	ck_assert_int_eq(os_buflet_set_data_offset(b, 7), 0);
	ck_assert_int_eq(os_buflet_set_data_length(b, 9), 0);
	ck_assert_uint_eq(os_buflet_get_data_offset(b), 7);
	ck_assert_uint_eq(os_buflet_get_data_length(b), 9);
	/* both addresses are the buffer start, not start + offset */
	ck_assert_ptr_eq(os_buflet_get_object_address(b), bufs);
	ck_assert_ptr_eq(os_buflet_get_data_address(b), bufs);
	ck_assert_uint_eq(os_buflet_get_object_limit(b), BUFSZ);
	ck_assert_uint_eq(os_buflet_get_data_limit(b), BUFSZ);
	/* a stale next address is ignored when no next index is set */
	KSET(o->pkt.pkt_qum_buf.buf_nbft_addr, 0x1234);
	ck_assert_ptr_null(os_packet_get_next_buflet(RAW(), b));
	/* a defunct (zeroed) packet still reports one buflet */
	KSET(o->pkt.pkt_bufs_cnt, 0);
	ck_assert_uint_eq(os_packet_get_buflet_count(RAW()), 1);
}
END_TEST

START_TEST(test_headroom_and_link)
{
	packet_t ph = RAW();

	ck_assert_int_eq(os_packet_set_headroom(ph, 64), 0);
	ck_assert_uint_eq(os_packet_get_headroom(ph), 64);
	KSET(o->pkt.pkt_qum_buf.buf_dlim, 64);
	ck_assert_int_eq(os_packet_set_headroom(ph, 64), ERANGE);
	ck_assert_int_eq(os_packet_set_link_header_length(ph, 14), 0);
	ck_assert_uint_eq(os_packet_get_link_header_length(ph), 14);
	ck_assert_int_eq(os_packet_get_link_broadcast(ph), 0);
	ck_assert_int_eq(os_packet_set_link_broadcast(ph), 0);
	ck_assert_int_eq(os_packet_set_link_multicast(ph), 0);
	ck_assert_int_eq(os_packet_set_link_ethfcs(ph), 0);
	ck_assert_int_eq(os_packet_get_link_broadcast(ph), 1);
	ck_assert_int_eq(os_packet_get_link_multicast(ph), 1);
	ck_assert_int_eq(os_packet_get_link_ethfcs(ph), 1);
	ck_assert_uint_eq(o->pkt.pkt_link_flags,
			  PKT_LINKF_BCAST | PKT_LINKF_MCAST | PKT_LINKF_ETHFCS);
}
END_TEST

START_TEST(test_packet_flags)
{
	packet_t ph = RAW();

	ck_assert_int_eq(os_packet_set_transport_traffic_background(ph), 0);
	ck_assert_int_eq(os_packet_set_transport_traffic_realtime(ph), 0);
	ck_assert_int_eq(os_packet_set_transport_retransmit(ph), 0);
	ck_assert_int_eq(os_packet_set_transport_last_packet(ph), 0);
	os_packet_set_group_start(ph);
	os_packet_set_group_end(ph);
	os_packet_set_l4s_flag(ph);
	os_packet_set_keep_alive(ph, TRUE);
	ck_assert_int_eq(os_packet_get_transport_traffic_background(ph), 1);
	ck_assert_int_eq(os_packet_get_transport_traffic_realtime(ph), 1);
	ck_assert_int_eq(os_packet_get_transport_retransmit(ph), 1);
	ck_assert_int_eq(os_packet_get_group_start(ph), 1);
	ck_assert_int_eq(os_packet_get_group_end(ph), 1);
	ck_assert_int_eq(os_packet_get_keep_alive(ph), 1);
	ck_assert_uint_eq(o->pkt.pkt_pflags, PKT_F_BACKGROUND | PKT_F_REALTIME |
						 PKT_F_REXMT | PKT_F_LAST_PKT |
						 PKT_F_OPT_GROUP_START |
						 PKT_F_OPT_GROUP_END |
						 PKT_F_L4S | PKT_F_KEEPALIVE);
	os_packet_set_keep_alive(ph, FALSE);
	ck_assert_int_eq(os_packet_get_keep_alive(ph), 0);
	ck_assert_int_eq(os_packet_get_wake_flag(ph), 0);
	ck_assert_int_eq(os_packet_get_truncated(ph), 0);
	o->pkt.pkt_pflags |= PKT_F_WAKE_PKT | PKT_F_TRUNCATED;
	ck_assert_int_eq(os_packet_get_wake_flag(ph), 1);
	ck_assert_int_eq(os_packet_get_truncated(ph), 1);
}
END_TEST

START_TEST(test_checksum_offload)
{
	packet_t ph = RAW();
	uint16_t start = 0, val = 0;

	ck_assert_int_eq(os_packet_set_inet_checksum(ph, 0xffffffff, 34, 50),
			 0);
	ck_assert_uint_eq(os_packet_get_inet_checksum(ph, &start, &val),
			  0x7f | 0xf00 | PACKET_CSUM_TSO_IPV4 |
			      PACKET_CSUM_TSO_IPV6);
	ck_assert_uint_eq(start, 34);
	ck_assert_uint_eq(val, 50);
	ck_assert_int_eq(
	    os_packet_set_inet_checksum(ph, PACKET_CSUM_PARTIAL, 1, 2), 0);
	os_packet_add_inet_csum_flags(ph, PACKET_CSUM_ZERO_INVERT | 0x80);
	ck_assert_uint_eq(os_packet_get_inet_checksum(ph, NULL, NULL),
			  PACKET_CSUM_PARTIAL | PACKET_CSUM_ZERO_INVERT);
	os_packet_set_tso_flags(ph, PACKET_TSO_IPV6 | PACKET_CSUM_TCP);
	ck_assert_uint_eq(o->pkt.pkt_csum_flags, PACKET_CSUM_PARTIAL |
						     PACKET_CSUM_ZERO_INVERT |
						     PACKET_TSO_IPV6);
	ck_assert_int_eq(os_packet_set_protocol_segment_size(ph, 1448), 0);
	ck_assert_uint_eq(o->pkt.pkt_proto_seg_sz, 1448);
	o->pkt.pkt_seg_cnt = 3;
	o->pkt.pkt_aggr_type = PKT_AGGR_SINGLE_IP;
	ck_assert_uint_eq(os_packet_get_segment_count(ph), 3);
	ck_assert_uint_eq(os_packet_get_aggregation_type(ph),
			  PKT_AGGR_SINGLE_IP);
}
END_TEST

START_TEST(test_optional_fields)
{
	packet_t ph = RAW();
	uint64_t ts;
	uint32_t g;
	packet_expiry_action_t act;
	uint16_t tag;
	boolean_t inpkt;

	ck_assert_int_eq(os_packet_get_compression_generation_count(ph, NULL),
			 EINVAL);
	ck_assert_int_eq(os_packet_get_compression_generation_count(ph, &g),
			 ENOENT);
	ck_assert_int_eq(os_packet_set_compression_generation_count(ph, 5), 0);
	ck_assert_int_eq(os_packet_get_compression_generation_count(ph, &g), 0);
	ck_assert_uint_eq(g, 5);
	ck_assert_int_eq(os_packet_get_expire_time(ph, NULL), EINVAL);
	ck_assert_int_eq(os_packet_get_expire_time(ph, &ts), ENOENT);
	ck_assert_int_eq(os_packet_set_expire_time(ph, 1234), 0);
	ck_assert_int_eq(os_packet_get_expire_time(ph, &ts), 0);
	ck_assert_uint_eq(ts, 1234);
	ck_assert_int_eq(os_packet_set_expire_time(ph, 0), 0);
	ck_assert_int_eq(os_packet_get_expire_time(ph, &ts), ENOENT);
	ck_assert_int_eq(os_packet_get_expiry_action(ph, &act), ENOENT);
	ck_assert_int_eq(
	    os_packet_set_expiry_action(ph, PACKET_EXPIRY_ACTION_DROP), 0);
	ck_assert_int_eq(os_packet_get_expiry_action(ph, &act), 0);
	ck_assert_int_eq(act, PACKET_EXPIRY_ACTION_DROP);
	ck_assert_int_eq(
	    os_packet_set_expiry_action(ph, PACKET_EXPIRY_ACTION_NONE), 0);
	ck_assert_int_eq(os_packet_get_expiry_action(ph, &act), ENOENT);
	ck_assert_int_eq(os_packet_get_vlan_tag(ph, &tag, &inpkt), ENOENT);
	ck_assert_int_eq(os_packet_set_vlan_tag(ph, 0xa123, TRUE), 0);
	ck_assert_int_eq(os_packet_get_vlan_tag(ph, NULL, &inpkt), EINVAL);
	ck_assert_int_eq(os_packet_get_vlan_tag(ph, &tag, &inpkt), 0);
	ck_assert_uint_eq(tag, 0xa123);
	ck_assert_int_eq(inpkt, 1);
	ck_assert_uint_eq(os_packet_get_vlan_id(tag), 0x123);
	ck_assert_uint_eq(os_packet_get_vlan_priority(tag), 5);
	ck_assert_int_eq(os_packet_set_vlan_tag(ph, 7, FALSE), 0);
	ck_assert_int_eq(os_packet_get_vlan_tag(ph, &tag, &inpkt), 0);
	ck_assert_int_eq(inpkt, 0);
	ck_assert_int_eq(os_packet_set_app_metadata(
			     ph, PACKET_APP_METADATA_TYPE_UNSPECIFIED, 1),
			 EINVAL);
	ck_assert_int_eq(os_packet_set_app_metadata(ph, 2, 1), EINVAL);
	ck_assert_int_eq(
	    os_packet_set_app_metadata(ph, PACKET_APP_METADATA_TYPE_VOICE,
				       PACKET_VOICE_APP_METADATA_SPEECH),
	    0);
	ck_assert(o->pkt.pkt_pflags & PKT_F_OPT_APP_METADATA);
	os_packet_set_tx_timestamp(ph, 99);
	ck_assert(o->pkt.pkt_pflags & PKT_F_OPT_TX_TIMESTAMP);
	ck_assert_uint_eq(o->pkt.pkt_com_opt.__po_pkt_tx_time, 99);
}
END_TEST

START_TEST(test_tokens)
{
	packet_t ph = RAW();
	uint8_t tok[PKT_OPT_MAX_TOKEN_SIZE + 1] = "0123456789abcdef";
	uint8_t out[PKT_OPT_MAX_TOKEN_SIZE];
	uint16_t len = sizeof(out);
	packet_id_t id, id2;

	ck_assert_int_eq(os_packet_get_token(ph, out, &len), ENOENT);
	ck_assert_int_eq(os_packet_set_token(ph, tok, 17), EINVAL);
	ck_assert_int_eq(os_packet_set_token(ph, NULL, 3), EINVAL);
	ck_assert_int_eq(os_packet_set_token(ph, tok, 5), 0);
	len = 4;
	ck_assert_int_eq(os_packet_get_token(ph, out, &len), EINVAL);
	len = sizeof(out);
	ck_assert_int_eq(os_packet_get_token(ph, out, &len), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(out, tok, 5);
	ck_assert_int_eq(os_packet_get_packetid(ph, &id), ENOENT);
	memset(&id, 0, sizeof(id));
	id.pktid_version = OS_PACKET_PKTID_VERSION_1;
	id.pktid_sequence_number = 42;
	ck_assert_int_eq(os_packet_set_packetid(ph, NULL), EINVAL);
	ck_assert_int_eq(os_packet_set_packetid(ph, &id), 0);
	ck_assert_int_eq(os_packet_get_token(ph, out, &len), ENOENT);
	ck_assert_int_eq(os_packet_get_packetid(ph, NULL), EINVAL);
	ck_assert_int_eq(os_packet_get_packetid(ph, &id2), 0);
	ck_assert_mem_eq(&id, &id2, sizeof(id));
	ck_assert_int_eq(os_packet_set_token(ph, NULL, 0), 0);
	ck_assert_uint_eq(o->pkt.pkt_pflags & PKT_F_OPT_TOKEN, 0);
	ck_assert_int_eq(os_packet_get_packetid(ph, &id2), ENOENT);
}
END_TEST

START_TEST(test_use_count_and_trace)
{
	uint16_t n = 9;

	ck_assert_int_eq(os_packet_decrement_use_count(QUM(), &n), ERANGE);
	ck_assert_int_eq(os_packet_increment_use_count(QUM()), 0);
	ck_assert_int_eq(os_packet_decrement_use_count(QUM(), &n), 0);
	ck_assert_uint_eq(n, 0);
	o->pkt.pkt_qum.qum_usecnt = UINT16_MAX - 1;
	ck_assert_int_eq(os_packet_increment_use_count(QUM()), 0);
	ck_assert_int_eq(os_packet_increment_use_count(QUM()), ERANGE);
	ck_assert_int_eq(os_packet_decrement_use_count(QUM(), NULL), 0);
	os_packet_set_trace_id(RAW(), 0xabcd);
	ck_assert_uint_eq(os_packet_get_trace_id(RAW()), 0xabcd);
	os_packet_trace_event(RAW(), 1);
}
END_TEST

/* A packet-only field on a quantum lies past the object: trap. */
START_TEST(test_trap_packet_call_on_quantum)
{
	(void)os_packet_set_link_header_length(QUM(), 14);
}
END_TEST

START_TEST(test_trap_packet_flag_on_quantum)
{
	(void)os_packet_get_transport_retransmit(QUM());
}
END_TEST

static Suite *
packet_suite(void)
{
	Suite *s = suite_create("os_packet");
	TCase *tc = tcase_create("packet");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_handle_tags);
	tcase_add_test(tc, test_service_class);
	tcase_add_test(tc, test_traffic_class);
	tcase_add_test(tc, test_flow_uuid);
	tcase_add_test(tc, test_finalize_quantum);
	tcase_add_test(tc, test_finalize_packet_raw);
	tcase_add_test(tc, test_finalize_packet_payload);
	tcase_add_test(tc, test_finalize_option_rules);
	tcase_add_test(tc, test_finalize_chain);
	tcase_add_test(tc, test_add_buflet_rules);
	tcase_add_test(tc, test_buflet_accessors);
	tcase_add_test(tc, test_headroom_and_link);
	tcase_add_test(tc, test_packet_flags);
	tcase_add_test(tc, test_checksum_offload);
	tcase_add_test(tc, test_optional_fields);
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_use_count_and_trace);
	tcase_add_test_raise_signal(tc, test_trap_packet_call_on_quantum,
				    SIGABRT);
	tcase_add_test_raise_signal(tc, test_trap_packet_flag_on_quantum,
				    SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(packet_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
