/*
 * os_nexus_private.h - nexus requests, provider parameters and the
 * nexus system calls.
 *
 * Everything here crosses the user/kernel boundary by value, so each
 * structure's LP64 layout is pinned with static assertions; a change
 * that moves a field breaks the build instead of the protocol.
 */
#ifndef _SKYWALK_OS_NEXUS_PRIVATE_H_
#define _SKYWALK_OS_NEXUS_PRIVATE_H_

#include <stdbool.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/ethernet.h>
#include <skywalk/skywalk_compat.h>
#include <skywalk/skywalk_common.h>
#include <skywalk/os_packet.h>
#include <skywalk/os_nexus.h>
#include <skywalk/os_channel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Let the nexus pick a port (NEXUS_PORT_ANY is refused from userland). */
#define NEXUS_PORT_ANY ((nexus_port_t)-1)
#define NEXUS_PORT_MAX ((nexus_port_t)-1)

typedef nexus_port_t nexus_port_size_t;

#define NEXUSCTL_INIT_VERSION_1 1
#define NEXUSCTL_INIT_CURRENT_VERSION NEXUSCTL_INIT_VERSION_1

/* __nexus_open() argument. */
struct nxctl_init {
	uint32_t ni_version; /* in: NEXUSCTL_INIT_CURRENT_VERSION */
	uint32_t __ni_align;
	guardid_t ni_guard; /* out: guard of the returned fd */
};

/*
 * Metadata type and subtype.  Both are encoded in two bits of a packet
 * handle, so neither may exceed 3.
 */
typedef enum {
	NEXUS_META_TYPE_INVALID = 0,
	NEXUS_META_TYPE_QUANTUM = 1, /* struct __user_quantum */
	NEXUS_META_TYPE_PACKET = 2,  /* struct __user_packet */
	NEXUS_META_TYPE_RESERVED = 3,
	NEXUS_META_TYPE_MAX = NEXUS_META_TYPE_RESERVED
} nexus_meta_type_t;

typedef enum {
	NEXUS_META_SUBTYPE_INVALID = 0,
	NEXUS_META_SUBTYPE_PAYLOAD = 1, /* no link-layer header */
	NEXUS_META_SUBTYPE_RAW = 2,	/* link-layer frames */
	NEXUS_META_SUBTYPE_RESERVED = 3,
	NEXUS_META_SUBTYPE_MAX = NEXUS_META_SUBTYPE_RESERVED
} nexus_meta_subtype_t;

/* The channel-level names are the same numbers. */
SK_STATIC_ASSERT((int)NEXUS_META_TYPE_INVALID ==
		     (int)CHANNEL_NEXUS_META_TYPE_INVALID,
		 "meta type");
SK_STATIC_ASSERT((int)NEXUS_META_TYPE_QUANTUM ==
		     (int)CHANNEL_NEXUS_META_TYPE_QUANTUM,
		 "meta type");
SK_STATIC_ASSERT((int)NEXUS_META_TYPE_PACKET ==
		     (int)CHANNEL_NEXUS_META_TYPE_PACKET,
		 "meta type");
SK_STATIC_ASSERT((int)NEXUS_META_SUBTYPE_INVALID ==
		     (int)CHANNEL_NEXUS_META_SUBTYPE_INVALID,
		 "meta subtype");
SK_STATIC_ASSERT((int)NEXUS_META_SUBTYPE_PAYLOAD ==
		     (int)CHANNEL_NEXUS_META_SUBTYPE_PAYLOAD,
		 "meta subtype");
SK_STATIC_ASSERT((int)NEXUS_META_SUBTYPE_RAW ==
		     (int)CHANNEL_NEXUS_META_SUBTYPE_RAW,
		 "meta subtype");

/*
 * Provider parameters: in a registration (user-written, only the
 * requested fields count) and in ch_info / nxprov_reg_ent (kernel-written,
 * the values in force).  64-byte aligned, 192 bytes.
 */
