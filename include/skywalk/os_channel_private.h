/*
 * os_channel_private.h - the channel's shared memory, its system calls
 * and the library's channel descriptors.
 *
 * At open the kernel maps one span into the process: a read-only schema
 * describing where everything is, the rings, the slot descriptors, the
 * metadata objects and the buffers.  Comments mark who writes each
 * shared field: (u) the process, (k) the kernel.  Fields the process
 * must not store to are SK_KCONST (see skywalk_common.h).
 *
 * Offsets in the schema and rings are relative, so the span may sit at
 * any address: ring and slot-descriptor offsets count from the schema,
 * the region offsets in a ring count from that ring, and the stats,
 * flow-advisory and nexus-advisory offsets count from the span base.
 */
#ifndef _SKYWALK_OS_CHANNEL_PRIVATE_H_
#define _SKYWALK_OS_CHANNEL_PRIVATE_H_

#include <skywalk/skywalk_compat.h>
#include <skywalk/skywalk_common.h>
#include <skywalk/os_channel.h>
#include <skywalk/os_channel_event.h>
#include <skywalk/os_nexus_private.h>
#include <skywalk/os_stats_private.h>

#ifdef __cplusplus
extern "C" {
#endif

/* __channel_sync() flags; TX/RX syncs may carry the pool ones along. */
#define CHANNEL_SYNCF_ALLOC 0x1	       /* refill the packet alloc ring */
#define CHANNEL_SYNCF_FREE 0x2	       /* drain the free rings */
#define CHANNEL_SYNCF_PURGE 0x4	       /* give back surplus pool packets */
#define CHANNEL_SYNCF_ALLOC_BUF 0x8    /* refill the buflet alloc ring */
#define CHANNEL_SYNCF_LARGE_ALLOC 0x10 /* refill the large-buffer ring */

/* ---------------------------------------------------------------- */
/* Schema (read-only mapping, one per channel).                      */
/* ---------------------------------------------------------------- */

#define CHANNEL_SCHEMA_KERN_NAME 256 /* Darwin's _SYS_NAMELEN */

/* Where one ring and its slot descriptors are, from the schema. */
struct __csm_ring_ofs {
	SK_KCONST mach_vm_offset_t ring_off; /* struct __user_channel_ring */
	SK_KCONST mach_vm_offset_t sd_off;   /* struct __slot_desc[] */
};

__extension__ struct __user_channel_schema {
	/* These four stay first whatever the version, for diagnostics. */
	SK_KCONST uint32_t csm_ver;	       /* (k) CSM_CURRENT_VERSION */
	SK_KCONST volatile uint32_t csm_flags; /* (k) CSM_* */
	SK_KCONST char csm_kern_name[CHANNEL_SCHEMA_KERN_NAME]; /* (k) */
	SK_KCONST uuid_t csm_kern_uuid;				/* (k) */

	/* Rings of this channel, in csm_ring_ofs order. */
	SK_KCONST uint32_t csm_tx_rings;
	SK_KCONST uint32_t csm_rx_rings;
	SK_KCONST uint32_t csm_allocator_ring_pairs;  /* 0, 1 or 2 */
	SK_KCONST uint32_t csm_num_event_rings;	      /* 0 or 1 */
	SK_KCONST uint32_t csm_large_buf_alloc_rings; /* 0 or 1 */

	SK_KCONST uint32_t csm_flowadv_max;	    /* flow-advisory entries */
	SK_KCONST mach_vm_offset_t csm_flowadv_ofs; /* from span; 0 = none */

	SK_KCONST uint64_t csm_md_redzone_cookie; /* per boot, see preamble */
	SK_KCONST nexus_meta_type_t csm_md_type;
	SK_KCONST nexus_meta_subtype_t csm_md_subtype;

	SK_KCONST mach_vm_offset_t csm_stats_ofs; /* from span; 0 = none */
	SK_KCONST nexus_stats_type_t csm_stats_type;
	uint32_t __csm_pad;

	SK_KCONST mach_vm_offset_t csm_nexusadv_ofs; /* from span; 0 = none */

	/*
	 * TX rings, RX rings, alloc rings (packet, buflet), free rings
	 * (packet, buflet), event ring, large-buffer alloc ring.
	 */
	struct __csm_ring_ofs csm_ring_ofs[];
};

SK_STATIC_ASSERT(sizeof(struct __user_channel_schema) == 352, "schema size");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_flags) == 4,
		 "csm_flags");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_kern_name) == 8,
		 "csm_kern_name");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_kern_uuid) == 264,
		 "csm_kern_uuid");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_tx_rings) == 280,
		 "csm_tx_rings");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_rx_rings) == 284,
		 "csm_rx_rings");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema,
			  csm_allocator_ring_pairs) == 288,
		 "csm_allocator_ring_pairs");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_num_event_rings) ==
		     292,
		 "csm_num_event_rings");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema,
			  csm_large_buf_alloc_rings) == 296,
		 "csm_large_buf_alloc_rings");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_flowadv_max) == 300,
		 "csm_flowadv_max");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_flowadv_ofs) == 304,
		 "csm_flowadv_ofs");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema,
			  csm_md_redzone_cookie) == 312,
		 "csm_md_redzone_cookie");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_md_type) == 320,
		 "csm_md_type");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_md_subtype) == 324,
		 "csm_md_subtype");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_stats_ofs) == 328,
		 "csm_stats_ofs");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_stats_type) == 336,
		 "csm_stats_type");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_nexusadv_ofs) ==
		     344,
		 "csm_nexusadv_ofs");
