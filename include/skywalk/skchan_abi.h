/*
 * skchan_abi.h - the request protocol between libskywalk and cuse-dev.
 *
 * Every Skywalk "system call" (__nexus_open, __channel_sync, ...) becomes
 * one request carrying one fixed-size struct.  The same structs travel
 * through both doors:
 *
 *   CUSE door    ioctl(fd, SKC_IOC_*, &req) on /dev/skchan.  All ioctls
 *                are "restricted": size and direction are encoded in the
 *                number, so the kernel copies the struct in and out and
 *                the daemon never chases a user pointer.
 *   socket door  struct skc_msg followed by the same struct on a Unix
 *                stream socket; the reply is struct skc_msg + the struct
 *                (+ file descriptors, SCM_RIGHTS, for the arena).
 *
 * Rules: fixed-width types only, pointers never cross (keys and option
 * payloads are inlined), every reserved field must be zero (the daemon
 * rejects non-zero with EINVAL so that later versions can give them a
 * meaning), and every request starts with struct skc_req_hdr, whose
 * version is checked at the boundary (ENOTSUP on mismatch).
 *
 * Changelog
 *   1 (2026-11)  first version: nexus controller, channel open/info/
 *                sync/opt/poll, arena handoff, daemon statistics.
 *   1 (2026-11)  compatible addition: daemon introspection, CTL_INFO (16)
 *                and CTL_LIST (17); older daemons answer them ENOTTY.
 *   1 (2026-11)  compatible addition: daemon-owned netifs over TAP (or
 *                loop) devices, CTL_NETIF_ATTACH (18), CTL_NETIF_DETACH
 *                (19), CTL_NETIF_LOOKUP (20, our SIOCGIFNEXUS, with the
 *                netif's counters); older daemons answer them ENOTTY.
 *   1 (2026-11)  compatible addition: CTL_DEFUNCT (21), the daemon's
 *                pid_shutdown_sockets: defunct every eligible channel of
 *                a process; older daemons answer it ENOTTY.
 *   1 (2026-11)  compatible addition: a no-copy monitor channel's open
 *                hands over a fifth memfd (mr_fd 4: the watched pool,
 *                opened read-only, mapped SKC_PROT_READ); co_map.mp_nfds
 *                and af_nfds say how many.  No struct changed.
 *   1 (2026-11)  compatible change: CTL_NETIF_LOOKUP's nl_reserved[2]
 *                (in: 0) became nl_pool_* (in: 0; out: the netif's
 *                packet pool counts, for leak checks of user packet
 *                pools); older daemons leave them 0.
 *   1 (2026-11)  compatible addition: HANDLE_CLOSE (22), XNU's
 *                synchronous close: the handle's channel or controller
 *                is gone when the reply arrives; older daemons answer it
 *                ENOTTY (the library then relies on the door's release).
 *   1 (2026-11)  meaning change, no layout change: a netif RX queue whose
 *                ring is full is no longer read (frames wait in the TAP's
 *                own queue), so CTL_NETIF_LOOKUP's ring_full drop count
 *                now reports what Linux dropped from that queue (the
 *                TAP's tx_dropped since attach, on queue 0).
 */
#ifndef _SKYWALK_SKCHAN_ABI_H_
#define _SKYWALK_SKCHAN_ABI_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <skywalk/os_skywalk_private.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SKCHAN_ABI_VERSION      1

/* Defaults; libskywalk honours SKCHAN_DEVICE / SKCHAN_SOCKET / SKCHAN_DOOR. */
#define SKCHAN_DEFAULT_DEVICE   "/dev/skchan"
#define SKCHAN_DEFAULT_SOCKET   "/run/skchan/skchan.sock"

#define SKC_IOC_MAGIC           'W'     /* skyWalk */

/* Every request begins with this. */
struct skc_req_hdr {
	uint16_t rh_version;    /* SKCHAN_ABI_VERSION */
	uint16_t rh_size;       /* sizeof the whole request struct */
	uint32_t rh_flags;      /* reserved, must be 0 */
};
SK_STATIC_ASSERT(sizeof(struct skc_req_hdr) == 8, "skc_req_hdr");

/* ---- nexus controller ------------------------------------------------ */

/* Turns a fresh handle into a nexus controller (__nexus_open). */
struct skc_nexus_open {
	struct skc_req_hdr no_hdr;
	struct nxctl_init no_init;      /* in: ni_version; out: ni_guard */
};

