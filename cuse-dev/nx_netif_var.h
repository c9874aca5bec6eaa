/*
 * nx_netif_var.h - netif nexus instances and their device queues.
 *
 * One struct nx_netif per NET_IF instance (kern_nexus.nx_arg).  While it
 * is attached it holds a backend (a TAP or a loop device) with one queue
 * per ring pair; while channels are connected to its DEV port it also
 * holds the packet pool and the 2 x R kernel rings.  Daemon-internal.
 */
#ifndef NX_NETIF_VAR_H
#define NX_NETIF_VAR_H

#include "../backend/backend.h"
#include "channel_var.h"
#include "kern_channel.h"
#include "nx_netif.h"

#define NIF_RINGS_MAX           SKB_QUEUES_MAX
#define NIF_SLOTS_MIN           2
#define NIF_SLOTS_MAX           8192
#define NIF_BATCH               64      /* frames per backend call */
#define NIF_MAX_FRAGS           BUFLETS_GSO /* NEXUS_ATTR_MAX_FRAGS limit */

/*
 * Ring pair i and device queue i.  The TAP driver (the KPI provider in
 * nx_netif.c) uses it as the context of both rings; the evloop watch
 * on the queue's fd points at it.
 */
struct nif_queue {
	struct nx_netif *nq_nif;
	unsigned nq_idx;
	struct evl_watch *nq_watch;     /* NULL: not watched */
	uint32_t nq_events;             /* what nq_watch waits for */
	bool nq_rx_notified;            /* reader woken; its RX sync re-arms */
	bool nq_tx_blocked;             /* the device pushed back */
	struct kern_channel_ring *nq_krs[2]; /* [NR_RX], [NR_TX] */
	uint64_t nq_drop_nochan;        /* of the backend's ring_full */
	uint64_t nq_drop_nopkt;
};

/* nif_flags */
#define NIFF_ATTACHED   0x1             /* a backend is open */
#define NIFF_GONE       0x2             /* its device vanished */
#define NIFF_DAEMON     0x4             /* owned by the daemon (CTL_NETIF_*) */
#define NIFF_LOOP       0x8             /* the backend is a loop device */

struct nx_netif {
	struct kern_nexus *nif_nx;
	uint32_t nif_flags;             /* NIFF_* */
	uint32_t nif_rings;             /* TX = RX rings = queues */
	char nif_ifname[IFNAMSIZ];      /* "" while detached */
	uuid_t nif_attach_uuid;
	uuid_t nif_prov_uuid;           /* daemon-owned: its provider */
	struct sk_backend *nif_be;
	struct ifnet nif_ifp;           /* the interface, as the KPI sees it */
	const struct kern_nexus_provider_init *nif_prov; /* the driver */
	unsigned nif_drv_next[2];       /* driver: next ring of each kind */

	/* While channels are connected (first connect .. last disconnect). */
	struct kern_pbufpool *nif_pp;
	struct kern_channel_ring *nif_krings;   /* [dir][ring] */
	uint32_t nif_users;

	struct nif_queue nif_q[NIF_RINGS_MAX];
	TAILQ_ENTRY(nx_netif) nif_link;

	/* Interface advisory: the device is polled while channels want
	 * updates (nx_advisory.c publishes what nif_adv_* computes). */
	struct evl_timer *nif_adv_timer;
	uint32_t nif_adv_users;
	uint64_t nif_adv_bytes;         /* TX bytes at the last snapshot */
	uint64_t nif_adv_ns;            /* and its time; 0: none yet */

	/* Linux's tx_dropped of a TAP (frames its queue dropped while our
	 * RX ring was full) at attach, and as last read. */
	uint64_t nif_txdrop_base;
	uint64_t nif_txdrop_last;
};

#endif /* NX_NETIF_VAR_H */
