/*
 * os_packet.c - reading and writing packet metadata in place.
 *
 * Theory of operation: a packet_t is the address of a metadata object in
 * the channel's mapping with its type (QUANTUM or PACKET) in bits 0-1
 * and subtype (PAYLOAD or RAW) in bits 2-3.  Every accessor here edits
 * that object directly; nothing is sent anywhere until the packet's slot
 * is synced, and then the kernel copies in ("internalizes") and checks
 * what it needs.  So the setters stay cheap and mostly unchecked, and
 * os_packet_finalize() is where lengths are added up and range-checked.
 *
 * Quanta (user and kernel pipes) have one inline buflet and the common
 * fields: flow id, length, service class, flags, use count.  Packets
 * (netif) add link/transport flags, checksum offload, optional fields
 * (each valid only with its PKT_F_OPT_* flag) and a buflet chain.
 * Packet-only calls on a quantum handle would write past the object, so
 * they trap, as Apple's development builds do; release builds there
 * skip the check and corrupt the neighbour instead.  The subtype is not
 * checked: link-layer fields of a PAYLOAD packet are harmless to touch,
 * and finalize (ERANGE) and the kernel refuse a non-zero one at TX.
 */
#include <errno.h>
#include <string.h>

#include "os_channel_var.h"

#define PKT_CSUM_TX_FLAGS                                                      \
	(PACKET_CSUM_PARTIAL | PACKET_CSUM_ZERO_INVERT | PACKET_CSUM_IP |      \
	 PACKET_CSUM_TCP | PACKET_CSUM_UDP | PACKET_CSUM_TCPIPV6 |             \
	 PACKET_CSUM_UDPIPV6)
#define PKT_CSUM_RX_FLAGS                                                      \
	(PACKET_CSUM_IP_CHECKED | PACKET_CSUM_IP_VALID |                       \
	 PACKET_CSUM_DATA_VALID | PACKET_CSUM_PSEUDO_HDR)
#define PKT_CSUM_TSO_FLAGS (PACKET_CSUM_TSO_IPV4 | PACKET_CSUM_TSO_IPV6)
#define PKT_CSUM_FLAGS                                                         \
	(PKT_CSUM_TX_FLAGS | PKT_CSUM_RX_FLAGS | PKT_CSUM_TSO_FLAGS)

static struct __user_quantum *
pk_qum(packet_t ph)
{
	return QUM_ADDR(ph);
}

/* The handle must be a PACKET: its fields lie past a quantum's end. */
static struct __user_packet *
pk_pkt(packet_t ph)
{
	if (__improbable(SK_PTR_TYPE(ph) != NEXUS_META_TYPE_PACKET))
		SK_ABORT_WITH_CAUSE("packet-only call on a quantum", ph);
	return PKT_ADDR(ph);
}

static void
pk_flag_set(packet_t ph, uint64_t f)
{
	pk_pkt(ph)->pkt_pflags |= f;
}

static void
pk_flag_clear(packet_t ph, uint64_t f)
{
	pk_pkt(ph)->pkt_pflags &= ~f;
}

static boolean_t
pk_flag_get(packet_t ph, uint64_t f)
{
	return (pk_pkt(ph)->pkt_pflags & f) != 0;
}

/* ------------------------------------------------------------------ */
/* Link layer                                                          */
/* ------------------------------------------------------------------ */

int
os_packet_set_headroom(const packet_t ph, const uint8_t headroom)
{
	struct __user_packet *p = pk_pkt(ph);

	if (headroom >= p->pkt_qum_buf.buf_dlim)
		return ERANGE;
	p->pkt_headroom = headroom;
	return 0;
}

uint8_t
os_packet_get_headroom(const packet_t ph)
{
	return pk_pkt(ph)->pkt_headroom;
}

int
os_packet_set_link_header_length(const packet_t ph, const uint8_t len)
{
	pk_pkt(ph)->pkt_l2_len = len;
	return 0;
}

