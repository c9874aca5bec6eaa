/*
 * kern_packet.h - the packet half of the kernel KPI (XNU's kern_packet.h):
 * what a provider does with a kern_packet_t and its buflet.
 *
 * A kern_packet_t is the daemon address of the kernel's copy of one
 * metadata object (struct kern_packet, pp_var.h) with the metadata type
 * in bits 0-1 and the subtype in bits 2-3, exactly like a user packet_t;
 * a process never sees one.  Packets come from a pool
 * (kern_pbufpool_alloc, or the one in a slot) and have one buflet whose
 * buffer is the object's own.  Errors are positive errnos, as in XNU.
 * Included by kern_channel.h; see the provider guide there.
 */
#ifndef KERN_PACKET_H
#define KERN_PACKET_H

#include "pp_var.h"

typedef struct kern_pbufpool *kern_pbufpool_t;
typedef uint64_t kern_packet_t;
typedef struct kern_buflet *kern_buflet_t;
typedef uint32_t kern_packet_idx_t;

/* XNU kern_packet_svc_class_t: the PKT_SC_* values, plus "unset". */
typedef enum {
	KPKT_SC_UNSPEC = -1,
	KPKT_SC_BK_SYS = PKT_SC_BK_SYS,
	KPKT_SC_BK = PKT_SC_BK,
	KPKT_SC_BE = PKT_SC_BE,
	KPKT_SC_RD = PKT_SC_RD,
	KPKT_SC_OAM = PKT_SC_OAM,
	KPKT_SC_AV = PKT_SC_AV,
	KPKT_SC_RV = PKT_SC_RV,
	KPKT_SC_VI = PKT_SC_VI,
	KPKT_SC_SIG = PKT_SC_SIG,
	KPKT_SC_VO = PKT_SC_VO,
	KPKT_SC_CTL = PKT_SC_CTL,
} kern_packet_svc_class_t;

/* The kernel object behind a handle (kernel code only: not validated). */
#define SK_PTR_ADDR_KPKT(_ph)   ((struct kern_packet *)(uintptr_t)SK_PTR_ADDR(_ph))
#define SK_PTR_ADDR_KQUM(_ph)   (&SK_PTR_ADDR_KPKT(_ph)->kp_qum)

/* ---- pools ------------------------------------------------------------------ */

errno_t kern_pbufpool_alloc(const kern_pbufpool_t pp, const uint32_t bufcnt,
    kern_packet_t *packet);
errno_t kern_pbufpool_alloc_nosleep(const kern_pbufpool_t pp,
    const uint32_t bufcnt, kern_packet_t *packet);
void kern_pbufpool_free(const kern_pbufpool_t pp, kern_packet_t ph);
uint32_t kern_pbufpool_get_free_count(const kern_pbufpool_t pp);  /* skchan */

/* ---- packets ---------------------------------------------------------------- */

nexus_meta_type_t kern_packet_get_metadata_type(const kern_packet_t ph);
nexus_meta_subtype_t kern_packet_get_metadata_subtype(const kern_packet_t ph);
kern_packet_idx_t kern_packet_get_object_index(const kern_packet_t ph);
errno_t kern_packet_finalize(const kern_packet_t ph);
boolean_t kern_packet_is_finalized(const kern_packet_t ph);
uint32_t kern_packet_get_data_length(const kern_packet_t ph);
uint16_t kern_packet_get_buflet_count(const kern_packet_t ph);
kern_buflet_t kern_packet_get_next_buflet(const kern_packet_t ph,
    const kern_buflet_t bprev);
errno_t kern_packet_copy_bytes(const kern_packet_t ph, size_t offset,
    size_t len, void *out_data);

errno_t kern_packet_set_headroom(const kern_packet_t ph, const uint8_t headroom);
uint8_t kern_packet_get_headroom(const kern_packet_t ph);
errno_t kern_packet_set_link_header_length(const kern_packet_t ph,
    const uint8_t len);
uint8_t kern_packet_get_link_header_length(const kern_packet_t ph);
errno_t kern_packet_set_link_broadcast(const kern_packet_t ph);
boolean_t kern_packet_get_link_broadcast(const kern_packet_t ph);
errno_t kern_packet_set_link_multicast(const kern_packet_t ph);
boolean_t kern_packet_get_link_multicast(const kern_packet_t ph);
errno_t kern_packet_set_link_ethfcs(const kern_packet_t ph);
boolean_t kern_packet_get_link_ethfcs(const kern_packet_t ph);

errno_t kern_packet_set_service_class(const kern_packet_t ph,
    const kern_packet_svc_class_t svc);
kern_packet_svc_class_t kern_packet_get_service_class(const kern_packet_t ph);
void kern_packet_set_flow_uuid(const kern_packet_t ph, const uuid_t flow_uuid);
void kern_packet_get_flow_uuid(const kern_packet_t ph, uuid_t *flow_uuid);
void kern_packet_clear_flow_uuid(const kern_packet_t ph);
errno_t kern_packet_set_flowid(const kern_packet_t ph, packet_flowid_t id);
errno_t kern_packet_get_flowid(const kern_packet_t ph, packet_flowid_t *id);
errno_t kern_packet_set_trace_id(const kern_packet_t ph, packet_trace_id_t id);
packet_trace_id_t kern_packet_get_trace_id(const kern_packet_t ph);
errno_t kern_packet_set_inet_checksum(const kern_packet_t ph,
    const packet_csum_flags_t flags, const uint16_t start,
    const uint16_t stuff_val, boolean_t tx);
packet_csum_flags_t kern_packet_get_inet_checksum(const kern_packet_t ph,
    uint16_t *start, uint16_t *val, boolean_t tx);
errno_t kern_packet_set_packet_flags(const kern_packet_t ph, uint64_t flags);
uint64_t kern_packet_get_packet_flags(const kern_packet_t ph);
errno_t kern_packet_set_wake_flag(const kern_packet_t ph);
boolean_t kern_packet_get_wake_flag(const kern_packet_t ph);
errno_t kern_packet_set_truncated(const kern_packet_t ph, boolean_t on);
boolean_t kern_packet_get_truncated(const kern_packet_t ph);
errno_t kern_packet_set_timestamp(const kern_packet_t ph, uint64_t ts,
    boolean_t valid);
errno_t kern_packet_get_timestamp(const kern_packet_t ph, uint64_t *ts,
    boolean_t *valid);

/* ---- buflets ---------------------------------------------------------------- */

void *kern_buflet_get_object_address(const kern_buflet_t buf);
uint32_t kern_buflet_get_object_limit(const kern_buflet_t buf);
void *kern_buflet_get_data_address(const kern_buflet_t buf);
uint32_t kern_buflet_get_data_limit(const kern_buflet_t buf);
errno_t kern_buflet_set_data_offset(const kern_buflet_t buf,
    const uint32_t doff);
uint32_t kern_buflet_get_data_offset(const kern_buflet_t buf);
errno_t kern_buflet_set_data_length(const kern_buflet_t buf,
    const uint32_t dlen);
uint32_t kern_buflet_get_data_length(const kern_buflet_t buf);
kern_packet_idx_t kern_buflet_get_object_index(const kern_buflet_t buf);

#endif /* KERN_PACKET_H */
