/*
 * kern_channel.h - the kernel KPI: how a nexus provider touches channel
 * rings and packets (XNU's kern_channel.h, kern_packet.h and the provider
 * half of kern_nexus.h, with XNU's names and signatures).
 *
 * A provider (the kernel-pipe loopback, a netif driver such as the TAP
 * backend) never reads kring indices or slot descriptors itself: it only
 * calls the functions below, so a driver written against XNU's KPI runs
 * in the daemon.  Return convention here is XNU's: 0 or a *positive*
 * errno (the rest of the daemon uses -errno; domains translate).
 *
 * How to write a provider
 * -----------------------
 * 1. Fill a const struct kern_nexus_provider_init: nxpi_version =
 *    KERN_NEXUS_PROVIDER_CURRENT_VERSION and at least nxpi_sync_tx and
 *    nxpi_sync_rx; the connect/ring/slot hooks are optional (NULL).
 *    The domain (nx_kpipe.c, nx_netif.c) calls them:
 *      pre_connect -> ring_init (each ring) -> slot_init (each slot)
 *      -> connected;   ...syncs...;   pre_disconnect -> slot_fini ->
 *      ring_fini -> disconnected.
 *    ring_init's *ring_context comes back from
 *    kern_channel_ring_get_context(); pre_connect's *channel_context from
 *    kern_channel_get_context(); slot_init's from
 *    kern_channel_slot_get_context().
 * 2. sync_tx(prov, nx, kring, flags) runs when the process queued TX
 *    slots (its TX sync, or poll/select for writing).  Walk what it
 *    queued, oldest first:
 *        for (s = kern_channel_get_next_slot(kr, NULL, NULL); s != NULL;
 *            s = kern_channel_get_next_slot(kr, s, NULL)) {
 *                ph = kern_channel_slot_get_packet(kr, s);  (0: dropped)
 *                ... send it: copy its bytes out, or
 *                kern_channel_slot_detach_packet(kr, s, ph) to keep it ...
 *                last = s;
 *        }
 *        kern_channel_advance_slot(kr, last);    (slots given back)
 *    Only slots you advanced past are returned to the process (with fresh
 *    packets: a detached slot is refilled from the pool by the kernel);
 *    the rest stay queued for the next sync, or for
 *    kern_channel_tx_refill() when your device has room again.
 * 3. sync_rx(prov, nx, kring, flags) runs when the process wants to read
 *    (its RX sync, or poll/select for reading).  First call
 *    kern_channel_reclaim(kr) (frees what the process released), then
 *    fill free slots: kern_channel_get_next_slot(kr, NULL, NULL) walks
 *    them; for each, kern_pbufpool_alloc() a packet (pool from
 *    kern_channel_ring_get_pbufpool()), write into
 *    kern_buflet_get_data_address(buf) + offset, set the buflet's offset
 *    and length, kern_packet_finalize(), kern_channel_slot_attach_packet(),
 *    then kern_channel_advance_slot(kr, last).  The process sees them at
 *    the end of this sync.
 * 4. Data arriving outside a sync (a TAP fd became readable): call
 *    kern_channel_notify(rx_kring, 0); the process's poll wakes and its
 *    RX sync calls your sync_rx.  Likewise notify the TX ring when a full
 *    device drains.
 * 5. get_next_slot, advance_slot and ring_get_container may only run
 *    inside a sync (XNU's sk_is_sync_protected()); the daemon aborts
 *    otherwise: that is a provider bug, never a client's.
 * 6. Count what you moved: kern_channel_increment_ring_stats(), or
 *    kern_channel_increment_ring_net_stats() with your struct ifnet.
 * Single-threaded: every call runs on the daemon's one thread (sk_kern.h).
 * docs/kpi.md maps the XNU concepts without a Linux counterpart.
 */
#ifndef KERN_CHANNEL_H
#define KERN_CHANNEL_H

#include <net/if.h>

#include "kern_packet.h"

/* ---- handles -------------------------------------------------------------- */

typedef struct kern_channel *kern_channel_t;
typedef struct kern_channel_ring *kern_channel_ring_t;
typedef struct __kern_slot_desc *kern_channel_slot_t;  /* opaque */
typedef struct kern_nexus *kern_nexus_t;
typedef struct kern_nexus_provider *kern_nexus_provider_t;

/* Opaque to providers; zeroed by kern_channel_get_next_slot(). */
struct kern_slot_prop {
	uint32_t _sp_pad[16];
};

struct kern_channel_ring_stat_increment {
	uint32_t kcrsi_slots_transferred;
	uint32_t kcrsi_bytes_transferred;
};

