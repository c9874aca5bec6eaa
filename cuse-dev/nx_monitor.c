/*
 * nx_monitor.c - monitor channels: watch the traffic of a nexus port.
 *
 * Theory of operation
 *
 * A monitor is a channel opened with CHMODE_MONITOR_TX and/or _RX (and
 * maybe _NO_COPY) on {nexus, port, ring id} of an existing instance of
 * any nexus type here (user pipe, netif, kernel pipe).  It does not own
 * the port or its rings (no EBUSY either way) and never joins the nexus
 * domain: channel.c opens it through nx_monitor_dom, whose rings and
 * pool are the monitor's own.  As in netmap and XNU, a monitor has one
 * ring pair per watched ring; only its RX rings carry anything:
 *
 *   watched port, ring r                      monitor, ring r
 *   TX r: slots the process queues  --copy-->  RX r   (MONITOR_TX)
 *   RX r: slots its process receives --copy-->  RX r   (MONITOR_RX)
 *                                              TX r   stalled: always
 *                                                     full, sync = EIO
 *
 * kring.c calls two hooks (nx_monitor.h): nx_mon_tx_queued() from the
 * TX prologue, for the slots a process just handed to the kernel, and
 * nx_mon_rx_delivered() from the RX finalize, for the slots a process
 * is about to see.  So every packet is seen exactly once per watched
 * direction, when it enters (TX) or leaves (RX) the kernel, whatever
 * the nexus does in between (a pipe peer that is full, a TAP that
 * pushes back).  netmap's copy monitor picks the same two instants.
 * The hooks look monitors up by {nexus, port, ring id} on every call,
 * so a monitor survives the domain tearing its rings down and building
 * them again; with no monitor open they cost one load.
 *
 * Delivery never blocks the watched channel: a monitor RX ring that is
 * full drops the packet and counts it (nms_dropped).  Only a channel's
 * own traffic is shown: a ring with no channel bound shows nothing, and
 * a monitor whose opener is neither root nor the watched channel's
 * opener's uid gets nothing from it (nms_denied); opening one while such
 * a channel holds a watched ring fails with EPERM.
 *
 * Copy mode (CHANNEL_MONITOR_COPY): the monitor has its own pool, one
 * object per RX slot, sized like the nexus'; delivery copies the
 * kernel's metadata and the data bytes into the object in the slot.
 * Its memory is its own: what it does with it cannot reach anyone.
 *
 * No-copy mode (CHANNEL_MONITOR_NO_COPY): the metadata is still the
 * monitor's own (a private snapshot of the kernel's, written by the
 * kernel into the monitor's umd), but its buflet names the watched
 * pool's buffer, and the monitor's span maps that pool's buffers read-
 * only from a read-only descriptor (CH_FD_XBUF).  No bytes move; the
 * monitor reads the very buffer the watched process filled or will read,
 * which stays valid until the watched side reuses it (XNU's zero-copy
 * monitor swaps buffers instead, which our fixed one-object-per-slot
 * pools cannot do).  Such a monitor needs the pool to exist when it
 * opens (ENXIO otherwise, as XNU's "parent not active") and watches that
 * pool only: once the nexus' last channel closes and the pool goes, it
 * sees nothing more, as XNU's zero-copy monitor must be restarted.
 * Trust: a read-only fd is a seat belt, not a wall (a memfd can be
 * reopened writable through /proc); the uid rule above is the wall, and
 * the daemon never reads pool memory except through kr_internalize().
 * See docs/design.md, "Monitor channels".
 *
 * Memory: struct nx_mon, its 2N krings, its pool and, for no-copy, a
 * reference on the watched pool's arena and the read-only fd; created at
 * connect, freed at disconnect (close or defunct).  Single-threaded, as
 * the whole daemon: no locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "channel_var.h"
#include "nx_monitor.h"

struct nx_mon {
	struct kern_channel *nm_ch;
	struct kern_nexus *nm_nx;
	nexus_port_t nm_port;
	uint32_t nm_mode;               /* CHMODE_MONITOR_TX|_RX|_NO_COPY */
	uint32_t nm_nrings;             /* per direction */
	uint32_t nm_nx_rings;           /* entries of nm_rx_by_id */
	struct kern_channel_ring *nm_krings;    /* TX [0, n), RX [n, 2n) */
	struct kern_channel_ring **nm_rx_by_id; /* nexus ring id -> our RX */
	struct kern_pbufpool *nm_pp;
	struct skmem_arena *nm_src_arena;       /* no-copy: watched pool's */
	int nm_src_fd;                          /* no-copy: read-only fd */
	struct nx_mon_stats nm_stats;
	TAILQ_ENTRY(nx_mon) nm_link;
};

