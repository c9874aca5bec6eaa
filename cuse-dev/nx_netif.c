/*
 * nx_netif.c - the netif nexus: channels onto a network device.
 *
 * Theory of operation
 *
 * A NET_IF instance is created like any nexus (register, create) and
 * then attached to a device by name: NXCFG_CMD_ATTACH from its own
 * controller (__os_nexus_ifattach), or SKC_IOC_CTL_NETIF_ATTACH, which
 * makes a daemon-owned provider and instance (XNU's per-interface
 * netif, `skctl attach IFNAME`).  Attaching opens a backend (backend.h):
 * a loop device of that name if the daemon has one, else a Linux TAP.
 * Ring pair i is device queue i (IFF_MULTI_QUEUE when R > 1).
 *
 *   process                  netif (this file)               device
 *   DEV port channel    domain half          TAP driver half
 *   TX ring  --sync-->  nif_txsync --> tapdrv_sync_tx --tx_batch--> queue i
 *   RX ring  <-sync---  nif_rxsync --> tapdrv_sync_rx <-rx_batch--- queue i
 *                        evloop watch on queue i's fd:
 *                          readable: notify the RX ring (or drop+count)
 *                          writable after a push-back: tx_refill
 *
 * The file has two halves.  The domain half is one const struct nxdom,
 * like nx_upipe.c: instance state, port rules, the pool and kernel
 * rings, attach/detach, the event loop and the control requests.  The
 * driver half (tapdrv_*) is a KPI provider, struct
 * kern_nexus_provider_init, written only against kern_channel.h /
 * kern_packet.h (seed 004): it moves frames between packet buffers and
 * the backend, never touching kring indices itself.
 *
 * Data path.  TX: the process's TX sync internalizes its slots, then the
 * driver walks them, hands the frames (buffer + data offset, data
 * length) to bo_tx_batch in batches and advances past what the device
 * took; a push-back leaves the rest queued and arms EPOLLOUT, whose
 * event runs kern_channel_tx_refill().  RX: frames are read only inside
 * an RX sync (the KPI walks rings only there): the driver reclaims what
 * the process released, allocates packets for the free slots, reads
 * straight into their buffers with bo_rx_batch, and attaches them.  A
 * readable queue outside a sync only wakes the reader (and stops being
 * watched until its RX sync ran); with no channel on the ring the
 * frames are read and dropped there, and counted.  A sync that leaves
 * the RX ring full leaves the queue unwatched too, as a NIC stops
 * taking frames into a full ring: they wait in the TAP's own queue
 * (txqueuelen) for the sync that frees slots, and what overflows it
 * Linux counts as the TAP's tx_dropped, which we report as ring_full.
 *
 * Pool and rings exist from the first channel connect to the last
 * disconnect (as a pipe's).  The pool holds one packet per slot: TX
 * slots always carry one, RX slots get one when a frame arrives and give
 * it back when the process releases the slot.
 *
 * Device gone: the instance rejects (nx_reject: syncs and opens ENXIO,
 * poll POLLHUP), its queues stop being watched, and detach succeeds even
 * with channels open.  Counters: backend per queue plus ours (no-channel
 * drops) plus Linux's (tx_dropped since attach, on queue 0: Linux
 * counts per interface); SKC_IOC_CTL_NETIF_LOOKUP reports them.
 * docs/netif.md has the errno table.  Single-threaded (sk_kern.h): no
 * locks.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "nx_advisory.h"
#include "nx_netif_var.h"
#include "upp_var.h"

static TAILQ_HEAD(nif_list, nx_netif) nif_head =
    TAILQ_HEAD_INITIALIZER(nif_head);
static struct evl *nif_evl;
static struct nxctl *nif_kctl;          /* owner of daemon-owned netifs */
static uint32_t nif_kctl_users;

static const struct kern_nexus_provider_init tapdrv_prov;
static void nif_q_watch_update(struct nif_queue *q);
static void nif_gone(struct nx_netif *nif);
static void nif_adv_publish(struct nx_netif *nif);
static void nif_txdrop_reset(struct nx_netif *nif);

void
nx_netif_set_evloop(struct evl *l)
{
	nif_evl = l;
}

/* XNU kern_nexus_get_context(): the driver's softc is the instance. */
static struct nx_netif *
nif_of(kern_nexus_t nx)
{
	return nx->nx_arg;
}

/* =========================================================================
 * Driver half: a KPI provider (kern_channel.h / kern_packet.h only).
 * ========================================================================= */

/* Rings are initialized in order: ring r of a kind is queue r. */
static errno_t
tapdrv_ring_init(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_t ch, kern_channel_ring_t ring, boolean_t is_tx,
    void **ring_context)
{
	struct nx_netif *nif = nif_of(nx);
	unsigned r = nif->nif_drv_next[is_tx ? 1 : 0]++;

	(void)prov;
	(void)ch;
	if (r >= nif->nif_rings)
		return EINVAL;
	*ring_context = &nif->nif_q[r];
	return 0;
}

/*
 * A device takes one run of bytes per frame: a multi-buflet packet is
 * copied into this buffer first (one at a time: the daemon is
 * single-threaded and a backend keeps no frame after its call).  A
 * chain longer than any frame a TAP takes keeps its length, above
 * fr_cap, and is dropped by the backend as badlen.
 */
#define TAPDRV_LIN_MAX  65536
static uint8_t tapdrv_lin[TAPDRV_LIN_MAX];

static void
tapdrv_tx_linearize(kern_packet_t ph, struct sk_frame *fr)
{
	kern_buflet_t b = NULL;
	uint32_t len = 0, dlen;

	while ((b = kern_packet_get_next_buflet(ph, b)) != NULL) {
		dlen = kern_buflet_get_data_length(b);
		if ((uint64_t)len + dlen <= sizeof(tapdrv_lin))
			memcpy(tapdrv_lin + len,
			    (uint8_t *)kern_buflet_get_data_address(b) +
			    kern_buflet_get_data_offset(b), dlen);
		len += dlen;
	}
	fr->fr_buf = tapdrv_lin;
	fr->fr_len = len;
	fr->fr_cap = sizeof(tapdrv_lin);
}

/* The frame a TX packet carries: its buflet's data.  true: a chain. */
static bool
tapdrv_tx_frame(kern_packet_t ph, struct sk_frame *fr)
{
	kern_buflet_t b = kern_packet_get_next_buflet(ph, NULL);
	uint32_t off = kern_buflet_get_data_offset(b);

	if (kern_packet_get_buflet_count(ph) > 1) {
		tapdrv_tx_linearize(ph, fr);
		return true;
	}
	fr->fr_buf = (uint8_t *)kern_buflet_get_data_address(b) + off;
	fr->fr_len = kern_buflet_get_data_length(b);
	fr->fr_cap = kern_buflet_get_data_limit(b) - off;
	return false;
}

/*
 * Gather up to NIF_BATCH queued packets after *lastp.  Slots whose
 * packet the process dropped are passed over (consumed, never sent)
 * when they lead the batch, and end it otherwise.  A multi-buflet
 * packet goes in a batch of its own (it uses tapdrv_lin).
 */
static unsigned
tapdrv_tx_gather(kern_channel_ring_t kr, kern_channel_slot_t *lastp,
    kern_channel_slot_t *slots, struct sk_frame *fr)
{
	kern_channel_slot_t s = *lastp;
	unsigned k = 0;
	kern_packet_t ph;

	while (k < NIF_BATCH &&
	    (s = kern_channel_get_next_slot(kr, s, NULL)) != NULL) {
		ph = kern_channel_slot_get_packet(kr, s);
		if (ph == 0 && k == 0) {
			*lastp = s;
			continue;
		}
		if (ph == 0 || (k != 0 && kern_packet_get_buflet_count(ph) > 1))
			break;
		slots[k] = s;
		if (tapdrv_tx_frame(ph, &fr[k++]))
			break;
	}
	return k;
}