struct nxprov_params {
	nexus_name_t nxp_name;
	uint32_t nxp_namelen;
	nexus_type_t nxp_type;
	nexus_meta_type_t nxp_md_type;
	nexus_meta_subtype_t nxp_md_subtype;
	uint32_t nxp_flags;  /* NXPF_* */
	uint32_t nxp_format; /* provider-defined */
	uint32_t nxp_tx_rings;
	uint32_t nxp_rx_rings;
	uint32_t nxp_tx_slots; /* per TX ring */
	uint32_t nxp_rx_slots; /* per RX ring */
	uint32_t nxp_buf_size; /* default buffer size */
	uint32_t nxp_meta_size;
	uint32_t nxp_stats_size;
	uint32_t nxp_pipes;
	nexus_extension_t nxp_extensions;
	uint32_t nxp_mhints; /* NEXUS_MHINTS_* */
	uint32_t nxp_ifindex;
	uint32_t nxp_flowadv_max; /* flow-advisory table entries */
	nexus_qmap_type_t nxp_qmap;
	uint32_t nxp_capabilities; /* NXPCAP_* */
	uint32_t nxp_nexusadv_size;
	uint32_t nxp_max_frags;	       /* buflets per packet */
	boolean_t nxp_reject_on_close; /* user pipe: fail once peer is gone */
	uint32_t nxp_large_buf_size;
} __attribute__((aligned(64)));

SK_STATIC_ASSERT(sizeof(struct nxprov_params) == 192, "nxprov_params size");
SK_STATIC_ASSERT(__alignof__(struct nxprov_params) == 64,
		 "nxprov_params align");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_namelen) == 64, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_type) == 68, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_md_type) == 72, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_md_subtype) == 76, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_flags) == 80, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_format) == 84, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_tx_rings) == 88, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_rx_rings) == 92, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_tx_slots) == 96, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_rx_slots) == 100, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_buf_size) == 104, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_meta_size) == 108, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_stats_size) == 112, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_pipes) == 116, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_extensions) == 120, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_mhints) == 124, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_ifindex) == 128, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_flowadv_max) == 132, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_qmap) == 136, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_capabilities) == 140,
		 "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_nexusadv_size) == 144,
		 "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_max_frags) == 148, "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_reject_on_close) == 152,
		 "nxp");
SK_STATIC_ASSERT(offsetof(struct nxprov_params, nxp_large_buf_size) == 156,
		 "nxp");

/* nxp_flags */
#define NXPF_ANONYMOUS 0x1    /* channels need not be bound first */
#define NXPF_USER_CHANNEL 0x2 /* userland may open channels */
#define NXPF_NETIF_LLINK 0x4  /* netif logical links */
#define NXPF_MASK (NXPF_ANONYMOUS | NXPF_USER_CHANNEL | NXPF_NETIF_LLINK)

/* nxp_capabilities */
#define NXPCAP_CHECKSUM_PARTIAL 0x1
#define NXPCAP_USER_PACKET_POOL 0x2
#define NXPCAP_USER_CHANNEL 0x4

#define NXPROV_REG_VERSION_1 1
#define NXPROV_REG_CURRENT_VERSION NXPROV_REG_VERSION_1

/* __nexus_register() argument (user-written). */
struct nxprov_reg {
	uint32_t nxpreg_version;   /* NXPROV_REG_CURRENT_VERSION */
	uint32_t nxpreg_requested; /* NXPREQ_*: which params were set */
	struct nxprov_params nxpreg_params;
};

SK_STATIC_ASSERT(sizeof(struct nxprov_reg) == 256, "nxprov_reg size");
SK_STATIC_ASSERT(offsetof(struct nxprov_reg, nxpreg_requested) == 4,
		 "nxprov_reg requested");
SK_STATIC_ASSERT(offsetof(struct nxprov_reg, nxpreg_params) == 64,
		 "nxprov_reg params");

/*
 * nxpreg_requested bits; the same positions as NXA_REQ_* (which are
 * 64-bit in struct nexus_attr).
 */
