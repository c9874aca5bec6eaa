/*
 * kern_packet.c - the packet KPI: pools, packets and buflets as a
 * provider sees them (XNU kern_packet.c / packet_common.h semantics).
 *
 * Theory of operation
 *
 * A handle is the address of a struct kern_packet in the pool's
 * malloc'd metadata array, tagged with the pool's metadata type and
 * subtype (pp_handle()).  Everything here works on that kernel copy
 * only; the process's copy is written from it at RX finalize and read
 * into it at TX internalize (kring.c), so nothing a provider does here
 * is visible before the kernel publishes the slot.
 *
 * Packet-only accessors (headroom, link header, checksum, link flags)
 * return EINVAL on a QUANTUM handle, and the headroom/link-header ones
 * also on a PAYLOAD packet: XNU traps on DEBUG kernels and skips the
 * check on release ones; an error is the kinder middle.  Getters return
 * 0 for what the type does not carry.
 *
 * Handles come from kernel code and are trusted (not validated).
 */
#include <errno.h>
#include <string.h>

#include "kern_channel.h"

#define KP_CSUM_VALID   (PACKET_CSUM_PARTIAL | PACKET_CSUM_ZERO_INVERT | \
	PACKET_CSUM_IP | PACKET_CSUM_TCP | PACKET_CSUM_UDP |            \
	PACKET_CSUM_TCPIPV6 | PACKET_CSUM_UDPIPV6 | PACKET_CSUM_IP_CHECKED | \
	PACKET_CSUM_IP_VALID | PACKET_CSUM_DATA_VALID |                 \
	PACKET_CSUM_PSEUDO_HDR | PACKET_CSUM_TSO_IPV4 | PACKET_CSUM_TSO_IPV6)

static inline struct kern_packet *
kp_of(kern_packet_t ph)
{
	return SK_PTR_ADDR_KPKT(ph);
}

static inline bool
kp_is_packet(kern_packet_t ph)
{
	return SK_PTR_TYPE(ph) == NEXUS_META_TYPE_PACKET;
}

static inline bool
kp_is_raw(kern_packet_t ph)
{
	return kp_is_packet(ph) &&
	    SK_PTR_SUBTYPE(ph) == NEXUS_META_SUBTYPE_RAW;
}

/* ---- pools ------------------------------------------------------------------ */

/* One buflet per packet: bufcnt 0 (default) or 1. */
errno_t
kern_pbufpool_alloc(const kern_pbufpool_t pp, const uint32_t bufcnt,
    kern_packet_t *packet)
{
	obj_idx_t idx;

	if (pp == NULL || packet == NULL || bufcnt > 1)
		return EINVAL;
	idx = pp_alloc(pp);
	if (idx == OBJ_IDX_NONE)
		return ENOMEM;
	*packet = pp_handle(pp, idx);
	return 0;
}

/* Nothing here ever sleeps: same as kern_pbufpool_alloc. */
errno_t
kern_pbufpool_alloc_nosleep(const kern_pbufpool_t pp, const uint32_t bufcnt,
    kern_packet_t *packet)
{
	return kern_pbufpool_alloc(pp, bufcnt, packet);
}

void
kern_pbufpool_free(const kern_pbufpool_t pp, kern_packet_t ph)
{
	struct kern_quantum *kq = SK_PTR_ADDR_KQUM(ph);

	SK_VERIFY(kq->kq_pp == pp);
	pp_free(pp, kq->kq_idx);
}

uint32_t
kern_pbufpool_get_free_count(const kern_pbufpool_t pp)
{
	return pp->pp_nfree;
}

/* ---- packets: identity, length, finalize ------------------------------------ */

nexus_meta_type_t
kern_packet_get_metadata_type(const kern_packet_t ph)
{
	return (nexus_meta_type_t)SK_PTR_TYPE(ph);
}

nexus_meta_subtype_t
kern_packet_get_metadata_subtype(const kern_packet_t ph)
{
	return (nexus_meta_subtype_t)SK_PTR_SUBTYPE(ph);
}

kern_packet_idx_t
kern_packet_get_object_index(const kern_packet_t ph)
{
	return SK_PTR_ADDR_KQUM(ph)->kq_idx;
}

uint32_t
kern_packet_get_data_length(const kern_packet_t ph)
{
	return SK_PTR_ADDR_KQUM(ph)->kq_len;
}

uint16_t
kern_packet_get_buflet_count(const kern_packet_t ph)
{
	return kp_is_packet(ph) ? kp_of(ph)->kp_bufs_cnt : 1;
}

/* NULL: the first (inline) buflet; then the packet's external chain
 * (user packet pools: upp.c links it at TX). */