/* Which drop a refused frame was counted under, as an event status. */
static int32_t
tapdrv_tx_refused(const uint64_t *before, const uint64_t *after)
{
	if (after[SKB_DROP_BADLEN] != before[SKB_DROP_BADLEN])
		return CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_RETRY_FAILED;
	return CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_FLUSH;
}

static bool
tapdrv_drops_changed(const uint64_t *before, const uint64_t *after)
{
	return memcmp(before, after, sizeof(uint64_t) * SKB_DROP_NREASONS) != 0;
}

/*
 * A process with an event ring learns which frames the device refused
 * (docs/upp.md): then frames go one per call, so that each drop the
 * backend counts is known to be that frame's.
 */
static int
tapdrv_tx_send(struct nif_queue *q, kern_channel_ring_t kr,
    kern_channel_slot_t *slots, const struct sk_frame *fr, unsigned k)
{
	struct sk_backend *be = q->nq_nif->nif_be;
	const uint64_t *drops = be->b_qstats[q->nq_idx].qs_drops;
	uint64_t before[SKB_DROP_NREASONS];
	unsigned i;
	int sent;

	if (!kern_channel_tx_status_wanted(kr))
		return skb_tx_batch(be, q->nq_idx, fr, k);
	for (i = 0; i < k; i++) {
		memcpy(before, drops, sizeof(before));
		sent = skb_tx_batch(be, q->nq_idx, &fr[i], 1);
		if (sent <= 0)
			return i != 0 ? (int)i : sent;
		if (tapdrv_drops_changed(before, drops))
			(void)kern_channel_tx_status_post(kr,
			    kern_channel_slot_get_packet(kr, slots[i]),
			    tapdrv_tx_refused(before, drops));
	}
	return (int)k;
}

static uint32_t
tapdrv_bytes(const struct sk_frame *fr, unsigned n)
{
	uint32_t bytes = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		bytes += fr[i].fr_len;
	return bytes;
}

/* Send what the process queued; stop at the device's first push-back. */
static errno_t
tapdrv_sync_tx(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_ring_t kr, uint32_t flags)
{
	struct nif_queue *q = kern_channel_ring_get_context(kr);
	struct sk_backend *be = q->nq_nif->nif_be;
	struct kern_channel_ring_stat_increment st = { 0, 0 };
	kern_channel_slot_t slots[NIF_BATCH], last = NULL;
	struct sk_frame fr[NIF_BATCH];
	unsigned k;
	int sent;

	(void)prov;
	(void)nx;
	(void)flags;
	if (be == NULL)
		return ENXIO;
	for (;;) {
		k = tapdrv_tx_gather(kr, &last, slots, fr);
		sent = k != 0 ? tapdrv_tx_send(q, kr, slots, fr, k) : 0;
		if (sent < 0)
			sent = 0;
		if (sent > 0) {
			last = slots[sent - 1];
			st.kcrsi_slots_transferred += (uint32_t)sent;
			st.kcrsi_bytes_transferred += tapdrv_bytes(fr,
			    (unsigned)sent);
		}
		if (k == 0 || (unsigned)sent < k)
			break;
	}
	if (last != NULL)
		kern_channel_advance_slot(kr, last);
	if (st.kcrsi_slots_transferred != 0)
		kern_channel_increment_ring_net_stats(kr, &q->nq_nif->nif_ifp,
		    &st);
	q->nq_tx_blocked = (unsigned)sent < k;
	nif_q_watch_update(q);
	if (skb_gone(be))
		nif_gone(q->nq_nif);
	return 0;
}

/* Packets for up to n free slots, their buffers as receive frames. */
static unsigned
tapdrv_rx_prepare(kern_pbufpool_t pp, kern_packet_t *ph, struct sk_frame *fr,
    unsigned n)
{
	kern_buflet_t b;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (kern_pbufpool_alloc_nosleep(pp, 1, &ph[i]) != 0)
			break;
		b = kern_packet_get_next_buflet(ph[i], NULL);
		fr[i].fr_buf = kern_buflet_get_data_address(b);
		fr[i].fr_cap = kern_buflet_get_data_limit(b);
		fr[i].fr_len = 0;
	}
	return i;
}

/* A received frame becomes a finalized RAW packet with an L2 header. */
static void
tapdrv_rx_packet(kern_packet_t ph, const struct sk_frame *fr)
{
	kern_buflet_t b = kern_packet_get_next_buflet(ph, NULL);

	kern_buflet_set_data_offset(b, 0);
	kern_buflet_set_data_length(b, fr->fr_len);
	kern_packet_set_link_header_length(ph,
	    fr->fr_len >= SKB_ETH_HLEN ? SKB_ETH_HLEN : 0);
	kern_packet_finalize(ph);
}

/*
 * Room in the ring but no packet in the pool (user packet pools hold
 * them all): read and drop a batch, counted no_packet, rather than
 * leave the queue readable and the reader woken for nothing.
 */
static unsigned
tapdrv_rx_nopkt(struct nif_queue *q)
{
	int n = skb_rx_discard(q->nq_nif->nif_be, q->nq_idx, NIF_BATCH);

	if (n < 0)
		nif_gone(q->nq_nif);
	else
		q->nq_drop_nopkt += (uint64_t)n;
	return 0;
}

/* One batch into the free slots; returns how many frames arrived. */
static unsigned
tapdrv_rx_batch(struct nif_queue *q, kern_channel_ring_t kr)
{
	kern_pbufpool_t pp = kern_channel_ring_get_pbufpool(kr);
	struct kern_channel_ring_stat_increment st = { 0, 0 };
	kern_packet_t ph[NIF_BATCH];
	struct sk_frame fr[NIF_BATCH];
	kern_channel_slot_t s = NULL;
	unsigned n = kern_channel_available_slot_count(kr), i, got;
	int rc;

	if (n != 0 && kern_pbufpool_get_free_count(pp) == 0)
		return tapdrv_rx_nopkt(q);
	n = tapdrv_rx_prepare(pp, ph, fr, n < NIF_BATCH ? n : NIF_BATCH);
	rc = n != 0 ? skb_rx_batch(q->nq_nif->nif_be, q->nq_idx, fr, n) : 0;
	got = rc > 0 ? (unsigned)rc : 0;
	for (i = 0; i < got; i++) {
		s = kern_channel_get_next_slot(kr, s, NULL);
		tapdrv_rx_packet(ph[i], &fr[i]);
		kern_channel_slot_attach_packet(kr, s, ph[i]);
		st.kcrsi_bytes_transferred += fr[i].fr_len;
	}
	for (i = got; i < n; i++)
		kern_pbufpool_free(pp, ph[i]);
	if (got != 0) {
		kern_channel_advance_slot(kr, s);
		st.kcrsi_slots_transferred = got;
		kern_channel_increment_ring_net_stats(kr, &q->nq_nif->nif_ifp,
		    &st);
	}
	if (rc < 0)
		nif_gone(q->nq_nif);
	return rc < 0 ? 0 : got;
}

