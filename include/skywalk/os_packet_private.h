/*
 * os_packet_private.h - metadata objects in the umd region and the
 * buflets that point at buffers.
 *
 * Each object starts with a 16-byte preamble; a packet handle points
 * just past it.  The kernel keeps its own copy of every object and only
 * trusts indices: at each sync it copies user-mutable fields in
 * ("internalize") or out ("externalize"), and the library recomputes the
 * address fields from the indices whenever it hands an object out.
 *
 * Field names follow Apple's: the common parts are shared structs with
 * "__"-prefixed members, and the names programs use (buf_addr, qum_len,
 * pkt_length, pkt_qum_buf, ...) are macros into them.
 */
#ifndef _SKYWALK_OS_PACKET_PRIVATE_H_
#define _SKYWALK_OS_PACKET_PRIVATE_H_

#include <skywalk/skywalk_compat.h>
#include <skywalk/skywalk_common.h>
#include <skywalk/os_packet.h>
#include <skywalk/os_nexus_private.h>
#include <skywalk/os_channel_private.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Values the library range-checks app metadata types against. */
#define PACKET_APP_METADATA_TYPE_UNSPECIFIED ((packet_app_metadata_type_t)0)
#define PACKET_APP_METADATA_TYPE_MIN PACKET_APP_METADATA_TYPE_VOICE
#define PACKET_APP_METADATA_TYPE_MAX PACKET_APP_METADATA_TYPE_VOICE

/* Exported by the library but, as on Darwin, not in os_packet.h. */
extern int os_packet_get_token(const packet_t ph, void *token, uint16_t *len);

/* ---------------------------------------------------------------- */
/* Buflets (42 bytes, packed).                                       */
/* ---------------------------------------------------------------- */

/*
 * Addresses are library-filled from indices (the kernel writes its own
 * view); the indices and limit are kernel-written; doff/dlen are the
 * process's to set.
 */
__extension__ struct __buflet {
	union {
		uint64_t __buflet_next;			 /* kernel free lists */
		SK_KCONST mach_vm_address_t __nbft_addr; /* next buflet (lib) */
	};
	SK_KCONST mach_vm_address_t __baddr; /* buffer address (lib) */
	SK_KCONST obj_idx_t __bft_idx;	     /* (k) own index in ubft */
	SK_KCONST obj_idx_t __bidx;	     /* (k) buffer index in region */
	SK_KCONST obj_idx_t __nbft_idx; /* (k/u) next, OBJ_IDX_NONE = end */
	SK_KCONST uint32_t __dlim;	/* (k) buffer limit */
	uint32_t __doff;		/* (u) data offset */
	uint32_t __dlen;		/* (u) data length */
	SK_KCONST uint16_t __flag;	/* (k) BUFLET_FLAG_* */
} __attribute__((packed));

#define BUFLET_FLAG_EXTERNAL 0x0001  /* lives in the ubft region */
#define BUFLET_FLAG_LARGE_BUF 0x0002 /* buffer is from the large region */

struct __user_buflet {
	struct __buflet buf_com;
};
#define buf_addr buf_com.__baddr
#define buf_nbft_addr buf_com.__nbft_addr
#define buf_idx buf_com.__bidx
#define buf_nbft_idx buf_com.__nbft_idx
#define buf_dlim buf_com.__dlim
#define buf_dlen buf_com.__dlen
#define buf_doff buf_com.__doff
#define buf_flag buf_com.__flag
#define buf_bft_idx_reg buf_com.__bft_idx

#define BUFLET_HAS_LARGE_BUF(_buf)                                             \
	(((_buf)->buf_flag & BUFLET_FLAG_LARGE_BUF) != 0)

/* The user-side sanity check; the kernel also checks the object bounds. */
#define BUF_IN_RANGE(_buf)                                                     \
	(((_buf)->buf_doff + (_buf)->buf_dlen) <= (_buf)->buf_dlim)