static TAILQ_HEAD(, nx_mon) nm_head = TAILQ_HEAD_INITIALIZER(nm_head);
uint32_t nx_mon_live;

static bool
mon_is(const struct kern_channel *ch)
{
	return ch->ch_dom == &nx_monitor_dom;
}

/* The rule of docs/design.md: root, or the watched opener's uid. */
static bool
mon_cred_ok(const struct sk_cred *mon, const struct sk_cred *owner)
{
	return mon->cr_uid == 0 || mon->cr_uid == owner->cr_uid;
}

/* ---- delivery (the hooks) ------------------------------------------------ */

/*
 * What a monitor shows of a watched packet: the kernel's metadata, field
 * by field, onto our object, whose identity, pool links and buffer
 * counts stay ours.  Copy mode keeps our buflet (the bytes follow, see
 * mon_data_copy); no-copy points it at the watched buffer.  Only the
 * first buflet travels; a chain is cut there (kq_len follows).
 */
static void
mon_md_copy(struct kern_packet *dst, const struct kern_packet *src,
    bool own_buflet)
{
	struct kern_quantum *dq = &dst->kp_qum;
	const struct kern_quantum *sq = &src->kp_qum;

	uuid_copy(dq->kq_flow_id, sq->kq_flow_id);
	dq->kq_svc_class = sq->kq_svc_class;
	dq->kq_qflags = sq->kq_qflags;
	dq->kq_buf.kb_doff = sq->kq_buf.kb_doff;
	dq->kq_buf.kb_dlen = sq->kq_buf.kb_dlen;
	dq->kq_len = sq->kq_buf.kb_dlen;
	dst->kp_com = src->kp_com;
	dst->kp_opt = src->kp_opt;
	dst->kp_flowid = src->kp_flowid;
	dst->kp_timestamp = src->kp_timestamp;
	dst->kp_ts_valid = src->kp_ts_valid;
	if (own_buflet)
		return;
	dq->kq_buf.kb_addr = sq->kq_buf.kb_addr;
	dq->kq_buf.kb_idx = sq->kq_buf.kb_idx;
	dq->kq_buf.kb_dlim = sq->kq_buf.kb_dlim;
}

/* The data bytes, clipped to our buffer (pools are sized alike). */
static void
mon_data_copy(struct kern_quantum *dq, const struct kern_quantum *sq)
{
	struct kern_buflet *b = &dq->kq_buf;

	if (b->kb_doff > b->kb_dlim)
		b->kb_doff = b->kb_dlim;
	if (b->kb_dlen > b->kb_dlim - b->kb_doff)
		b->kb_dlen = b->kb_dlim - b->kb_doff;
	dq->kq_len = b->kb_dlen;
	memcpy(b->kb_addr + b->kb_doff, sq->kq_buf.kb_addr + b->kb_doff,
	    b->kb_dlen);
}

/*
 * No-copy maps the watched pool's default buffer region only: a packet
 * whose first buffer lies elsewhere (a large buffer) cannot be shown.
 */
static bool
mon_showable(const struct nx_mon *nm, const struct kern_quantum *sq)
{
	return !(nm->nm_mode & CHMODE_MONITOR_NO_COPY) ||
	    !(sq->kq_buf.kb_flag & BUFLET_FLAG_LARGE_BUF);
}