/* __nexus_register */
struct skc_nexus_register {
	struct skc_req_hdr nr_hdr;
	uint8_t nr_pad[56];             /* nxprov_reg is 64-byte aligned */
	struct nxprov_reg nr_reg;       /* in */
	uuid_t nr_prov_uuid;            /* out */
};

/* __nexus_deregister and __nexus_destroy: one UUID in. */
struct skc_nexus_uuid {
	struct skc_req_hdr nu_hdr;
	uuid_t nu_uuid;
};

/* __nexus_create */
struct skc_nexus_create {
	struct skc_req_hdr nc_hdr;
	uuid_t nc_prov_uuid;            /* in */
	uuid_t nc_nx_uuid;              /* out */
};

/*
 * __nexus_get_opt / __nexus_set_opt, payload inlined.
 *   get: in  no_len = capacity of the caller's buffer, no_data = request
 *        out no_len = bytes written
 *   set: in  no_len = bytes valid in no_data
 * Inlining of Apple's pointer-carrying option structs:
 *   NXOPT_NEXUS_BIND    struct nx_bind_req, then nb_key_len key bytes
 *                       (nb_key itself is ignored)
 *   NXOPT_NEXUS_CONFIG  struct nx_cfg_req, then nc_req_len bytes of the
 *                       command's struct (nc_req is ignored).  Sent as
 *                       GET_OPT (in/out) so results such as the attach
 *                       UUID come back through CUSE, whose _IOW requests
 *                       copy nothing out; ENOPROTOOPT => resent as SET_OPT.
 *   NXOPT_*_LIST        struct skc_list, then lh_count UUIDs
 */
#define SKC_OPT_DATA_MAX        2048
struct skc_nexus_opt {
	struct skc_req_hdr no_hdr;
	uint32_t no_opt;
	uint32_t no_len;
	uint8_t no_data[SKC_OPT_DATA_MAX];
};

/* Inline list format for NXOPT_NEXUS_PROV_LIST/NEXUS_LIST/CHANNEL_LIST. */
struct skc_list {
	uuid_t lh_uuid;         /* in: CHANNEL_LIST: the nexus; NEXUS_LIST:
				 * the provider (zero: all); else zero */
	uint32_t lh_count;      /* out: entries that follow */
	uint32_t lh_total;      /* out: entries that exist */
	/* uuid_t entries[lh_count] follow */
};
#define SKC_LIST_MAX \
	((SKC_OPT_DATA_MAX - sizeof(struct skc_list)) / sizeof(uuid_t))

/* ---- channel ----------------------------------------------------------- */

/*
 * How the client maps a channel's span.  The span is cinfo_mem_map_size
 * bytes, reserved contiguously by the library and filled with the
 * regions below (MAP_SHARED|MAP_FIXED); offsets inside the shared
 * structs (schema ring offsets, ring base offsets) are relative to it.
 */
#define SKC_PROT_READ           0x1
#define SKC_PROT_WRITE          0x2
#define SKC_MAP_FDS_MAX         8
#define SKC_MAP_REGIONS_MAX     8

struct skc_map_region {
	uint32_t mr_fd;         /* index into the handed-over memfds */
	uint32_t mr_prot;       /* SKC_PROT_* */
	uint64_t mr_span_off;   /* page-aligned offset in the span */
	uint64_t mr_fd_off;     /* page-aligned offset in the memfd */
	uint64_t mr_len;        /* page-aligned length */
};

struct skc_map {
	uint64_t mp_span_size;
	uint32_t mp_nfds;
	uint32_t mp_nregions;
	struct skc_map_region mp_regions[SKC_MAP_REGIONS_MAX];
};

/*
 * Turns a fresh handle into a channel (__channel_open).  The arena
 * memfds come with the reply on the socket door; through the CUSE door
 * the library fetches them with SKC_IOC_ARENA_FETCH and co_ticket on a
 * connection to the daemon's socket (credentials checked).
 */
struct skc_channel_open {
	struct skc_req_hdr co_hdr;
	struct ch_init co_init;         /* in; ci_key ignored; out: ci_guard */
	uint8_t co_key[NEXUS_MAX_KEY_LEN]; /* in: ci_key_len bytes */
	uint64_t co_ticket;             /* out: one-time arena ticket */
	uint64_t co_features;           /* out: SKC_FEAT_* (none yet) */
	struct skc_map co_map;          /* out */
};