#define NXPREQ_TX_RINGS (1U << 0)
#define NXPREQ_RX_RINGS (1U << 1)
#define NXPREQ_TX_SLOTS (1U << 2)
#define NXPREQ_RX_SLOTS (1U << 3)
#define NXPREQ_BUF_SIZE (1U << 4)
#define NXPREQ_META_SIZE (1U << 5)
#define NXPREQ_STATS_SIZE (1U << 6)
#define NXPREQ_ANONYMOUS (1U << 7)
#define NXPREQ_PIPES (1U << 8)
#define NXPREQ_EXTENSIONS (1U << 9)
#define NXPREQ_MHINTS (1U << 10)
#define NXPREQ_FLOWADV_MAX (1U << 11)
#define NXPREQ_QMAP (1U << 12)
#define NXPREQ_CHECKSUM_OFFLOAD (1U << 13)
#define NXPREQ_USER_PACKET_POOL (1U << 14)
#define NXPREQ_CAPABILITIES (1U << 15)
#define NXPREQ_NEXUSADV_SIZE (1U << 16)
#define NXPREQ_IFINDEX (1U << 17)
#define NXPREQ_USER_CHANNEL (1U << 18)
#define NXPREQ_MAX_FRAGS (1U << 19)
#define NXPREQ_REJECT_ON_CLOSE (1U << 20)
#define NXPREQ_LARGE_BUF_SIZE (1U << 21)

/* NXOPT_NEXUS_PROV_ENTRY: UUID in (user), params out (kernel). */
struct nxprov_reg_ent {
	uuid_t npre_prov_uuid;
	struct nxprov_params npre_prov_params;
};

SK_STATIC_ASSERT(sizeof(struct nxprov_reg_ent) == 256, "nxprov_reg_ent size");
SK_STATIC_ASSERT(offsetof(struct nxprov_reg_ent, npre_prov_params) == 64,
		 "nxprov_reg_ent params");

/* __nexus_get_opt() / __nexus_set_opt() options. */
#define NXOPT_NEXUS_PROV_LIST 1	 /* get: struct nxprov_list_req */
#define NXOPT_NEXUS_PROV_ENTRY 2 /* get: struct nxprov_reg_ent */
#define NXOPT_NEXUS_LIST 20	 /* get: struct nx_list_req */
#define NXOPT_NEXUS_BIND 21	 /* set: struct nx_bind_req */
#define NXOPT_NEXUS_UNBIND 22	 /* set: struct nx_unbind_req */
#define NXOPT_CHANNEL_LIST 30	 /* get: struct ch_list_req */
#define NXOPT_NEXUS_CONFIG 40	 /* set: struct nx_cfg_req */

/* The list requests: count in/out plus a user array the kernel fills. */
struct nxprov_list_req {
	uint32_t nrl_num_regs; /* in: array size; out: entries written */
	uint32_t __nrl_align;
	user_addr_t nrl_regs; /* struct nxprov_reg_ent[] */
};

struct nx_list_req {
	uuid_t nl_prov_uuid;
	uint32_t nl_num_nx_uuids;
	uint32_t __nl_align;
	user_addr_t nl_nx_uuids; /* uuid_t[] */
};

struct ch_list_req {
	uuid_t cl_nx_uuid;
	uint32_t cl_num_ch_uuids;
	uint32_t __cl_align;
	user_addr_t cl_ch_uuids; /* uuid_t[] */
};

SK_STATIC_ASSERT(sizeof(struct nxprov_list_req) == 16, "nxprov_list_req");
SK_STATIC_ASSERT(sizeof(struct nx_list_req) == 32, "nx_list_req");
SK_STATIC_ASSERT(offsetof(struct nx_list_req, nl_nx_uuids) == 24,
		 "nx_list_req array");
SK_STATIC_ASSERT(sizeof(struct ch_list_req) == 32, "ch_list_req");
SK_STATIC_ASSERT(offsetof(struct ch_list_req, cl_ch_uuids) == 24,
		 "ch_list_req array");