static void
mon_put(struct nx_mon *nm, struct kern_channel_ring *mkr,
    const struct kern_pbufpool *spp, obj_idx_t sidx)
{
	obj_idx_t didx = mkr->ckr_ksds[mkr->ckr_ktail];
	struct kern_quantum *dq = pp_kqum(nm->nm_pp, didx);
	bool copy = !(nm->nm_mode & CHMODE_MONITOR_NO_COPY);

	mon_md_copy(pp_kpkt(nm->nm_pp, didx), pp_kpkt(spp, sidx), copy);
	if (copy)
		mon_data_copy(dq, pp_kqum(spp, sidx));
	mkr->ckr_ready_bytes += dq->kq_len;
	mkr->ckr_ktail = kr_next(mkr, mkr->ckr_ktail);
	nm->nm_stats.nms_packets++;
	nm->nm_stats.nms_bytes += dq->kq_len;
}

/* The monitor ring for kr, if nm watches kr's direction and ring. */
static struct kern_channel_ring *
mon_ring_for(const struct nx_mon *nm, const struct kern_channel_ring *kr,
    uint32_t dir_mode)
{
	if (nm->nm_nx != kr->ckr_nx || nm->nm_port != kr->ckr_port ||
	    !(nm->nm_mode & dir_mode) || kr->ckr_ring_id >= nm->nm_nx_rings ||
	    ch_is_dead(nm->nm_ch))
		return NULL;
	/* No-copy names buffers of one pool: the one it mapped. */
	if ((nm->nm_mode & CHMODE_MONITOR_NO_COPY) &&
	    kr->ckr_pp->pp_arena != nm->nm_src_arena)
		return NULL;
	return nm->nm_rx_by_id[kr->ckr_ring_id];
}

/* Slots [first, end) of kr into nm's ring mkr; never blocks kr. */
static void
mon_deliver(struct nx_mon *nm, struct kern_channel_ring *mkr,
    const struct kern_channel_ring *kr, slot_idx_t first, slot_idx_t end)
{
	uint64_t before = nm->nm_stats.nms_packets;
	slot_idx_t i;
	obj_idx_t idx;

	for (i = first; i != end; i = kr_next(kr, i)) {
		idx = kr->ckr_ksds[i];
		if (idx == OBJ_IDX_NONE ||
		    (pp_kqum(kr->ckr_pp, idx)->kq_qflags & QUM_F_DROPPED))
			continue;       /* nothing that will travel */
		if (kr_rx_space(mkr) == 0 ||
		    !mon_showable(nm, pp_kqum(kr->ckr_pp, idx)))
			nm->nm_stats.nms_dropped++;
		else
			mon_put(nm, mkr, kr->ckr_pp, idx);
	}
	if (nm->nm_stats.nms_packets == before)
		return;
	mkr->ckr_notify_time = sk_now_ns();
	ch_wakeup(nm->nm_ch);
}

static void
mon_hook(struct kern_channel_ring *kr, slot_idx_t first, slot_idx_t end,
    uint32_t dir_mode)
{
	const struct kern_channel *owner = kr->ckr_ch;
	struct kern_channel_ring *mkr;
	struct nx_mon *nm;

	if (kr->ckr_nx == NULL || owner == NULL)
		return;         /* a monitor's own ring, or nobody's traffic */
	TAILQ_FOREACH(nm, &nm_head, nm_link) {
		mkr = mon_ring_for(nm, kr, dir_mode);
		if (mkr == NULL)
			continue;
		if (!mon_cred_ok(&nm->nm_ch->ch_cred, &owner->ch_cred))
			nm->nm_stats.nms_denied += kr_dist(kr, first, end);
		else
			mon_deliver(nm, mkr, kr, first, end);
	}
}