/* __channel_get_info; cinfo_mem_base comes back 0 (the library knows it). */
struct skc_channel_info {
	struct skc_req_hdr ci_hdr;
	uint8_t ci_pad[56];             /* ch_info is 64-byte aligned */
	struct ch_info ci_info;         /* out */
};

/* __channel_sync: the hot request, kept small. */
struct skc_channel_sync {
	struct skc_req_hdr cs_hdr;
	int32_t cs_mode;                /* CHANNEL_SYNC_TX/RX/UPP */
	uint32_t cs_flags;              /* CHANNEL_SYNCF_* */
};

/* __channel_get_opt / __channel_set_opt (same in/out rules as nexus). */
#define SKC_CHOPT_DATA_MAX      64
struct skc_channel_opt {
	struct skc_req_hdr co_hdr;
	uint32_t co_opt;
	uint32_t co_len;
	uint8_t co_data[SKC_CHOPT_DATA_MAX];
};

/*
 * Socket door only: what the kernel's poll does for a CUSE fd.  Performs
 * the implicit syncs for cp_events (POLLOUT: TX, POLLIN: RX) and returns
 * revents; when nothing is ready it arms the channel's wakeup eventfd,
 * which the daemon writes (a counter increment) once state may have
 * changed; the client reads it to clear it and asks again.  The eventfd
 * arrives with the socket door's CHANNEL_OPEN reply: co_map.mp_nfds
 * memfds, then the eventfd, last (EFD_NONBLOCK|EFD_CLOEXEC).
 */
struct skc_channel_poll {
	struct skc_req_hdr cp_hdr;
	uint32_t cp_events;             /* in: POLL* */
	uint32_t cp_revents;            /* out */
};

/* Fetch a channel's arena memfds (any door; reply carries the fds). */
struct skc_arena_fetch {
	struct skc_req_hdr af_hdr;
	uint64_t af_ticket;             /* in */
	uint32_t af_nfds;               /* out */
	uint32_t af_reserved;           /* must be 0 */
};

/* ---- daemon control ---------------------------------------------------- */

/* Object counts, for tools and for leak tests. */
struct skc_ctl_stats {
	struct skc_req_hdr cs_hdr;
	uint32_t cs_files;              /* open handles, all doors */
	uint32_t cs_controllers;
	uint32_t cs_providers;
	uint32_t cs_instances;
	uint32_t cs_channels;
	uint32_t cs_arenas;             /* live arenas (memfd sets) */
	uint32_t cs_memfds;             /* memfds the daemon holds */
	uint32_t cs_bindings;           /* bound ports */
	uint32_t cs_tickets;            /* unclaimed arena tickets */
	uint32_t cs_reserved0;
	uint64_t cs_arena_bytes;        /* bytes of all live arenas */
	uint64_t cs_requests;           /* requests served since start */
	uint64_t cs_errors;             /* requests that failed */
	uint64_t cs_kills;              /* SIGABRTs sent for ring violations */
	uint64_t cs_reserved[8];
};

/* ---- daemon introspection (skctl) --------------------------------------- */

/* di_features: what this daemon can do beyond the base protocol. */
#define SKC_CTL_FEAT_LIST       0x01    /* SKC_IOC_CTL_LIST */
#define SKC_CTL_FEAT_KPIPE      0x02    /* kernel-pipe loopback: di_kpipe_uuid */
#define SKC_CTL_FEAT_NETIF      0x04    /* netif attach/detach/lookup */
#define SKC_CTL_FEAT_DEFUNCT    0x08    /* defunct by pid */
#define SKC_CTL_FEAT_RING_STATS 0x10    /* rings count packets/bytes/drops */

/* Which door a handle came through (di_door, ce_door). */
#define SKC_CTL_DOOR_NONE       0       /* opened by the kernel itself */
#define SKC_CTL_DOOR_CUSE       1
#define SKC_CTL_DOOR_SOCKET     2
#define SKC_CTL_DOOR_LOCAL      3       /* in-process (tests) */

#define SKC_CTL_VERSION_LEN     64

/*
 * Who the daemon is.  Every field but the header is output; di_stats
 * holds the same counts as SKC_IOC_CTL_STATS, with a zero header.
 */