/* Take back what the process read, then fill the ring from the device. */
static errno_t
tapdrv_sync_rx(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_ring_t kr, uint32_t flags)
{
	struct nif_queue *q = kern_channel_ring_get_context(kr);

	(void)prov;
	(void)nx;
	(void)flags;
	kern_channel_reclaim(kr);
	if (q->nq_nif->nif_be == NULL)
		return ENXIO;
	while (tapdrv_rx_batch(q, kr) == NIF_BATCH)
		;
	/* A full ring takes nothing more: leave the frames in the device's
	 * queue (a NIC's ring does so) until a later sync frees slots. */
	q->nq_rx_notified = kern_channel_available_slot_count(kr) == 0;
	nif_q_watch_update(q);
	return 0;
}

static const struct kern_nexus_provider_init tapdrv_prov = {
	.nxpi_version = KERN_NEXUS_PROVIDER_CURRENT_VERSION,
	.nxpi_ring_init = tapdrv_ring_init,
	.nxpi_sync_tx = tapdrv_sync_tx,
	.nxpi_sync_rx = tapdrv_sync_rx,
};

/* =========================================================================
 * Domain half.
 * ========================================================================= */

/* ---- device queues in the event loop ---------------------------------- */

static uint32_t
nif_q_wanted(const struct nif_queue *q)
{
	uint32_t ev = 0;

	if (!q->nq_rx_notified)
		ev |= EPOLLIN;
	if (q->nq_tx_blocked)
		ev |= EPOLLOUT;
	return ev;
}

static void
nif_q_watch_update(struct nif_queue *q)
{
	uint32_t ev = nif_q_wanted(q);

	if (q->nq_watch == NULL || ev == q->nq_events)
		return;
	if (evl_mod(q->nq_watch, ev) == 0)
		q->nq_events = ev;
}

/* Read and drop up to a batch: no channel can take these frames. */
static void
nif_rx_drop(struct nif_queue *q)
{
	int n = skb_rx_discard(q->nq_nif->nif_be, q->nq_idx, NIF_BATCH);

	if (n < 0)
		nif_gone(q->nq_nif);
	else
		q->nq_drop_nochan += (uint64_t)n;
}

/*
 * Frames wait outside any sync.  The reader's RX sync takes them (the
 * KPI walks rings only there): wake it and stop watching until then.
 * A full ring is no different: the frames wait in the device's queue,
 * which drops (Linux's tx_dropped) only if the reader falls behind it.
 */
static void
nif_rx_ready(struct nif_queue *q)
{
	struct kern_channel_ring *kr = q->nq_krs[NR_RX];

	if (kr == NULL || kr->ckr_ch == NULL || ch_is_dead(kr->ckr_ch)) {
		nif_rx_drop(q);
		return;
	}
	q->nq_rx_notified = true;
	nif_q_watch_update(q);
	kern_channel_notify(kr, 0);
}

/* The device took our push-back: send what is still queued. */
static void
nif_tx_ready(struct nif_queue *q)
{
	struct kern_channel_ring *kr = q->nq_krs[NR_TX];
	boolean_t pending;

	q->nq_tx_blocked = false;
	if (kr != NULL && kr->ckr_ch != NULL)
		kern_channel_tx_refill(kr, UINT32_MAX, UINT32_MAX, FALSE,
		    &pending);
	nif_q_watch_update(q);
}

static void
nif_q_event(struct evl_watch *w, int fd, uint32_t events, void *arg)
{
	struct nif_queue *q = arg;
	struct nx_netif *nif = q->nq_nif;

	(void)w;
	(void)fd;
	if (events & (EPOLLERR | EPOLLHUP)) {
		if (skb_gone(nif->nif_be) ||
		    (skb_link_state(nif->nif_be) & SKB_LINK_GONE)) {
			nif_gone(nif);
			return;
		}
	}
	if (events & EPOLLOUT)
		nif_tx_ready(q);
	if ((events & EPOLLIN) && q->nq_watch != NULL)
		nif_rx_ready(q);
}

static void
nif_watch_all(struct nx_netif *nif)
{
	struct nif_queue *q;
	unsigned i;

	for (i = 0; nif_evl != NULL && i < nif->nif_rings; i++) {
		q = &nif->nif_q[i];
		q->nq_events = EPOLLIN;
		q->nq_watch = evl_add(nif_evl, skb_queue_fd(nif->nif_be, i),
		    EPOLLIN, nif_q_event, q);
		if (q->nq_watch == NULL)
			SK_ERR("%s: queue %u: cannot watch: %d", nif->nif_ifname,
			    i, errno);
	}
}

static void
nif_unwatch_all(struct nx_netif *nif)
{
	unsigned i;

	for (i = 0; i < nif->nif_rings; i++) {
		evl_del(nif->nif_q[i].nq_watch);
		nif->nif_q[i].nq_watch = NULL;
	}
}

/* The device vanished: the instance rejects, its queues go quiet. */
static void
nif_gone(struct nx_netif *nif)
{
	if (nif->nif_flags & NIFF_GONE)
		return;
	SK_ERR("%s: device gone; its netif now rejects", nif->nif_ifname);
	nif->nif_flags |= NIFF_GONE;
	nif->nif_ifp.if_attached = false;
	nif_unwatch_all(nif);
	nx_reject(nif->nif_nx);
	nif_adv_publish(nif);           /* link gone: tell who listens */
}

/* ---- attach and detach ---------------------------------------------------- */

/*
 * loop_only: a loop device (created if cfg says so).  Otherwise an
 * existing loop device of that name if the daemon has one (tests), else
 * a TAP, created if cfg says so.
 */
static int
nif_backend_open(struct nx_netif *nif, const struct sk_backend_cfg *cfg,
    bool loop_only)
{
	struct sk_backend_cfg existing = *cfg;
	int err;

	existing.bc_flags &= ~(unsigned)SKB_CFG_CREATE;
	err = skb_open(&skb_loop_ops, &nif->nif_be, loop_only ? cfg :
	    &existing);
	if (err == 0)
		nif->nif_flags |= NIFF_LOOP;
	if (err != -ENXIO || loop_only)
		return err;
	err = skb_open(&skb_tap_ops, &nif->nif_be, cfg);
	/* A name that is not a TAP: the wrong kind of driver (XNU). */
	return err == -ENOTSUP ? -ENODEV : err;
}

static void
nif_queues_reset(struct nx_netif *nif)
{
	unsigned i;

	for (i = 0; i < NIF_RINGS_MAX; i++) {
		nif->nif_q[i].nq_rx_notified = false;
		nif->nif_q[i].nq_tx_blocked = false;
		nif->nif_q[i].nq_drop_nochan = 0;
		nif->nif_q[i].nq_drop_nopkt = 0;
	}
}

static void
nif_ifnet_setup(struct nx_netif *nif)
{
	int idx = skb_ifindex(nif->nif_be);

	memset(&nif->nif_ifp, 0, sizeof(nif->nif_ifp));
	snprintf(nif->nif_ifp.if_xname, sizeof(nif->nif_ifp.if_xname), "%s",
	    nif->nif_ifname);
	nif->nif_ifp.if_attached = true;
	nif->nif_ifp.if_softc = nif;
	nif->nif_nx->nx_params.nxp_ifindex = idx > 0 ? (uint32_t)idx : 0;
}

/*
 * Attach to ifname.  EBUSY: this netif is attached, or channels of an
 * earlier (gone) attachment are still open, or the device is taken.
 */