/*
 * The process a KPI call is made for.  XNU passes a proc_t; here it is
 * the credentials a request came with.  kernproc is the kernel itself.
 */
struct proc {
	struct sk_cred p_cred;
};
typedef struct proc *proc_t;
extern struct proc kernproc_store;
#define kernproc (&kernproc_store)

static inline pid_t
proc_pid(const struct proc *p)
{
	return p->p_cred.cr_pid;
}

/* ---- netif-only objects --------------------------------------------------- */

/*
 * An interface as the KPI sees it (XNU's struct ifnet, reduced to what
 * kern_channel_* reads or writes).  The netif domain owns it; kpipe rings
 * have none.  if_data is XNU's interface counters, here kept by the
 * daemon (Linux's own counters of the TAP count the other side).
 */
struct if_data64_sk {
	uint64_t ifi_ipackets;
	uint64_t ifi_opackets;
	uint64_t ifi_ibytes;
	uint64_t ifi_obytes;
};

/* if_start_flags */
#define IFSF_FLOW_CONTROLLED    0x0004  /* device said "stop sending" */

struct ifnet {
	char if_xname[IFNAMSIZ];
	bool if_attached;               /* IF_FULLY_ATTACHED() */
	uint32_t if_start_flags;        /* IFSF_* */
	struct if_data64_sk if_data;
	uint64_t if_data_threshold;     /* bytes; 0 = off */
	uint64_t if_data_threshold_mark; /* bytes at the last notification */
	void (*if_data_threshold_notify)(struct ifnet *ifp);
	void *if_softc;                 /* the driver's */
};

/* Flow-control entry of a flow advisory (XNU struct flowadv_fcentry). */
typedef uint32_t flowadv_token_t;
struct flowadv_fcentry {
	flowadv_token_t fce_flowsrc_token;      /* channel token */
	flowadv_token_t fce_flowid;
	flowadv_idx_t fce_flowsrc_fidx;
	struct ifnet *fce_ifp;
	uint32_t fce_flowsrc_type;
	uint32_t fce_event_type;
	uint32_t fce_ce_cnt;
	uint32_t fce_pkts_since_last_report;
};

/* ---- provider callbacks (XNU kern_nexus.h) -------------------------------- */

#define KERN_NEXUS_PROVIDER_VERSION_1           1
#define KERN_NEXUS_PROVIDER_CURRENT_VERSION     KERN_NEXUS_PROVIDER_VERSION_1

/* flags of nxpi_sync_tx / nxpi_sync_rx */
#define KERN_NEXUS_SYNCF_COMMIT                 0x1
/* flags of nxpi_tx_doorbell */
#define KERN_NEXUS_TXDOORBELLF_ASYNC_REFILL     0x1

typedef errno_t (*nxprov_pre_connect_fn_t)(kern_nexus_provider_t nexus_prov,
    proc_t p, kern_nexus_t nexus, nexus_port_t port, kern_channel_t channel,
    void **channel_context);
typedef errno_t (*nxprov_connected_fn_t)(kern_nexus_provider_t nexus_prov,
    kern_nexus_t nexus, kern_channel_t channel);
typedef void (*nxprov_pre_disconnect_fn_t)(kern_nexus_provider_t nexus_prov,
    kern_nexus_t nexus, kern_channel_t channel);
typedef void (*nxprov_disconnected_fn_t)(kern_nexus_provider_t nexus_prov,
    kern_nexus_t nexus, kern_channel_t channel);
typedef errno_t (*nxprov_ring_init_fn_t)(kern_nexus_provider_t nexus_prov,
    kern_nexus_t nexus, kern_channel_t channel, kern_channel_ring_t ring,
    boolean_t is_tx_ring, void **ring_context);
typedef void (*nxprov_ring_fini_fn_t)(kern_nexus_provider_t nexus_prov,
    kern_nexus_t nexus, kern_channel_ring_t ring);
typedef errno_t (*nxprov_slot_init_fn_t)(kern_nexus_provider_t nexus_prov,
    kern_nexus_t nexus, kern_channel_ring_t ring, kern_channel_slot_t slot,
    uint32_t slot_index, struct kern_slot_prop **slot_prop_addr,
    void **slot_context);
typedef void (*nxprov_slot_fini_fn_t)(kern_nexus_provider_t nexus_prov,
    kern_nexus_t nexus, kern_channel_ring_t ring, kern_channel_slot_t slot,
    uint32_t slot_index);
typedef errno_t (*nxprov_sync_tx_fn_t)(kern_nexus_provider_t nexus_prov,
    kern_nexus_t nexus, kern_channel_ring_t ring, uint32_t flags);