struct skc_ctl_info {
	struct skc_req_hdr di_hdr;
	uint32_t di_abi_version;        /* SKCHAN_ABI_VERSION it speaks */
	uint32_t di_nr_max;             /* highest command it knows */
	int32_t di_pid;
	uint32_t di_door;               /* SKC_CTL_DOOR_* of this request */
	uint64_t di_features;           /* SKC_CTL_FEAT_* */
	uint64_t di_start_ns;           /* CLOCK_REALTIME at start */
	uint64_t di_uptime_ns;          /* CLOCK_MONOTONIC since start */
	uuid_t di_kern_uuid;            /* per start: every csm_kern_uuid */
	uuid_t di_kpipe_uuid;           /* loopback instance, or null */
	char di_version[SKC_CTL_VERSION_LEN]; /* NUL-terminated */
	struct skc_ctl_stats di_stats;
	uint64_t di_reserved[4];        /* must be 0 */
};

/* What a list entry describes (le_kind), and ls_kinds = bits of them. */
#define SKC_CTL_KIND_PROVIDER   1
#define SKC_CTL_KIND_NEXUS      2
#define SKC_CTL_KIND_CHANNEL    3
#define SKC_CTL_KIND_RING       4
#define SKC_CTL_KIND_BIT(k)     (1u << (k))
#define SKC_CTL_KINDS_ALL       0x1eu

struct skc_ctl_prov_ent {
	char pe_name[64];               /* nxp_name, NUL-terminated */
	uint32_t pe_type;               /* NEXUS_TYPE_* */
	int32_t pe_owner_pid;           /* the registering controller's */
	uint32_t pe_owner_uid;
	uint32_t pe_instances;          /* live instances */
	uint32_t pe_tx_rings;
	uint32_t pe_rx_rings;
	uint32_t pe_tx_slots;
	uint32_t pe_rx_slots;
	uint32_t pe_buf_size;
	uint32_t pe_meta_size;
	uint32_t pe_nxp_flags;          /* NXPF_* */
	uint32_t pe_reserved[3];
};

/* le_flags of a nexus entry */
#define SKC_CTL_NEF_INVALIDATED 0x1     /* destroyed, channels still open */
#define SKC_CTL_NEF_REJECT      0x2     /* reject_on_close fired */
#define SKC_CTL_NEF_KERNEL      0x4     /* owned by the daemon itself */

struct skc_ctl_nexus_ent {
	char ne_name[64];               /* its provider's name */
	uint32_t ne_type;               /* NEXUS_TYPE_* */
	int32_t ne_owner_pid;           /* 0: kernel-owned or invalidated */
	uint32_t ne_ports;              /* ports of the domain */
	uint32_t ne_channels;
	uint32_t ne_bound;              /* ports with a binding */
	uint32_t ne_tx_rings;
	uint32_t ne_rx_rings;
	uint32_t ne_tx_slots;
	uint32_t ne_rx_slots;
	char ne_ifname[16];             /* attached interface, or "" */
	uint32_t ne_reserved;
};

/* le_flags of a channel entry */
#define SKC_CTL_CEF_DEFUNCT     0x1

struct skc_ctl_chan_ent {
	uint32_t ce_port;
	uint32_t ce_mode;               /* CHMODE_* granted */
	uint32_t ce_ring_id;            /* as requested, or CHANNEL_RING_ID_ANY */
	uint32_t ce_first_tx_ring;
	uint32_t ce_last_tx_ring;
	uint32_t ce_first_rx_ring;
	uint32_t ce_last_rx_ring;
	int32_t ce_pid;                 /* the opener (0: unknown) */
	uint32_t ce_uid;
	uint32_t ce_door;               /* SKC_CTL_DOOR_* */
	uint32_t ce_num_bufs;
	uint32_t ce_reserved0;
	uint64_t ce_map_size;           /* the client's span */
	uint64_t ce_reserved[8];
};

/* re_kind */
#define SKC_CTL_RING_TX         1
#define SKC_CTL_RING_RX         2

/* le_flags of a ring entry */
#define SKC_CTL_REF_NOSTATS     0x1     /* counters not kept: ignore them */
#define SKC_CTL_REF_NODROPS     0x2     /* re_drops alone is not kept */

struct skc_ctl_ring_ent {
	uint32_t re_ring_id;
	uint32_t re_kind;               /* SKC_CTL_RING_* */
	uint32_t re_port;
	uint32_t re_num_slots;
	uint32_t re_khead;              /* the kernel's four indices */
	uint32_t re_ktail;
	uint32_t re_rhead;
	uint32_t re_rtail;
	uint64_t re_packets;
	uint64_t re_bytes;
	uint64_t re_drops;              /* netif: its queue's, by side */
	uint64_t re_sync_time;          /* CLOCK_MONOTONIC ns, 0: never */
	uint64_t re_notify_time;
	uint64_t re_reserved[6];
};