static int
nif_attach(struct nx_netif *nif, const char *ifname, unsigned be_flags,
    bool loop_only)
{
	struct sk_backend_cfg cfg = {
		.bc_ifname = ifname, .bc_queues = nif->nif_rings,
		.bc_flags = be_flags,
	};
	int err;

	if ((nif->nif_flags & NIFF_ATTACHED) || nif->nif_nx->nx_nchannels)
		return -EBUSY;
	nif->nif_flags &= ~(NIFF_GONE | NIFF_LOOP);
	err = nif_backend_open(nif, &cfg, loop_only);
	if (err != 0)
		return err;
	nif->nif_nx->nx_flags &= ~NXF_REJECT;
	snprintf(nif->nif_ifname, sizeof(nif->nif_ifname), "%s", ifname);
	skmem_random(nif->nif_attach_uuid, sizeof(uuid_t));
	nif->nif_flags |= NIFF_ATTACHED;
	nif_ifnet_setup(nif);
	nif_queues_reset(nif);
	nif_txdrop_reset(nif);
	nif_watch_all(nif);
	return 0;
}

static void
nif_detach_now(struct nx_netif *nif)
{
	if (!(nif->nif_flags & NIFF_ATTACHED))
		return;
	nif_unwatch_all(nif);
	skb_close(nif->nif_be);
	nif->nif_be = NULL;
	nif->nif_flags &= ~(NIFF_ATTACHED | NIFF_LOOP);
	nif->nif_ifp.if_attached = false;
	nif->nif_ifname[0] = '\0';
	uuid_clear(nif->nif_attach_uuid);
	nif->nif_nx->nx_params.nxp_ifindex = 0;
}

/* Channels block a detach, unless the device is gone (they are dead). */
static int
nif_detach_check(const struct nx_netif *nif)
{
	if (nif->nif_nx->nx_nchannels != 0 && !(nif->nif_flags & NIFF_GONE))
		return -EBUSY;
	return 0;
}

/* ---- NXOPT_NEXUS_CONFIG: NXCFG_CMD_ATTACH / _DETACH ------------------------- */

/* A NUL-terminated Linux interface name inside nsr_name, or NULL. */
static const char *
nif_spec_name(const struct nx_spec_req *nsr)
{
	size_t len = strnlen(nsr->nsr_name, sizeof(nsr->nsr_name));

	if (len == 0 || len >= IFNAMSIZ)
		return NULL;
	return nsr->nsr_name;
}

static int
nif_cfg_attach(struct nx_netif *nif, struct nx_spec_req *nsr)
{
	const char *name;
	int err;

	if (nsr->nsr_flags & NXSPECREQ_UUID)
		return -EINVAL;         /* a netif attaches to interfaces */
	if (nsr->nsr_flags & NXSPECREQ_HOST)
		return -ENOTSUP;        /* Linux's own stack is the host */
	name = nif_spec_name(nsr);
	if (name == NULL)
		return nsr->nsr_name[0] == '\0' ? -EINVAL : -ENXIO;
	err = nif_attach(nif, name, 0, false);
	if (err == 0)
		uuid_copy(nsr->nsr_if_uuid, nif->nif_attach_uuid);
	return err;
}

static int
nif_cfg_detach(struct nx_netif *nif, const struct nx_spec_req *nsr)
{
	int err;

	if (uuid_is_null(nsr->nsr_if_uuid))
		return -EINVAL;
	if (!(nif->nif_flags & NIFF_ATTACHED) ||
	    uuid_compare(nsr->nsr_if_uuid, nif->nif_attach_uuid) != 0)
		return -ESRCH;
	err = nif_detach_check(nif);
	if (err == 0)
		nif_detach_now(nif);
	return err;
}

static int
nif_config(struct kern_nexus *nx, nxcfg_cmd_t cmd, void *req, uint32_t len)
{
	struct nx_netif *nif = nx->nx_arg;
	struct nx_spec_req nsr;
	int err;

	if (cmd != NXCFG_CMD_ATTACH && cmd != NXCFG_CMD_DETACH)
		return -ENOTSUP;        /* netif flows come later */
	if (len < sizeof(nsr))
		return -EINVAL;
	memcpy(&nsr, req, sizeof(nsr));
	if (cmd == NXCFG_CMD_ATTACH)
		err = nif_cfg_attach(nif, &nsr);
	else
		err = nif_cfg_detach(nif, &nsr);
	memcpy(req, &nsr, sizeof(nsr));
	return err;
}

/* ---- instances ------------------------------------------------------------ */

static int
nif_nx_init(struct kern_nexus *nx)
{
	struct nx_netif *nif = calloc(1, sizeof(*nif));
	unsigned i;

	if (nif == NULL)
		return -ENOMEM;
	nif->nif_nx = nx;
	nif->nif_rings = nx->nx_params.nxp_tx_rings;
	nif->nif_prov = &tapdrv_prov;
	/* The instance's, so channels see them (docs/advisories.md). */
	nx->nx_params.nxp_flowadv_max = NXADV_FLOWADV_MAX_DEFAULT;
	nx->nx_params.nxp_stats_size = sizeof(struct __nx_stats_channel_errors);
	nx->nx_params.nxp_nexusadv_size =
	    sizeof(struct __kern_nexus_adv_metadata) +
	    sizeof(struct netif_nexus_advisory);
	for (i = 0; i < NIF_RINGS_MAX; i++) {
		nif->nif_q[i].nq_nif = nif;
		nif->nif_q[i].nq_idx = i;
	}
	nx->nx_arg = nif;
	TAILQ_INSERT_TAIL(&nif_head, nif, nif_link);
	return 0;
}

static void nif_state_destroy(struct nx_netif *nif);

static void
nif_nx_fini(struct kern_nexus *nx)
{
	struct nx_netif *nif = nx->nx_arg;

	evl_timer_del(nif->nif_adv_timer);     /* no channel wants it now */
	nif_state_destroy(nif);
	nif_detach_now(nif);
	TAILQ_REMOVE(&nif_head, nif, nif_link);
	free(nif);
	nx->nx_arg = NULL;
}

/* ---- pool and kernel rings (first connect .. last disconnect) ---------- */

static struct kern_channel_ring *
nif_kring(struct nx_netif *nif, enum kr_txrx dir, uint32_t r)
{
	return &nif->nif_krings[(size_t)dir * nif->nif_rings + r];
}

static void
nif_state_destroy(struct nx_netif *nif)
{
	const struct kern_nexus_provider_init *p = nif->nif_prov;
	uint32_t i;

	if (nif->nif_krings != NULL) {
		for (i = 0; i < 2 * nif->nif_rings; i++) {
			if (p->nxpi_ring_fini != NULL)
				p->nxpi_ring_fini(NULL, nif->nif_nx,
				    &nif->nif_krings[i]);
			kr_fini(&nif->nif_krings[i]);
		}
	}
	for (i = 0; i < nif->nif_rings; i++)
		nif->nif_q[i].nq_krs[NR_RX] = nif->nif_q[i].nq_krs[NR_TX] =
		    NULL;
	free(nif->nif_krings);
	nif->nif_krings = NULL;
	pp_destroy(nif->nif_pp);
	nif->nif_pp = NULL;
}

static int
nif_kring_init(struct nx_netif *nif, enum kr_txrx dir, uint32_t r)
{
	const struct nxprov_params *p = &nif->nif_nx->nx_params;
	struct kern_channel_ring *kr = nif_kring(nif, dir, r);
	void *ctx = NULL;
	int err;

	err = kr_init(kr, dir, (uint16_t)r, NEXUS_PORT_NET_IF_DEV,
	    dir == NR_TX ? p->nxp_tx_slots : p->nxp_rx_slots, nif->nif_pp,
	    OBJ_IDX_NONE);
	if (err != 0)
		return err;
	kr->ckr_nx = nif->nif_nx;
	kr->ckr_ifp = &nif->nif_ifp;
	if (nif->nif_prov->nxpi_ring_init != NULL &&
	    nif->nif_prov->nxpi_ring_init(NULL, nif->nif_nx, NULL, kr,
	    dir == NR_TX, &ctx) != 0)
		return -EINVAL;
	kr->ckr_ctx = ctx;
	nif->nif_q[r].nq_krs[dir] = kr;
	return 0;
}