SK_STATIC_ASSERT(sizeof(struct __buflet) == 42, "__buflet size");
SK_STATIC_ASSERT(sizeof(struct __user_buflet) == 42, "__user_buflet size");
SK_STATIC_ASSERT(offsetof(struct __buflet, __baddr) == 8, "buflet");
SK_STATIC_ASSERT(offsetof(struct __buflet, __bft_idx) == 16, "buflet");
SK_STATIC_ASSERT(offsetof(struct __buflet, __bidx) == 20, "buflet");
SK_STATIC_ASSERT(offsetof(struct __buflet, __nbft_idx) == 24, "buflet");
SK_STATIC_ASSERT(offsetof(struct __buflet, __dlim) == 28, "buflet");
SK_STATIC_ASSERT(offsetof(struct __buflet, __doff) == 32, "buflet");
SK_STATIC_ASSERT(offsetof(struct __buflet, __dlen) == 36, "buflet");
SK_STATIC_ASSERT(offsetof(struct __buflet, __flag) == 40, "buflet");

/* ---------------------------------------------------------------- */
/* Metadata preamble (16 bytes before every metadata object).         */
/* ---------------------------------------------------------------- */

/*
 * mdp_redzone == (object address + 16 - umd base) ^ csm_md_redzone_cookie
 * while the object is the process's; the library checks it on every use.
 */
__extension__ struct __metadata_preamble {
	union {
		uint64_t _mdp_next;   /* kernel free-list link */
		uint64_t mdp_redzone; /* (k) user view */
	};
	SK_KCONST obj_idx_t mdp_idx; /* (k) index in the umd region */
	uint16_t mdp_type;	     /* (k) nexus_meta_type_t */
	uint16_t mdp_subtype;	     /* (k) nexus_meta_subtype_t */
};

#define METADATA_PREAMBLE_SZ (sizeof(struct __metadata_preamble))
#define METADATA_PREAMBLE(_md)                                                 \
	((struct __metadata_preamble *)((                                      \
	    mach_vm_address_t)(_md)-METADATA_PREAMBLE_SZ))
#define METADATA_IDX(_md) (METADATA_PREAMBLE(_md)->mdp_idx)
#define METADATA_TYPE(_md) (METADATA_PREAMBLE(_md)->mdp_type)
#define METADATA_SUBTYPE(_md) (METADATA_PREAMBLE(_md)->mdp_subtype)

SK_STATIC_ASSERT(sizeof(struct __metadata_preamble) == 16, "preamble size");
SK_STATIC_ASSERT(offsetof(struct __metadata_preamble, mdp_idx) == 8, "mdp_idx");
SK_STATIC_ASSERT(offsetof(struct __metadata_preamble, mdp_type) == 12,
		 "mdp_type");
SK_STATIC_ASSERT(offsetof(struct __metadata_preamble, mdp_subtype) == 14,
		 "mdp_subtype");

/* ---------------------------------------------------------------- */
/* Quantum (pipes) and its common part.                              */
/* ---------------------------------------------------------------- */

/* Copied both ways at each sync, up to and including __q_flags. */
struct __quantum {
	union {
		uuid_t __uuid;
		uint8_t __val8[16];
		uint16_t __val16[8];
		uint32_t __val32[4];
		uint64_t __val64[2];
	} __flow_id_u;		     /* (u) flow id */
	uint32_t __q_len;	     /* (u) length, set at finalize */
	uint32_t __q_svc_class;	     /* (u) PKT_SC_* */
	volatile uint16_t __q_flags; /* (u/k) QUM_F_* */
	uint16_t __q_pad[3];
} __attribute__((aligned(8)));
#define __q_flow_id __flow_id_u.__uuid
#define __q_flow_id_val8 __flow_id_u.__val8
#define __q_flow_id_val16 __flow_id_u.__val16
#define __q_flow_id_val32 __flow_id_u.__val32
#define __q_flow_id_val64 __flow_id_u.__val64

SK_STATIC_ASSERT(sizeof(struct __quantum) == 32, "__quantum size");
SK_STATIC_ASSERT(offsetof(struct __quantum, __q_len) == 16, "__q_len");
SK_STATIC_ASSERT(offsetof(struct __quantum, __q_svc_class) == 20,
		 "__q_svc_class");