SK_STATIC_ASSERT(offsetof(struct __user_channel_schema, csm_ring_ofs) == 352,
		 "csm_ring_ofs");
SK_STATIC_ASSERT(sizeof(struct __csm_ring_ofs) == 16, "csm_ring_ofs entry");

/* Bumped on any schema layout change; the library traps on mismatch. */
#define CSM_CURRENT_VERSION 18

/* csm_flags */
#define CSM_PRIV_MEM 0x1      /* private memory region */
#define CSM_ACTIVE (1U << 31) /* cleared when the channel goes defunct */

/* Bytes of schema for a channel with n rings in all. */
#define CHANNEL_SCHEMA_SIZE(n)                                                 \
	(offsetof(struct __user_channel_schema, csm_ring_ofs) +                \
	 (size_t)(n) * sizeof(struct __csm_ring_ofs))

/* Generous cache-line estimate for spacing contended fields. */
#define CHANNEL_CACHE_ALIGN_MAX 128

/* ring_kind */
#define CR_KIND_RX 0
#define CR_KIND_TX 1
#define CR_KIND_ALLOC 2
#define CR_KIND_FREE 3
#define CR_KIND_EVENT 4
#define CR_KIND_LARGE_BUF_ALLOC 5

typedef uint32_t slot_idx_t;
typedef uint32_t obj_idx_t;
#define OBJ_IDX_NONE ((obj_idx_t)-1)

/* ---------------------------------------------------------------- */
/* Slot descriptors (one per slot, 8 bytes).                         */
/* ---------------------------------------------------------------- */

struct __user_slot_desc {
	obj_idx_t sd_md_idx; /* (u/k) metadata object in the umd region */
	uint16_t sd_flags;   /* (u/k) SD_* */
	uint16_t sd_len;     /* (k) ready bytes, packet-pool RX slots */
};

/* sd_flags */
#define SD_IDX_VALID 0x1	  /* sd_md_idx names attached metadata */
#define SD_LEN_VALID 0x2	  /* kernel-only: sd_len recorded */
#define SD_KERNEL_ONLY (1U << 15) /* kernel-only: no user counterpart */
#define SD_FLAGS_USER (SD_IDX_VALID)

#define SD_VALID_METADATA(_sd) (!!((_sd)->sd_flags & SD_IDX_VALID))

