/*
 * os_nexus.h - nexus providers, instances and the controller (API tier).
 *
 * A nexus is the thing channels attach to; a provider is its registered
 * template.  The controller is an fd through which a process registers
 * providers and creates, binds and destroys instances.
 */
#ifndef _SKYWALK_OS_NEXUS_H_
#define _SKYWALK_OS_NEXUS_H_

#include <skywalk/skywalk_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OS_NEXUS_HAS_USER_PACKET_POOL 1

typedef enum {
	NEXUS_TYPE_USER_PIPE = 0,   /* two user endpoints */
	NEXUS_TYPE_KERNEL_PIPE = 1, /* user endpoint, in-kernel provider */
	NEXUS_TYPE_NET_IF = 2,	    /* network interface */
	NEXUS_TYPE_FLOW_SWITCH = 3, /* flow switch */
	/*
	 * Not for userland registration; listed here so the daemon and
	 * the library agree on one enumeration.
	 */
	NEXUS_TYPE_MONITOR = 4,
	NEXUS_TYPE_MAX = NEXUS_TYPE_MONITOR,
	NEXUS_TYPE_UNDEFINED = -1
} nexus_type_t;

typedef uint8_t nexus_name_t[64];
typedef uint16_t nexus_port_t;

/* Well-known ports of each nexus type. */
#define NEXUS_PORT_USER_PIPE_CLIENT 0
#define NEXUS_PORT_USER_PIPE_SERVER 1
#define NEXUS_PORT_KERNEL_PIPE_CLIENT 0
#define NEXUS_PORT_NET_IF_DEV 0
#define NEXUS_PORT_NET_IF_HOST 1
#define NEXUS_PORT_NET_IF_CLIENT 2
#define NEXUS_PORT_FLOW_SWITCH_CLIENT 2

typedef struct nexus_controller *nexus_controller_t;
typedef struct nexus_attr *nexus_attr_t;

typedef enum {
	NEXUS_ATTR_TX_RINGS = 0,
	NEXUS_ATTR_RX_RINGS = 1,
	NEXUS_ATTR_TX_SLOTS = 2,
	NEXUS_ATTR_RX_SLOTS = 3,
	NEXUS_ATTR_SLOT_BUF_SIZE = 4,
	NEXUS_ATTR_SLOT_META_SIZE = 5,
	NEXUS_ATTR_ANONYMOUS = 6,
	NEXUS_ATTR_MHINTS = 7,
	NEXUS_ATTR_PIPES = 8,
	NEXUS_ATTR_EXTENSIONS = 9,
	NEXUS_ATTR_IFINDEX = 10,
	NEXUS_ATTR_STATS_SIZE = 11,
	NEXUS_ATTR_FLOWADV_MAX = 12,
	NEXUS_ATTR_QMAP = 13,
	NEXUS_ATTR_CHECKSUM_OFFLOAD = 14,
	NEXUS_ATTR_USER_PACKET_POOL = 15,
	NEXUS_ATTR_ADV_SIZE = 16,
	NEXUS_ATTR_USER_CHANNEL = 17,
	NEXUS_ATTR_MAX_FRAGS = 18,
	NEXUS_ATTR_REJECT_ON_CLOSE = 19,
	NEXUS_ATTR_LARGE_BUF_SIZE = 20
} nexus_attr_type_t;

/* NEXUS_ATTR_MHINTS: how the provider expects its memory to be used. */
#define NEXUS_MHINTS_NORMAL 0x0
#define NEXUS_MHINTS_WILLNEED 0x1
#define NEXUS_MHINTS_LOWLATENCY 0x2
#define NEXUS_MHINTS_HIUSE 0x4

typedef enum { NEXUS_EXTENSION_TYPE_MAXTYPE = 0 } nexus_extension_t;

typedef enum {
	NEXUS_QMAP_TYPE_INVALID = 0,
	NEXUS_QMAP_TYPE_DEFAULT = 1,
	NEXUS_QMAP_TYPE_WMM = 2 /* needs NEXUS_NUM_WMM_QUEUES TX rings */
} nexus_qmap_type_t;

#define NEXUS_NUM_WMM_QUEUES 4

/* Per-buffer flow identifier a provider may keep in its metadata. */
typedef struct nexus_mdata {
	union {
		uuid_t __uuid;
		uint8_t __val8[16];
		uint16_t __val16[8];
		uint32_t __val32[4];
		uint64_t __val64[2];
	} __flowid_u;
} __attribute__((aligned(8))) nexus_mdata_t;
#define nm_flowid_uuid __flowid_u.__uuid
#define nm_flowid_val8 __flowid_u.__val8
#define nm_flowid_val16 __flowid_u.__val16
#define nm_flowid_val32 __flowid_u.__val32
#define nm_flowid_val64 __flowid_u.__val64