/*
 * One object.  le_uuid is its own UUID (rings have none: null);
 * le_parent the object it belongs to: nexus -> provider, channel ->
 * nexus, ring -> channel (providers: null).
 */
struct skc_ctl_ent {
	uint16_t le_kind;               /* SKC_CTL_KIND_* */
	uint16_t le_reserved;
	uint32_t le_flags;              /* SKC_CTL_{NEF,CEF,REF}_* by kind */
	uuid_t le_uuid;
	uuid_t le_parent;
	union {
		struct skc_ctl_prov_ent lu_prov;
		struct skc_ctl_nexus_ent lu_nexus;
		struct skc_ctl_chan_ent lu_chan;
		struct skc_ctl_ring_ent lu_ring;
	} le_u;
};

/*
 * The daemon's objects, a page at a time, in one order: providers, then
 * nexus instances, then channels, then rings.  Start with ls_cursor 0;
 * the reply's ls_cursor resumes the walk, 0 once it is complete.  A
 * cursor remembers which objects existed: if any came or went between
 * two pages the next call fails with ESTALE (start again), so the pages
 * of one walk always describe one set of objects.  ls_total counts the
 * entries of the kinds asked for that exist now.
 */
#define SKC_CTL_LIST_MAX        12
struct skc_ctl_list {
	struct skc_req_hdr ls_hdr;
	uint32_t ls_kinds;              /* in: SKC_CTL_KIND_BIT()s, 0 = all */
	uint32_t ls_count;              /* out: entries filled */
	uint64_t ls_cursor;             /* in/out, see above */
	uint32_t ls_total;              /* out */
	uint32_t ls_reserved;           /* must be 0 */
	struct skc_ctl_ent ls_ent[SKC_CTL_LIST_MAX];
};

/* ---- daemon-owned netifs (skctl attach/detach/lookup) ------------------ */

/*
 * A netif nexus the daemon itself owns, attached to a network device by
 * name: what XNU creates for every interface and what `skctl attach
 * IFNAME` asks for.  It outlives the handle that asked; channels open
 * its DEV port (NEXUS_PORT_NET_IF_DEV) with the instance UUID.  See
 * docs/netif.md.
 */
#define SKC_NETIF_IFNAMSIZ      16      /* IFNAMSIZ */
#define SKC_NETIF_QUEUES_MAX    16      /* rings = device queues */

/* na_flags */
#define SKC_NETIF_CREATE        0x1     /* create the device if missing */
#define SKC_NETIF_PERSIST       0x2     /* a device we create outlives the
					 * netif (else removed at detach) */
#define SKC_NETIF_LOOP          0x4     /* an in-daemon loop device, not a
					 * TAP: TX comes back as RX (tests) */
#define SKC_NETIF_FLAGS_ALL     0x7

struct skc_ctl_netif_attach {
	struct skc_req_hdr na_hdr;
	char na_ifname[SKC_NETIF_IFNAMSIZ]; /* in, NUL-terminated */
	uint32_t na_flags;              /* in: SKC_NETIF_* */
	uint32_t na_rings;              /* in: TX = RX rings = queues; 0: 1 */
	uint32_t na_tx_slots;           /* in: 0: default (512) */
	uint32_t na_rx_slots;           /* in: 0: default (1024) */
	uint32_t na_buf_size;           /* in: 0: default (2048) */
	uint32_t na_ifindex;            /* out: Linux ifindex (0: loop) */
	uuid_t na_prov_uuid;            /* out */
	uuid_t na_nx_uuid;              /* out: open channels on this */
	uuid_t na_attach_uuid;          /* out */
	uint64_t na_reserved[2];        /* must be 0 */
};

/* Detach a daemon-owned netif: by interface name, or (name "") by UUID. */
struct skc_ctl_netif_detach {
	struct skc_req_hdr nd_hdr;
	char nd_ifname[SKC_NETIF_IFNAMSIZ];
	uuid_t nd_nx_uuid;
	uint64_t nd_reserved[2];        /* must be 0 */
};