__extension__ struct __slot_desc {
	union {
		struct __user_slot_desc _sd_user;
		uint64_t _sd_private[1];
	};
};

#define SLOT_DESC_SZ (sizeof(struct __slot_desc))
#define SLOT_DESC_USD(_sdp) (&(_sdp)->_sd_user)

SK_STATIC_ASSERT(sizeof(struct __user_slot_desc) == 8, "user slot desc");
SK_STATIC_ASSERT(sizeof(struct __slot_desc) == 8, "slot desc");
SK_STATIC_ASSERT(offsetof(struct __user_slot_desc, sd_flags) == 4, "sd_flags");
SK_STATIC_ASSERT(offsetof(struct __user_slot_desc, sd_len) == 6, "sd_len");

/* ---------------------------------------------------------------- */
/* Rings (96 bytes each, in the ring region).                        */
/* ---------------------------------------------------------------- */

/*
 * The process owns slots [head, tail); it publishes progress by moving
 * head, the kernel by moving tail at each sync.  Slots in [khead, head)
 * of a TX ring are queued but not yet taken by the kernel.
 */
struct __user_channel_ring {
	volatile slot_idx_t ring_head;		  /* (u) */
	SK_KCONST volatile slot_idx_t ring_tail;  /* (k) */
	SK_KCONST volatile slot_idx_t ring_khead; /* (k) */

	SK_KCONST uint32_t ring_num_slots;
	SK_KCONST uint32_t ring_def_buf_size;	/* = nxp_buf_size */
	SK_KCONST uint32_t ring_large_buf_size; /* 0 if none */
	SK_KCONST uint16_t ring_md_size;	/* incl. 16-byte preamble */
	SK_KCONST uint16_t ring_bft_size;	/* 0 if no external buflets */
	SK_KCONST uint16_t ring_id;		/* informational */
	SK_KCONST uint16_t ring_kind;		/* CR_KIND_* */

	/* Region offsets from this ring; ring_bft_base 0 = no buflets. */
	SK_KCONST mach_vm_offset_t ring_def_buf_base;
	SK_KCONST mach_vm_offset_t ring_large_buf_base;
	SK_KCONST mach_vm_offset_t ring_md_base;
	SK_KCONST mach_vm_offset_t ring_sd_base;
	SK_KCONST mach_vm_offset_t ring_bft_base;

	SK_KCONST volatile uint64_t ring_sync_time;   /* (k) our last sync */
	SK_KCONST volatile uint64_t ring_notify_time; /* (k) peer's last sync */
	SK_KCONST volatile uint32_t ring_alloc_ws;    /* (k) pool working set */
	SK_KCONST volatile uint32_t ring_alloc_buf_ws; /* (k) buflet w. set */
};

SK_STATIC_ASSERT(sizeof(struct __user_channel_ring) == 96, "ring size");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_tail) == 4, "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_khead) == 8, "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_num_slots) == 12,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_def_buf_size) == 16,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_large_buf_size) ==
		     20,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_md_size) == 24,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_bft_size) == 26,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_id) == 28, "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_kind) == 30, "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_def_buf_base) == 32,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_large_buf_base) ==
		     40,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_md_base) == 48,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_sd_base) == 56,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_bft_base) == 64,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_sync_time) == 72,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_notify_time) == 80,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_alloc_ws) == 88,
		 "ring");
SK_STATIC_ASSERT(offsetof(struct __user_channel_ring, ring_alloc_buf_ws) == 92,
		 "ring");

#define CHANNEL_RING_EMPTY(_ring) ((_ring)->ring_head == (_ring)->ring_tail)

/* ---------------------------------------------------------------- */
/* Flow advisory table (read-only, csm_flowadv_max entries).         */
/* ---------------------------------------------------------------- */

