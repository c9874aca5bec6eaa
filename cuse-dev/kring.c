/*
 * kring.c - kernel rings: shadows, prologues, finalizes, metadata.
 *
 * Theory of operation
 *
 * Every user-visible ring has a kernel ring holding the kernel's own
 * copy of each index.  The user writes only ring_head (and the metadata
 * of slots it owns); everything else it sees is a copy the kernel
 * published at the end of its last sync.
 *
 *   TX ring (slots move left to right, indices wrap at num_slots):
 *
 *        khead            rhead              rtail == ktail
 *          |  queued by     |  owned by the    |   kernel's
 *          v  the user      v  user: fill me   v   (khead-1: kept empty)
 *   ...----[================[==================)----...
 *          \__ tx_pending __/
 *
 *   RX ring:
 *
 *     khead == rhead        rtail               ktail
 *          |  owned by the    |  arrived, shown   |  free: the nexus
 *          v  user: read me   v  at next finalize v  fills from here
 *   ...----[==================[===================)----...
 *          \___________ ready (ready_bytes) _____/
 *
 * Invariants (checked by construction, never trusted from the user):
 *   all four indices < num_slots;  TX: khead..rhead..rtail in order and
 *   ktail == khead - 1 after the nexus took slots;  RX: khead == rhead,
 *   rhead..rtail..ktail in order, ktail never reaches khead - 0 (one
 *   slot stays empty, so full and empty differ).
 *
 * A sync is prologue -> nexus sync -> finalize.  The prologue reads
 * ring_head once, requires it within [rhead, rtail] and ring_tail ==
 * rtail, and (TX) internalizes every newly queued slot's metadata into
 * the kernel copy, or (RX) notes the new rhead; the nexus reclaims the
 * released RX slots with kr_reclaim() (kern_channel_reclaim), which
 * counts them out by the kernel's lengths.  Any violation returns
 * -EFAULT; the caller kills the process.
 *
 * Metadata: QUANTUM (pipes) and PACKET (netif: headroom, L2 length,
 * checksum offsets, packet flags and options) are internalized from one
 * snapshot of the user object and checked against the kernel's buflet;
 * see kr_internalize().  Slots of KPI rings (CKRF_KERNEL_ALLOC) may be
 * empty (OBJ_IDX_NONE) while a provider moves packets between them.
 * Finalize publishes the new tail: it first writes the slot descriptors
 * and metadata of the slots it hands over (TX: fresh empty packets; RX:
 * the received packets, externalized) and only then ring_tail, with a
 * release store, so the user sees a slot only once it is complete.
 *
 * User packet pool (CKRF_UPP, upp.c): TX slots are empty while the
 * process owns them; the prologue takes the packet a slot descriptor
 * names (it must be one the process holds) into the kernel slot, and
 * finalize frees what the nexus consumed.  RX packets become the
 * process's when published (sd_len written), and a released RX slot
 * must have been detached.  Packets may then chain external buflets,
 * walked with bounds by upp_chain_internalize().
 *
 * Memory: ckr_ksds is malloc'd (kernel slot descriptors never live in a
 * shared region).  ckr_ring and ckr_usds point into the owning channel's
 * regions and are only valid while the ring is bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kring_var.h"
#include "nx_monitor.h"
#include "upp_var.h"

/*
 * ring_head is the only index the user writes.  Acquire: the slots and
 * metadata it wrote before moving head must be read after head.
 */
static inline slot_idx_t
kr_read_user_head(const struct __user_channel_ring *ring)
{
	return __atomic_load_n(&ring->ring_head, __ATOMIC_ACQUIRE);
}

static inline slot_idx_t
kr_read_user_tail(const struct __user_channel_ring *ring)
{
	return __atomic_load_n(&ring->ring_tail, __ATOMIC_RELAXED);
}

/* Release: descriptors and metadata of the published slots come first. */
static inline void
kr_publish_tail(struct __user_channel_ring *ring, slot_idx_t tail)
{
	__atomic_store_n(&ring->ring_tail, tail, __ATOMIC_RELEASE);
}

/* ---- metadata: kernel -> user ------------------------------------------- */