/* Why a frame was dropped (index of nq_drops). */
#define SKC_NETIF_DROP_NO_CHANNEL 0     /* RX: no channel had the ring */
#define SKC_NETIF_DROP_RING_FULL  1     /* RX: the channel's ring was full */
#define SKC_NETIF_DROP_TRUNCATED  2     /* RX: frame larger than a buffer */
#define SKC_NETIF_DROP_ERROR      3     /* the device failed */
#define SKC_NETIF_DROP_BADLEN     4     /* TX: not a frame a TAP takes */
#define SKC_NETIF_DROP_LINK_DOWN  5     /* TX: interface down */
#define SKC_NETIF_DROP_GONE       6     /* the device vanished */
#define SKC_NETIF_DROP_NO_PACKET  7     /* RX: no free packet (never) */
#define SKC_NETIF_DROP_NREASONS   8

/* One queue (= ring index) of a netif, since it was attached. */
struct skc_netif_qstats {
	uint64_t nq_rx_packets;         /* delivered to the RX ring */
	uint64_t nq_rx_bytes;
	uint64_t nq_tx_packets;         /* written to the device */
	uint64_t nq_tx_bytes;
	uint64_t nq_tx_pushback;        /* TX batches the device cut short */
	uint64_t nq_drops[SKC_NETIF_DROP_NREASONS];
};

/* nl_flags */
#define SKC_NETIF_F_DAEMON      0x1     /* owned by the daemon (attach 18) */
#define SKC_NETIF_F_GONE        0x2     /* the device vanished */
#define SKC_NETIF_F_LOOP        0x4     /* a loop device */
#define SKC_NETIF_F_CREATED     0x8     /* the daemon created the device */

/*
 * The netif attached to an interface (XNU's SIOCGIFNEXUS): by name, or
 * (name "") by instance UUID.  ENXIO: no netif on that interface.
 */
struct skc_ctl_netif_lookup {
	struct skc_req_hdr nl_hdr;
	char nl_ifname[SKC_NETIF_IFNAMSIZ]; /* in (or out when "") */
	uuid_t nl_nx_uuid;              /* out (or in when no name) */
	uuid_t nl_attach_uuid;          /* out: daemon-owned only, else null */
	uint32_t nl_flags;              /* out: SKC_NETIF_F_* */
	uint32_t nl_ifindex;
	uint32_t nl_mtu;                /* 0: unknown (gone) */
	uint32_t nl_link;               /* 1: up, 2: running */
	uint32_t nl_rings;
	uint32_t nl_channels;           /* channels open on the instance */
	uint8_t nl_hwaddr[8];           /* 6 used */
	/* The netif's packet pool (exists while channels are open; 0s when
	 * none): packets (default + large) and external buflets, with how
	 * many of each are free.  In: must be 0. */
	uint32_t nl_pool_pkts;
	uint32_t nl_pool_pkts_free;
	uint32_t nl_pool_bfts;
	uint32_t nl_pool_bfts_free;
	struct skc_netif_qstats nl_q[SKC_NETIF_QUEUES_MAX]; /* nl_rings used */
};

/* ---- defunct (skctl defunct) ------------------------------------------- */

/*
 * Defunct every channel process df_pid opened that allows it
 * (CHMODE_DEFUNCT_OK; a user pipe only when every open end does), as
 * XNU's pid_shutdown_sockets does to a suspended app: its memory reads
 * zeros but for the schema (CSM_ACTIVE cleared), its requests fail with
 * ENXIO and its poll reports POLLHUP; the handles stay open until the
 * process closes them.  Channels already defunct are not counted again.
 * EINVAL: df_pid <= 0.  ESRCH: no such process and no channel of it.
 * EPERM: a channel of it belongs to another uid and the caller is not
 * root (then nothing is defuncted).
 */
struct skc_ctl_defunct {
	struct skc_req_hdr df_hdr;
	int32_t df_pid;                 /* in: thread-group id, > 0 */
	uint32_t df_count;              /* out: channels defuncted now */
	uint64_t df_reserved[2];        /* must be 0 */
};

/* ---- synchronous close ------------------------------------------------- */

/*
 * Close what the handle became, now: a channel frees its port, rings and
 * arena, a controller closes its providers and instances (XNU's close
 * does so before it returns; here the door's release -- FUSE_RELEASE,
 * socket EOF -- trails close(2)).  guarded_close_np sends it just before
 * close(2).  The handle stays open but empty: every later request on it,
 * a second HANDLE_CLOSE included, fails with EBADF (the errno of a
 * request on a closed descriptor); its poll reports POLLERR; the door's
 * release then frees it.  A fresh handle may be closed too.
 */
struct skc_handle_close {
	struct skc_req_hdr hc_hdr;
	uint64_t hc_reserved;           /* must be 0 */
};