SK_STATIC_ASSERT(sizeof(nexus_mdata_t) == 16, "nexus_mdata_t size");

/* os_nexus_controller_bind_provider_instance() bind_flags */
#define NEXUS_BIND_PID 0x1
#define NEXUS_BIND_EXEC_UUID 0x2
#define NEXUS_BIND_KEY 0x4

#define NEXUS_MAX_KEY_LEN 1024

/*
 * Traffic rules.  Apple keeps the descriptor and action types in its
 * network headers; skchan only needs their common heads to check type
 * and length, so these minimal forms are ours.
 */
#ifndef _SKYWALK_IFNET_TRAFFIC_RULE_TYPES
#define _SKYWALK_IFNET_TRAFFIC_RULE_TYPES
struct ifnet_traffic_descriptor_common {
	uint8_t itd_type; /* IFNET_TRAFFIC_DESCRIPTOR_TYPE_* */
	uint8_t _reserved;
	uint16_t itd_len; /* of the whole descriptor */
	uint32_t itd_flags;
};
#define IFNET_TRAFFIC_DESCRIPTOR_TYPE_INET 1

struct ifnet_traffic_rule_action {
	uint8_t ra_type; /* IFNET_TRAFFIC_RULE_ACTION_* */
	uint8_t _reserved;
	uint16_t ra_len; /* of the whole action */
};
#define IFNET_TRAFFIC_RULE_ACTION_STEER 1
#endif

#define NXCTL_ADD_TRAFFIC_RULE_FLAG_PERSIST 0x0001

struct nexus_traffic_rule_info {
	uuid_t *nri_rule_uuid;
	char *nri_owner;
	char *nri_ifname;
	struct ifnet_traffic_descriptor_common *nri_td;
	struct ifnet_traffic_rule_action *nri_ra;
	uint32_t nri_flags;
};

/* Return TRUE to keep iterating. */
typedef boolean_t(nexus_traffic_rule_iterator_t)(
    void *, const struct nexus_traffic_rule_info *);

extern nexus_attr_t os_nexus_attr_create(void);
extern nexus_attr_t os_nexus_attr_clone(const nexus_attr_t attr);
extern int os_nexus_attr_set(nexus_attr_t attr, const nexus_attr_type_t type,
			     const uint64_t value);
extern int os_nexus_attr_get(const nexus_attr_t attr,
			     const nexus_attr_type_t type, uint64_t *value);
extern void os_nexus_attr_destroy(nexus_attr_t attr);

extern nexus_controller_t os_nexus_controller_create(void);
extern int os_nexus_controller_get_fd(const nexus_controller_t ctl);
extern int os_nexus_controller_register_provider(const nexus_controller_t ctl,
						 const nexus_name_t name,
						 const nexus_type_t type,
						 const nexus_attr_t attr,
						 uuid_t *prov_uuid);
extern int os_nexus_controller_deregister_provider(const nexus_controller_t ctl,
						   const uuid_t prov_uuid);
extern int os_nexus_controller_alloc_provider_instance(
    const nexus_controller_t ctl, const uuid_t prov_uuid, uuid_t *nx_uuid);
extern int
os_nexus_controller_free_provider_instance(const nexus_controller_t ctl,
					   const uuid_t nx_uuid);
extern int os_nexus_controller_bind_provider_instance(
    const nexus_controller_t ctl, const uuid_t nx_uuid, const nexus_port_t port,
    const pid_t pid, const uuid_t exec_uuid, const void *key,
    const uint32_t key_len, const uint32_t bind_flags);
extern int
os_nexus_controller_unbind_provider_instance(const nexus_controller_t ctl,
					     const uuid_t nx_uuid,
					     const nexus_port_t port);
extern int os_nexus_controller_read_provider_attr(const nexus_controller_t ctl,
						  const uuid_t prov_uuid,
						  nexus_attr_t attr);
extern int os_nexus_controller_add_traffic_rule(
    const nexus_controller_t ctl, const char *ifname,
    const struct ifnet_traffic_descriptor_common *td,
    const struct ifnet_traffic_rule_action *ra, const uint32_t flags,
    uuid_t *rule_uuid);
extern int os_nexus_controller_remove_traffic_rule(const nexus_controller_t ctl,
						   const uuid_t rule_uuid);
extern int
os_nexus_controller_iterate_traffic_rules(const nexus_controller_t ctl,
					  nexus_traffic_rule_iterator_t itr,
					  void *itr_arg);
extern void os_nexus_controller_destroy(nexus_controller_t ctl);

#ifdef __cplusplus
}
#endif

#endif /* !_SKYWALK_OS_NEXUS_H_ */