kern_buflet_t
kern_packet_get_next_buflet(const kern_packet_t ph, const kern_buflet_t bprev)
{
	const struct kern_quantum *kq = SK_PTR_ADDR_KQUM(ph);

	if (bprev == NULL)
		return __DECONST(kern_buflet_t, &kq->kq_buf);
	if (bprev->kb_nidx == OBJ_IDX_NONE)
		return NULL;
	return pp_kbft(kq->kq_pp, bprev->kb_nidx);
}

boolean_t
kern_packet_is_finalized(const kern_packet_t ph)
{
	return (SK_PTR_ADDR_KQUM(ph)->kq_qflags & QUM_F_FINALIZED) != 0;
}

/* Packet rules of finalize: headroom from the offset, type's L2 rules. */
static errno_t
kp_finalize_packet(struct kern_packet *kp, nexus_meta_subtype_t subtype)
{
	const struct kern_buflet *kb = &kp->kp_qum.kq_buf;
	uint64_t pf = kp->kp_com.__p_flags;

	if (kb->kb_doff > UINT8_MAX)
		return ERANGE;
	kp->kp_com.__p_headroom = (uint8_t)kb->kb_doff;
	if (subtype == NEXUS_META_SUBTYPE_RAW &&
	    (uint32_t)kp->kp_com.__p_headroom + kp->kp_com.__p_l2_len >=
	    kb->kb_dlim)
		return ERANGE;
	if (subtype == NEXUS_META_SUBTYPE_PAYLOAD &&
	    (kp->kp_com.__p_headroom != 0 || kp->kp_com.__p_l2_len != 0))
		return ERANGE;
	if (((pf & PKT_F_OPT_EXPIRE_TS) && kp->kp_opt.__po_expire_ts == 0) ||
	    ((pf & PKT_F_OPT_TOKEN) && kp->kp_opt.__po_token_len == 0))
		return EINVAL;
	return 0;
}

/*
 * Length = the buflet's data length, once every rule holds; otherwise
 * the packet is marked dropped with length 0 (a TX slot carrying it is
 * then skipped, as XNU does).
 */
errno_t
kern_packet_finalize(const kern_packet_t ph)
{
	struct kern_quantum *kq = SK_PTR_ADDR_KQUM(ph);
	const struct kern_buflet *kb = &kq->kq_buf;
	errno_t err = 0;

	kq->kq_qflags &= (uint16_t)~(QUM_F_FINALIZED | QUM_F_DROPPED);
	if ((uint64_t)kb->kb_doff + kb->kb_dlen > kb->kb_dlim)
		err = ERANGE;
	else if (kp_is_packet(ph))
		err = kp_finalize_packet(kp_of(ph),
		    (nexus_meta_subtype_t)SK_PTR_SUBTYPE(ph));
	if (err != 0) {
		kq->kq_len = 0;
		kq->kq_qflags |= QUM_F_DROPPED;
		return err;
	}
	kq->kq_len = kb->kb_dlen;
	kq->kq_qflags |= QUM_F_FINALIZED;
	return 0;
}

/* Bytes [offset, offset + len) of the packet's data. */
errno_t
kern_packet_copy_bytes(const kern_packet_t ph, size_t offset, size_t len,
    void *out_data)
{
	const struct kern_quantum *kq = SK_PTR_ADDR_KQUM(ph);
	const struct kern_buflet *kb = &kq->kq_buf;

	if (out_data == NULL || offset > kq->kq_len ||
	    len > kq->kq_len - offset)
		return EINVAL;
	memcpy(out_data, kb->kb_addr + kb->kb_doff + offset, len);
	return 0;
}

/* ---- packets: link layer ---------------------------------------------------- */

/* Headroom must leave room in the buffer (XNU: below the first limit). */
errno_t
kern_packet_set_headroom(const kern_packet_t ph, const uint8_t headroom)
{
	if (!kp_is_raw(ph))
		return EINVAL;
	if (headroom >= kp_of(ph)->kp_qum.kq_buf.kb_dlim)
		return ERANGE;
	kp_of(ph)->kp_com.__p_headroom = headroom;
	return 0;
}

uint8_t
kern_packet_get_headroom(const kern_packet_t ph)
{
	return kp_is_raw(ph) ? kp_of(ph)->kp_com.__p_headroom : 0;
}

errno_t
kern_packet_set_link_header_length(const kern_packet_t ph, const uint8_t len)
{
	if (!kp_is_raw(ph))
		return EINVAL;
	kp_of(ph)->kp_com.__p_l2_len = len;
	return 0;
}

uint8_t
kern_packet_get_link_header_length(const kern_packet_t ph)
{
	return kp_is_raw(ph) ? kp_of(ph)->kp_com.__p_l2_len : 0;
}

static errno_t
kp_set_linkf(kern_packet_t ph, uint16_t f)
{
	if (!kp_is_packet(ph))
		return EINVAL;
	kp_of(ph)->kp_com.__p_link_flags |= f;
	return 0;
}