void
nx_mon_tx_queued_slow(struct kern_channel_ring *kr, slot_idx_t first,
    slot_idx_t end)
{
	mon_hook(kr, first, end, CHMODE_MONITOR_TX);
}

void
nx_mon_rx_delivered_slow(struct kern_channel_ring *kr, slot_idx_t first,
    slot_idx_t end)
{
	mon_hook(kr, first, end, CHMODE_MONITOR_RX);
}

int
nx_mon_stats_get(const struct kern_channel *ch, struct nx_mon_stats *st)
{
	const struct nx_mon *nm = ch->ch_ctx;

	if (!mon_is(ch) || nm == NULL)
		return -EINVAL;
	*st = nm->nm_stats;
	return 0;
}

/* ---- the monitor's own rings ---------------------------------------------- */

/*
 * A TX ring that looks permanently full: every slot queued (khead one
 * past head), none owned by the user, no objects.  The library then
 * offers no TX slot, poll never reports POLLOUT, and a TX sync reaches
 * mon_txsync(), which refuses as XNU's monitor does.
 */
static void
mon_kr_tx_stall(struct kern_channel_ring *kr)
{
	uint32_t i;

	for (i = 0; i < kr->ckr_num_slots; i++)
		kr->ckr_ksds[i] = OBJ_IDX_NONE;
	kr->ckr_rhead = kr->ckr_rtail = kr->ckr_ktail = 0;
	kr->ckr_khead = kr_next(kr, 0);
}

/* Ring i (per direction) watches nexus ring rid. */
static int
mon_kr_init(struct nx_mon *nm, uint32_t i, uint16_t rid)
{
	const struct nxprov_params *p = &nm->nm_nx->nx_params;
	struct kern_channel_ring *tx = &nm->nm_krings[i];
	struct kern_channel_ring *rx = &nm->nm_krings[nm->nm_nrings + i];
	int err;

	err = kr_init(tx, NR_TX, rid, nm->nm_port, p->nxp_tx_slots,
	    nm->nm_pp, 0);
	err = err ? err : kr_init(rx, NR_RX, rid, nm->nm_port,
	    p->nxp_rx_slots, nm->nm_pp, i * p->nxp_rx_slots);
	if (err != 0)
		return err;
	mon_kr_tx_stall(tx);
	tx->ckr_ctx = rx->ckr_ctx = nm;
	nm->nm_rx_by_id[rid] = rx;
	return 0;
}

static int
mon_rings_create(struct nx_mon *nm, uint64_t mask)
{
	uint32_t r, i = 0;
	int err = 0;

	nm->nm_krings = calloc(2 * (size_t)nm->nm_nrings,
	    sizeof(*nm->nm_krings));
	nm->nm_rx_by_id = calloc(nm->nm_nx_rings, sizeof(*nm->nm_rx_by_id));
	if (nm->nm_krings == NULL || nm->nm_rx_by_id == NULL)
		return -ENOMEM;
	for (r = 0; r < nm->nm_nx_rings && err == 0; r++) {
		if (mask & (1ull << r))
			err = mon_kr_init(nm, i++, (uint16_t)r);
	}
	return err;
}

static int
mon_pool_create(struct nx_mon *nm, const struct kern_channel *ch)
{
	const struct nxprov_params *p = &nm->nm_nx->nx_params;
	char name[64];

	snprintf(name, sizeof(name), "skchan:pool:monitor-%08x",
	    ch->ch_info.cinfo_ch_id_32[0]);
	nm->nm_pp = pp_create(name, nm->nm_nrings * p->nxp_rx_slots,
	    p->nxp_buf_size, p->nxp_md_type, p->nxp_md_subtype);
	return nm->nm_pp == NULL ? -ENOMEM : 0;
}

/* ---- no-copy: the watched pool -------------------------------------------- */

/* The pool live channels of the nexus use; NULL when none is open. */
static struct kern_pbufpool *
mon_src_pool(const struct kern_nexus *nx)
{
	const struct kern_channel *c;

	TAILQ_FOREACH(c, &nx->nx_channels, ch_nx_link) {
		if (!mon_is(c) && c->ch_pp != NULL && !ch_is_dead(c))
			return c->ch_pp;
	}
	return NULL;
}