typedef errno_t (*nxprov_sync_rx_fn_t)(kern_nexus_provider_t nexus_prov,
    kern_nexus_t nexus, kern_channel_ring_t ring, uint32_t flags);
typedef errno_t (*nxprov_tx_doorbell_fn_t)(kern_nexus_provider_t nexus_prov,
    kern_nexus_t nexus, kern_channel_ring_t ring, uint32_t flags);

struct kern_nexus_provider_init {
	uint32_t nxpi_version;
	uint32_t nxpi_flags;                    /* none defined */
	nxprov_pre_connect_fn_t nxpi_pre_connect;
	nxprov_connected_fn_t nxpi_connected;
	nxprov_pre_disconnect_fn_t nxpi_pre_disconnect;
	nxprov_disconnected_fn_t nxpi_disconnected;
	nxprov_ring_init_fn_t nxpi_ring_init;
	nxprov_ring_fini_fn_t nxpi_ring_fini;
	nxprov_slot_init_fn_t nxpi_slot_init;
	nxprov_slot_fini_fn_t nxpi_slot_fini;
	nxprov_sync_tx_fn_t nxpi_sync_tx;       /* required */
	nxprov_sync_rx_fn_t nxpi_sync_rx;       /* required */
	nxprov_tx_doorbell_fn_t nxpi_tx_doorbell;
};

/* ---- sync protection (XNU sk_sync_protect) -------------------------------- */

typedef uint32_t sk_protect_t;
sk_protect_t sk_sync_protect(void);
void sk_sync_unprotect(sk_protect_t protect);
bool sk_is_sync_protected(void);

/* ---- kern_channel (seed 004) ---------------------------------------------- */

uint32_t kern_channel_notify(const kern_channel_ring_t kring, uint32_t flags);
uint32_t kern_channel_reclaim(const kern_channel_ring_t kring);
uint32_t kern_channel_available_slot_count(const kern_channel_ring_t kring);
kern_channel_slot_t kern_channel_get_next_slot(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot0, struct kern_slot_prop *prop);
void kern_channel_advance_slot(const kern_channel_ring_t kring,
    kern_channel_slot_t slot);
void *kern_channel_get_context(const kern_channel_t ch);
void *kern_channel_ring_get_context(const kern_channel_ring_t kring);
errno_t kern_channel_ring_get_container(const kern_channel_ring_t kring,
    kern_packet_t **array, uint32_t *count);
void *kern_channel_slot_get_context(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot);
void kern_channel_increment_ring_stats(kern_channel_ring_t kring,
    struct kern_channel_ring_stat_increment *stats);
void kern_channel_increment_ring_net_stats(kern_channel_ring_t kring,
    struct ifnet *ifp, struct kern_channel_ring_stat_increment *stats);
kern_packet_t kern_channel_slot_get_packet(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot);
errno_t kern_channel_slot_attach_packet(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot, kern_packet_t ph);
errno_t kern_channel_slot_detach_packet(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot, kern_packet_t ph);
errno_t kern_channel_tx_refill(const kern_channel_ring_t hw_kring,
    uint32_t pkt_limit, uint32_t byte_limit, boolean_t tx_doorbell_ctxt,
    boolean_t *pkts_pending);
errno_t kern_channel_tx_refill_canblock(const kern_channel_ring_t hw_kring,
    uint32_t pkt_limit, uint32_t byte_limit, boolean_t tx_doorbell_ctxt,
    boolean_t *pkts_pending);
errno_t kern_channel_get_service_class(const kern_channel_ring_t kring,
    kern_packet_svc_class_t *svc);
void kern_channel_flowadv_clear(struct flowadv_fcentry *fce);
void kern_channel_flowadv_report_ce_event(struct flowadv_fcentry *fce,
    uint32_t ce_cnt, uint32_t total_pkt_cnt);
void kern_channel_memstatus(struct proc *p, uint32_t status,
    struct kern_channel *ch);
void kern_channel_defunct(struct proc *p, struct kern_channel *ch);

/* skchan additions (no XNU equivalent; see docs/kpi.md). */
kern_pbufpool_t kern_channel_ring_get_pbufpool(const kern_channel_ring_t kr);
uint32_t kern_channel_ring_get_slot_index(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot);
void kern_channel_ring_get_stats(const kern_channel_ring_t kring,
    uint64_t *slots, uint64_t *bytes);
boolean_t kern_channel_ring_is_tx(const kern_channel_ring_t kring);

#endif /* KERN_CHANNEL_H */