SK_STATIC_ASSERT(offsetof(struct __quantum, __q_flags) == 24, "__q_flags");

struct __user_quantum {
	struct __quantum qum_com;
	struct __user_buflet qum_buf[1]; /* inline buflet */
	uint16_t qum_usecnt;		 /* (u) os_packet_*_use_count */
} __attribute__((aligned(8)));
#define qum_flow_id qum_com.__q_flow_id
#define qum_flow_id_val8 qum_com.__q_flow_id_val8
#define qum_flow_id_val16 qum_com.__q_flow_id_val16
#define qum_flow_id_val32 qum_com.__q_flow_id_val32
#define qum_flow_id_val64 qum_com.__q_flow_id_val64
#define qum_len qum_com.__q_len
#define qum_qflags qum_com.__q_flags
#define qum_svc_class qum_com.__q_svc_class

SK_STATIC_ASSERT(sizeof(struct __user_quantum) == 80, "__user_quantum size");
SK_STATIC_ASSERT(offsetof(struct __user_quantum, qum_buf) == 32, "qum_buf");
SK_STATIC_ASSERT(offsetof(struct __user_quantum, qum_usecnt) == 74,
		 "qum_usecnt");

/* qum_qflags */
#define QUM_F_FINALIZED 0x0001 /* finalized; length is valid */
#define QUM_F_DROPPED 0x0002   /* finalize failed, or drop on TX */
#define QUM_F_FLOW_CLASSIFIED 0x0010
#define QUM_F_INTERNALIZED 0x1000 /* kernel-only */
#define QUM_F_KERNEL_ONLY 0x8000  /* kernel-only */
#define QUM_F_SAVE_MASK (QUM_F_KERNEL_ONLY)
#define QUM_F_KERNEL_FLAGS (QUM_F_INTERNALIZED | QUM_F_KERNEL_ONLY)

/* ---------------------------------------------------------------- */
/* Packet (netif) common and optional parts.                         */
/* ---------------------------------------------------------------- */

/* All (u): internalized at TX, externalized at RX. */
__extension__ struct __packet_com {
	uint16_t __link_flags; /* PKT_LINKF_* */
	uint8_t __headroom;    /* == first buflet's data offset */
	uint8_t __l2_len;      /* link-layer header length */
	uint32_t __csum_flags; /* PACKET_CSUM_* */
	union {
		struct {
			uint16_t __csum_start_off;
			uint16_t __csum_value;
		} __csum_rx;
		struct {
			uint16_t __csum_start_off;
			uint16_t __csum_stuff_off;
		} __csum_tx;
		uint32_t __csum_data;
	};
	uint32_t __comp_gencnt;
	packet_trace_id_t __trace_id;
	uint8_t __aggr_type; /* PKT_AGGR_* */
	uint8_t __seg_cnt;
	uint16_t __proto_seg_sz;
	union {
		volatile uint32_t __flags32[2];
		volatile uint64_t __flags; /* PKT_F_* */
	};
} __attribute__((aligned(8)));

__extension__ struct __packet {
	union {
		uint64_t __pkt_data[4];
		struct __packet_com __pkt_com;
	};
};
#define __p_link_flags __pkt_com.__link_flags
#define __p_headroom __pkt_com.__headroom
#define __p_l2_len __pkt_com.__l2_len
#define __p_csum_flags __pkt_com.__csum_flags
#define __p_csum_rx __pkt_com.__csum_rx
#define __p_csum_tx __pkt_com.__csum_tx
#define __p_csum_data __pkt_com.__csum_data
#define __p_comp_gencnt __pkt_com.__comp_gencnt
#define __p_aggr_type __pkt_com.__aggr_type
#define __p_seg_cnt __pkt_com.__seg_cnt
#define __p_proto_seg_sz __pkt_com.__proto_seg_sz
#define __p_trace_id __pkt_com.__trace_id
#define __p_flags32 __pkt_com.__flags32
#define __p_flags __pkt_com.__flags