struct __flowadv_entry {
	__extension__ union {
		uint64_t fae_id_64[2];
		uint32_t fae_id_32[4];
		uuid_t fae_id; /* (k) flow id from the user stack */
	};
	volatile uint32_t fae_ce_cnt;  /* (k) CE-marked packets */
	volatile uint32_t fae_pkt_cnt; /* (k) packets seen */
	volatile uint32_t fae_flags;   /* (k) FLOWADVF_* */
	uint32_t fae_flowid;	       /* (k) the switch's own flow token */
} __attribute__((aligned(8)));

SK_STATIC_ASSERT(sizeof(struct __flowadv_entry) == 32, "flowadv entry");
SK_STATIC_ASSERT(offsetof(struct __flowadv_entry, fae_flags) == 24,
		 "fae_flags");

#define FLOWADVF_VALID 0x1
#define FLOWADVF_SUSPENDED 0x2

/* ---------------------------------------------------------------- */
/* Open and information requests.                                    */
/* ---------------------------------------------------------------- */

/* Low-watermark: readiness fires at this many slots or bytes. */
struct ch_ev_thresh {
	channel_threshold_unit_t cet_unit;
	uint32_t cet_value;
};

SK_STATIC_ASSERT(sizeof(struct ch_ev_thresh) == 8, "ch_ev_thresh size");

/* __channel_get_info() result; entirely kernel-written.  384 bytes. */
struct ch_info {
	__extension__ union {
		uint64_t cinfo_ch_id_64[2];
		uint32_t cinfo_ch_id_32[4];
		uuid_t cinfo_ch_id; /* random per channel */
	};
	uint32_t cinfo_ch_mode;			  /* CHMODE_* granted */
	ring_id_t cinfo_ch_ring_id;		  /* as requested, or ANY */
	struct nxprov_params cinfo_nxprov_params; /* at 64: 64-aligned */
	uuid_t cinfo_nx_uuid;
	nexus_port_t cinfo_nx_port;
	uint32_t cinfo_num_bufs;	      /* default pool buffers */
	mach_vm_size_t cinfo_mem_map_size;    /* the span */
	mach_vm_address_t cinfo_mem_base;     /* ... and where it is mapped */
	mach_vm_offset_t cinfo_schema_offset; /* from cinfo_mem_base */
	ring_id_t cinfo_first_tx_ring;	      /* inclusive */
	ring_id_t cinfo_last_tx_ring;
	ring_id_t cinfo_first_rx_ring;
	ring_id_t cinfo_last_rx_ring;
	struct ch_ev_thresh cinfo_tx_lowat; /* after clamping */
	struct ch_ev_thresh cinfo_rx_lowat;
} __attribute__((aligned(8)));

SK_STATIC_ASSERT(sizeof(struct ch_info) == 384, "ch_info size");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_ch_mode) == 16, "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_ch_ring_id) == 20, "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_nxprov_params) == 64,
		 "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_nx_uuid) == 256, "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_nx_port) == 272, "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_num_bufs) == 276, "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_mem_map_size) == 280,
		 "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_mem_base) == 288, "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_schema_offset) == 296,
		 "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_first_tx_ring) == 304,
		 "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_last_tx_ring) == 308,
		 "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_first_rx_ring) == 312,
		 "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_last_rx_ring) == 316,
		 "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_tx_lowat) == 320, "ch_info");
SK_STATIC_ASSERT(offsetof(struct ch_info, cinfo_rx_lowat) == 328, "ch_info");

#define CHANNEL_INIT_VERSION_1 1
#define CHANNEL_INIT_CURRENT_VERSION CHANNEL_INIT_VERSION_1

/* __channel_open() argument; user-written except ci_guard. */
struct ch_init {
	uint32_t ci_version;	 /* CHANNEL_INIT_CURRENT_VERSION */
	uint32_t ci_ch_mode;	 /* CHMODE_* requested */
	ring_id_t ci_ch_ring_id; /* one ring, or CHANNEL_RING_ID_ANY */
	nexus_port_t ci_nx_port;
	uuid_t ci_nx_uuid;
	user_addr_t ci_key; /* bind key; cleared by the kernel */
	uint32_t ci_key_len;
	uint32_t __ci_align;
	struct ch_ev_thresh ci_tx_lowat;
	struct ch_ev_thresh ci_rx_lowat;
	guardid_t ci_guard; /* (k) out: guard of the returned fd */
};