/* ---- ioctl numbers ------------------------------------------------------- */

#define SKC_IOC_NEXUS_OPEN      _IOWR(SKC_IOC_MAGIC, 1, struct skc_nexus_open)
#define SKC_IOC_NEXUS_REGISTER  _IOWR(SKC_IOC_MAGIC, 2, struct skc_nexus_register)
#define SKC_IOC_NEXUS_DEREGISTER _IOW(SKC_IOC_MAGIC, 3, struct skc_nexus_uuid)
#define SKC_IOC_NEXUS_CREATE    _IOWR(SKC_IOC_MAGIC, 4, struct skc_nexus_create)
#define SKC_IOC_NEXUS_DESTROY   _IOW(SKC_IOC_MAGIC, 5, struct skc_nexus_uuid)
#define SKC_IOC_NEXUS_GET_OPT   _IOWR(SKC_IOC_MAGIC, 6, struct skc_nexus_opt)
#define SKC_IOC_NEXUS_SET_OPT   _IOW(SKC_IOC_MAGIC, 7, struct skc_nexus_opt)
#define SKC_IOC_CHANNEL_OPEN    _IOWR(SKC_IOC_MAGIC, 8, struct skc_channel_open)
#define SKC_IOC_CHANNEL_INFO    _IOWR(SKC_IOC_MAGIC, 9, struct skc_channel_info)
#define SKC_IOC_CHANNEL_SYNC    _IOW(SKC_IOC_MAGIC, 10, struct skc_channel_sync)
#define SKC_IOC_CHANNEL_GET_OPT _IOWR(SKC_IOC_MAGIC, 11, struct skc_channel_opt)
#define SKC_IOC_CHANNEL_SET_OPT _IOW(SKC_IOC_MAGIC, 12, struct skc_channel_opt)
#define SKC_IOC_CHANNEL_POLL    _IOWR(SKC_IOC_MAGIC, 13, struct skc_channel_poll)
#define SKC_IOC_ARENA_FETCH     _IOWR(SKC_IOC_MAGIC, 14, struct skc_arena_fetch)
#define SKC_IOC_CTL_STATS       _IOWR(SKC_IOC_MAGIC, 15, struct skc_ctl_stats)
#define SKC_IOC_CTL_INFO        _IOWR(SKC_IOC_MAGIC, 16, struct skc_ctl_info)
#define SKC_IOC_CTL_LIST        _IOWR(SKC_IOC_MAGIC, 17, struct skc_ctl_list)
#define SKC_IOC_CTL_NETIF_ATTACH _IOWR(SKC_IOC_MAGIC, 18, struct skc_ctl_netif_attach)
#define SKC_IOC_CTL_NETIF_DETACH _IOWR(SKC_IOC_MAGIC, 19, struct skc_ctl_netif_detach)
#define SKC_IOC_CTL_NETIF_LOOKUP _IOWR(SKC_IOC_MAGIC, 20, struct skc_ctl_netif_lookup)
#define SKC_IOC_CTL_DEFUNCT     _IOWR(SKC_IOC_MAGIC, 21, struct skc_ctl_defunct)
#define SKC_IOC_HANDLE_CLOSE    _IOW(SKC_IOC_MAGIC, 22, struct skc_handle_close)
#define SKC_IOC_NR_MAX          22      /* highest command number */

/* ---- socket door framing ------------------------------------------------- */

#define SKC_MSG_MAGIC           0x534b4348u     /* "SKCH" */

/*
 * One frame each way.  Request: sm_error 0, sm_len == _IOC_SIZE(sm_cmd),
 * then sm_len bytes.  Reply: sm_error 0 or a positive errno, then the
 * struct back (always sm_len bytes, also on error), SCM_RIGHTS fds
 * attached to the reply when it carries any.
 */
struct skc_msg {
	uint32_t sm_magic;
	uint32_t sm_cmd;        /* SKC_IOC_* */
	int32_t sm_error;
	uint32_t sm_len;
};

/* ---- layout checks (LP64 and ILP32 agree: no pointers, no longs) ------ */

SK_STATIC_ASSERT(sizeof(struct skc_msg) == 16, "skc_msg");
SK_STATIC_ASSERT(offsetof(struct skc_nexus_open, no_init) == 8, "nexus_open");
SK_STATIC_ASSERT(offsetof(struct skc_nexus_register, nr_reg) == 64,
    "nexus_register");