uint8_t
os_packet_get_link_header_length(const packet_t ph)
{
	return pk_pkt(ph)->pkt_l2_len;
}

static int
pk_linkf_set(packet_t ph, uint16_t f)
{
	pk_pkt(ph)->pkt_link_flags |= f;
	return 0;
}

static boolean_t
pk_linkf_get(packet_t ph, uint16_t f)
{
	return (pk_pkt(ph)->pkt_link_flags & f) != 0;
}

int
os_packet_set_link_broadcast(const packet_t ph)
{
	return pk_linkf_set(ph, PKT_LINKF_BCAST);
}

boolean_t
os_packet_get_link_broadcast(const packet_t ph)
{
	return pk_linkf_get(ph, PKT_LINKF_BCAST);
}

int
os_packet_set_link_multicast(const packet_t ph)
{
	return pk_linkf_set(ph, PKT_LINKF_MCAST);
}

boolean_t
os_packet_get_link_multicast(const packet_t ph)
{
	return pk_linkf_get(ph, PKT_LINKF_MCAST);
}

int
os_packet_set_link_ethfcs(const packet_t ph)
{
	return pk_linkf_set(ph, PKT_LINKF_ETHFCS);
}

boolean_t
os_packet_get_link_ethfcs(const packet_t ph)
{
	return pk_linkf_get(ph, PKT_LINKF_ETHFCS);
}

/* ------------------------------------------------------------------ */
/* Transport hints and packet flags                                    */
/* ------------------------------------------------------------------ */

int
os_packet_set_transport_traffic_background(const packet_t ph)
{
	pk_flag_set(ph, PKT_F_BACKGROUND);
	return 0;
}

boolean_t
os_packet_get_transport_traffic_background(const packet_t ph)
{
	return pk_flag_get(ph, PKT_F_BACKGROUND);
}

int
os_packet_set_transport_traffic_realtime(const packet_t ph)
{
	pk_flag_set(ph, PKT_F_REALTIME);
	return 0;
}

boolean_t
os_packet_get_transport_traffic_realtime(const packet_t ph)
{
	return pk_flag_get(ph, PKT_F_REALTIME);
}

int
os_packet_set_transport_retransmit(const packet_t ph)
{
	pk_flag_set(ph, PKT_F_REXMT);
	return 0;
}

boolean_t
os_packet_get_transport_retransmit(const packet_t ph)
{
	return pk_flag_get(ph, PKT_F_REXMT);
}

int
os_packet_set_transport_last_packet(const packet_t ph)
{
	pk_flag_set(ph, PKT_F_LAST_PKT);
	return 0;
}

void
os_packet_set_group_start(const packet_t ph)
{
	pk_flag_set(ph, PKT_F_OPT_GROUP_START);
}

boolean_t
os_packet_get_group_start(const packet_t ph)
{
	return pk_flag_get(ph, PKT_F_OPT_GROUP_START);
}

void
os_packet_set_group_end(const packet_t ph)
{
	pk_flag_set(ph, PKT_F_OPT_GROUP_END);
}

boolean_t
os_packet_get_group_end(const packet_t ph)
{
	return pk_flag_get(ph, PKT_F_OPT_GROUP_END);
}

boolean_t
os_packet_get_wake_flag(const packet_t ph)
{
	return pk_flag_get(ph, PKT_F_WAKE_PKT);
}

boolean_t
os_packet_get_keep_alive(const packet_t ph)
{
	return pk_flag_get(ph, PKT_F_KEEPALIVE);
}

void
os_packet_set_keep_alive(const packet_t ph, const boolean_t is_keep_alive)
{
	if (is_keep_alive)
		pk_flag_set(ph, PKT_F_KEEPALIVE);
	else
		pk_flag_clear(ph, PKT_F_KEEPALIVE);
}

boolean_t
os_packet_get_truncated(const packet_t ph)
{
	return pk_flag_get(ph, PKT_F_TRUNCATED);
}