/* NXOPT_NEXUS_BIND: who may open a port of a named nexus. */
struct nx_bind_req {
	uuid_t nb_nx_uuid;
	nexus_port_t nb_port;
	uint32_t nb_flags; /* NBR_MATCH_* */
	uuid_t nb_exec_uuid;
	user_addr_t nb_key; /* key blob, copied in by the kernel */
	uint32_t nb_key_len;
	pid_t nb_pid;
};

SK_STATIC_ASSERT(sizeof(struct nx_bind_req) == 56, "nx_bind_req size");
SK_STATIC_ASSERT(offsetof(struct nx_bind_req, nb_port) == 16, "nb_port");
SK_STATIC_ASSERT(offsetof(struct nx_bind_req, nb_flags) == 20, "nb_flags");
SK_STATIC_ASSERT(offsetof(struct nx_bind_req, nb_exec_uuid) == 24,
		 "nb_exec_uuid");
SK_STATIC_ASSERT(offsetof(struct nx_bind_req, nb_key) == 40, "nb_key");
SK_STATIC_ASSERT(offsetof(struct nx_bind_req, nb_key_len) == 48, "nb_key_len");
SK_STATIC_ASSERT(offsetof(struct nx_bind_req, nb_pid) == 52, "nb_pid");

#define NBR_MATCH_PID 0x1
#define NBR_MATCH_EXEC_UUID 0x2
#define NBR_MATCH_KEY 0x4
#define NBR_MATCH_MASK (NBR_MATCH_PID | NBR_MATCH_EXEC_UUID | NBR_MATCH_KEY)

/* NXOPT_NEXUS_UNBIND; 18 bytes with no tail padding, as on Darwin. */
struct nx_unbind_req {
	uuid_t nu_nx_uuid;
	nexus_port_t nu_port;
};

SK_STATIC_ASSERT(sizeof(struct nx_unbind_req) == 18, "nx_unbind_req size");
SK_STATIC_ASSERT(offsetof(struct nx_unbind_req, nu_port) == 16, "nu_port");

/* NXOPT_NEXUS_CONFIG commands. */
typedef enum {
	NXCFG_CMD_ATTACH = 0,
	NXCFG_CMD_DETACH = 1,
	NXCFG_CMD_FLOW_ADD = 20,
	NXCFG_CMD_FLOW_DEL = 21,
	NXCFG_CMD_FLOW_CONFIG = 22,
	NXCFG_CMD_NETEM = 30,
	NXCFG_CMD_GET_LLINK_INFO = 40
} nxcfg_cmd_t;

#define NX_SPEC_IF_NAMELEN 64

/* NXOPT_NEXUS_CONFIG argument: a command plus its own request. */
struct nx_cfg_req {
	uuid_t nc_nx_uuid;
	nxcfg_cmd_t nc_cmd;
	uint32_t nc_req_len;
	user_addr_t nc_req; /* e.g. struct nx_spec_req, nx_flow_req */
};

SK_STATIC_ASSERT(sizeof(struct nx_cfg_req) == 32, "nx_cfg_req size");
SK_STATIC_ASSERT(offsetof(struct nx_cfg_req, nc_cmd) == 16, "nc_cmd");
SK_STATIC_ASSERT(offsetof(struct nx_cfg_req, nc_req_len) == 20, "nc_req_len");
SK_STATIC_ASSERT(offsetof(struct nx_cfg_req, nc_req) == 24, "nc_req");

/* NXCFG_CMD_ATTACH / _DETACH: an interface by name, or a nexus by UUID. */
struct nx_spec_req {
	union {
		char nsru_name[NX_SPEC_IF_NAMELEN];
		uuid_t nsru_uuid; /* with NXSPECREQ_UUID */
	} nsr_u __attribute__((aligned(8)));
	uint32_t nsr_flags; /* NXSPECREQ_* */
	uuid_t nsr_if_uuid; /* attach: out (kernel); detach: in (user) */
};
#define nsr_name nsr_u.nsru_name
#define nsr_uuid nsr_u.nsru_uuid