static boolean_t
kp_get_linkf(kern_packet_t ph, uint16_t f)
{
	return kp_is_packet(ph) && (kp_of(ph)->kp_com.__p_link_flags & f);
}

errno_t
kern_packet_set_link_broadcast(const kern_packet_t ph)
{
	return kp_set_linkf(ph, PKT_LINKF_BCAST);
}

boolean_t
kern_packet_get_link_broadcast(const kern_packet_t ph)
{
	return kp_get_linkf(ph, PKT_LINKF_BCAST);
}

errno_t
kern_packet_set_link_multicast(const kern_packet_t ph)
{
	return kp_set_linkf(ph, PKT_LINKF_MCAST);
}

boolean_t
kern_packet_get_link_multicast(const kern_packet_t ph)
{
	return kp_get_linkf(ph, PKT_LINKF_MCAST);
}

errno_t
kern_packet_set_link_ethfcs(const kern_packet_t ph)
{
	return kp_set_linkf(ph, PKT_LINKF_ETHFCS);
}

boolean_t
kern_packet_get_link_ethfcs(const kern_packet_t ph)
{
	return kp_get_linkf(ph, PKT_LINKF_ETHFCS);
}

/* ---- packets: classification and tracing ------------------------------------ */

static bool
kp_svc_valid(kern_packet_svc_class_t svc)
{
	switch (svc) {
	case KPKT_SC_BK_SYS: case KPKT_SC_BK: case KPKT_SC_BE:
	case KPKT_SC_RD: case KPKT_SC_OAM: case KPKT_SC_AV:
	case KPKT_SC_RV: case KPKT_SC_VI: case KPKT_SC_SIG:
	case KPKT_SC_VO: case KPKT_SC_CTL:
		return true;
	default:
		return false;
	}
}

errno_t
kern_packet_set_service_class(const kern_packet_t ph,
    const kern_packet_svc_class_t svc)
{
	if (!kp_svc_valid(svc))
		return EINVAL;
	SK_PTR_ADDR_KQUM(ph)->kq_svc_class = (uint32_t)svc;
	return 0;
}

/* A stored value that is no class (a process wrote it) reads as BE. */
kern_packet_svc_class_t
kern_packet_get_service_class(const kern_packet_t ph)
{
	kern_packet_svc_class_t svc =
	    (kern_packet_svc_class_t)SK_PTR_ADDR_KQUM(ph)->kq_svc_class;

	return kp_svc_valid(svc) ? svc : KPKT_SC_BE;
}

void
kern_packet_set_flow_uuid(const kern_packet_t ph, const uuid_t flow_uuid)
{
	uuid_copy(SK_PTR_ADDR_KQUM(ph)->kq_flow_id, flow_uuid);
}

void
kern_packet_get_flow_uuid(const kern_packet_t ph, uuid_t *flow_uuid)
{
	uuid_copy(*flow_uuid, SK_PTR_ADDR_KQUM(ph)->kq_flow_id);
}

void
kern_packet_clear_flow_uuid(const kern_packet_t ph)
{
	uuid_clear(SK_PTR_ADDR_KQUM(ph)->kq_flow_id);
}

errno_t
kern_packet_set_flowid(const kern_packet_t ph, packet_flowid_t id)
{
	kp_of(ph)->kp_flowid = id;
	return 0;
}

errno_t
kern_packet_get_flowid(const kern_packet_t ph, packet_flowid_t *id)
{
	if (id == NULL)
		return EINVAL;
	*id = kp_of(ph)->kp_flowid;
	return 0;
}

errno_t
kern_packet_set_trace_id(const kern_packet_t ph, packet_trace_id_t id)
{
	if (!kp_is_packet(ph))
		return EINVAL;
	kp_of(ph)->kp_com.__p_trace_id = id;
	return 0;
}

packet_trace_id_t
kern_packet_get_trace_id(const kern_packet_t ph)
{
	return kp_is_packet(ph) ? kp_of(ph)->kp_com.__p_trace_id : 0;
}

/* ---- packets: checksum, flags, time ----------------------------------------- */

/* TX: start and stuff offsets; RX: start offset and the sum found. */
errno_t
kern_packet_set_inet_checksum(const kern_packet_t ph,
    const packet_csum_flags_t flags, const uint16_t start,
    const uint16_t stuff_val, boolean_t tx)
{
	struct __packet *pc;

	if (!kp_is_packet(ph))
		return EINVAL;
	pc = &kp_of(ph)->kp_com;
	pc->__p_csum_flags = flags & KP_CSUM_VALID;
	if (tx) {
		pc->__p_csum_tx.__csum_start_off = start;
		pc->__p_csum_tx.__csum_stuff_off = stuff_val;
	} else {
		pc->__p_csum_rx.__csum_start_off = start;
		pc->__p_csum_rx.__csum_value = stuff_val;
	}
	return 0;
}