/*
 * A read-only descriptor of the watched pool's memfd: a new open file
 * description, so mmap(PROT_WRITE, MAP_SHARED) and mprotect fail on it.
 */
static int
mon_src_attach(struct nx_mon *nm, struct kern_channel *ch)
{
	struct kern_pbufpool *spp = mon_src_pool(nm->nm_nx);
	char path[64];

	if (spp == NULL)
		return -ENXIO;
	snprintf(path, sizeof(path), "/proc/self/fd/%d",
	    spp->pp_region->sr_fd);
	nm->nm_src_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (nm->nm_src_fd < 0) {
		SK_ERR("cannot reopen pool read-only: %s", strerror(errno));
		return -errno;
	}
	nm->nm_src_arena = spp->pp_arena;
	skmem_arena_retain(nm->nm_src_arena);
	ch->ch_xbuf_fd = nm->nm_src_fd;
	ch->ch_xbuf_len = spp->pp_buf_len;
	return 0;
}

/* ---- the domain ----------------------------------------------------------- */

static void
mon_free(struct nx_mon *nm)
{
	uint32_t i;

	if (nm->nm_krings != NULL) {
		for (i = 0; i < 2 * nm->nm_nrings; i++)
			kr_fini(&nm->nm_krings[i]);
	}
	free(nm->nm_krings);
	free(nm->nm_rx_by_id);
	pp_destroy(nm->nm_pp);
	skmem_arena_release(nm->nm_src_arena);
	if (nm->nm_src_fd >= 0)
		close(nm->nm_src_fd);
	free(nm);
}

static uint32_t
mon_count_rings(uint64_t mask, uint32_t nx_rings)
{
	uint32_t r, n = 0;

	for (r = 0; r < nx_rings; r++)
		n += (mask >> r) & 1;
	return n;
}

static struct nx_mon *
mon_alloc(struct kern_nexus *nx, struct kern_channel *ch)
{
	struct nx_mon *nm = calloc(1, sizeof(*nm));

	if (nm == NULL)
		return NULL;
	nm->nm_ch = ch;
	nm->nm_nx = nx;
	nm->nm_port = ch->ch_port;
	nm->nm_mode = ch->ch_info.cinfo_ch_mode &
	    (CHMODE_MONITOR | CHMODE_MONITOR_NO_COPY);
	nm->nm_nx_rings = nx->nx_params.nxp_tx_rings;
	if (nx->nx_params.nxp_rx_rings > nm->nm_nx_rings)
		nm->nm_nx_rings = nx->nx_params.nxp_rx_rings;
	if (nm->nm_nx_rings > 64)
		nm->nm_nx_rings = 64;   /* ch_rings_mask has 64 bits */
	nm->nm_nrings = mon_count_rings(ch->ch_rings_mask, nm->nm_nx_rings);
	nm->nm_src_fd = -1;
	return nm;
}

/* Hand the channel its rings: ring i of each direction. */
static int
mon_ch_rings(struct nx_mon *nm, struct kern_channel *ch)
{
	uint32_t i;

	ch->ch_tx_krings = calloc(nm->nm_nrings, sizeof(*ch->ch_tx_krings));
	ch->ch_rx_krings = calloc(nm->nm_nrings, sizeof(*ch->ch_rx_krings));
	if (ch->ch_tx_krings == NULL || ch->ch_rx_krings == NULL) {
		free(ch->ch_tx_krings);
		free(ch->ch_rx_krings);
		ch->ch_tx_krings = ch->ch_rx_krings = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < nm->nm_nrings; i++) {
		ch->ch_tx_krings[i] = &nm->nm_krings[i];
		ch->ch_rx_krings[i] = &nm->nm_krings[nm->nm_nrings + i];
	}
	ch->ch_nrings = nm->nm_nrings;
	ch->ch_pp = nm->nm_pp;
	ch->ch_ctx = nm;
	return 0;
}