SK_STATIC_ASSERT(sizeof(struct __packet_com) == 32, "__packet_com size");
SK_STATIC_ASSERT(sizeof(struct __packet) == 32, "__packet size");
SK_STATIC_ASSERT(offsetof(struct __packet_com, __headroom) == 2, "pkt com");
SK_STATIC_ASSERT(offsetof(struct __packet_com, __l2_len) == 3, "pkt com");
SK_STATIC_ASSERT(offsetof(struct __packet_com, __csum_flags) == 4, "pkt com");
SK_STATIC_ASSERT(offsetof(struct __packet_com, __csum_data) == 8, "pkt com");
SK_STATIC_ASSERT(offsetof(struct __packet_com, __comp_gencnt) == 12, "pkt com");
SK_STATIC_ASSERT(offsetof(struct __packet_com, __trace_id) == 16, "pkt com");
SK_STATIC_ASSERT(offsetof(struct __packet_com, __aggr_type) == 20, "pkt com");
SK_STATIC_ASSERT(offsetof(struct __packet_com, __seg_cnt) == 21, "pkt com");
SK_STATIC_ASSERT(offsetof(struct __packet_com, __proto_seg_sz) == 22,
		 "pkt com");
SK_STATIC_ASSERT(offsetof(struct __packet_com, __flags) == 24, "pkt com");

/* Option token types and size. */
#define PKT_OPT_TOKEN_TYPE_OPAQUE 1    /* opaque bytes */
#define PKT_OPT_TOKEN_TYPE_PACKET_ID 2 /* a packet_id_t */
#define PKT_OPT_MAX_TOKEN_SIZE 16

/* Optional fields; each is meaningful only with its PKT_F_OPT_* flag. */
__extension__ struct __packet_opt_com {
	union {
		uint64_t __token_data[2];
		uint8_t __token[PKT_OPT_MAX_TOKEN_SIZE];
	};
	uint64_t __expire_ts;
	uint64_t __pkt_tx_time;
	uint16_t __vlan_tag;
	uint16_t __token_len;
	uint8_t __token_type;	 /* PKT_OPT_TOKEN_TYPE_* */
	uint8_t __expiry_action; /* packet_expiry_action_t */
	uint8_t __app_type;	 /* packet_app_metadata_type_t */
	uint8_t __app_metadata;
} __attribute__((aligned(8)));

__extension__ struct __packet_opt {
	union {
		uint64_t __pkt_opt_data[5];
		struct __packet_opt_com __pkt_opt_com;
	};
};
#define __po_token_type __pkt_opt_com.__token_type
#define __po_token_len __pkt_opt_com.__token_len
#define __po_vlan_tag __pkt_opt_com.__vlan_tag
#define __po_token_data __pkt_opt_com.__token_data
#define __po_token __pkt_opt_com.__token
#define __po_expire_ts __pkt_opt_com.__expire_ts
#define __po_expiry_action __pkt_opt_com.__expiry_action
#define __po_app_type __pkt_opt_com.__app_type
#define __po_app_metadata __pkt_opt_com.__app_metadata
#define __po_pkt_tx_time __pkt_opt_com.__pkt_tx_time

SK_STATIC_ASSERT(sizeof(struct __packet_opt_com) == 40, "packet opt com");
SK_STATIC_ASSERT(sizeof(struct __packet_opt) == 40, "__packet_opt size");
SK_STATIC_ASSERT(offsetof(struct __packet_opt_com, __expire_ts) == 16, "opt");
SK_STATIC_ASSERT(offsetof(struct __packet_opt_com, __pkt_tx_time) == 24, "opt");
SK_STATIC_ASSERT(offsetof(struct __packet_opt_com, __vlan_tag) == 32, "opt");
SK_STATIC_ASSERT(offsetof(struct __packet_opt_com, __token_len) == 34, "opt");
SK_STATIC_ASSERT(offsetof(struct __packet_opt_com, __token_type) == 36, "opt");
SK_STATIC_ASSERT(offsetof(struct __packet_opt_com, __expiry_action) == 37,
		 "opt");