SK_STATIC_ASSERT(sizeof(struct ch_init) == 72, "ch_init size");
SK_STATIC_ASSERT(offsetof(struct ch_init, ci_ch_ring_id) == 8, "ch_init");
SK_STATIC_ASSERT(offsetof(struct ch_init, ci_nx_port) == 12, "ch_init");
SK_STATIC_ASSERT(offsetof(struct ch_init, ci_nx_uuid) == 14, "ch_init");
SK_STATIC_ASSERT(offsetof(struct ch_init, ci_key) == 32, "ch_init");
SK_STATIC_ASSERT(offsetof(struct ch_init, ci_key_len) == 40, "ch_init");
SK_STATIC_ASSERT(offsetof(struct ch_init, ci_tx_lowat) == 48, "ch_init");
SK_STATIC_ASSERT(offsetof(struct ch_init, ci_rx_lowat) == 56, "ch_init");
SK_STATIC_ASSERT(offsetof(struct ch_init, ci_guard) == 64, "ch_init");

/* ci_ch_mode / cinfo_ch_mode */
#define CHMODE_MONITOR_TX 0x00000001
#define CHMODE_MONITOR_RX 0x00000002
#define CHMODE_MONITOR_NO_COPY 0x00000004 /* with MONITOR_TX/RX only */
#define CHMODE_USER_PACKET_POOL 0x00000008
#define CHMODE_DEFUNCT_OK 0x00000010
#define CHMODE_FILTER 0x00000020
#define CHMODE_EVENT_RING 0x00000040 /* needs USER_PACKET_POOL */
#define CHMODE_LOW_LATENCY 0x00000080
#define CHMODE_EXCLUSIVE 0x00000200
#define CHMODE_MONITOR (CHMODE_MONITOR_TX | CHMODE_MONITOR_RX)
/* Kernel-only modes; the kernel strips them from user requests. */
#define CHMODE_KERNEL 0x00001000
#define CHMODE_NO_NXREF 0x00002000
#define CHMODE_CONFIG 0x00004000
#define CHMODE_HOST 0x00008000
#define CHMODE_MASK                                                            \
	(CHMODE_MONITOR | CHMODE_MONITOR_NO_COPY | CHMODE_USER_PACKET_POOL |   \
	 CHMODE_FILTER | CHMODE_DEFUNCT_OK | CHMODE_EVENT_RING |               \
	 CHMODE_EXCLUSIVE | CHMODE_LOW_LATENCY)

/* __channel_get_opt() / __channel_set_opt() options. */
#define CHOPT_TX_LOWAT_THRESH 1 /* get/set: struct ch_ev_thresh */
#define CHOPT_RX_LOWAT_THRESH 2 /* get/set: struct ch_ev_thresh */
#define CHOPT_IF_ADV_CONF 3	/* set: uint32_t, interface advisories */

/* ---------------------------------------------------------------- */
/* Event ring buffers (kernel-written).                              */
/* ---------------------------------------------------------------- */

#define CHANNEL_EVENT_MIN CHANNEL_EVENT_PACKET_TRANSMIT_STATUS
#define CHANNEL_EVENT_MAX CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED

/* At the start of each event buffer; emd_nevents records follow. */
struct __kern_channel_event_metadata {
	os_channel_event_type_t emd_etype;
	uint32_t emd_nevents;
};
#define __KERN_CHANNEL_EVENT_OFFSET                                            \
	(sizeof(struct __kern_channel_event_metadata))

/* One record: a header, then ev_dlen payload bytes, back to back. */
__extension__ struct __kern_channel_event {
	os_channel_event_type_t ev_type;
	uint32_t ev_flags; /* CHANNEL_EVENT_FLAG_* */
	uint16_t _reserved;
	uint16_t ev_dlen;
	uint8_t ev_data[];
};