static void
kr_externalize_buflet(struct __user_buflet *ub, const struct kern_buflet *kb)
{
	ub->buf_bft_idx_reg = OBJ_IDX_NONE;
	ub->buf_idx = kb->kb_idx;
	ub->buf_nbft_idx = OBJ_IDX_NONE;
	ub->buf_dlim = kb->kb_dlim;
	ub->buf_doff = kb->kb_doff;
	ub->buf_dlen = kb->kb_dlen;
	ub->buf_flag = kb->kb_flag;
}

/* The packet parts; payload packets carry no headroom or link state. */
static void
kr_externalize_packet(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	const struct kern_packet *kp = pp_kpkt(pp, idx);
	struct __user_packet *up = pp_umd_packet(pp, idx);

	up->pkt_com = kp->kp_com;
	up->pkt_pflags = kp->kp_com.__p_flags & PKT_F_USER_MASK;
	up->pkt_com_opt = kp->kp_opt;
	if (pp->pp_md_subtype == NEXUS_META_SUBTYPE_PAYLOAD) {
		up->pkt_headroom = 0;
		up->pkt_l2_len = 0;
		up->pkt_link_flags = 0;
	}
	up->pkt_bufs_max = kp->kp_bufs_max;
	up->pkt_bufs_cnt = kp->kp_bufs_cnt;
}

static void
kr_externalize(const struct kern_channel_ring *kr, obj_idx_t idx,
    uint16_t extra_qflags)
{
	struct kern_pbufpool *pp = kr->ckr_pp;
	const struct kern_quantum *kq = pp_kqum(pp, idx);
	struct __metadata_preamble *mdp = pp_umd_preamble(pp, idx);
	struct __user_quantum *uq = pp_umd_quantum(pp, idx);

	mdp->mdp_redzone = pp_md_offset(pp, idx) ^ sk_md_redzone_cookie;
	mdp->mdp_idx = idx;
	mdp->mdp_type = (uint16_t)pp->pp_md_type;
	mdp->mdp_subtype = (uint16_t)pp->pp_md_subtype;
	memset(uq, 0, pp->pp_md_size - METADATA_PREAMBLE_SZ);
	uuid_copy(uq->qum_flow_id, kq->kq_flow_id);
	uq->qum_len = kq->kq_len;
	uq->qum_svc_class = kq->kq_svc_class;
	uq->qum_qflags = (uint16_t)((kq->kq_qflags & ~QUM_F_KERNEL_FLAGS) |
	    extra_qflags);
	kr_externalize_buflet(&uq->qum_buf[0], &kq->kq_buf);
	if (pp->pp_md_type == NEXUS_META_TYPE_PACKET)
		kr_externalize_packet(pp, idx);
}

/* ---- metadata: user -> kernel ------------------------------------------- */

static int
kr_internalize_dropped(struct kern_quantum *kq)
{
	kq->kq_len = 0;
	kq->kq_buf.kb_doff = 0;
	kq->kq_buf.kb_dlen = 0;
	kq->kq_qflags = QUM_F_DROPPED;
	return 0;
}

/*
 * The inline buflet: the kernel's buffer, data within the kernel's
 * limit (64-bit sum: no wrap).  A chain after it is upp.c's to check.
 */
static bool
kr_buflet_ok(const struct __user_buflet *ub, const struct kern_buflet *kb)
{
	return ub->buf_idx == kb->kb_idx &&
	    (uint64_t)ub->buf_doff + ub->buf_dlen <= kb->kb_dlim;
}

/*
 * Packet rules (spec 5.8): RAW headroom is the first buflet's offset and
 * headroom + L2 length stays inside the buffer; PAYLOAD has neither; a
 * partial checksum's offsets lie inside the packet.
 */
static bool
kr_packet_ok(const struct kern_pbufpool *pp, const struct __user_packet *up)
{
	uint32_t len = up->pkt_length;

	if (pp->pp_md_subtype == NEXUS_META_SUBTYPE_RAW) {
		if (up->pkt_headroom != up->pkt_qum_buf.buf_doff ||
		    (uint32_t)up->pkt_headroom + up->pkt_l2_len >=
		    pp->pp_buf_size)
			return false;
	} else if (up->pkt_headroom != 0 || up->pkt_l2_len != 0) {
		return false;
	}
	if ((up->pkt_csum_flags & PACKET_CSUM_PARTIAL) &&
	    (up->pkt_csum_tx_start_off >= len ||
	    (uint32_t)up->pkt_csum_tx_stuff_off + sizeof(uint16_t) > len))
		return false;
	return true;
}