SK_STATIC_ASSERT(offsetof(struct __packet_opt_com, __app_type) == 38, "opt");
SK_STATIC_ASSERT(offsetof(struct __packet_opt_com, __app_metadata) == 39,
		 "opt");

/* A packet: a quantum plus the packet parts (160 bytes). */
struct __user_packet {
	struct __user_quantum pkt_qum;
	struct __packet pkt_com;
	struct __packet_opt pkt_com_opt;
	/* Outside the common area: the kernel updates them selectively. */
	SK_KCONST uint16_t pkt_bufs_max; /* (k) longest buflet chain */
	SK_KCONST uint16_t pkt_bufs_cnt; /* (k) buflets in the chain */
} __attribute__((aligned(8)));

#define pkt_flow_id pkt_qum.qum_flow_id
#define pkt_flow_id_64 pkt_qum.qum_flow_id_val64
#define pkt_qum_qflags pkt_qum.qum_qflags
#define pkt_length pkt_qum.qum_len
#define pkt_qum_buf pkt_qum.qum_buf[0]
#define pkt_svc_class pkt_qum.qum_svc_class
#define pkt_link_flags pkt_com.__p_link_flags
#define pkt_headroom pkt_com.__p_headroom
#define pkt_l2_len pkt_com.__p_l2_len
#define pkt_csum_flags pkt_com.__p_csum_flags
#define pkt_csum_rx_start_off pkt_com.__p_csum_rx.__csum_start_off
#define pkt_csum_rx_value pkt_com.__p_csum_rx.__csum_value
#define pkt_csum_tx_start_off pkt_com.__p_csum_tx.__csum_start_off
#define pkt_csum_tx_stuff_off pkt_com.__p_csum_tx.__csum_stuff_off
#define pkt_csum_data pkt_com.__p_csum_data
#define pkt_comp_gencnt pkt_com.__p_comp_gencnt
#define pkt_aggr_type pkt_com.__p_aggr_type
#define pkt_seg_cnt pkt_com.__p_seg_cnt
#define pkt_proto_seg_sz pkt_com.__p_proto_seg_sz
#define pkt_trace_id pkt_com.__p_trace_id
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define pkt_pflags32 pkt_com.__p_flags32[1]
#else
#define pkt_pflags32 pkt_com.__p_flags32[0]
#endif
#define pkt_pflags pkt_com.__p_flags

SK_STATIC_ASSERT(sizeof(struct __user_packet) == 160, "__user_packet size");
SK_STATIC_ASSERT(offsetof(struct __user_packet, pkt_com) == 80, "pkt_com");
SK_STATIC_ASSERT(offsetof(struct __user_packet, pkt_com_opt) == 112,
		 "pkt_com_opt");
SK_STATIC_ASSERT(offsetof(struct __user_packet, pkt_bufs_max) == 152,
		 "pkt_bufs_max");
SK_STATIC_ASSERT(offsetof(struct __user_packet, pkt_bufs_cnt) == 154,
		 "pkt_bufs_cnt");

/* Size of a user packet object with n buflets (the first is inline). */
#define _USER_PACKET_SIZE(n) sizeof(struct __user_packet)

/* pkt_link_flags */
#define PKT_LINKF_BCAST 0x0001
#define PKT_LINKF_MCAST 0x0002
#define PKT_LINKF_ETHFCS 0x0004

/*
 * pkt_pflags bits the process may see and set.  The low 32 bits mirror
 * the kernel's mbuf packet flags; the rest are Skywalk's own.
 */
