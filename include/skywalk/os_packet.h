/*
 * os_packet.h - packet, quantum and buflet accessors (API tier).
 *
 * A packet_t is not a pointer but a tagged handle: the address of the
 * metadata object in the channel's mapping with its metadata type and
 * subtype folded into the low four bits (objects are 64-byte aligned).
 * Everything here works on mapped memory; none of it makes a system call.
 */
#ifndef _SKYWALK_OS_PACKET_H_
#define _SKYWALK_OS_PACKET_H_

#include <skywalk/skywalk_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which of the newer packet calls this library has. */
#define OS_PACKET_HAS_CHECKSUM_API 1
#define OS_PACKET_HAS_SEGMENT_COUNT 1
#define OS_PACKET_HAS_TRACING_API 1
#define OS_PACKET_HAS_SEGMENT_SIZE 1
#define HAS_OS_PACKET_ADD_CSUMF 1
#define HAS_OS_PACKET_EXPIRY_ACTION 1
#define HAS_OS_PACKET_GET_WAKE_FLAG 1
#define HAS_OS_PACKET_KEEP_ALIVE 1
#define AQM_SUPPORTS_L4S 1
#define AQM_SUPPORTS_PACING 1
#define SUPPORT_LARGE_BUFFER 1

typedef uint64_t packet_t;
typedef struct __user_buflet *buflet_t;

/*
 * Service classes.  The low 16 bits carry the value proper; bits 7..
 * of that value give the traffic class (PKT_SC2TC).
 */
typedef enum {
	PKT_SC_BK_SYS = 0x00080090,
	PKT_SC_BK = 0x00100080,
	PKT_SC_BE = 0x00000000,
	PKT_SC_RD = 0x00180010,
	PKT_SC_OAM = 0x00200020,
	PKT_SC_AV = 0x00280120,
	PKT_SC_RV = 0x00300110,
	PKT_SC_VI = 0x00380100,
	PKT_SC_SIG = 0x00380130,
	PKT_SC_VO = 0x00400180,
	PKT_SC_CTL = 0x00480190
} packet_svc_class_t;

#define PKT_SCVAL(x) ((x)&0xffff)
#define PKT_SC2TC(sc) (PKT_SCVAL(sc) >> 7)
#define PKT_TC2SCVAL(tc) ((tc) << 7)

typedef enum {
	PKT_TC_BE = 0,
	PKT_TC_BK = 1,
	PKT_TC_VI = 2,
	PKT_TC_VO = 3
} packet_traffic_class_t;

typedef uint32_t packet_csum_flags_t;
typedef uint32_t packet_trace_id_t;
typedef uint16_t packet_trace_tag_t;
typedef uint32_t packet_flowid_t;

/* TX requests */
#define PACKET_CSUM_PARTIAL 0x01
#define PACKET_CSUM_ZERO_INVERT 0x02
#define PACKET_CSUM_IP 0x04
#define PACKET_CSUM_TCP 0x08
#define PACKET_CSUM_UDP 0x10
#define PACKET_CSUM_TCPIPV6 0x20
#define PACKET_CSUM_UDPIPV6 0x40
/* RX results */
#define PACKET_CSUM_IP_CHECKED 0x0100
#define PACKET_CSUM_IP_VALID 0x0200
#define PACKET_CSUM_DATA_VALID 0x0400
#define PACKET_CSUM_PSEUDO_HDR 0x0800
/* segmentation offload requests share the flag word */
#define PACKET_CSUM_TSO_IPV4 0x00100000
#define PACKET_CSUM_TSO_IPV6 0x00200000

typedef uint32_t packet_tso_flags_t;
#define PACKET_TSO_IPV4 0x00100000
#define PACKET_TSO_IPV6 0x00200000

/* os_packet_get_aggregation_type() */
#define PKT_AGGR_NONE 0
#define PKT_AGGR_IP_CHAIN 1
#define PKT_AGGR_SINGLE_IP 2
#define PKT_AGGR_SINGLE_IP_PACKED 3

/* Identifies a packet in transmit-status events. */
#define OS_PACKET_PKTID_VERSION_1 1
#define OS_PACKET_PKTID_VERSION_CURRENT OS_PACKET_PKTID_VERSION_1