static void
kr_internalize_packet(struct kern_packet *kp, const struct __user_packet *up)
{
	kp->kp_com = up->pkt_com;
	kp->kp_com.__p_flags = up->pkt_pflags & PKT_F_USER_MASK;
	kp->kp_com.__p_csum_flags = up->pkt_csum_flags &
	    (PACKET_CSUM_PARTIAL | PACKET_CSUM_ZERO_INVERT |
	    PACKET_CSUM_TSO_IPV4 | PACKET_CSUM_TSO_IPV6);
	kp->kp_opt = up->pkt_com_opt;
}

/*
 * Copy a TX slot's user metadata into the kernel's copy.  One snapshot
 * of the user object is taken first, so every check and every copied
 * value come from the same read; the buffer index is the kernel's, the
 * user's must agree with it.
 */
static int
kr_internalize(const struct kern_channel_ring *kr, obj_idx_t idx)
{
	struct kern_pbufpool *pp = kr->ckr_pp;
	struct kern_quantum *kq = pp_kqum(pp, idx);
	struct __user_packet up;        /* big enough for either type */
	const struct __user_quantum *uq = &up.pkt_qum;

	uint32_t sum;

	memcpy(&up, pp_umd_quantum(pp, idx), pp->pp_md_type ==
	    NEXUS_META_TYPE_PACKET ? sizeof(up) : sizeof(*uq));
	if (uq->qum_qflags & QUM_F_DROPPED)
		return kr_internalize_dropped(kq);
	if (!kr_buflet_ok(&uq->qum_buf[0], &kq->kq_buf))
		return -EFAULT;
	sum = uq->qum_buf[0].buf_dlen;
	if (pp->pp_md_type != NEXUS_META_TYPE_PACKET) {
		if (uq->qum_buf[0].buf_nbft_idx != OBJ_IDX_NONE ||
		    uq->qum_len != sum)
			return -EFAULT;
	} else {
		/* checked whole, then the chain moves to the kernel */
		if (!kr_packet_ok(pp, &up) ||
		    upp_chain_internalize(kr, idx, &up, &sum) != 0)
			return -EFAULT;
		kr_internalize_packet(pp_kpkt(pp, idx), &up);
	}
	uuid_copy(kq->kq_flow_id, uq->qum_flow_id);
	kq->kq_len = uq->qum_len;
	kq->kq_svc_class = uq->qum_svc_class;
	kq->kq_qflags = uq->qum_qflags & QUM_F_FLOW_CLASSIFIED;
	kq->kq_buf.kb_doff = uq->qum_buf[0].buf_doff;
	kq->kq_buf.kb_dlen = uq->qum_buf[0].buf_dlen;
	return 0;
}

/* Hand slot i to the user: its descriptor, then its metadata. */
void
kr_slot_publish(struct kern_channel_ring *kr, slot_idx_t i, uint16_t qflags)
{
	obj_idx_t idx = kr->ckr_ksds[i];
	struct __user_slot_desc *usd = &kr->ckr_usds[i];

	usd->sd_len = 0;
	if (idx == OBJ_IDX_NONE) {
		usd->sd_flags = 0;
		usd->sd_md_idx = OBJ_IDX_NONE;
		return;
	}
	kr->ckr_lens[i] = pp_kqum(kr->ckr_pp, idx)->kq_len;
	usd->sd_md_idx = idx;
	usd->sd_flags = SD_IDX_VALID;
	kr_externalize(kr, idx, qflags);
}

/* ---- life cycle ----------------------------------------------------------- */

/* KPI domains: TX slots start full, RX slots empty. */
static int
kr_init_kernel_alloc(struct kern_channel_ring *kr)
{
	uint32_t i;

	kr->ckr_flags |= CKRF_KERNEL_ALLOC;
	for (i = 0; i < kr->ckr_num_slots; i++) {
		kr->ckr_ksds[i] = OBJ_IDX_NONE;
		if (kr->ckr_tx == NR_TX &&
		    (kr->ckr_ksds[i] = pp_alloc(kr->ckr_pp)) == OBJ_IDX_NONE)
			return -ENOMEM;
	}
	return 0;
}