#define PKT_F_WAKE_PKT 0x0000000000000400ULL
#define PKT_F_BACKGROUND 0x0000000000008000ULL
#define PKT_F_KEEPALIVE 0x0000000000040000ULL
#define PKT_F_REALTIME 0x0000000000080000ULL
#define PKT_F_REXMT 0x0000000000200000ULL
#define PKT_F_LAST_PKT 0x0000000010000000ULL
#define PKT_F_OPT_GROUP_START 0x0000000100000000ULL
#define PKT_F_OPT_GROUP_END 0x0000000200000000ULL
#define PKT_F_OPT_EXPIRE_TS 0x0000000400000000ULL
#define PKT_F_OPT_TOKEN 0x0000000800000000ULL
#define PKT_F_TRUNCATED 0x0000008000000000ULL
#define PKT_F_PROMISC 0x0000020000000000ULL
#define PKT_F_OPT_VLTAG 0x0000040000000000ULL
#define PKT_F_OPT_VLTAG_IN_PKT 0x0000080000000000ULL
#define PKT_F_OPT_EXP_ACTION 0x0000200000000000ULL
#define PKT_F_OPT_APP_METADATA 0x0000400000000000ULL
#define PKT_F_L4S 0x0000800000000000ULL
#define PKT_F_OPT_TX_TIMESTAMP 0x0001000000000000ULL

/* Flags that say an optional field is present. */
#define PKT_F_OPT_DATA                                                         \
	(PKT_F_OPT_GROUP_START | PKT_F_OPT_GROUP_END | PKT_F_OPT_EXPIRE_TS |   \
	 PKT_F_OPT_TOKEN | PKT_F_OPT_VLTAG | PKT_F_OPT_VLTAG_IN_PKT |          \
	 PKT_F_OPT_EXP_ACTION | PKT_F_OPT_APP_METADATA |                       \
	 PKT_F_OPT_TX_TIMESTAMP)

/* The only flags the kernel copies in from, or out to, the process. */
#define PKT_F_USER_MASK                                                        \
	(PKT_F_BACKGROUND | PKT_F_REALTIME | PKT_F_REXMT | PKT_F_LAST_PKT |    \
	 PKT_F_OPT_DATA | PKT_F_PROMISC | PKT_F_TRUNCATED | PKT_F_WAKE_PKT |   \
	 PKT_F_L4S)

/* ---------------------------------------------------------------- */
/* Tagged handles.                                                   */
/* ---------------------------------------------------------------- */

/* Bits 0-1 carry the metadata type, bits 2-3 the subtype. */
#define SK_PTR_TYPE_MASK ((uint64_t)0x3)
#define SK_PTR_SUBTYPE_MASK ((uint64_t)0xc)
#define SK_PTR_TAG_MASK ((uint64_t)0xf)
#define SK_PTR_ADDR_MASK (~SK_PTR_TAG_MASK)

#define SK_PTR_TAG(_p) ((uint64_t)(_p)&SK_PTR_TAG_MASK)
#define SK_PTR_TYPE(_p) ((uint64_t)(_p)&SK_PTR_TYPE_MASK)
#define SK_PTR_TYPE_ENC(_t) ((uint64_t)(_t)&SK_PTR_TYPE_MASK)
#define SK_PTR_SUBTYPE(_p) (((uint64_t)(_p)&SK_PTR_SUBTYPE_MASK) >> 2)
#define SK_PTR_SUBTYPE_ENC(_s) (((uint64_t)(_s) << 2) & SK_PTR_SUBTYPE_MASK)
#define SK_PTR_ADDR(_p) ((uint64_t)(_p)&SK_PTR_ADDR_MASK)
#define SK_PTR_ADDR_ENC(_p) ((uint64_t)(_p)&SK_PTR_ADDR_MASK)

#define SK_PTR_ENCODE(_p, _t, _s)                                              \
	(SK_PTR_ADDR_ENC(_p) | SK_PTR_TYPE_ENC(_t) | SK_PTR_SUBTYPE_ENC(_s))

#define SK_PTR_ADDR_UQUM(_ph) ((struct __user_quantum *)SK_PTR_ADDR(_ph))
#define SK_PTR_ADDR_UPKT(_ph) ((struct __user_packet *)SK_PTR_ADDR(_ph))

/* Shorthands the library code uses. */
#define QUM_ADDR(_ph) SK_PTR_ADDR_UQUM(_ph)
#define PKT_ADDR(_ph) SK_PTR_ADDR_UPKT(_ph)

#ifdef __cplusplus
}
#endif

#endif /* !_SKYWALK_OS_PACKET_PRIVATE_H_ */
