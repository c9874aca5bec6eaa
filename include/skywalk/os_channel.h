/*
 * os_channel.h - channels: rings of slots shared with the "kernel"
 * (API tier).
 *
 * A channel is opened on one port of a nexus instance; the kernel maps
 * the rings, slot descriptors, metadata and buffers into the process and
 * the calls here move data by editing that memory.  Only the sync and
 * attribute calls cross into the kernel.
 */
#ifndef _SKYWALK_OS_CHANNEL_H_
#define _SKYWALK_OS_CHANNEL_H_

#include <skywalk/skywalk_compat.h>
#include <skywalk/os_nexus.h>
#include <skywalk/os_packet.h>
#include <skywalk/os_channel_event.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OS_CHANNEL_HAS_NUM_BUFFERS_ATTR 1
#define OS_CHANNEL_HAS_LARGE_PACKET 1

typedef struct channel *channel_t;
typedef struct channel_ring_desc *channel_ring_t;
/* Points into the mapped slot-descriptor array of a ring. */
typedef struct __slot_desc *channel_slot_t;
typedef struct channel_attr *channel_attr_t;

typedef uint32_t flowadv_idx_t;
#define FLOWADV_IDX_NONE ((flowadv_idx_t)-1)

/* Direction a channel binds; TX-only and RX-only suit monitors. */
typedef enum {
	CHANNEL_DIR_TX_RX = 0,
	CHANNEL_DIR_TX = 1,
	CHANNEL_DIR_RX = 2
} ring_dir_t;

typedef uint32_t ring_id_t;
#define CHANNEL_RING_ID_ANY ((ring_id_t)-1)

typedef enum {
	CHANNEL_FIRST_TX_RING = 0,
	CHANNEL_LAST_TX_RING = 1,
	CHANNEL_FIRST_RX_RING = 2,
	CHANNEL_LAST_RX_RING = 3
} ring_id_type_t;

typedef enum {
	CHANNEL_SYNC_TX = 0,
	CHANNEL_SYNC_RX = 1,
	/*
	 * Library-internal: sync the packet-pool (alloc/free) rings.
	 * os_channel_sync() refuses it; only __channel_sync() takes it.
	 */
	CHANNEL_SYNC_UPP = 2
} sync_mode_t;

typedef uint32_t sync_flags_t; /* CHANNEL_SYNCF_*, os_channel_private.h */

typedef enum {
	CHANNEL_MONITOR_OFF = 0,
	CHANNEL_MONITOR_NO_COPY = 1,
	CHANNEL_MONITOR_COPY = 2
} channel_monitor_type_t;

typedef enum {
	CHANNEL_THRESHOLD_UNIT_SLOTS = 0, /* default */
	CHANNEL_THRESHOLD_UNIT_BYTES = 1
} channel_threshold_unit_t;

/* Same values as nexus_meta_type_t / nexus_meta_subtype_t. */
typedef enum {
	CHANNEL_NEXUS_META_TYPE_INVALID = 0,
	CHANNEL_NEXUS_META_TYPE_QUANTUM = 1,
	CHANNEL_NEXUS_META_TYPE_PACKET = 2
} channel_nexus_meta_type_t;

typedef enum {
	CHANNEL_NEXUS_META_SUBTYPE_INVALID = 0,
	CHANNEL_NEXUS_META_SUBTYPE_PAYLOAD = 1,
	CHANNEL_NEXUS_META_SUBTYPE_RAW = 2
} channel_nexus_meta_subtype_t;

/* Value of CHANNEL_ATTR_NEXUS_CHECKSUM_OFFLOAD when supported. */
#define CHANNEL_NEXUS_CHECKSUM_PARTIAL 0x1