SK_STATIC_ASSERT(sizeof(struct nx_spec_req) == 88, "nx_spec_req size");
SK_STATIC_ASSERT(offsetof(struct nx_spec_req, nsr_flags) == 64, "nsr_flags");
SK_STATIC_ASSERT(offsetof(struct nx_spec_req, nsr_if_uuid) == 68,
		 "nsr_if_uuid");

#define NXSPECREQ_UUID 0x1 /* nsr_uuid names a nexus, not an interface */
#define NXSPECREQ_HOST 0x2 /* attach the host port */
#define NXSPECREQ_MASK (NXSPECREQ_UUID | NXSPECREQ_HOST)

/*
 * Flow requests.  Darwin keeps ether_addr_t and sockaddr_in_4_6 in its
 * network headers; Linux has the same shapes under other names.
 */
#ifndef _SKYWALK_ETHER_ADDR_T
#define _SKYWALK_ETHER_ADDR_T
typedef struct ether_addr ether_addr_t;
#endif
#ifndef _SKYWALK_SOCKADDR_IN_4_6
#define _SKYWALK_SOCKADDR_IN_4_6
union sockaddr_in_4_6 {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};
#endif

/* Child-flow demultiplexing: match len bytes at offset under mask. */
#define FLOW_DEMUX_MAX_LEN 32
struct flow_demux_pattern {
	uint16_t fdp_offset;
	uint16_t fdp_len;
	uint8_t fdp_mask[FLOW_DEMUX_MAX_LEN];
	uint8_t fdp_value[FLOW_DEMUX_MAX_LEN];
};
#define MAX_FLOW_DEMUX_PATTERN 4

/* NXCFG_CMD_FLOW_ADD / _DEL; the kernel writes results back in place. */
struct nx_flow_req {
	nexus_port_t nfr_nx_port;
	uint16_t nfr_ethertype;
	ether_addr_t nfr_etheraddr;
	union sockaddr_in_4_6 nfr_saddr;
	union sockaddr_in_4_6 nfr_daddr;
	uint8_t nfr_ip_protocol;
	uint8_t nfr_transport_protocol;
	uint16_t nfr_flags; /* NXFLOWREQF_* */
	uuid_t nfr_flow_uuid;
	packet_svc_class_t nfr_svc_class;
	uuid_t nfr_euuid;
	uint32_t nfr_policy_id;
	uint32_t nfr_skip_policy_id;
	pid_t nfr_epid;
	flowadv_idx_t nfr_flowadv_idx;
	uuid_t nfr_bind_key;
	uint64_t nfr_qset_id;
	uuid_t nfr_parent_flow_uuid;
	uint8_t nfr_flow_demux_count;
	struct flow_demux_pattern
	    nfr_flow_demux_patterns[MAX_FLOW_DEMUX_PATTERN];
	uint8_t _nfr_opaque[80]; /* kernel-only state; zeroed both ways */
};

SK_STATIC_ASSERT(sizeof(ether_addr_t) == 6, "ether_addr_t size");
SK_STATIC_ASSERT(sizeof(union sockaddr_in_4_6) == 28, "sockaddr_in_4_6 size");
SK_STATIC_ASSERT(offsetof(struct nx_flow_req, nfr_saddr) == 12, "nfr_saddr");
SK_STATIC_ASSERT(offsetof(struct nx_flow_req, nfr_flow_uuid) == 72,
		 "nfr_flow_uuid");
SK_STATIC_ASSERT(offsetof(struct nx_flow_req, nfr_qset_id) == 144,
		 "nfr_qset_id");
SK_STATIC_ASSERT(offsetof(struct nx_flow_req, _nfr_opaque) == 442,
		 "nfr opaque");
SK_STATIC_ASSERT(sizeof(struct nx_flow_req) == 528, "nx_flow_req size");