/* Watched rings held by another user's channel: EPERM (docs). */
static int
mon_cred_check(const struct kern_nexus *nx, const struct kern_channel *ch)
{
	const struct kern_channel *c;

	TAILQ_FOREACH(c, &nx->nx_channels, ch_nx_link) {
		if (mon_is(c) || c->ch_port != ch->ch_port ||
		    !(c->ch_rings_mask & ch->ch_rings_mask))
			continue;
		if (!mon_cred_ok(&ch->ch_cred, &c->ch_cred))
			return -EPERM;
	}
	return 0;
}

/* Types whose rings the hooks understand; no filter monitors. */
static int
mon_ch_check(struct kern_nexus *nx, uint32_t mode)
{
	nexus_type_t t = nx->nx_dom->nxdom_type;

	if (mode & CHMODE_FILTER)
		return -ENOTSUP;
	if (t != NEXUS_TYPE_USER_PIPE && t != NEXUS_TYPE_NET_IF &&
	    t != NEXUS_TYPE_KERNEL_PIPE)
		return -ENOTSUP;
	return 0;
}

static int
mon_ch_connect(struct kern_nexus *nx, struct kern_channel *ch)
{
	struct nx_mon *nm;
	int err = mon_cred_check(nx, ch);

	if (err != 0)
		return err;
	nm = mon_alloc(nx, ch);
	if (nm == NULL)
		return -ENOMEM;
	err = mon_pool_create(nm, ch);
	err = err ? err : mon_rings_create(nm, ch->ch_rings_mask);
	if (err == 0 && (nm->nm_mode & CHMODE_MONITOR_NO_COPY))
		err = mon_src_attach(nm, ch);
	err = err ? err : mon_ch_rings(nm, ch);
	if (err != 0) {
		ch->ch_xbuf_len = 0;
		mon_free(nm);
		return err;
	}
	TAILQ_INSERT_TAIL(&nm_head, nm, nm_link);
	nx_mon_live++;
	return 0;
}

static void
mon_ch_disconnect(struct kern_nexus *nx, struct kern_channel *ch)
{
	struct nx_mon *nm = ch->ch_ctx;
	uint32_t i;

	(void)nx;
	for (i = 0; i < ch->ch_nrings; i++) {
		kr_unbind(ch->ch_tx_krings[i]);
		kr_unbind(ch->ch_rx_krings[i]);
	}
	free(ch->ch_tx_krings);
	free(ch->ch_rx_krings);
	ch->ch_tx_krings = ch->ch_rx_krings = NULL;
	ch->ch_ctx = NULL;
	ch->ch_xbuf_fd = -1;    /* closed below; a defunct channel lives on */
	TAILQ_REMOVE(&nm_head, nm, nm_link);
	nx_mon_live--;
	mon_free(nm);
}

/* Monitors cannot inject packets (XNU: EIO, the KPI's positive errno). */
static int
mon_txsync(struct kern_channel_ring *kr)
{
	(void)kr;
	return EIO;
}

/* Slots arrive through the hooks; a sync only takes back the released. */
static int
mon_rxsync(struct kern_channel_ring *kr)
{
	kr_note_sync(kr, NULL, sk_now_ns());
	kr_reclaim(kr);
	return 0;
}

/*
 * Never registered or instantiated: only the channel hooks are used.
 * The type is XNU's kernel-private NEXUS_TYPE_MONITOR.
 */
const struct nxdom nx_monitor_dom = {
	.nxdom_name = "monitor",
	.nxdom_type = NEXUS_TYPE_MONITOR,
	.nxdom_ch_check = mon_ch_check,
	.nxdom_ch_connect = mon_ch_connect,
	.nxdom_ch_disconnect = mon_ch_disconnect,
	.nxdom_txsync = mon_txsync,
	.nxdom_rxsync = mon_rxsync,
};