/* Comments: g = readable, s = settable before create. */
typedef enum {
	CHANNEL_ATTR_TX_RINGS = 0,		  /* g */
	CHANNEL_ATTR_RX_RINGS = 1,		  /* g */
	CHANNEL_ATTR_TX_SLOTS = 2,		  /* g */
	CHANNEL_ATTR_RX_SLOTS = 3,		  /* g */
	CHANNEL_ATTR_SLOT_BUF_SIZE = 4,		  /* g */
	CHANNEL_ATTR_SLOT_META_SIZE = 5,	  /* g */
	CHANNEL_ATTR_EXCLUSIVE = 6,		  /* g s */
	CHANNEL_ATTR_NO_AUTO_SYNC = 7,		  /* g s (always on) */
	CHANNEL_ATTR_MONITOR = 8,		  /* g s */
	CHANNEL_ATTR_TX_LOWAT_UNIT = 9,		  /* g s */
	CHANNEL_ATTR_TX_LOWAT_VALUE = 10,	  /* g s */
	CHANNEL_ATTR_RX_LOWAT_UNIT = 11,	  /* g s */
	CHANNEL_ATTR_RX_LOWAT_VALUE = 12,	  /* g s */
	CHANNEL_ATTR_NEXUS_TYPE = 13,		  /* g */
	CHANNEL_ATTR_NEXUS_EXTENSIONS = 14,	  /* g */
	CHANNEL_ATTR_NEXUS_MHINTS = 15,		  /* g */
	CHANNEL_ATTR_TX_HOST_RINGS = 16,	  /* not implemented */
	CHANNEL_ATTR_RX_HOST_RINGS = 17,	  /* not implemented */
	CHANNEL_ATTR_NEXUS_IFINDEX = 18,	  /* g */
	CHANNEL_ATTR_NEXUS_STATS_SIZE = 19,	  /* g */
	CHANNEL_ATTR_NEXUS_FLOWADV_MAX = 20,	  /* g */
	CHANNEL_ATTR_NEXUS_META_TYPE = 21,	  /* g */
	CHANNEL_ATTR_NEXUS_META_SUBTYPE = 22,	  /* g */
	CHANNEL_ATTR_NEXUS_CHECKSUM_OFFLOAD = 23, /* g */
	CHANNEL_ATTR_USER_PACKET_POOL = 24,	  /* g s */
	CHANNEL_ATTR_NEXUS_ADV_SIZE = 25,	  /* g */
	CHANNEL_ATTR_NEXUS_DEFUNCT_OK = 26,	  /* g s */
	CHANNEL_ATTR_FILTER = 27,		  /* s */
	CHANNEL_ATTR_EVENT_RING = 28,		  /* g s (needs packet pool) */
	CHANNEL_ATTR_MAX_FRAGS = 29,		  /* g */
	CHANNEL_ATTR_NUM_BUFFERS = 30,		  /* g */
	CHANNEL_ATTR_LOW_LATENCY = 31,		  /* g s */
	CHANNEL_ATTR_LARGE_BUF_SIZE = 32	  /* g */
} channel_attr_type_t;

/* os_channel_get_stats_region() selectors (flow switch only). */
typedef enum {
	CHANNEL_STATS_ID_IP = 0,
	CHANNEL_STATS_ID_IP6,
	CHANNEL_STATS_ID_TCP,
	CHANNEL_STATS_ID_UDP,
	CHANNEL_STATS_ID_QUIC
} channel_stats_id_t;

/*
 * What os_channel_get_next_slot() reports about a slot.  Only sp_len is
 * read back by os_channel_set_slot_properties().
 */
typedef struct slot_prop {
	uint16_t sp_flags;		/* private */
	uint16_t sp_len;		/* data length */
	uint32_t sp_idx;		/* slot index, fixed */
	mach_vm_address_t sp_ext_ptr;	/* unused */
	mach_vm_address_t sp_buf_ptr;	/* buffer + first buflet offset */
	mach_vm_address_t sp_mdata_ptr; /* metadata object */
	uint32_t _sp_pad[8];
} slot_prop_t;

SK_STATIC_ASSERT(sizeof(slot_prop_t) == 64, "slot_prop_t size");
SK_STATIC_ASSERT(offsetof(slot_prop_t, sp_buf_ptr) == 16,
		 "slot_prop_t sp_buf_ptr offset");
SK_STATIC_ASSERT(offsetof(slot_prop_t, sp_mdata_ptr) == 24,
		 "slot_prop_t sp_mdata_ptr offset");

/*
 * Interface advisory as os_channel_get_interface_advisory() copies it
 * out.  Apple's definition lives in its network headers and differs;
 * this fixed 64-byte layout is skchan's own, shared only between our
 * daemon and library.
 */
#ifndef _SKYWALK_IFNET_INTERFACE_ADVISORY
#define _SKYWALK_IFNET_INTERFACE_ADVISORY
#define IF_INTERFACE_ADVISORY_VERSION_1 1
#define IF_INTERFACE_ADVISORY_DIRECTION_TX 1
#define IF_INTERFACE_ADVISORY_DIRECTION_RX 2
struct ifnet_interface_advisory {
	uint8_t version;   /* IF_INTERFACE_ADVISORY_VERSION_* */
	uint8_t direction; /* IF_INTERFACE_ADVISORY_DIRECTION_* */
	uint16_t interface_type;
	uint32_t rate_trend_suggestion;
	uint64_t timestamp;	/* when the driver produced it */
	uint64_t max_bandwidth; /* bits per second */
	uint64_t total_byte_count;
	uint64_t average_throughput; /* bits per second */
	uint32_t flushable_queue_size;
	uint32_t non_flushable_queue_size;
	uint32_t average_delay; /* microseconds */
	uint32_t _reserved[3];
};
SK_STATIC_ASSERT(sizeof(struct ifnet_interface_advisory) == 64,
		 "ifnet_interface_advisory size");
#endif