#define NXFLOWREQF_TRACK 0x0001
#define NXFLOWREQF_QOS_MARKING 0x0002
#define NXFLOWREQF_FILTER 0x0004
#define NXFLOWREQF_CUSTOM_ETHER 0x0008
#define NXFLOWREQF_IPV6_ULA 0x0010
#define NXFLOWREQF_LISTENER 0x0020
#define NXFLOWREQF_OVERRIDE_ADDRESS_SELECTION 0x0040
#define NXFLOWREQF_USE_STABLE_ADDRESS 0x0080
#define NXFLOWREQF_FLOWADV 0x0100
#define NXFLOWREQF_ASIS 0x0200
#define NXFLOWREQF_LOW_LATENCY 0x0400
#define NXFLOWREQF_NOWAKEFROMSLEEP 0x0800
#define NXFLOWREQF_REUSEPORT 0x1000
#define NXFLOWREQF_PARENT 0x4000

/* NXCFG_CMD_GET_LLINK_INFO: netif logical links and their queue sets. */
struct nx_qset_info {
	uint64_t nqi_id;
	uint16_t nqi_flags;
	uint8_t nqi_num_rx_queues;
	uint8_t nqi_num_tx_queues;
};

#define NETIF_LLINK_MAX_QSETS 256
struct nx_llink_info {
	uuid_t nli_netif_uuid;
	uint64_t nli_link_id;
	uint16_t nli_link_id_internal;
	uint8_t nli_state;
	uint8_t nli_flags;
	uint16_t nli_qset_cnt;
	struct nx_qset_info nli_qset[NETIF_LLINK_MAX_QSETS];
};

#define NETIF_LLINK_INFO_VERSION 0x01
__extension__ struct nx_llink_info_req {
	uint16_t nlir_version;
	uint16_t nlir_llink_cnt;
	struct nx_llink_info nlir_llink[];
};

/* Library side of a nexus_controller_t. */
struct nexus_controller {
	int ncd_fd;
	guardid_t ncd_guard;
};

/* __nexus_set_opt() fd meaning "the process-wide shared controller". */
#define __OS_NEXUS_SHARED_USER_CONTROLLER_FD (-1)

/* Library side of a nexus_attr_t; one u64 per nexus_attr_type_t. */
struct nexus_attr {
	uint64_t nxa_requested; /* NXA_REQ_*: fields set by the caller */
	uint64_t nxa_tx_rings;
	uint64_t nxa_rx_rings;
	uint64_t nxa_tx_slots;
	uint64_t nxa_rx_slots;
	uint64_t nxa_buf_size;
	uint64_t nxa_meta_size;
	uint64_t nxa_stats_size;
	uint64_t nxa_anonymous;
	uint64_t nxa_pipes;
	uint64_t nxa_extensions;
	uint64_t nxa_mhints;
	uint64_t nxa_ifindex;
	uint64_t nxa_flowadv_max;
	uint64_t nxa_qmap;
	uint64_t nxa_checksum_offload;
	uint64_t nxa_user_packet_pool;
	uint64_t nxa_nexusadv_size;
	uint64_t nxa_user_channel;
	uint64_t nxa_max_frags;
	uint64_t nxa_reject_on_close;
	uint64_t nxa_large_buf_size;
};

SK_STATIC_ASSERT(sizeof(struct nexus_attr) == 176, "nexus_attr size");