int
kr_init(struct kern_channel_ring *kr, enum kr_txrx tx, uint16_t ring_id,
    nexus_port_t port, uint32_t nslots, struct kern_pbufpool *pp,
    obj_idx_t first_obj)
{
	uint32_t i;

	memset(kr, 0, sizeof(*kr));
	kr->ckr_ksds = calloc(nslots, sizeof(*kr->ckr_ksds));
	kr->ckr_scratch = calloc(nslots, sizeof(*kr->ckr_scratch));
	kr->ckr_lens = calloc(nslots, sizeof(*kr->ckr_lens));
	if (kr->ckr_ksds == NULL || kr->ckr_scratch == NULL ||
	    kr->ckr_lens == NULL) {
		kr_fini(kr);
		return -ENOMEM;
	}
	kr->ckr_tx = tx;
	kr->ckr_kind = tx == NR_TX ? CR_KIND_TX : CR_KIND_RX;
	kr->ckr_ring_id = ring_id;
	kr->ckr_port = port;
	kr->ckr_num_slots = nslots;
	kr->ckr_lim = nslots - 1;
	kr->ckr_pp = pp;
	kr->ckr_svc = -1;               /* KPKT_SC_UNSPEC */
	if (tx == NR_TX)
		kr->ckr_ktail = kr->ckr_rtail = kr->ckr_lim;
	if (first_obj == OBJ_IDX_NONE)
		return kr_init_kernel_alloc(kr);
	for (i = 0; i < nslots; i++)
		kr->ckr_ksds[i] = first_obj + i;
	return 0;
}

/* The pool goes with the domain; objects in slots need not go back. */
void
kr_fini(struct kern_channel_ring *kr)
{
	free(kr->ckr_ksds);
	free(kr->ckr_scratch);
	free(kr->ckr_lens);
	kr->ckr_ksds = NULL;
	kr->ckr_scratch = NULL;
	kr->ckr_lens = NULL;
}

void
kr_publish_indices(struct kern_channel_ring *kr)
{
	struct __user_channel_ring *ring = kr->ckr_ring;

	ring->ring_khead = kr->ckr_khead;
	ring->ring_sync_time = kr->ckr_sync_time;
	ring->ring_notify_time = kr->ckr_notify_time;
	kr_publish_tail(ring, kr->ckr_rtail);
}

/*
 * A channel takes the ring: show it the kernel's state as it is (a pipe
 * end reopened while its peer stayed open finds its data still there).
 */
void
kr_bind(struct kern_channel_ring *kr, struct kern_channel *ch,
    struct __user_channel_ring *ring, struct __user_slot_desc *usds)
{
	uint16_t qflags = kr->ckr_tx == NR_RX ? QUM_F_FINALIZED : 0;
	uint32_t i;

	kr->ckr_ch = ch;
	kr->ckr_ring = ring;
	kr->ckr_usds = usds;
	for (i = 0; i < kr->ckr_num_slots; i++)
		kr_slot_publish(kr, i, qflags);
	ring->ring_head = kr->ckr_rhead;
	kr_publish_indices(kr);
}

void
kr_unbind(struct kern_channel_ring *kr)
{
	kr->ckr_ch = NULL;
	kr->ckr_ring = NULL;
	kr->ckr_usds = NULL;
}

/* ---- prologues ------------------------------------------------------------ */

/* Read head once; it must lie in [rhead, rtail] and tail be untouched. */
static int
kr_prologue_head(const struct kern_channel_ring *kr, slot_idx_t *headp)
{
	slot_idx_t head = kr_read_user_head(kr->ckr_ring);

	SK_ASSERT(kr->ckr_rhead < kr->ckr_num_slots &&
	    kr->ckr_rtail < kr->ckr_num_slots);
	if (kr_read_user_tail(kr->ckr_ring) != kr->ckr_rtail ||
	    head >= kr->ckr_num_slots ||
	    kr_dist(kr, kr->ckr_rhead, head) >
	    kr_dist(kr, kr->ckr_rhead, kr->ckr_rtail)) {
		SK_RD("ring %u/%u %s: head %u tail %u (rhead %u rtail %u)",
		    kr->ckr_port, kr->ckr_ring_id,
		    kr->ckr_tx == NR_TX ? "tx" : "rx", head,
		    kr_read_user_tail(kr->ckr_ring), kr->ckr_rhead,
		    kr->ckr_rtail);
		return -EFAULT;
	}
	*headp = head;
	return 0;
}