/*
 * One packet per slot for channels without a pool, as many again for
 * what user packet pools hold (docs/upp.md); external buflets when
 * MAX_FRAGS > 1 (up to 4 per slot), large packets for TX slots when
 * LARGE_BUF_SIZE is set.  Untouched objects cost no memory: the memfd
 * is sparse.
 */
static struct kern_pbufpool *
nif_pool_create(const struct nxprov_params *p, const char *name,
    uint32_t nslots)
{
	uint32_t frags = p->nxp_max_frags > 1 ? p->nxp_max_frags - 1 : 0;
	struct pp_params ppp = {
		.ppp_name = name, .ppp_npkts = 2 * nslots,
		.ppp_buf_size = p->nxp_buf_size,
		.ppp_md_type = NEXUS_META_TYPE_PACKET,
		.ppp_md_subtype = NEXUS_META_SUBTYPE_RAW,
		.ppp_nlarge = p->nxp_large_buf_size != 0 ?
		    p->nxp_tx_rings * p->nxp_tx_slots : 0,
		.ppp_large_size = p->nxp_large_buf_size,
		.ppp_nbfts = nslots * (frags > 4 ? 4 : frags),
		.ppp_max_frags = (uint16_t)(p->nxp_max_frags ?
		    p->nxp_max_frags : 1),
	};

	return pp_create_params(&ppp);
}