SK_STATIC_ASSERT(offsetof(struct skc_nexus_register, nr_prov_uuid) == 320,
    "nexus_register uuid");
SK_STATIC_ASSERT(sizeof(struct skc_nexus_uuid) == 24, "nexus_uuid");
SK_STATIC_ASSERT(sizeof(struct skc_nexus_create) == 40, "nexus_create");
SK_STATIC_ASSERT(sizeof(struct skc_nexus_opt) == 16 + SKC_OPT_DATA_MAX,
    "nexus_opt");
SK_STATIC_ASSERT(sizeof(struct skc_list) == 24, "skc_list");
SK_STATIC_ASSERT(sizeof(struct skc_map_region) == 32, "map_region");
SK_STATIC_ASSERT(sizeof(struct skc_map) ==
    16 + 32 * SKC_MAP_REGIONS_MAX, "skc_map");
SK_STATIC_ASSERT(offsetof(struct skc_channel_open, co_init) == 8,
    "channel_open init");
SK_STATIC_ASSERT(offsetof(struct skc_channel_open, co_key) == 80,
    "channel_open key");
SK_STATIC_ASSERT(offsetof(struct skc_channel_open, co_ticket) == 1104,
    "channel_open ticket");
SK_STATIC_ASSERT(offsetof(struct skc_channel_open, co_map) == 1120,
    "channel_open map");
SK_STATIC_ASSERT(sizeof(struct skc_channel_open) == 1120 + 16 + 256,
    "channel_open");
SK_STATIC_ASSERT(offsetof(struct skc_channel_info, ci_info) == 64,
    "channel_info");
SK_STATIC_ASSERT(sizeof(struct skc_channel_info) == 64 + 384, "channel_info");
SK_STATIC_ASSERT(sizeof(struct skc_channel_sync) == 16, "channel_sync");
SK_STATIC_ASSERT(sizeof(struct skc_channel_opt) == 16 + SKC_CHOPT_DATA_MAX,
    "channel_opt");
SK_STATIC_ASSERT(sizeof(struct skc_channel_poll) == 16, "channel_poll");
SK_STATIC_ASSERT(sizeof(struct skc_arena_fetch) == 24, "arena_fetch");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_stats) == 8 + 40 + 32 + 64,
    "ctl_stats");
SK_STATIC_ASSERT(offsetof(struct skc_ctl_info, di_kern_uuid) == 48,
    "ctl_info uuid");
SK_STATIC_ASSERT(offsetof(struct skc_ctl_info, di_stats) == 144,
    "ctl_info stats");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_info) == 144 + 144 + 32, "ctl_info");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_prov_ent) == 120, "ctl_prov_ent");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_nexus_ent) == 120, "ctl_nexus_ent");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_chan_ent) == 120, "ctl_chan_ent");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_ring_ent) == 120, "ctl_ring_ent");
SK_STATIC_ASSERT(offsetof(struct skc_ctl_ent, le_u) == 40, "ctl_ent union");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_ent) == 160, "ctl_ent");
SK_STATIC_ASSERT(offsetof(struct skc_ctl_list, ls_ent) == 32, "ctl_list");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_list) == 32 + 160 * SKC_CTL_LIST_MAX,
    "ctl_list size");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_netif_attach) == 112,
    "ctl_netif_attach");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_netif_detach) == 56,
    "ctl_netif_detach");
SK_STATIC_ASSERT(sizeof(struct skc_netif_qstats) == 104, "netif_qstats");
SK_STATIC_ASSERT(offsetof(struct skc_ctl_netif_lookup, nl_q) == 104,
    "ctl_netif_lookup counters");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_netif_lookup) ==
    104 + 104 * SKC_NETIF_QUEUES_MAX, "ctl_netif_lookup");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_netif_lookup) <=
    sizeof(struct skc_nexus_opt), "netif lookup fits the request buffer");
SK_STATIC_ASSERT(sizeof(struct skc_ctl_defunct) == 32, "ctl_defunct");
SK_STATIC_ASSERT(sizeof(struct skc_handle_close) == 16, "handle_close");
/* Every request fits the largest one, which sizes the doors' buffers. */
SK_STATIC_ASSERT(sizeof(struct skc_ctl_info) <= sizeof(struct skc_nexus_opt) &&
    sizeof(struct skc_ctl_list) <= sizeof(struct skc_nexus_opt),
    "ctl requests fit the request buffer");

#ifdef __cplusplus
}
#endif

#endif /* _SKYWALK_SKCHAN_ABI_H_ */