/* The same check for the pool rings of a user packet pool (upp.c). */
int
kr_pool_prologue(const struct kern_channel_ring *kr, slot_idx_t *headp)
{
	return kr_prologue_head(kr, headp);
}

/*
 * UPP TX slot i: its descriptor (read once) must name a packet the
 * process holds; once internalized, the packet is the kernel's.
 */
static int
kr_upp_tx_slot(struct kern_channel_ring *kr, slot_idx_t i)
{
	struct __user_slot_desc usd;
	int err;

	memcpy(&usd, (const void *)&kr->ckr_usds[i], sizeof(usd));
	if (!(usd.sd_flags & SD_IDX_VALID) ||
	    !upp_pkt_held(kr->ckr_ch, usd.sd_md_idx))
		return -EFAULT;
	SK_VERIFY(kr->ckr_ksds[i] == OBJ_IDX_NONE);
	err = kr_internalize(kr, usd.sd_md_idx);
	if (err != 0)
		return err;
	upp_pkt_take(kr->ckr_ch, usd.sd_md_idx);
	kr->ckr_ksds[i] = usd.sd_md_idx;
	return 0;
}

/* A failed UPP prologue gives back what it took: nothing else changed. */
static void
kr_upp_tx_undo(struct kern_channel_ring *kr, slot_idx_t end)
{
	slot_idx_t i;

	for (i = kr->ckr_rhead; i != end; i = kr_next(kr, i)) {
		upp_pkt_give(kr->ckr_ch, kr->ckr_ksds[i]);
		kr->ckr_ksds[i] = OBJ_IDX_NONE;
	}
}

static int
kr_tx_slot(struct kern_channel_ring *kr, slot_idx_t i)
{
	if (kr->ckr_flags & CKRF_UPP)
		return kr_upp_tx_slot(kr, i);
	return kr_internalize(kr, kr->ckr_ksds[i]);
}

int
kr_txsync_prologue(struct kern_channel_ring *kr)
{
	slot_idx_t head, i;
	int err;

	err = kr_prologue_head(kr, &head);
	if (err != 0)
		return err;
	for (i = kr->ckr_rhead; i != head; i = kr_next(kr, i)) {
		err = kr_tx_slot(kr, i);
		if (err != 0) {
			SK_RD("ring %u/%u tx: bad metadata in slot %u",
			    kr->ckr_port, kr->ckr_ring_id, i);
			if (kr->ckr_flags & CKRF_UPP)
				kr_upp_tx_undo(kr, i);
			return err;
		}
	}
	/* Only a queue that went in whole drops and reports its expired. */
	for (i = kr->ckr_rhead; i != head; i = kr_next(kr, i))
		upp_tx_expired(kr, kr->ckr_ksds[i]);
	nx_mon_tx_queued(kr, kr->ckr_rhead, head);
	kr->ckr_rhead = head;
	return 0;
}

/* UPP: the process must have detached every packet it gives back. */
static bool
kr_upp_rx_detached(const struct kern_channel_ring *kr, slot_idx_t head)
{
	slot_idx_t i;
	uint16_t flags;

	for (i = kr->ckr_rhead; i != head; i = kr_next(kr, i)) {
		flags = __atomic_load_n(&kr->ckr_usds[i].sd_flags,
		    __ATOMIC_RELAXED);
		if (flags & SD_IDX_VALID) {
			SK_RD("ring %u/%u rx: slot %u released attached",
			    kr->ckr_port, kr->ckr_ring_id, i);
			return false;
		}
	}
	return true;
}

/*
 * RX: only rhead moves here; the slots the user released are reclaimed
 * by the nexus with kr_reclaim() (XNU: kern_channel_reclaim at the start
 * of a provider's RX sync), which keeps the provider in charge of when
 * its ring gets room.
 */
