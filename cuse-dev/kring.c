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
 * the kernel copy, or (RX) reclaims released slots using the kernel's
 * lengths.  Any violation returns -EFAULT; the caller kills the process.
 * Finalize publishes the new tail: it first writes the slot descriptors
 * and metadata of the slots it hands over (TX: fresh empty packets; RX:
 * the received packets, externalized) and only then ring_tail, with a
 * release store, so the user sees a slot only once it is complete.
 *
 * Memory: ckr_ksds is malloc'd (kernel slot descriptors never live in a
 * shared region).  ckr_ring and ckr_usds point into the owning channel's
 * regions and are only valid while the ring is bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kring_var.h"

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

/* ---- metadata ------------------------------------------------------------- */

static void
kr_externalize(const struct kern_channel_ring *kr, obj_idx_t idx,
    uint16_t extra_qflags)
{
	struct kern_pbufpool *pp = kr->ckr_pp;
	const struct kern_quantum *kq = &pp->pp_kqums[idx];
	struct __metadata_preamble *mdp = pp_umd_preamble(pp, idx);
	struct __user_quantum *uq = pp_umd_quantum(pp, idx);

	mdp->mdp_redzone = pp_md_offset(pp, idx) ^ sk_md_redzone_cookie;
	mdp->mdp_idx = idx;
	mdp->mdp_type = (uint16_t)pp->pp_md_type;
	mdp->mdp_subtype = (uint16_t)pp->pp_md_subtype;
	memset(uq, 0, sizeof(*uq));
	uuid_copy(uq->qum_flow_id, kq->kq_flow_id);
	uq->qum_len = kq->kq_len;
	uq->qum_svc_class = kq->kq_svc_class;
	uq->qum_qflags = (uint16_t)(kq->kq_qflags | extra_qflags);
	uq->qum_buf[0].buf_bft_idx_reg = OBJ_IDX_NONE;
	uq->qum_buf[0].buf_idx = kq->kq_buf_idx;
	uq->qum_buf[0].buf_nbft_idx = OBJ_IDX_NONE;
	uq->qum_buf[0].buf_dlim = kq->kq_buf_dlim;
	uq->qum_buf[0].buf_doff = kq->kq_buf_doff;
	uq->qum_buf[0].buf_dlen = kq->kq_buf_dlen;
}

static int
kr_internalize_dropped(struct kern_quantum *kq)
{
	kq->kq_len = 0;
	kq->kq_buf_doff = 0;
	kq->kq_buf_dlen = 0;
	kq->kq_qflags = QUM_F_DROPPED;
	return 0;
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
	struct kern_quantum *kq = &pp->pp_kqums[idx];
	struct __user_quantum uq;

	memcpy(&uq, pp_umd_quantum(pp, idx), sizeof(uq));
	if (uq.qum_qflags & QUM_F_DROPPED)
		return kr_internalize_dropped(kq);
	if (uq.qum_buf[0].buf_idx != kq->kq_buf_idx ||
	    (uint64_t)uq.qum_buf[0].buf_doff + uq.qum_buf[0].buf_dlen >
	    kq->kq_buf_dlim || uq.qum_len != uq.qum_buf[0].buf_dlen)
		return -EFAULT;
	uuid_copy(kq->kq_flow_id, uq.qum_flow_id);
	kq->kq_len = uq.qum_len;
	kq->kq_svc_class = uq.qum_svc_class;
	kq->kq_qflags = uq.qum_qflags & QUM_F_FLOW_CLASSIFIED;
	kq->kq_buf_doff = uq.qum_buf[0].buf_doff;
	kq->kq_buf_dlen = uq.qum_buf[0].buf_dlen;
	return 0;
}

/* Hand slot i to the user: its descriptor, then its metadata. */
static void
kr_slot_publish(struct kern_channel_ring *kr, slot_idx_t i, uint16_t qflags)
{
	obj_idx_t idx = kr->ckr_ksds[i];
	struct __user_slot_desc *usd = &kr->ckr_usds[i];

	usd->sd_md_idx = idx;
	usd->sd_flags = SD_IDX_VALID;
	usd->sd_len = 0;
	kr_externalize(kr, idx, qflags);
}

/* ---- life cycle ----------------------------------------------------------- */

int
kr_init(struct kern_channel_ring *kr, enum kr_txrx tx, uint16_t ring_id,
    nexus_port_t port, uint32_t nslots, struct kern_pbufpool *pp,
    obj_idx_t first_obj)
{
	uint32_t i;

	memset(kr, 0, sizeof(*kr));
	kr->ckr_ksds = calloc(nslots, sizeof(*kr->ckr_ksds));
	if (kr->ckr_ksds == NULL)
		return -ENOMEM;
	kr->ckr_tx = tx;
	kr->ckr_ring_id = ring_id;
	kr->ckr_port = port;
	kr->ckr_num_slots = nslots;
	kr->ckr_lim = nslots - 1;
	kr->ckr_pp = pp;
	for (i = 0; i < nslots; i++)
		kr->ckr_ksds[i] = first_obj + i;
	if (tx == NR_TX)
		kr->ckr_ktail = kr->ckr_rtail = kr->ckr_lim;
	return 0;
}

void
kr_fini(struct kern_channel_ring *kr)
{
	free(kr->ckr_ksds);
	kr->ckr_ksds = NULL;
}

static void
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

int
kr_txsync_prologue(struct kern_channel_ring *kr)
{
	slot_idx_t head, i;
	int err;

	err = kr_prologue_head(kr, &head);
	if (err != 0)
		return err;
	for (i = kr->ckr_rhead; i != head; i = kr_next(kr, i)) {
		err = kr_internalize(kr, kr->ckr_ksds[i]);
		if (err != 0) {
			SK_RD("ring %u/%u tx: bad metadata in slot %u",
			    kr->ckr_port, kr->ckr_ring_id, i);
			return err;
		}
	}
	kr->ckr_rhead = head;
	return 0;
}

/* Released slots leave the ready count by the kernel's own lengths. */
int
kr_rxsync_prologue(struct kern_channel_ring *kr)
{
	struct kern_quantum *kqums = kr->ckr_pp->pp_kqums;
	slot_idx_t head, i;
	int err;

	err = kr_prologue_head(kr, &head);
	if (err != 0)
		return err;
	for (i = kr->ckr_khead; i != head; i = kr_next(kr, i))
		kr->ckr_ready_bytes -= kqums[kr->ckr_ksds[i]].kq_len;
	kr->ckr_khead = kr->ckr_rhead = head;
	return 0;
}

/* ---- finalizes ------------------------------------------------------------ */

/* Slots the nexus gave back become fresh, empty, full-size packets. */
void
kr_txsync_finalize(struct kern_channel_ring *kr)
{
	slot_idx_t i;

	for (i = kr->ckr_rtail; i != kr->ckr_ktail; i = kr_next(kr, i)) {
		pp_kqum_reset(kr->ckr_pp, kr->ckr_ksds[i]);
		kr_slot_publish(kr, i, 0);
	}
	kr->ckr_rtail = kr->ckr_ktail;
	kr_publish_indices(kr);
}

void
kr_rxsync_finalize(struct kern_channel_ring *kr)
{
	slot_idx_t i;

	for (i = kr->ckr_rtail; i != kr->ckr_ktail; i = kr_next(kr, i))
		kr_slot_publish(kr, i, QUM_F_FINALIZED);
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