static int
nif_state_create(struct nx_netif *nif)
{
	const struct nxprov_params *p = &nif->nif_nx->nx_params;
	uint32_t nobjs = nif->nif_rings * (p->nxp_tx_slots + p->nxp_rx_slots);
	const uint8_t *u = nif->nif_nx->nx_uuid;
	char name[64];
	uint32_t r;
	int err = 0;

	snprintf(name, sizeof(name), "skchan:pool:netif-%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3]);
	nif->nif_pp = nif_pool_create(p, name, nobjs);
	nif->nif_krings = calloc(2 * (size_t)nif->nif_rings,
	    sizeof(*nif->nif_krings));
	if (nif->nif_pp == NULL || nif->nif_krings == NULL)
		err = -ENOMEM;
	else
		pp_fill_free_list(nif->nif_pp);
	nif->nif_drv_next[0] = nif->nif_drv_next[1] = 0;
	for (r = 0; r < nif->nif_rings && err == 0; r++) {
		err = nif_kring_init(nif, NR_TX, r);
		err = err ? err : nif_kring_init(nif, NR_RX, r);
	}
	if (err != 0)
		nif_state_destroy(nif);
	return err;
}

/* ---- channels --------------------------------------------------------------- */

/* No monitor or filter through here (docs); a user packet pool and an
 * event ring, yes (upp.c, evring.c). */
static int
nif_ch_check(struct kern_nexus *nx, uint32_t mode)
{
	(void)nx;
	if (mode & (CHMODE_MONITOR | CHMODE_FILTER))
		return -ENOTSUP;
	return 0;
}

/* DEV only: no host rings (Linux is the host), no flows for clients. */
static int
nif_port_check(const struct nx_netif *nif, nexus_port_t port)
{
	if (port != NEXUS_PORT_NET_IF_DEV)
		return -ENOTSUP;
	if (!(nif->nif_flags & NIFF_ATTACHED) || (nif->nif_flags & NIFF_GONE))
		return -ENXIO;
	return 0;
}

static int
nif_ch_rings(struct nx_netif *nif, struct kern_channel *ch)
{
	uint32_t r, n = 0;

	ch->ch_tx_krings = calloc(nif->nif_rings, sizeof(*ch->ch_tx_krings));
	ch->ch_rx_krings = calloc(nif->nif_rings, sizeof(*ch->ch_rx_krings));
	if (ch->ch_tx_krings == NULL || ch->ch_rx_krings == NULL) {
		free(ch->ch_tx_krings);
		free(ch->ch_rx_krings);
		ch->ch_tx_krings = ch->ch_rx_krings = NULL;
		return -ENOMEM;
	}
	for (r = 0; r < nif->nif_rings; r++) {
		if (!(ch->ch_rings_mask & (1ull << r)))
			continue;
		ch->ch_tx_krings[n] = nif_kring(nif, NR_TX, r);
		ch->ch_rx_krings[n++] = nif_kring(nif, NR_RX, r);
	}
	ch->ch_nrings = n;
	return 0;
}

/*
 * The reader goes without taking what it was woken for: watch the
 * queue again, so frames are dropped and counted (no channel) instead
 * of left to Linux.
 */
static void
nif_q_unpause(struct nif_queue *q)
{
	q->nq_rx_notified = false;
	nif_q_watch_update(q);
}

static int
nif_ch_connect(struct kern_nexus *nx, struct kern_channel *ch)
{
	struct nx_netif *nif = nx->nx_arg;
	int err = nif_port_check(nif, ch->ch_port);

	if (err == 0 && nif->nif_pp == NULL)
		err = nif_state_create(nif);
	if (err != 0)
		return err;
	err = nif_ch_rings(nif, ch);
	if (err != 0) {
		if (nif->nif_users == 0)
			nif_state_destroy(nif);
		return err;
	}
	ch->ch_pp = nif->nif_pp;
	nif->nif_users++;
	return 0;
}

static void
nif_ch_disconnect(struct kern_nexus *nx, struct kern_channel *ch)
{
	struct nx_netif *nif = nx->nx_arg;
	uint32_t i;

	/* A defunct channel lets go here first: its regions read zeros. */
	if (ch->ch_flags & CHF_DEFUNCT)
		nxadv_revoke(ch);
	for (i = 0; i < ch->ch_nrings; i++) {
		nif_q_unpause(&nif->nif_q[ch->ch_rx_krings[i]->ckr_ring_id]);
		kr_unbind(ch->ch_tx_krings[i]);
		kr_unbind(ch->ch_rx_krings[i]);
	}
	free(ch->ch_tx_krings);
	free(ch->ch_rx_krings);
	ch->ch_tx_krings = ch->ch_rx_krings = NULL;
	if (--nif->nif_users != 0)
		return;
	nif_state_destroy(nif);
	/* The last channel of a gone attachment: the instance is usable
	 * again (for a new attach) once it is detached. */
	if (!(nif->nif_flags & NIFF_ATTACHED))
		nx->nx_flags &= ~NXF_REJECT;
}

/* The nexus half of a sync: the driver's, under the KPI's protection
 * (channel.c); 0 or a positive errno. */
static int
nif_txsync(struct kern_channel_ring *kr)
{
	struct nx_netif *nif = nif_of(kr->ckr_nx);
	int err;

	kr_note_sync(kr, NULL, sk_now_ns());
	nxadv_flow_register(kr);
	err = nif->nif_prov->nxpi_sync_tx(NULL, kr->ckr_nx, kr, 0);
	nxadv_flow_after_tx(kr, nif->nif_q[kr->ckr_ring_id].nq_tx_blocked);
	return err;
}

static int
nif_rxsync(struct kern_channel_ring *kr)
{
	struct nx_netif *nif = nif_of(kr->ckr_nx);

	kr_note_sync(kr, NULL, sk_now_ns());
	return nif->nif_prov->nxpi_sync_rx(NULL, kr->ckr_nx, kr, 0);
}

/* ---- interface advisory (published by nx_advisory.c) ------------------------ */

#define NIF_ADV_PERIOD_MS       500     /* device poll while wanted */
#define NIF_ADV_RATE_NEUTRAL    0u      /* Apple's rate suggestions */
#define NIF_ADV_RATE_RAMP_DOWN  0x80000000u     /* (uint32_t)INT32_MIN */

/* Administratively up and running (carrier), and not gone. */
static bool
nif_link_usable(struct nx_netif *nif)
{
	int link;

	if (nif->nif_be == NULL || (nif->nif_flags & NIFF_GONE))
		return false;
	link = skb_link_state(nif->nif_be);
	return link >= 0 && (link & SKB_LINK_UP) && (link & SKB_LINK_RUNNING) &&
	    !(link & SKB_LINK_GONE);
}

/* The link speed Linux reports through ethtool (tun: a default). */
static uint64_t
nif_speed_bps(const struct nx_netif *nif)
{
	struct ethtool_cmd ec = { .cmd = ETHTOOL_GSET };
	struct ifreq ifr;
	uint32_t mbps;
	int s, rc;

	if (nif->nif_flags & NIFF_LOOP)
		return 0;               /* an emulated device has no speed */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", nif->nif_ifname);
	ifr.ifr_data = (void *)&ec;
	rc = ioctl(s, SIOCETHTOOL, &ifr);
	close(s);
	mbps = rc == 0 ? ethtool_cmd_speed(&ec) : 0;
	return mbps == 0 || mbps == (uint32_t)SPEED_UNKNOWN ? 0 :
	    (uint64_t)mbps * 1000000u;
}

static uint64_t
nif_tx_bytes(const struct nx_netif *nif)
{
	uint64_t bytes = 0;
	unsigned i;

	for (i = 0; nif->nif_be != NULL && i < nif->nif_rings; i++)
		bytes += nif->nif_be->b_qstats[i].qs_tx_bytes;
	return bytes;
}

/* Slots channels queued that the device has not taken yet. */
static uint32_t
nif_tx_queued(const struct nx_netif *nif, bool *blocked)
{
	const struct nif_queue *q;
	uint32_t n = 0;
	unsigned i;

	*blocked = false;
	for (i = 0; i < nif->nif_rings; i++) {
		q = &nif->nif_q[i];
		*blocked |= q->nq_tx_blocked;
		if (q->nq_krs[NR_TX] != NULL)
			n += kr_tx_pending(q->nq_krs[NR_TX]);
	}
	return n;
}

/* TX bits per second since the previous snapshot (0 for the first). */
static uint64_t
nif_adv_rate(struct nx_netif *nif, uint64_t bytes, uint64_t now)
{
	uint64_t rate = 0;

	if (nif->nif_adv_ns != 0 && now > nif->nif_adv_ns &&
	    bytes >= nif->nif_adv_bytes)
		rate = (uint64_t)((double)(bytes - nif->nif_adv_bytes) * 8e9 /
		    (double)(now - nif->nif_adv_ns));
	nif->nif_adv_bytes = bytes;
	nif->nif_adv_ns = now;
	return rate;
}

/* What each field means here: docs/advisories.md. */
void
nx_netif_adv_snapshot(struct kern_nexus *nx,
    struct ifnet_interface_advisory *adv)
{
	struct nx_netif *nif = nif_of(nx);
	bool usable = nif_link_usable(nif), blocked;
	uint64_t now = sk_now_ns();

	memset(adv, 0, sizeof(*adv));
	adv->version = IF_INTERFACE_ADVISORY_VERSION_1;
	adv->direction = IF_INTERFACE_ADVISORY_DIRECTION_TX;
	adv->timestamp = now;
	adv->total_byte_count = nif_tx_bytes(nif);
	adv->average_throughput = nif_adv_rate(nif, adv->total_byte_count, now);
	adv->flushable_queue_size = nif_tx_queued(nif, &blocked);
	adv->max_bandwidth = usable ? nif_speed_bps(nif) : 0;
	adv->rate_trend_suggestion = usable && !blocked ?
	    NIF_ADV_RATE_NEUTRAL : NIF_ADV_RATE_RAMP_DOWN;
}

static void
nif_adv_publish(struct nx_netif *nif)
{
	struct ifnet_interface_advisory adv;

	if (nif->nif_adv_users == 0)
		return;
	nx_netif_adv_snapshot(nif->nif_nx, &adv);
	nxadv_publish_nexus(nif->nif_nx, &adv);
}

static void
nif_adv_tick(struct evl_timer *t, void *arg)
{
	(void)t;
	nif_adv_publish(arg);
}

/* Poll the device only while some channel wants updates. */
void
nx_netif_adv_users(struct kern_nexus *nx, int delta)
{
	struct nx_netif *nif = nif_of(nx);

	nif->nif_adv_users = (uint32_t)((int)nif->nif_adv_users + delta);
	if (nif->nif_adv_users != 0 && nif->nif_adv_timer == NULL &&
	    nif_evl != NULL) {
		nif->nif_adv_timer = evl_timer_add(nif_evl, NIF_ADV_PERIOD_MS,
		    nif_adv_tick, nif);
		if (nif->nif_adv_timer == NULL)
			SK_ERR("%s: advisory timer: %d", nif->nif_ifname, errno);
	}
	if (nif->nif_adv_users == 0) {
		evl_timer_del(nif->nif_adv_timer);
		nif->nif_adv_timer = NULL;
	}
}

const struct nxdom nx_netif_dom = {
	.nxdom_name = "net-if",
	.nxdom_type = NEXUS_TYPE_NET_IF,
	.nxdom_flags = NXDOMF_USER_REGISTER | NXDOMF_TXRX_EQUAL |
	    NXDOMF_USER_CHANNEL_REQ,
	.nxdom_md_type = NEXUS_META_TYPE_PACKET,
	.nxdom_md_subtype = NEXUS_META_SUBTYPE_RAW,
	.nxdom_ports = NX_NETIF_MAXPORTS,
	.nxdom_rings = { 1, 1, NIF_RINGS_MAX },
	.nxdom_slots = { NX_NETIF_TX_SLOTS_DEF, NIF_SLOTS_MIN, NIF_SLOTS_MAX },
	.nxdom_rx_slots = { NX_NETIF_RX_SLOTS_DEF, NIF_SLOTS_MIN,
		NIF_SLOTS_MAX },
	.nxdom_buf_size = { NX_NETIF_BUFSIZE_DEF, NX_NETIF_BUFSIZE_MIN,
		NX_NETIF_BUFSIZE_MAX },
	.nxdom_meta_size = sizeof(struct __packet),
	.nxdom_max_frags = NIF_MAX_FRAGS,      /* the most; 1 by default */
	.nxdom_nx_init = nif_nx_init,
	.nxdom_nx_fini = nif_nx_fini,
	.nxdom_ch_check = nif_ch_check,
	.nxdom_ch_connect = nif_ch_connect,
	.nxdom_ch_disconnect = nif_ch_disconnect,
	.nxdom_txsync = nif_txsync,
	.nxdom_rxsync = nif_rxsync,
	.nxdom_config = nif_config,
};

/* ---- daemon-owned netifs (SKC_IOC_CTL_NETIF_*) --------------------------- */

static struct nx_netif *
nif_find_name(const char *ifname)
{
	struct nx_netif *nif;

	TAILQ_FOREACH(nif, &nif_head, nif_link) {
		if ((nif->nif_flags & NIFF_ATTACHED) &&
		    strcmp(nif->nif_ifname, ifname) == 0)
			return nif;
	}
	return NULL;
}

static struct nx_netif *
nif_find_uuid(const uuid_t uuid)
{
	struct nx_netif *nif;

	TAILQ_FOREACH(nif, &nif_head, nif_link) {
		if (uuid_compare(nif->nif_nx->nx_uuid, uuid) == 0)
			return nif;
	}
	return NULL;
}

/* A request's interface name: NUL-terminated, non-empty, or NULL. */
static const char *
nif_req_name(const char *name)
{
	size_t len = strnlen(name, SKC_NETIF_IFNAMSIZ);

	return len == 0 || len >= SKC_NETIF_IFNAMSIZ ? NULL : name;
}

/* Making devices is the administrator's: root or the daemon's user. */
static int
nif_ctl_perm(const struct sk_cred *cred)
{
	return cred->cr_uid == 0 || cred->cr_uid == geteuid() ? 0 : -EPERM;
}

static struct nxctl *
nif_kctl_get(void)
{
	struct sk_cred kcred = { 0, 0, 0 };

	if (nif_kctl == NULL)
		nif_kctl = nxctl_create(&kcred);
	if (nif_kctl != NULL)
		nif_kctl_users++;
	return nif_kctl;
}

static void
nif_kctl_put(void)
{
	if (--nif_kctl_users != 0)
		return;
	nxctl_close(nif_kctl);
	nif_kctl = NULL;
}

static int
nif_ctl_register(const struct skc_ctl_netif_attach *req, uuid_t prov)
{
	struct skc_nexus_register nr;
	struct nxprov_params *p = &nr.nr_reg.nxpreg_params;
	int err;

	memset(&nr, 0, sizeof(nr));
	nr.nr_reg.nxpreg_version = NXPROV_REG_CURRENT_VERSION;
	nr.nr_reg.nxpreg_requested = NXPREQ_ANONYMOUS | NXPREQ_USER_CHANNEL |
	    NXPREQ_TX_RINGS | NXPREQ_RX_RINGS | NXPREQ_TX_SLOTS |
	    NXPREQ_RX_SLOTS | NXPREQ_BUF_SIZE;
	p->nxp_namelen = (uint32_t)snprintf((char *)p->nxp_name,
	    sizeof(p->nxp_name), "netif:%s", req->na_ifname);
	p->nxp_type = NEXUS_TYPE_NET_IF;
	p->nxp_flags = NXPF_ANONYMOUS | NXPF_USER_CHANNEL;
	p->nxp_tx_rings = p->nxp_rx_rings = req->na_rings ? req->na_rings : 1;
	p->nxp_tx_slots = req->na_tx_slots;
	p->nxp_rx_slots = req->na_rx_slots;
	p->nxp_buf_size = req->na_buf_size;
	err = nxctl_register(nif_kctl, &nr);
	if (err == 0)
		uuid_copy(prov, nr.nr_prov_uuid);
	return err;
}

/* Provider and instance of the daemon's own controller. */
static int
nif_ctl_create(const struct skc_ctl_netif_attach *req, uuid_t prov,
    struct nx_netif **nifp)
{
	struct skc_nexus_create nc;
	struct kern_nexus *nx;
	int err;

	if (req->na_rings > NIF_RINGS_MAX)
		return -ENOMEM;
	err = nif_ctl_register(req, prov);
	if (err != 0)
		return err;
	memset(&nc, 0, sizeof(nc));
	uuid_copy(nc.nc_prov_uuid, prov);
	err = nxctl_nexus_create(nif_kctl, &nc);
	if (err == 0)
		err = nx_lookup_for_open(nc.nc_nx_uuid, &nx);
	if (err != 0) {
		nxctl_deregister(nif_kctl, prov);
		return err;
	}
	*nifp = nx->nx_arg;
	return 0;
}

static void
nif_ctl_attach_out(const struct nx_netif *nif,
    struct skc_ctl_netif_attach *req)
{
	req->na_ifindex = nif->nif_nx->nx_params.nxp_ifindex;
	uuid_copy(req->na_prov_uuid, nif->nif_prov_uuid);
	uuid_copy(req->na_nx_uuid, nif->nif_nx->nx_uuid);
	uuid_copy(req->na_attach_uuid, nif->nif_attach_uuid);
}

static unsigned
nif_be_flags(uint32_t flags)
{
	return ((flags & SKC_NETIF_CREATE) ? SKB_CFG_CREATE : 0) |
	    ((flags & SKC_NETIF_PERSIST) ? SKB_CFG_PERSIST : 0);
}

int
nx_netif_ctl_attach(const struct sk_cred *cred,
    struct skc_ctl_netif_attach *req)
{
	const char *name = nif_req_name(req->na_ifname);
	struct nx_netif *nif = NULL;
	uuid_t prov = { 0 };            /* out of nif_ctl_create */
	int err = nif_ctl_perm(cred);

	if (err != 0)
		return err;
	if (name == NULL || (req->na_flags & ~SKC_NETIF_FLAGS_ALL))
		return -EINVAL;
	if (nif_find_name(name) != NULL)
		return -EBUSY;
	if (nif_kctl_get() == NULL)
		return -ENOMEM;
	err = nif_ctl_create(req, prov, &nif);
	if (err == 0) {
		nif->nif_flags |= NIFF_DAEMON;
		uuid_copy(nif->nif_prov_uuid, prov);
		err = nif_attach(nif, name, nif_be_flags(req->na_flags),
		    (req->na_flags & SKC_NETIF_LOOP) != 0);
		if (err != 0)
			nxctl_deregister(nif_kctl, prov);
	}
	if (err != 0) {
		nif_kctl_put();
		return err;
	}
	nif_ctl_attach_out(nif, req);
	SK_DF(SK_VERB_DEFAULT, "netif %s attached (daemon-owned)", name);
	return 0;
}

/* Detach and free a daemon-owned netif; its channels (gone) keep it. */
static void
nif_ctl_destroy(struct nx_netif *nif)
{
	uuid_t prov;

	uuid_copy(prov, nif->nif_prov_uuid);
	nif_detach_now(nif);
	nxctl_deregister(nif_kctl, prov);      /* frees nif, or invalidates */
	nif_kctl_put();
}

int
nx_netif_ctl_detach(const struct sk_cred *cred,
    struct skc_ctl_netif_detach *req)
{
	const char *name = nif_req_name(req->nd_ifname);
	struct nx_netif *nif;
	int err = nif_ctl_perm(cred);

	if (err != 0)
		return err;
	if (name == NULL && req->nd_ifname[0] != '\0')
		return -EINVAL;
	nif = name != NULL ? nif_find_name(name) :
	    nif_find_uuid(req->nd_nx_uuid);
	if (nif == NULL || (nif->nif_nx->nx_flags & NXF_INVALIDATED))
		return name != NULL ? -ENXIO : -ENOENT;
	if (!(nif->nif_flags & NIFF_DAEMON))
		return -EPERM;          /* its controller detaches it */
	err = nif_detach_check(nif);
	if (err == 0)
		nif_ctl_destroy(nif);
	return err;
}

/* ---- lookup and counters --------------------------------------------------- */

/* A TAP's tx_dropped from sysfs; false when there is none to read. */
static bool
nif_txdrop_read(const struct nx_netif *nif, uint64_t *out)
{
	char path[96];
	unsigned long long v;
	FILE *f;
	int n;

	if ((nif->nif_flags & (NIFF_LOOP | NIFF_GONE)) || !nif->nif_ifname[0])
		return false;
	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_dropped",
	    nif->nif_ifname);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		return false;
	*out = v;
	return true;
}