int
kr_rxsync_prologue(struct kern_channel_ring *kr)
{
	slot_idx_t head;
	int err;

	err = kr_prologue_head(kr, &head);
	if (err != 0)
		return err;
	if ((kr->ckr_flags & CKRF_UPP) && !kr_upp_rx_detached(kr, head))
		return -EFAULT;
	kr->ckr_rhead = head;
	return 0;
}

/*
 * RX: take back [khead, rhead).  Released slots leave the ready count by
 * the kernel's own lengths (user edits of RX lengths are ignored); on a
 * KPI ring their packets go back to the pool.  TX: nothing (the nexus
 * alone knows what it sent, and moves khead with advance_slot).
 * Returns the number of slots reclaimed.
 */
uint32_t
kr_reclaim(struct kern_channel_ring *kr)
{
	struct kern_pbufpool *pp = kr->ckr_pp;
	uint32_t n;
	slot_idx_t i;

	if (kr->ckr_tx == NR_TX)
		return 0;
	n = kr_dist(kr, kr->ckr_khead, kr->ckr_rhead);
	for (i = kr->ckr_khead; i != kr->ckr_rhead; i = kr_next(kr, i)) {
		obj_idx_t idx = kr->ckr_ksds[i];

		/* UPP: the packet left with the process at publish time */
		SK_VERIFY(idx != OBJ_IDX_NONE || (kr->ckr_flags & CKRF_UPP));
		kr->ckr_ready_bytes -= kr->ckr_lens[i];
		if (idx != OBJ_IDX_NONE &&
		    (kr->ckr_flags & CKRF_KERNEL_ALLOC)) {
			pp_free(pp, idx);
			kr->ckr_ksds[i] = OBJ_IDX_NONE;
		}
	}
	kr->ckr_khead = kr->ckr_rhead;
	return n;
}

/* ---- finalizes ------------------------------------------------------------ */

/*
 * A TX slot the nexus is done with becomes a fresh, empty, full-size
 * packet: the one still in it (user pipe swap, a dropped packet), or a
 * new one from the pool when a provider detached it.  In UPP mode it
 * becomes empty instead, its packet freed.  A pool that ran dry (user
 * packet pools of other channels hold it) leaves the slot to a later
 * finalize: false.
 */
static bool
kr_tx_refill_slot(struct kern_channel_ring *kr, slot_idx_t i)
{
	if (kr->ckr_flags & CKRF_UPP) {
		if (kr->ckr_ksds[i] != OBJ_IDX_NONE)
			pp_free(kr->ckr_pp, kr->ckr_ksds[i]);
		kr->ckr_ksds[i] = OBJ_IDX_NONE;
		return true;
	}
	if (kr->ckr_ksds[i] == OBJ_IDX_NONE) {
		kr->ckr_ksds[i] = pp_alloc(kr->ckr_pp);
		return kr->ckr_ksds[i] != OBJ_IDX_NONE;
	}
	pp_kqum_reset(kr->ckr_pp, kr->ckr_ksds[i]);
	return true;
}

/*
 * UPP: a TX slot holds a packet only while it is queued; every other
 * slot's (consumed, or the one kept empty) goes back to the pool.
 */
static void
kr_upp_tx_release(struct kern_channel_ring *kr, slot_idx_t from)
{
	slot_idx_t i = from;

	do {
		if (kr->ckr_ksds[i] != OBJ_IDX_NONE)
			pp_free(kr->ckr_pp, kr->ckr_ksds[i]);
		kr->ckr_ksds[i] = OBJ_IDX_NONE;
		i = kr_next(kr, i);
	} while (i != kr->ckr_khead);
}

void
kr_txsync_finalize(struct kern_channel_ring *kr)
{
	slot_idx_t i;

	if ((kr->ckr_flags & CKRF_UPP) && kr_tx_pending(kr) != kr->ckr_lim)
		kr_upp_tx_release(kr, kr->ckr_rhead);

	for (i = kr->ckr_rtail; i != kr->ckr_ktail; i = kr_next(kr, i)) {
		if (!kr_tx_refill_slot(kr, i))
			break;
		kr_slot_publish(kr, i, 0);
	}
	kr->ckr_rtail = i;
	kr_publish_indices(kr);
}