typedef struct {
	uint8_t pktid_version; /* OS_PACKET_PKTID_VERSION_* */
	uint8_t pktid_payload_type;
	uint16_t pktid_sequence_number;
	uint32_t pktid_timestamp;
	uint32_t pktid_stream_identifier;
	uint32_t _reserved;
} packet_id_t;

SK_STATIC_ASSERT(sizeof(packet_id_t) == 16, "packet_id_t size");

typedef enum {
	PACKET_EXPIRY_ACTION_NONE = 0x0,
	PACKET_EXPIRY_ACTION_DROP = 0x1,
	PACKET_EXPIRY_ACTION_NOTIFY = 0x2
} packet_expiry_action_t;

/* One byte each in the packet's option area, hence not enums. */
typedef uint8_t packet_app_metadata_type_t;
#define PACKET_APP_METADATA_TYPE_VOICE ((packet_app_metadata_type_t)1)

typedef uint8_t packet_voice_app_metadata_t;
#define PACKET_VOICE_APP_METADATA_UNSPECIFIED ((packet_voice_app_metadata_t)0)
#define PACKET_VOICE_APP_METADATA_SPEECH ((packet_voice_app_metadata_t)1)
#define PACKET_VOICE_APP_METADATA_SILENCE ((packet_voice_app_metadata_t)2)
#define PACKET_VOICE_APP_METADATA_OTHER ((packet_voice_app_metadata_t)3)

/* Buflets per packet, assuming 2 KB buffers. */
#define BUFLETS_MIN 1	   /* standard Ethernet MTU */
#define BUFLETS_9K_JUMBO 5 /* 9000-byte MTU */
#define BUFLETS_GSO 46	   /* 64 KB segmentation offload */

/* Largest L2+L3+L4 header run the stack parses. */
#define PKT_MAX_PROTO_HEADER_SIZE 256

/* Packet-only attributes (the handle must be of type PACKET). */
extern int os_packet_set_headroom(const packet_t, const uint8_t);
extern uint8_t os_packet_get_headroom(const packet_t);
extern int os_packet_set_link_header_length(const packet_t, const uint8_t);
extern uint8_t os_packet_get_link_header_length(const packet_t);
extern int os_packet_set_link_broadcast(const packet_t);
extern boolean_t os_packet_get_link_broadcast(const packet_t);
extern int os_packet_set_link_multicast(const packet_t);
extern boolean_t os_packet_get_link_multicast(const packet_t);
extern int os_packet_set_link_ethfcs(const packet_t);
extern boolean_t os_packet_get_link_ethfcs(const packet_t);
extern int os_packet_set_transport_traffic_background(const packet_t);
extern boolean_t os_packet_get_transport_traffic_background(const packet_t);
extern int os_packet_set_transport_traffic_realtime(const packet_t);
extern boolean_t os_packet_get_transport_traffic_realtime(const packet_t);
extern int os_packet_set_transport_retransmit(const packet_t);
extern boolean_t os_packet_get_transport_retransmit(const packet_t);
extern int os_packet_set_transport_last_packet(const packet_t);
extern int os_packet_set_service_class(const packet_t,
				       const packet_svc_class_t);
extern packet_svc_class_t os_packet_get_service_class(const packet_t);
extern int os_packet_set_compression_generation_count(const packet_t,
						      const uint32_t);
extern int os_packet_get_compression_generation_count(const packet_t,
						      uint32_t *);
extern int os_packet_set_traffic_class(const packet_t, packet_traffic_class_t);
extern packet_traffic_class_t os_packet_get_traffic_class(const packet_t);
extern int os_packet_set_inet_checksum(const packet_t,
				       const packet_csum_flags_t,
				       const uint16_t, const uint16_t);
extern void os_packet_add_inet_csum_flags(const packet_t,
					  const packet_csum_flags_t);
extern packet_csum_flags_t os_packet_get_inet_checksum(const packet_t,
						       uint16_t *, uint16_t *);