#define NXA_REQ_TX_RINGS (1ULL << 0)
#define NXA_REQ_RX_RINGS (1ULL << 1)
#define NXA_REQ_TX_SLOTS (1ULL << 2)
#define NXA_REQ_RX_SLOTS (1ULL << 3)
#define NXA_REQ_BUF_SIZE (1ULL << 4)
#define NXA_REQ_META_SIZE (1ULL << 5)
#define NXA_REQ_STATS_SIZE (1ULL << 6)
#define NXA_REQ_ANONYMOUS (1ULL << 7)
#define NXA_REQ_PIPES (1ULL << 8)
#define NXA_REQ_EXTENSIONS (1ULL << 9)
#define NXA_REQ_MHINTS (1ULL << 10)
#define NXA_REQ_FLOWADV_MAX (1ULL << 11)
#define NXA_REQ_QMAP (1ULL << 12)
#define NXA_REQ_CHECKSUM_OFFLOAD (1ULL << 13)
#define NXA_REQ_USER_PACKET_POOL (1ULL << 14)
#define NXA_REQ_CAPABILITIES (1ULL << 15)
#define NXA_REQ_NEXUSADV_SIZE (1ULL << 16)
#define NXA_REQ_IFINDEX (1ULL << 17)
#define NXA_REQ_USER_CHANNEL (1ULL << 18)
#define NXA_REQ_MAX_FRAGS (1ULL << 19)
#define NXA_REQ_REJECT_ON_CLOSE (1ULL << 20)
#define NXA_REQ_LARGE_BUF_SIZE (1ULL << 21)

/*
 * Nexus advisory region (read-only to the process, at csm_nexusadv_ofs):
 * a small header saying which kind follows it.
 */
typedef enum {
	NEXUS_ADVISORY_TYPE_INVALID = 0,
	NEXUS_ADVISORY_TYPE_FLOWSWITCH = 1, /* struct sk_nexusadv */
	NEXUS_ADVISORY_TYPE_NETIF = 2	    /* struct netif_nexus_advisory */
} nexus_advisory_type_t;

#define NX_ADVISORY_MD_VERSION_1 1
#define NX_ADVISORY_MD_CURRENT_VERSION NX_ADVISORY_MD_VERSION_1
#define NX_NETIF_ADVISORY_CURRENT_VERSION 1
#define NX_FLOWSWITCH_ADVISORY_CURRENT_VERSION 2

/* All fields kernel-written. */
struct __kern_nexus_adv_metadata {
	uint16_t knam_version; /* NX_ADVISORY_MD_CURRENT_VERSION */
	uint16_t __reserved;
	nexus_advisory_type_t knam_type;
};

SK_STATIC_ASSERT(sizeof(struct __kern_nexus_adv_metadata) == 8,
		 "__kern_nexus_adv_metadata size");

/*
 * The interface advisory as the kernel publishes it.  cksum covers adv
 * and lets a reader detect a torn update without a lock.
 */
struct __kern_netif_intf_advisory {
	uint32_t cksum;
	uint32_t _reserved;
	struct ifnet_interface_advisory adv;
};

SK_STATIC_ASSERT(sizeof(struct __kern_netif_intf_advisory) == 72,
		 "__kern_netif_intf_advisory size");

struct netif_nexus_advisory {
	uint16_t nna_version; /* NX_NETIF_ADVISORY_CURRENT_VERSION */
	uint16_t __nna_reserved;
	uint32_t __nna_reserved2;
	struct __kern_netif_intf_advisory __kern_intf_adv;
};

/*
 * Flow-switch advisory.  skchan emulates no flow switch, so only the
 * fields the library reads are given; the layout is ours.
 */
struct sk_nexusadv {
	uint16_t nxadv_ver; /* NX_FLOWSWITCH_ADVISORY_CURRENT_VERSION */
	uint16_t __nxadv_reserved;
	uint32_t __nxadv_reserved2;
	uint64_t nxadv_fg_sendts; /* last foreground send */
	uint64_t nxadv_rt_sendts; /* last realtime send */
	struct __kern_netif_intf_advisory _nxadv_intf_adv;
};

SK_STATIC_ASSERT(offsetof(struct netif_nexus_advisory, __kern_intf_adv) == 8,
		 "netif advisory body");
SK_STATIC_ASSERT(offsetof(struct sk_nexusadv, _nxadv_intf_adv) == 24,
		 "fsw advisory body");

/*
 * Per-domain limits (spec section 4), shared so the library can
 * pre-check and the daemon can enforce the same numbers.  Below the
 * minimum means "use the default"; above the maximum is ENOMEM.
 */