/* UPP: the packet is the process's now; sd_len says how long it is. */
static void
kr_upp_rx_give(struct kern_channel_ring *kr, slot_idx_t i)
{
	kr->ckr_usds[i].sd_len = (uint16_t)(kr->ckr_lens[i] > UINT16_MAX ?
	    UINT16_MAX : kr->ckr_lens[i]);
	upp_pkt_give(kr->ckr_ch, kr->ckr_ksds[i]);
	kr->ckr_ksds[i] = OBJ_IDX_NONE;
}

/* A provider that advanced past an RX slot must have filled it. */
void
kr_rxsync_finalize(struct kern_channel_ring *kr)
{
	slot_idx_t i;

	nx_mon_rx_delivered(kr, kr->ckr_rtail, kr->ckr_ktail);
	for (i = kr->ckr_rtail; i != kr->ckr_ktail; i = kr_next(kr, i)) {
		SK_VERIFY(kr->ckr_ksds[i] != OBJ_IDX_NONE);
		kr_slot_publish(kr, i, QUM_F_FINALIZED);
		if (kr->ckr_flags & CKRF_UPP)
			kr_upp_rx_give(kr, i);
	}
	kr->ckr_rtail = kr->ckr_ktail;
	kr_publish_indices(kr);
}

/* ---- helpers for nexus domains -------------------------------------------- */

/* Zero-copy move: the two slots exchange their objects. */
void
kr_slot_swap(struct kern_channel_ring *a, slot_idx_t ia,
    struct kern_channel_ring *b, slot_idx_t ib)
{
	obj_idx_t tmp = a->ckr_ksds[ia];

	a->ckr_ksds[ia] = b->ckr_ksds[ib];
	b->ckr_ksds[ib] = tmp;
}

/* Timestamps: ours is our last sync, the peer's notify time is ours. */
void
kr_note_sync(struct kern_channel_ring *kr, struct kern_channel_ring *peer,
    uint64_t now)
{
	kr->ckr_sync_time = now;
	if (peer == NULL)
		return;
	peer->ckr_notify_time = now;
	if (peer->ckr_ring != NULL)
		peer->ckr_ring->ring_notify_time = now;
}

/* ---- switching a ring to and from a user packet pool ----------------------- */

/*
 * RX slots the process was shown are taken back, as if it had read them
 * (their packets go back to the pool, or left with the old process), so
 * the new owner starts at the kernel's tail with nothing it cannot
 * explain.  Unpublished arrivals stay and reach the new owner.
 */
static void
kr_rx_release_window(struct kern_channel_ring *kr)
{
	kr->ckr_rhead = kr->ckr_rtail;
	kr_reclaim(kr);
}

/* Before a UPP channel binds: TX slots not queued come empty. */
void
kr_upp_enter(struct kern_channel_ring *kr, struct kern_channel *ch)
{
	(void)ch;
	if (kr->ckr_tx == NR_RX)
		kr_rx_release_window(kr);
	else if (kr_tx_pending(kr) != kr->ckr_lim)
		kr_upp_tx_release(kr, kr->ckr_rhead);
	kr->ckr_flags |= CKRF_UPP;
}

/*
 * After a UPP channel let go (its packets already freed): TX slots of
 * the window get packets again for a channel without a pool; a slot the
 * pool cannot fill ends the window there, and finalize fills the rest
 * later (it continues from rtail).
 */
void
kr_upp_leave(struct kern_channel_ring *kr)
{
	slot_idx_t i;

	if (kr->ckr_tx == NR_RX) {
		kr_rx_release_window(kr);       /* slots empty: still UPP */
		kr->ckr_flags &= ~(uint32_t)CKRF_UPP;
		return;
	}
	kr->ckr_flags &= ~(uint32_t)CKRF_UPP;
	for (i = kr->ckr_rhead; i != kr->ckr_rtail; i = kr_next(kr, i)) {
		if (!kr_tx_refill_slot(kr, i)) {
			kr->ckr_rtail = i;
			return;
		}
	}
	/* and, as at ring setup, the slots beyond (best effort) */
	for (; i != kr->ckr_khead; i = kr_next(kr, i)) {
		if (!kr_tx_refill_slot(kr, i))
			return;
	}
}