extern void os_packet_set_group_start(const packet_t);
extern boolean_t os_packet_get_group_start(const packet_t);
extern void os_packet_set_group_end(const packet_t);
extern boolean_t os_packet_get_group_end(const packet_t);
extern int os_packet_set_expire_time(const packet_t, const uint64_t);
extern int os_packet_get_expire_time(const packet_t, uint64_t *);
extern int os_packet_set_expiry_action(const packet_t,
				       const packet_expiry_action_t);
extern int os_packet_get_expiry_action(const packet_t,
				       packet_expiry_action_t *);
extern int os_packet_set_token(const packet_t, const void *, const uint16_t);
extern int os_packet_get_packetid(const packet_t, packet_id_t *);
extern int os_packet_set_packetid(const packet_t, packet_id_t *);
extern int os_packet_set_vlan_tag(const packet_t, const uint16_t,
				  const boolean_t);
extern int os_packet_get_vlan_tag(const packet_t, uint16_t *, boolean_t *);
extern uint16_t os_packet_get_vlan_id(const uint16_t);
extern uint8_t os_packet_get_vlan_priority(const uint16_t);
extern boolean_t os_packet_get_wake_flag(const packet_t);
extern boolean_t os_packet_get_keep_alive(const packet_t);
extern void os_packet_set_keep_alive(const packet_t, const boolean_t);
extern boolean_t os_packet_get_truncated(const packet_t);
extern uint8_t os_packet_get_aggregation_type(const packet_t);
extern int os_packet_set_app_metadata(const packet_t,
				      const packet_app_metadata_type_t,
				      const uint8_t);
extern int os_packet_set_protocol_segment_size(const packet_t, const uint16_t);
extern void os_packet_set_tso_flags(const packet_t, packet_tso_flags_t);
extern void os_packet_set_l4s_flag(const packet_t);
extern void os_packet_set_tx_timestamp(const packet_t ph, const uint64_t ts);

/* Quantum and packet alike. */
extern void os_packet_set_flow_uuid(const packet_t, const uuid_t flow_uuid);
extern void os_packet_get_flow_uuid(const packet_t, uuid_t *flow_uuid);
extern void os_packet_clear_flow_uuid(const packet_t);
extern uint32_t os_packet_get_data_length(const packet_t);
extern uint32_t os_packet_get_buflet_count(const packet_t);
extern buflet_t os_packet_get_next_buflet(const packet_t, const buflet_t);
extern uint32_t os_packet_get_segment_count(const packet_t ph);
extern int os_packet_finalize(const packet_t);
extern int os_packet_add_buflet(const packet_t ph, const buflet_t bprev,
				const buflet_t bnew);
extern int os_packet_increment_use_count(const packet_t ph);
extern int os_packet_decrement_use_count(const packet_t ph, uint16_t *use_cnt);
extern packet_trace_id_t os_packet_get_trace_id(const packet_t ph);
extern void os_packet_set_trace_id(const packet_t ph, packet_trace_id_t);
extern void os_packet_trace_event(const packet_t ph, uint32_t);

/*
 * One's-complement sums.  os_inet_checksum returns the unfolded 32-bit
 * partial sum plus sum0; the copying variant returns the folded,
 * complemented 16-bit result in host order.
 */
extern uint32_t os_inet_checksum(const void *, uint32_t, uint32_t);
extern uint32_t os_copy_and_inet_checksum(const void *, void *, uint32_t,
					  uint32_t);

/* Buflets.  Setters do not range-check; os_packet_finalize() does. */
extern int os_buflet_set_data_offset(const buflet_t, const uint32_t);
extern uint32_t os_buflet_get_data_offset(const buflet_t);
extern int os_buflet_set_data_length(const buflet_t, const uint32_t);
extern uint32_t os_buflet_get_data_length(const buflet_t);
extern void *os_buflet_get_object_address(const buflet_t);
extern uint32_t os_buflet_get_object_limit(const buflet_t);
extern void *os_buflet_get_data_address(const buflet_t);
extern uint32_t os_buflet_get_data_limit(const buflet_t);

#ifdef __cplusplus
}
#endif

#endif /* !_SKYWALK_OS_PACKET_H_ */