/*
 * What Linux dropped since attach: frames that waited in the TAP's
 * queue while our ring was full and overflowed it.  A device that is
 * gone (or was replaced: the count went back) keeps the last value.
 */
static uint64_t
nif_txdrop_since_attach(struct nx_netif *nif)
{
	uint64_t v;

	if (nif_txdrop_read(nif, &v) && v >= nif->nif_txdrop_last)
		nif->nif_txdrop_last = v;
	return nif->nif_txdrop_last - nif->nif_txdrop_base;
}

static void
nif_txdrop_reset(struct nx_netif *nif)
{
	uint64_t v = 0;

	nif_txdrop_read(nif, &v);
	nif->nif_txdrop_base = nif->nif_txdrop_last = v;
}

/*
 * ring_full: since the RX ring stops taking frames when it is full, our
 * own share is nil (what the backend counts as ring_full is our no
 * channel and no packet drops); what remains is Linux's queue overflow,
 * reported on queue 0 (linux_drops) because Linux counts per device.
 */
static void
nif_qstats_fill(const struct nx_netif *nif, unsigned i,
    struct skc_netif_qstats *out, uint64_t linux_drops)
{
	const struct sk_backend_qstats *bs = skb_qstats(nif->nif_be, i);
	const struct nif_queue *q = &nif->nif_q[i];
	uint64_t ring_full;