packet_csum_flags_t
kern_packet_get_inet_checksum(const kern_packet_t ph, uint16_t *start,
    uint16_t *val, boolean_t tx)
{
	const struct __packet *pc;

	if (!kp_is_packet(ph))
		return 0;
	pc = &kp_of(ph)->kp_com;
	if (start != NULL)
		*start = tx ? pc->__p_csum_tx.__csum_start_off :
		    pc->__p_csum_rx.__csum_start_off;
	if (val != NULL)
		*val = tx ? pc->__p_csum_tx.__csum_stuff_off :
		    pc->__p_csum_rx.__csum_value;
	return pc->__p_csum_flags;
}

/* Only the PKT_F_* bits a process may see (os_packet_private.h). */
errno_t
kern_packet_set_packet_flags(const kern_packet_t ph, uint64_t flags)
{
	if (!kp_is_packet(ph) || (flags & ~PKT_F_USER_MASK))
		return EINVAL;
	kp_of(ph)->kp_com.__p_flags = flags;
	return 0;
}

uint64_t
kern_packet_get_packet_flags(const kern_packet_t ph)
{
	return kp_is_packet(ph) ? kp_of(ph)->kp_com.__p_flags : 0;
}

errno_t
kern_packet_set_wake_flag(const kern_packet_t ph)
{
	if (!kp_is_packet(ph))
		return EINVAL;
	kp_of(ph)->kp_com.__p_flags |= PKT_F_WAKE_PKT;
	return 0;
}

boolean_t
kern_packet_get_wake_flag(const kern_packet_t ph)
{
	return (kern_packet_get_packet_flags(ph) & PKT_F_WAKE_PKT) != 0;
}

errno_t
kern_packet_set_truncated(const kern_packet_t ph, boolean_t on)
{
	if (!kp_is_packet(ph))
		return EINVAL;
	if (on)
		kp_of(ph)->kp_com.__p_flags |= PKT_F_TRUNCATED;
	else
		kp_of(ph)->kp_com.__p_flags &= ~PKT_F_TRUNCATED;
	return 0;
}

boolean_t
kern_packet_get_truncated(const kern_packet_t ph)
{
	return (kern_packet_get_packet_flags(ph) & PKT_F_TRUNCATED) != 0;
}

errno_t
kern_packet_set_timestamp(const kern_packet_t ph, uint64_t ts, boolean_t valid)
{
	kp_of(ph)->kp_timestamp = ts;
	kp_of(ph)->kp_ts_valid = valid != 0;
	return 0;
}

/* ENOENT when no timestamp was ever set. */
errno_t
kern_packet_get_timestamp(const kern_packet_t ph, uint64_t *ts,
    boolean_t *valid)
{
	const struct kern_packet *kp = kp_of(ph);

	if (ts == NULL)
		return EINVAL;
	*ts = kp->kp_timestamp;
	if (valid != NULL)
		*valid = kp->kp_ts_valid;
	return kp->kp_timestamp == 0 && !kp->kp_ts_valid ? ENOENT : 0;
}

/* ---- buflets ---------------------------------------------------------------- */

/* The data address is the buffer's start, as for user buflets (spec 2.8). */
void *
kern_buflet_get_object_address(const kern_buflet_t buf)
{
	return buf->kb_addr;
}

uint32_t
kern_buflet_get_object_limit(const kern_buflet_t buf)
{
	return buf->kb_dlim;
}

void *
kern_buflet_get_data_address(const kern_buflet_t buf)
{
	return buf->kb_addr;
}

uint32_t
kern_buflet_get_data_limit(const kern_buflet_t buf)
{
	return buf->kb_dlim;
}

/* The kernel checks what the user library leaves to finalize. */
errno_t
kern_buflet_set_data_offset(const kern_buflet_t buf, const uint32_t doff)
{
	if (doff > buf->kb_dlim)
		return ERANGE;
	buf->kb_doff = doff;
	return 0;
}

uint32_t
kern_buflet_get_data_offset(const kern_buflet_t buf)
{
	return buf->kb_doff;
}

errno_t
kern_buflet_set_data_length(const kern_buflet_t buf, const uint32_t dlen)
{
	if ((uint64_t)buf->kb_doff + dlen > buf->kb_dlim)
		return ERANGE;
	buf->kb_dlen = dlen;
	return 0;
}

uint32_t
kern_buflet_get_data_length(const kern_buflet_t buf)
{
	return buf->kb_dlen;
}

kern_packet_idx_t
kern_buflet_get_object_index(const kern_buflet_t buf)
{
	return buf->kb_idx;
}