#define NX_UPIPE_MAXPORTS 2 /* client 0, server 1 */
#define NX_UPIPE_RINGS_DEF 1
#define NX_UPIPE_RINGS_MIN 1
#define NX_UPIPE_RINGS_MAX 8
#define NX_UPIPE_SLOTS_DEF 128
#define NX_UPIPE_SLOTS_MIN 2
#define NX_UPIPE_SLOTS_MAX 4096
#define NX_UPIPE_BUFSIZE_DEF 2048
#define NX_UPIPE_BUFSIZE_MIN 1024
#define NX_UPIPE_BUFSIZE_MAX 16384

#define NX_KPIPE_MAXPORTS 1 /* client 0 */
#define NX_KPIPE_RINGS_DEF 1
#define NX_KPIPE_RINGS_MIN 1
#define NX_KPIPE_RINGS_MAX 8
#define NX_KPIPE_SLOTS_DEF 128
#define NX_KPIPE_SLOTS_MIN 2
#define NX_KPIPE_SLOTS_MAX 4096
#define NX_KPIPE_BUFSIZE_DEF 2048
#define NX_KPIPE_BUFSIZE_MIN 64
#define NX_KPIPE_BUFSIZE_MAX 16384

#define NX_NETIF_MAXPORTS 128 /* dev 0, host 1, clients 2.. */
#define NX_NETIF_TX_SLOTS_DEF 512
#define NX_NETIF_RX_SLOTS_DEF 1024
#define NX_NETIF_BUFSIZE_DEF 2048
#define NX_NETIF_BUFSIZE_MIN 128
#define NX_NETIF_BUFSIZE_MAX 32768

/*
 * Nexus system calls.  libskywalk implements them over skchan's device;
 * like real system calls they return -1 and set errno on failure.
 */
extern int __nexus_open(struct nxctl_init *init, const uint32_t init_len);
extern int __nexus_register(int ctl, struct nxprov_reg *reg,
			    const uint32_t reg_len, uuid_t *prov_uuid,
			    const uint32_t prov_uuid_len);
extern int __nexus_deregister(int ctl, const uuid_t prov_uuid,
			      const uint32_t prov_uuid_len);
extern int __nexus_create(int ctl, const uuid_t prov_uuid,
			  const uint32_t prov_uuid_len, uuid_t *nx_uuid,
			  const uint32_t nx_uuid_len);
extern int __nexus_destroy(int ctl, const uuid_t nx_uuid,
			   const uint32_t nx_uuid_len);
extern int __nexus_get_opt(int ctl, const uint32_t opt, void *aoptval,
			   uint32_t *aoptlen);
extern int __nexus_set_opt(int ctl, const uint32_t opt, const void *aoptval,
			   const uint32_t optlen);

/* Private controller calls built on NXOPT_NEXUS_CONFIG. */
extern int __os_nexus_ifattach(const nexus_controller_t ctl,
			       const uuid_t nx_uuid, const char *ifname,
			       const uuid_t netif_uuid, boolean_t host,
			       uuid_t *nx_if_uuid);
extern int __os_nexus_ifdetach(const nexus_controller_t ctl,
			       const uuid_t nx_uuid, const uuid_t nx_if_uuid);
extern int __os_nexus_flow_add(const nexus_controller_t ncd,
			       const uuid_t nx_uuid,
			       const struct nx_flow_req *nfr);
extern int __os_nexus_flow_del(const nexus_controller_t ncd,
			       const uuid_t nx_uuid,
			       const struct nx_flow_req *nfr);
extern int __os_nexus_get_llink_info(const nexus_controller_t ncd,
				     const uuid_t nx_uuid,
				     const struct nx_llink_info_req *nlir,
				     size_t len);
extern int os_nexus_flow_set_wake_from_sleep(const uuid_t nx_uuid,
					     const uuid_t flow_uuid,
					     bool enable);

#ifdef __cplusplus
}
#endif

#endif /* !_SKYWALK_OS_NEXUS_PRIVATE_H_ */