	memset(out, 0, sizeof(*out));
	if (bs == NULL)
		return;
	ring_full = bs->qs_drops[SKB_DROP_RING_FULL];
	out->nq_rx_packets = bs->qs_rx_packets;
	out->nq_rx_bytes = bs->qs_rx_bytes;
	out->nq_tx_packets = bs->qs_tx_packets;
	out->nq_tx_bytes = bs->qs_tx_bytes;
	out->nq_tx_pushback = bs->qs_tx_pushback;
	out->nq_drops[SKC_NETIF_DROP_NO_CHANNEL] = q->nq_drop_nochan;
	out->nq_drops[SKC_NETIF_DROP_RING_FULL] = ring_full -
	    q->nq_drop_nochan - q->nq_drop_nopkt + (i == 0 ? linux_drops : 0);
	out->nq_drops[SKC_NETIF_DROP_TRUNCATED] =
	    bs->qs_drops[SKB_DROP_TRUNCATED];
	out->nq_drops[SKC_NETIF_DROP_ERROR] = bs->qs_drops[SKB_DROP_ERROR];
	out->nq_drops[SKC_NETIF_DROP_BADLEN] = bs->qs_drops[SKB_DROP_BADLEN];
	out->nq_drops[SKC_NETIF_DROP_LINK_DOWN] =
	    bs->qs_drops[SKB_DROP_LINK_DOWN];
	out->nq_drops[SKC_NETIF_DROP_GONE] = bs->qs_drops[SKB_DROP_GONE];
	out->nq_drops[SKC_NETIF_DROP_NO_PACKET] = q->nq_drop_nopkt;
}

static uint32_t
nif_lookup_flags(const struct nx_netif *nif)
{
	uint32_t f = 0;

	if (nif->nif_flags & NIFF_DAEMON)
		f |= SKC_NETIF_F_DAEMON;
	if (nif->nif_flags & NIFF_GONE)
		f |= SKC_NETIF_F_GONE;
	if (nif->nif_flags & NIFF_LOOP)
		f |= SKC_NETIF_F_LOOP;
	if (nif->nif_be != NULL && (nif->nif_be->b_state & SKB_STATE_CREATED))
		f |= SKC_NETIF_F_CREATED;
	return f;
}

/* Pool counts, for leak checks (a user packet pool gives all back). */
static void
nif_lookup_pool(const struct nx_netif *nif, struct skc_ctl_netif_lookup *req)
{
	const struct kern_pbufpool *pp = nif->nif_pp;

	if (pp == NULL)
		return;
	req->nl_pool_pkts = pp->pp_nobjs;
	req->nl_pool_pkts_free = pp->pp_nfree + pp->pp_nlfree;
	req->nl_pool_bfts = pp->pp_nbfts;
	req->nl_pool_bfts_free = pp->pp_nbfree;
}

/* Link, MTU and address, unless the device is gone. */
static void
nif_lookup_device(struct nx_netif *nif, struct skc_ctl_netif_lookup *req)
{
	int link;

	if (nif->nif_flags & NIFF_GONE)
		return;
	link = skb_link_state(nif->nif_be);
	if (link >= 0)
		req->nl_link = (uint32_t)link & (SKB_LINK_UP | SKB_LINK_RUNNING);
	if (skb_mtu(nif->nif_be, &req->nl_mtu) != 0)
		req->nl_mtu = 0;
	if (skb_hwaddr(nif->nif_be, req->nl_hwaddr) != 0)
		memset(req->nl_hwaddr, 0, sizeof(req->nl_hwaddr));
}

int
nx_netif_ctl_lookup(struct skc_ctl_netif_lookup *req)
{
	const char *name = nif_req_name(req->nl_ifname);
	struct nx_netif *nif;
	uint64_t txdrop;
	unsigned i;

	if (name == NULL && req->nl_ifname[0] != '\0')
		return -EINVAL;
	nif = name != NULL ? nif_find_name(name) :
	    nif_find_uuid(req->nl_nx_uuid);
	if (nif == NULL || !(nif->nif_flags & NIFF_ATTACHED))
		return -ENXIO;
	snprintf(req->nl_ifname, sizeof(req->nl_ifname), "%s", nif->nif_ifname);
	uuid_copy(req->nl_nx_uuid, nif->nif_nx->nx_uuid);
	if (nif->nif_flags & NIFF_DAEMON)
		uuid_copy(req->nl_attach_uuid, nif->nif_attach_uuid);
	req->nl_flags = nif_lookup_flags(nif);
	req->nl_ifindex = nif->nif_nx->nx_params.nxp_ifindex;
	req->nl_rings = nif->nif_rings;
	req->nl_channels = nif->nif_nx->nx_nchannels;
	nif_lookup_pool(nif, req);
	nif_lookup_device(nif, req);
	txdrop = nif_txdrop_since_attach(nif);
	for (i = 0; i < nif->nif_rings; i++)
		nif_qstats_fill(nif, i, &req->nl_q[i], txdrop);
	return 0;
}

static int
nif_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		if (b[i] != 0)
			return -EINVAL;
	}
	return 0;
}

int
nx_netif_ctl_attach_reserved(const void *arg)
{
	const struct skc_ctl_netif_attach *req = arg;

	return nif_zero(req->na_reserved, sizeof(req->na_reserved));
}

int
nx_netif_ctl_detach_reserved(const void *arg)
{
	const struct skc_ctl_netif_detach *req = arg;

	return nif_zero(req->nd_reserved, sizeof(req->nd_reserved));
}

int
nx_netif_ctl_lookup_reserved(const void *arg)
{
	const struct skc_ctl_netif_lookup *req = arg;

	return nif_zero(&req->nl_pool_pkts, 4 * sizeof(req->nl_pool_pkts));
}

const char *
nx_netif_ifname(const struct kern_nexus *nx)
{
	const struct nx_netif *nif;

	if (nx->nx_dom != &nx_netif_dom || nx->nx_arg == NULL)
		return "";
	nif = nx->nx_arg;
	return nif->nif_ifname;
}

/* Every handle is closed by now: daemon-owned netifs have no channels. */
void
nx_netif_fini(void)
{
	struct nx_netif *nif, *tmp;

	TAILQ_FOREACH_SAFE(nif, &nif_head, nif_link, tmp) {
		if ((nif->nif_flags & NIFF_DAEMON) &&
		    !(nif->nif_nx->nx_flags & NXF_INVALIDATED))
			nif_ctl_destroy(nif);
	}
}