void
os_packet_set_l4s_flag(const packet_t ph)
{
	pk_flag_set(ph, PKT_F_L4S);
}

/* ------------------------------------------------------------------ */
/* Service and traffic class (quantum and packet)                      */
/* ------------------------------------------------------------------ */

static int
pk_sc_valid(uint32_t sc)
{
	switch (sc) {
	case PKT_SC_BK_SYS:
	case PKT_SC_BK:
	case PKT_SC_BE:
	case PKT_SC_RD:
	case PKT_SC_OAM:
	case PKT_SC_AV:
	case PKT_SC_RV:
	case PKT_SC_VI:
	case PKT_SC_SIG:
	case PKT_SC_VO:
	case PKT_SC_CTL:
		return 1;
	}
	return 0;
}

int
os_packet_set_service_class(const packet_t ph, const packet_svc_class_t sc)
{
	if (!pk_sc_valid((uint32_t)sc))
		return EINVAL;
	pk_qum(ph)->qum_svc_class = (uint32_t)sc;
	return 0;
}

packet_svc_class_t
os_packet_get_service_class(const packet_t ph)
{
	uint32_t sc = pk_qum(ph)->qum_svc_class;

	/* whatever else is stored (zero pages, kernel-only values) is BE */
	return pk_sc_valid(sc) ? (packet_svc_class_t)sc : PKT_SC_BE;
}

int
os_packet_set_traffic_class(const packet_t ph, packet_traffic_class_t tc)
{
	packet_svc_class_t sc;

	switch (PKT_TC2SCVAL((uint32_t)tc)) {
	case PKT_SCVAL(PKT_SC_BK):
		sc = PKT_SC_BK;
		break;
	case PKT_SCVAL(PKT_SC_VI):
		sc = PKT_SC_VI;
		break;
	case PKT_SCVAL(PKT_SC_VO):
		sc = PKT_SC_VO;
		break;
	default:
		sc = PKT_SC_BE;
		break;
	}
	return os_packet_set_service_class(ph, sc);
}

packet_traffic_class_t
os_packet_get_traffic_class(const packet_t ph)
{
	return (packet_traffic_class_t)PKT_SC2TC(
	    (uint32_t)os_packet_get_service_class(ph));
}

/* ------------------------------------------------------------------ */
/* Checksum and segmentation offload                                   */
/* ------------------------------------------------------------------ */

int
os_packet_set_inet_checksum(const packet_t ph, const packet_csum_flags_t flags,
			    const uint16_t start, const uint16_t stuff)
{
	struct __user_packet *p = pk_pkt(ph);

	p->pkt_csum_flags = flags & PKT_CSUM_FLAGS;
	p->pkt_csum_tx_start_off = start;
	p->pkt_csum_tx_stuff_off = stuff;
	return 0;
}

void
os_packet_add_inet_csum_flags(const packet_t ph,
			      const packet_csum_flags_t flags)
{
	pk_pkt(ph)->pkt_csum_flags |= flags & PKT_CSUM_FLAGS;
}

/* RX view: start offset and, with PARTIAL, the partial sum found. */
packet_csum_flags_t
os_packet_get_inet_checksum(const packet_t ph, uint16_t *start, uint16_t *val)
{
	struct __user_packet *p = pk_pkt(ph);

	if (start != NULL)
		*start = p->pkt_csum_rx_start_off;
	if (val != NULL)
		*val = p->pkt_csum_rx_value;
	return p->pkt_csum_flags & PKT_CSUM_FLAGS;
}

void
os_packet_set_tso_flags(const packet_t ph, packet_tso_flags_t flags)
{
	pk_pkt(ph)->pkt_csum_flags |= flags & PKT_CSUM_TSO_FLAGS;
}

int
os_packet_set_protocol_segment_size(const packet_t ph, const uint16_t sz)
{
	pk_pkt(ph)->pkt_proto_seg_sz = sz;
	return 0;
}