/* Attributes.  Library-implemented: these return a positive errno. */
extern channel_attr_t os_channel_attr_create(void);
extern channel_attr_t os_channel_attr_clone(const channel_attr_t);
extern int os_channel_attr_set(const channel_attr_t attr,
			       const channel_attr_type_t type,
			       const uint64_t value);
extern int os_channel_attr_set_key(const channel_attr_t attr, const void *key,
				   const uint32_t key_len);
extern int os_channel_attr_get(const channel_attr_t attr,
			       const channel_attr_type_t type, uint64_t *value);
extern int os_channel_attr_get_key(const channel_attr_t attr, void *key,
				   uint32_t *key_len);
extern void os_channel_attr_destroy(const channel_attr_t attr);

/* Lifecycle.  create() is create_extended(TX_RX, ANY, NULL). */
extern channel_t os_channel_create(const uuid_t uuid, const nexus_port_t port);
extern channel_t os_channel_create_extended(const uuid_t uuid,
					    const nexus_port_t port,
					    const ring_dir_t dir,
					    const ring_id_t rid,
					    const channel_attr_t attr);
extern int os_channel_get_fd(const channel_t channel);
extern int os_channel_read_attr(const channel_t channel, channel_attr_t attr);
extern int os_channel_write_attr(const channel_t channel, channel_attr_t attr);
extern int os_channel_read_nexus_extension_info(const channel_t channel,
						nexus_type_t *nexus_type,
						uint64_t *ext);
extern int os_channel_sync(const channel_t channel, const sync_mode_t mode);
extern void os_channel_destroy(const channel_t channel);
extern int os_channel_is_defunct(const channel_t channel);

/* Rings and slots: pure shared-memory operations, no system calls. */
extern ring_id_t os_channel_ring_id(const channel_t channel,
				    const ring_id_type_t type);
extern channel_ring_t os_channel_tx_ring(const channel_t channel,
					 const ring_id_t rid);
extern channel_ring_t os_channel_rx_ring(const channel_t channel,
					 const ring_id_t rid);
extern int os_channel_pending(const channel_ring_t ring);
extern uint64_t os_channel_ring_sync_time(const channel_ring_t ring);
extern uint64_t os_channel_ring_notify_time(const channel_ring_t ring);
extern uint32_t os_channel_available_slot_count(const channel_ring_t ring);
extern channel_slot_t os_channel_get_next_slot(const channel_ring_t ring,
					       const channel_slot_t slot,
					       slot_prop_t *prop);
extern int os_channel_advance_slot(channel_ring_t ring,
				   const channel_slot_t slot);
extern void os_channel_set_slot_properties(const channel_ring_t ring,
					   const channel_slot_t slot,
					   const slot_prop_t *prop);
extern packet_t os_channel_slot_get_packet(const channel_ring_t ring,
					   const channel_slot_t slot);

/* Regions, advisories and flow admission. */
extern void *os_channel_get_stats_region(const channel_t channel,
					 const channel_stats_id_t id);
extern void *os_channel_get_advisory_region(const channel_t channel);
extern int os_channel_flow_admissible(const channel_ring_t ring, uuid_t flow_id,
				      const flowadv_idx_t flow_index);
extern int os_channel_flow_adv_get_ce_count(const channel_ring_t chrd,
					    uuid_t flow_id,
					    const flowadv_idx_t flow_index,
					    uint32_t *ce_cnt,
					    uint32_t *pkt_cnt);
extern int
os_channel_get_interface_advisory(const channel_t chd,
				  struct ifnet_interface_advisory *advisory);
extern int os_channel_configure_interface_advisory(const channel_t chd,
						   boolean_t enable);

/* User packet pool, buflets and events (ENOTSUP without the pool). */
extern int os_channel_packet_alloc(const channel_t chd, packet_t *packet);
extern int os_channel_large_packet_alloc(const channel_t chd, packet_t *packet);
extern int os_channel_packet_free(const channel_t chd, packet_t packet);
extern int os_channel_slot_attach_packet(const channel_ring_t chrd,
					 const channel_slot_t slot,
					 packet_t packet);
extern int os_channel_slot_detach_packet(const channel_ring_t chrd,
					 const channel_slot_t slot,
					 packet_t packet);
extern int os_channel_packet_pool_purge(const channel_t chd);
extern int os_channel_get_next_event_handle(const channel_t chd,
					    os_channel_event_handle_t *ehandle,
					    os_channel_event_type_t *etype,
					    uint32_t *nevents);
extern int os_channel_event_free(const channel_t chd,
				 os_channel_event_handle_t ehandle);
extern int os_channel_buflet_alloc(const channel_t chd, buflet_t *bft);
extern int os_channel_buflet_free(const channel_t chd, buflet_t ubft);

#ifdef __cplusplus
}
#endif

#endif /* !_SKYWALK_OS_CHANNEL_H_ */