#define CHANNEL_EVENT_FLAG_MORE_EVENT 0x1 /* another record follows */

#define CHANNEL_EVENT_MAX_LEN                                                  \
	(sizeof(struct __kern_channel_event) + CHANNEL_EVENT_MAX_PAYLOAD_LEN)
#define CHANNEL_EVENT_TX_STATUS_LEN                                            \
	(sizeof(struct __kern_channel_event) +                                 \
	 sizeof(os_channel_event_packet_transmit_status_t))

SK_STATIC_ASSERT(sizeof(struct __kern_channel_event_metadata) == 8,
		 "event metadata");
SK_STATIC_ASSERT(sizeof(struct __kern_channel_event) == 12, "event record");
SK_STATIC_ASSERT(offsetof(struct __kern_channel_event, ev_dlen) == 10,
		 "ev_dlen");
SK_STATIC_ASSERT(offsetof(struct __kern_channel_event, ev_data) == 12,
		 "ev_data");

/* ---------------------------------------------------------------- */
/* Library descriptors (process memory, not shared).                 */
/* ---------------------------------------------------------------- */

/*
 * One per ring of a channel, precomputed at create so the slot calls do
 * no offset arithmetic on the schema.  The const fields are filled once
 * by the library through casts.
 */
struct channel_ring_desc {
	const struct channel *chrd_channel;
	const volatile uint32_t *chrd_csm_flags; /* -> schema csm_flags */
	const struct __user_channel_ring *chrd_ring;
	struct __slot_desc *chrd_slot_desc; /* this ring's slots */

	const nexus_meta_type_t chrd_md_type;
	const nexus_meta_subtype_t chrd_md_subtype;
	const mach_vm_address_t chrd_shmem_base_addr;
	const mach_vm_address_t chrd_def_buf_base_addr;
	const mach_vm_address_t chrd_large_buf_base_addr;
	const mach_vm_address_t chrd_md_base_addr;
	const mach_vm_address_t chrd_sd_base_addr;
	const mach_vm_address_t chrd_bft_base_addr;
	const uint32_t chrd_max_bufs; /* buflets per packet */
} __attribute__((aligned(8)));

/* Body of a channel_t. */
__extension__ struct channel {
	int chd_fd;
	sync_flags_t chd_sync_flags; /* CHANNEL_SYNCF_* added to TX syncs */
	guardid_t chd_guard;
	struct ch_info *chd_info; /* malloc'd copy, refreshed on read_attr */

	const volatile struct __user_channel_schema *chd_schema;
	const volatile void *chd_nx_stats;
	const volatile struct __flowadv_entry *chd_nx_flowadv;
	const volatile struct __kern_nexus_adv_metadata *chd_nx_adv;

	const nexus_meta_type_t chd_md_type;
	const nexus_meta_subtype_t chd_md_subtype;
	/* Indices into chd_rings, or CHD_RING_IDX_NONE. */
	const uint8_t chd_alloc_ring_idx;
	const uint8_t chd_free_ring_idx;
	const uint8_t chd_buf_alloc_ring_idx;
	const uint8_t chd_buf_free_ring_idx;
	const uint8_t chd_large_buf_alloc_ring_idx;

	/* TX rings, RX rings, then the rest in schema order. */
	struct channel_ring_desc chd_rings[];
};

#define CHD_RING_IDX_NONE ((uint8_t)-1)

#define CHD_SIZE(n)                                                            \
	(offsetof(struct channel, chd_rings) +                                 \
	 (size_t)(n) * sizeof(struct channel_ring_desc))
#define CHD_INFO_SIZE (sizeof(struct ch_info))
#define CHD_INFO(_chd) ((_chd)->chd_info)
#define CHD_PARAMS(_chd) (&CHD_INFO(_chd)->cinfo_nxprov_params)
#define CHD_SCHEMA(_chd)                                                       \
	(__DECONST(struct __user_channel_schema *, (_chd)->chd_schema))