uint32_t
os_packet_get_segment_count(const packet_t ph)
{
	return pk_pkt(ph)->pkt_seg_cnt;
}

uint8_t
os_packet_get_aggregation_type(const packet_t ph)
{
	return pk_pkt(ph)->pkt_aggr_type;
}

int
os_packet_set_compression_generation_count(const packet_t ph,
					   const uint32_t gencnt)
{
	pk_pkt(ph)->pkt_comp_gencnt = gencnt;
	return 0;
}

int
os_packet_get_compression_generation_count(const packet_t ph, uint32_t *gencnt)
{
	struct __user_packet *p = pk_pkt(ph);

	if (gencnt == NULL)
		return EINVAL;
	if (p->pkt_comp_gencnt == 0)
		return ENOENT;
	*gencnt = p->pkt_comp_gencnt;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Optional fields                                                     */
/* ------------------------------------------------------------------ */

/* The optional area of a packet, if flag says the field is there. */
static struct __packet_opt_com *
pk_opt_if(packet_t ph, uint64_t flag)
{
	struct __user_packet *p = pk_pkt(ph);

	return (p->pkt_pflags & flag) ? &p->pkt_com_opt.__pkt_opt_com : NULL;
}

static struct __packet_opt_com *
pk_opt(packet_t ph)
{
	return &pk_pkt(ph)->pkt_com_opt.__pkt_opt_com;
}

int
os_packet_set_expire_time(const packet_t ph, const uint64_t ts)
{
	pk_opt(ph)->__expire_ts = ts;
	if (ts != 0)
		pk_flag_set(ph, PKT_F_OPT_EXPIRE_TS);
	else
		pk_flag_clear(ph, PKT_F_OPT_EXPIRE_TS);
	return 0;
}

int
os_packet_get_expire_time(const packet_t ph, uint64_t *ts)
{
	struct __packet_opt_com *po = pk_opt_if(ph, PKT_F_OPT_EXPIRE_TS);

	if (ts == NULL)
		return EINVAL;
	if (po == NULL)
		return ENOENT;
	*ts = po->__expire_ts;
	return 0;
}

int
os_packet_set_expiry_action(const packet_t ph, const packet_expiry_action_t act)
{
	pk_opt(ph)->__expiry_action = (uint8_t)act;
	if (act != PACKET_EXPIRY_ACTION_NONE)
		pk_flag_set(ph, PKT_F_OPT_EXP_ACTION);
	else
		pk_flag_clear(ph, PKT_F_OPT_EXP_ACTION);
	return 0;
}

int
os_packet_get_expiry_action(const packet_t ph, packet_expiry_action_t *act)
{
	struct __packet_opt_com *po = pk_opt_if(ph, PKT_F_OPT_EXP_ACTION);

	if (act == NULL)
		return EINVAL;
	if (po == NULL)
		return ENOENT;
	*act = (packet_expiry_action_t)po->__expiry_action;
	return 0;
}

/* Store a token of one type; length 0 removes whatever token was set. */
static int
pk_token_set(packet_t ph, const void *tok, uint16_t len, uint8_t type)
{
	struct __packet_opt_com *po = pk_opt(ph);

	if (len > PKT_OPT_MAX_TOKEN_SIZE || (len != 0 && tok == NULL))
		return EINVAL;
	memset(po->__token, 0, sizeof(po->__token));
	po->__token_len = len;
	po->__token_type = len != 0 ? type : 0;
	if (len == 0) {
		pk_flag_clear(ph, PKT_F_OPT_TOKEN);
		return 0;
	}
	memcpy(po->__token, tok, len);
	pk_flag_set(ph, PKT_F_OPT_TOKEN);
	return 0;
}

/* The stored token if it is of this type, else NULL (ENOENT). */
static const struct __packet_opt_com *
pk_token_get(packet_t ph, uint8_t type)
{
	const struct __packet_opt_com *po = pk_opt_if(ph, PKT_F_OPT_TOKEN);

	return po != NULL && po->__token_type == type ? po : NULL;
}

int
os_packet_set_token(const packet_t ph, const void *token, const uint16_t len)
{
	return pk_token_set(ph, token, len, PKT_OPT_TOKEN_TYPE_OPAQUE);
}

int
os_packet_get_token(const packet_t ph, void *token, uint16_t *len)
{
	const struct __packet_opt_com *po;

	if (token == NULL || len == NULL)
		return EINVAL;
	if ((po = pk_token_get(ph, PKT_OPT_TOKEN_TYPE_OPAQUE)) == NULL)
		return ENOENT;
	if (*len < po->__token_len)
		return EINVAL;
	memcpy(token, po->__token, po->__token_len);
	*len = po->__token_len;
	return 0;
}

int
os_packet_set_packetid(const packet_t ph, packet_id_t *pktid)
{
	if (pktid == NULL)
		return EINVAL;
	return pk_token_set(ph, pktid, sizeof(*pktid),
			    PKT_OPT_TOKEN_TYPE_PACKET_ID);
}

int
os_packet_get_packetid(const packet_t ph, packet_id_t *pktid)
{
	const struct __packet_opt_com *po;

	if (pktid == NULL)
		return EINVAL;
	if ((po = pk_token_get(ph, PKT_OPT_TOKEN_TYPE_PACKET_ID)) == NULL)
		return ENOENT;
	memcpy(pktid, po->__token, sizeof(*pktid));
	return 0;
}

int
os_packet_set_vlan_tag(const packet_t ph, const uint16_t tag,
		       const boolean_t tag_in_pkt)
{
	pk_opt(ph)->__vlan_tag = tag;
	pk_flag_set(ph, PKT_F_OPT_VLTAG);
	if (tag_in_pkt)
		pk_flag_set(ph, PKT_F_OPT_VLTAG_IN_PKT);
	else
		pk_flag_clear(ph, PKT_F_OPT_VLTAG_IN_PKT);
	return 0;
}

int
os_packet_get_vlan_tag(const packet_t ph, uint16_t *tag, boolean_t *tag_in_pkt)
{
	struct __packet_opt_com *po = pk_opt_if(ph, PKT_F_OPT_VLTAG);

	if (tag == NULL)
		return EINVAL;
	if (po == NULL)
		return ENOENT;
	*tag = po->__vlan_tag;
	if (tag_in_pkt != NULL)
		*tag_in_pkt = pk_flag_get(ph, PKT_F_OPT_VLTAG_IN_PKT);
	return 0;
}

/* 802.1Q TCI: priority in bits 13-15, VLAN id in bits 0-11. */
uint16_t
os_packet_get_vlan_id(const uint16_t tag)
{
	return tag & 0x0fff;
}

uint8_t
os_packet_get_vlan_priority(const uint16_t tag)
{
	return (uint8_t)((tag >> 13) & 0x7);
}

int
os_packet_set_app_metadata(const packet_t ph,
			   const packet_app_metadata_type_t type,
			   const uint8_t md)
{
	struct __packet_opt_com *po = pk_opt(ph);

	if (type < PACKET_APP_METADATA_TYPE_MIN ||
	    type > PACKET_APP_METADATA_TYPE_MAX)
		return EINVAL;
	po->__app_type = type;
	po->__app_metadata = md;
	pk_flag_set(ph, PKT_F_OPT_APP_METADATA);
	return 0;
}

void
os_packet_set_tx_timestamp(const packet_t ph, const uint64_t ts)
{
	pk_opt(ph)->__pkt_tx_time = ts;
	pk_flag_set(ph, PKT_F_OPT_TX_TIMESTAMP);
}

/* ------------------------------------------------------------------ */
/* Flow id, length, use count, tracing (quantum and packet)            */
/* ------------------------------------------------------------------ */

void
os_packet_set_flow_uuid(const packet_t ph, const uuid_t flow_uuid)
{
	memcpy(pk_qum(ph)->qum_flow_id, flow_uuid, sizeof(uuid_t));
}

void
os_packet_get_flow_uuid(const packet_t ph, uuid_t *flow_uuid)
{
	memcpy(*flow_uuid, pk_qum(ph)->qum_flow_id, sizeof(uuid_t));
}

void
os_packet_clear_flow_uuid(const packet_t ph)
{
	memset(pk_qum(ph)->qum_flow_id, 0, sizeof(uuid_t));
}

/* As last finalized (TX) or received (RX). */
uint32_t
os_packet_get_data_length(const packet_t ph)
{
	return pk_qum(ph)->qum_len;
}

int
os_packet_increment_use_count(const packet_t ph)
{
	struct __user_quantum *q = pk_qum(ph);

	if (q->qum_usecnt == UINT16_MAX)
		return ERANGE;
	q->qum_usecnt++;
	return 0;
}

int
os_packet_decrement_use_count(const packet_t ph, uint16_t *use_cnt)
{
	struct __user_quantum *q = pk_qum(ph);

	if (q->qum_usecnt == 0)
		return ERANGE;
	q->qum_usecnt--;
	if (use_cnt != NULL)
		*use_cnt = q->qum_usecnt;
	return 0;
}

packet_trace_id_t
os_packet_get_trace_id(const packet_t ph)
{
	return pk_pkt(ph)->pkt_trace_id;
}

void
os_packet_set_trace_id(const packet_t ph, packet_trace_id_t id)
{
	pk_pkt(ph)->pkt_trace_id = id;
}

/* Darwin emits a kdebug event; Linux has no such facility: a no-op. */
void
os_packet_trace_event(const packet_t ph, uint32_t event)
{
	(void)pk_pkt(ph);
	(void)event;
}

/* ------------------------------------------------------------------ */
/* Buflets                                                             */
/* ------------------------------------------------------------------ */

uint32_t
os_packet_get_buflet_count(const packet_t ph)
{
	uint16_t n;

	if (SK_PTR_TYPE(ph) != NEXUS_META_TYPE_PACKET)
		return 1;
	/* a defunct channel's zero page still has its inline buflet */
	n = PKT_ADDR(ph)->pkt_bufs_cnt;
	return n != 0 ? n : 1;
}

/*
 * The buflet linked after b: the index says whether there is one (the
 * address word may hold anything when there is not), the address where
 * it is in this process, as filled in when the library handed the
 * packet out (slot walk, pool allocation) or add_buflet linked it.
 */
static buflet_t
pk_buflet_after(const struct __user_buflet *b)
{
	if (b->buf_nbft_idx == OBJ_IDX_NONE)
		return NULL;
	return (buflet_t)(uintptr_t)b->buf_nbft_addr;
}

/* NULL bprev: the inline buflet, or the chain it leads to when empty. */
buflet_t
os_packet_get_next_buflet(const packet_t ph, const buflet_t bprev)
{
	struct __user_buflet *b0 = &pk_qum(ph)->qum_buf[0];

	if (SK_PTR_TYPE(ph) != NEXUS_META_TYPE_PACKET)
		return bprev == NULL ? b0 : NULL;
	if (bprev != NULL)
		return pk_buflet_after(bprev);
	if (b0->buf_idx == OBJ_IDX_NONE)
		return pk_buflet_after(b0);
	return b0;
}

/*
 * Link bnew after bprev (or as the first external buflet of a packet
 * whose inline buflet is empty, when bprev is NULL).
 */
int
os_packet_add_buflet(const packet_t ph, const buflet_t bprev,
		     const buflet_t bnew)
{
	struct __user_packet *p = pk_pkt(ph);
	struct __user_buflet *link = bprev != NULL ? bprev : &p->pkt_qum_buf;

	if (bnew == NULL || bnew == bprev ||
	    p->pkt_bufs_cnt >= p->pkt_bufs_max ||
	    (bprev == NULL && p->pkt_bufs_cnt != 0))
		return EINVAL;
	CH_STORE(link->buf_nbft_idx, bnew->buf_bft_idx_reg);
	CH_STORE(link->buf_nbft_addr, (mach_vm_address_t)(uintptr_t)bnew);
	CH_STORE(bnew->buf_nbft_idx, OBJ_IDX_NONE);
	CH_STORE(bnew->buf_nbft_addr, 0);
	CH_STORE(p->pkt_bufs_cnt, p->pkt_bufs_cnt + 1);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Finalize                                                            */
/* ------------------------------------------------------------------ */

/* Sum of the buflets' data lengths; ERANGE if one overflows its buffer. */
static int
pk_sum_buflets(packet_t ph, uint32_t *len)
{
	uint32_t n = os_packet_get_buflet_count(ph);
	struct __user_buflet *b = NULL;

	*len = 0;
	while (n-- > 0) {
		b = os_packet_get_next_buflet(ph, b);
		if (b == NULL || !BUF_IN_RANGE(b))
			return ERANGE;
		*len += b->buf_dlen;
	}
	return 0;
}

/* Packet-only rules: headroom from the first buflet, per subtype. */
static int
pk_finalize_packet(packet_t ph)
{
	struct __user_packet *p = PKT_ADDR(ph);
	uint32_t doff = os_packet_get_next_buflet(ph, NULL)->buf_doff;

	if (doff > UINT8_MAX)
		return ERANGE;
	p->pkt_headroom = (uint8_t)doff;
	if (SK_PTR_SUBTYPE(ph) == NEXUS_META_SUBTYPE_RAW)
		p->pkt_l2_len = 0; /* the kernel works it out again */
	else if (p->pkt_headroom != 0 || p->pkt_l2_len != 0)
		return ERANGE;
	if ((p->pkt_pflags & PKT_F_OPT_EXPIRE_TS) &&
	    p->pkt_com_opt.__po_expire_ts == 0)
		return EINVAL;
	if ((p->pkt_pflags & PKT_F_OPT_TOKEN) &&
	    p->pkt_com_opt.__po_token_len == 0)
		return EINVAL;
	return 0;
}

int
os_packet_finalize(const packet_t ph)
{
	struct __user_quantum *q = pk_qum(ph);
	uint32_t len = 0;
	int err;

	q->qum_qflags &= ~(QUM_F_FINALIZED | QUM_F_DROPPED);
	err = pk_sum_buflets(ph, &len);
	if (err == 0 && SK_PTR_TYPE(ph) == NEXUS_META_TYPE_PACKET)
		err = pk_finalize_packet(ph);
	if (err != 0) {
		q->qum_len = 0;
		q->qum_qflags |= QUM_F_DROPPED;
		return err;
	}
	q->qum_len = len;
	q->qum_qflags |= QUM_F_FINALIZED;
	return 0;
}

/*
 * Buflet accessors.  The setters do not range-check (finalize and the
 * kernel do); the data address is the start of the buffer, not + doff.
 */
int
os_buflet_set_data_offset(const buflet_t b, const uint32_t doff)
{
	b->buf_doff = doff;
	return 0;
}

uint32_t
os_buflet_get_data_offset(const buflet_t b)
{
	return b->buf_doff;
}

int
os_buflet_set_data_length(const buflet_t b, const uint32_t dlen)
{
	b->buf_dlen = dlen;
	return 0;
}

uint32_t
os_buflet_get_data_length(const buflet_t b)
{
	return b->buf_dlen;
}

void *
os_buflet_get_object_address(const buflet_t b)
{
	return (void *)(uintptr_t)b->buf_addr;
}

uint32_t
os_buflet_get_object_limit(const buflet_t b)
{
	return b->buf_dlim;
}

void *
os_buflet_get_data_address(const buflet_t b)
{
	return (void *)(uintptr_t)b->buf_addr;
}

uint32_t
os_buflet_get_data_limit(const buflet_t b)
{
	return b->buf_dlim;
}