#define CHD_NX_STATS(_chd) (__DECONST(void *, (_chd)->chd_nx_stats))
#define CHD_NX_FLOWADV(_chd)                                                   \
	(__DECONST(struct __flowadv_entry *, (_chd)->chd_nx_flowadv))
#define CHD_NX_ADV_MD(_chd)                                                    \
	(__DECONST(struct __kern_nexus_adv_metadata *, (_chd)->chd_nx_adv))
/* The advisory body follows its metadata header directly. */
#define CHD_NX_ADV_NETIF(_adv_md)                                              \
	((struct netif_nexus_advisory *)(void *)((_adv_md) + 1))
#define CHD_NX_ADV_FSW(_adv_md) ((struct sk_nexusadv *)(void *)((_adv_md) + 1))

/* Body of a channel_attr_t. */
struct channel_attr {
	uint32_t cha_tx_rings;
	uint32_t cha_rx_rings;
	uint32_t cha_tx_slots;
	uint32_t cha_rx_slots;
	uint32_t cha_buf_size;
	uint32_t cha_meta_size;
	uint32_t cha_stats_size;
	uint32_t cha_exclusive;
	uint32_t cha_monitor; /* channel_monitor_type_t */
	uint32_t cha_key_len;
	void *cha_key; /* owned copy, <= NEXUS_MAX_KEY_LEN */
	struct ch_ev_thresh cha_tx_lowat;
	struct ch_ev_thresh cha_rx_lowat;
	uint32_t cha_nexus_type;
	uint32_t cha_nexus_extensions;
	uint32_t cha_nexus_mhints;
	uint32_t cha_nexus_ifindex;
	uint32_t cha_flowadv_max;
	nexus_meta_type_t cha_nexus_meta_type;
	nexus_meta_subtype_t cha_nexus_meta_subtype;
	uint32_t cha_nexus_checksum_offload;
	uint32_t cha_user_packet_pool;
	uint32_t cha_nexusadv_size;
	uint32_t cha_nexus_defunct_ok;
	uint32_t cha_filter;
	uint32_t cha_enable_event_ring;
	uint32_t cha_max_frags;
	uint32_t cha_num_buffers;
	uint32_t cha_low_latency;
	uint32_t cha_large_buf_size;
};

/*
 * Channel system calls, implemented by libskywalk over skchan's device.
 * They return -1 with errno set on failure.
 */
extern int __channel_open(struct ch_init *init, const uint32_t init_len);
extern int __channel_get_info(int c, struct ch_info *cinfo,
			      const uint32_t cinfolen);
extern int __channel_sync(int c, const int mode, const sync_flags_t flags);
extern int __channel_get_opt(int c, const uint32_t opt, void *aoptval,
			     uint32_t *aoptlen);
extern int __channel_set_opt(int c, const uint32_t opt, const void *aoptval,
			     const uint32_t optlen);

/*
 * Channel and controller fds are guarded; this is the only sanctioned
 * way to close one (plain close() is refused).
 */
extern int guarded_close_np(int fd, const guardid_t *guard);

/*
 * kevent filter and flags for channel fds (Darwin's sys/event_private.h),
 * for a kqueue shim to use.
 */
#ifndef EVFILT_NW_CHANNEL
#define EVFILT_NW_CHANNEL (-16)
#endif
#ifndef NOTE_FLOW_ADV_UPDATE
#define NOTE_FLOW_ADV_UPDATE 0x00000001
#endif
#ifndef NOTE_CHANNEL_EVENT
#define NOTE_CHANNEL_EVENT 0x00000002
#endif
#ifndef NOTE_IF_ADV_UPD
#define NOTE_IF_ADV_UPD 0x00000004
#endif

#ifdef __cplusplus
}
#endif

#endif /* !_SKYWALK_OS_CHANNEL_PRIVATE_H_ */
