/*
 * os_channel_upp.c - the user packet pool: packets and buflets the
 * program allocates, attaches to slots and frees, plus the event ring.
 *
 * Theory of operation: in user-packet-pool (UPP) mode the kernel gives
 * the channel four more kinds of ring (schema order): a packet alloc
 * ring the kernel fills, optionally a buflet alloc ring, a packet free
 * ring the program fills, optionally a buflet free ring, and possibly an
 * event ring and a large-buffer alloc ring.  Taking from an alloc ring
 * means detaching the metadata from the slot at ring_head and advancing
 * head; freeing means attaching the metadata index to the free ring's
 * head slot and advancing.  When an alloc ring is empty or a free ring is
 * full the library syncs (CHANNEL_SYNC_UPP) once and looks again.
 *
 * Who owns what: a packet taken from the alloc ring is the program's
 * until it is attached to a TX slot and synced, or freed; the kernel
 * refuses (and kills the process for) slots naming packets it never
 * handed out, so the checks here are for a clear message first.
 *
 * Every call returns ENOTSUP unless the channel is in UPP mode, and
 * ENXIO once it is defunct (its memory reads as zeros, checks skipped).
 */
#include <errno.h>

#include "os_channel_var.h"

static struct channel_ring_desc *
upp_ring(const struct channel *chd, uint8_t idx)
{
	return __DECONST(struct channel_ring_desc *, &chd->chd_rings[idx]);
}

/* A failed pool sync is fatal unless the channel went defunct. */
static int
upp_sync(const struct channel *chd, sync_flags_t flags, const char *why)
{
	int err = __channel_sync(chd->chd_fd, CHANNEL_SYNC_UPP, flags);

	if (err != 0 && !chd_is_defunct(chd))
		SK_ABORT_WITH_CAUSE(why, errno);
	return err;
}

static int
upp_defunct_err(const struct channel *chd)
{
	return chd_is_defunct(chd) ? ENXIO : 0;
}

/* ------------------------------------------------------------------ */
/* Packets                                                             */
/* ------------------------------------------------------------------ */

/* Sync to refill when empty; 0 with *idx at a slot holding a packet. */
static int
upp_alloc_slot(const struct channel *chd, const struct channel_ring_desc *chrd,
	       sync_flags_t flags, slot_idx_t *idx)
{
	int err;

	*idx = chr_head(chrd);
	if (*idx == chr_tail(chrd) &&
	    (err = upp_sync(chd, flags, "packet pool alloc sync failed")) != 0)
		return err;
	if (*idx == chr_tail(chrd))
		return chd_is_defunct(chd) ? ENXIO : ENOMEM;
	return 0;
}

/* Take the packet at slot idx off the ring: it becomes the program's. */
static packet_t
upp_take_packet(const struct channel_ring_desc *chrd, slot_idx_t idx,
		mach_vm_address_t *baddr, uint32_t *bdoff)
{
	struct __user_quantum *q;

	chr_verify_usd(chrd, chr_usd(chrd, idx));
	q = chr_slot_md(chrd, idx);
	chr_verify_md(chrd, q);
	chr_usd_detach(chr_usd(chrd, idx));
	*baddr = chr_md_init_addrs(chrd, q, bdoff);
	return SK_PTR_ENCODE(q, chrd->chrd_md_type, chrd->chrd_md_subtype);
}

static int
upp_packet_alloc(const struct channel *chd, packet_t *ph, int large)
{
	uint8_t ri =
	    large ? chd->chd_large_buf_alloc_ring_idx : chd->chd_alloc_ring_idx;
	sync_flags_t flags = chd->chd_sync_flags & ~CHANNEL_SYNCF_ALLOC_BUF;
	struct channel_ring_desc *chrd;
	mach_vm_address_t baddr;
	uint32_t bdoff;
	slot_idx_t idx;
	int err;

	if (!chd_is_upp(chd) || ri == CHD_RING_IDX_NONE)
		return ENOTSUP;
	/* a large refill frees too, since we pay for the round trip */
	if (large)
		flags =
		    (flags & ~CHANNEL_SYNCF_ALLOC) | CHANNEL_SYNCF_LARGE_ALLOC;
	chrd = upp_ring(chd, ri);
	if ((err = upp_alloc_slot(chd, chrd, flags, &idx)) != 0)
		return err;
	*ph = upp_take_packet(chrd, idx, &baddr, &bdoff);
	if (baddr == 0)
		return ENXIO;
	chr_set_head(chrd, chr_next(chrd, idx));
	return upp_defunct_err(chd);
}

int
os_channel_packet_alloc(const channel_t chd, packet_t *ph)
{
	return upp_packet_alloc(chd, ph, 0);
}

int
os_channel_large_packet_alloc(const channel_t chd, packet_t *ph)
{
	return upp_packet_alloc(chd, ph, 1);
}

/* The head slot of a free ring, syncing once if the ring is full. */
static slot_idx_t
upp_free_slot(const struct channel *chd, const struct channel_ring_desc *chrd,
	      const char *full_msg)
{
	slot_idx_t idx = chr_head(chrd);

	if (idx == chr_tail(chrd))
		(void)upp_sync(chd, CHANNEL_SYNCF_FREE,
			       "packet pool free sync failed");
	if (idx == chr_tail(chrd) && !chd_is_defunct(chd))
		SK_ABORT(full_msg);
	return idx;
}

int
os_channel_packet_free(const channel_t chd, packet_t ph)
{
	struct channel_ring_desc *chrd;
	struct __user_quantum *q = QUM_ADDR(ph);
	slot_idx_t idx;
	obj_idx_t midx;

	if (!chd_is_upp(chd))
		return ENOTSUP;
	chrd = upp_ring(chd, chd->chd_free_ring_idx);
	idx = upp_free_slot(chd, chrd, "no free ring space");
	/* defunct: midx reads 0 and lands in a zero page nobody reads */
	midx = METADATA_IDX(q);
	chr_verify_md_idx(chrd, q, midx);
	chr_usd_attach(chr_usd(chrd, idx), midx);
	chr_set_head(chrd, chr_next(chrd, idx));
	return chr_is_defunct(chrd) ? ENXIO : 0;
}

int
os_channel_event_free(const channel_t chd, os_channel_event_handle_t ehandle)
{
	return os_channel_packet_free(chd, (packet_t)ehandle);
}

/* ------------------------------------------------------------------ */
/* Attaching packets to slots                                          */
/* ------------------------------------------------------------------ */

static int
upp_is_finalized(packet_t ph)
{
	return (QUM_ADDR(ph)->qum_qflags & QUM_F_FINALIZED) != 0;
}

/* A violated precondition: trap, or on a defunct channel just stop. */
static int
upp_misuse(const struct channel_ring_desc *chrd, const char *msg,
	   uint64_t cause)
{
	if (!chr_is_defunct(chrd))
		SK_ABORT_WITH_CAUSE(msg, cause);
	return ENXIO;
}

static int
upp_slot_in_window(const struct channel_ring_desc *chrd,
		   const struct __slot_desc *slot)
{
	uintptr_t off = (uintptr_t)slot - (uintptr_t)chrd->chrd_slot_desc;

	return off <
		   (uintptr_t)chrd->chrd_ring->ring_num_slots * SLOT_DESC_SZ &&
	       chr_idx_in_window(chrd, (slot_idx_t)(off / SLOT_DESC_SZ));
}

int
os_channel_slot_attach_packet(const channel_ring_t chrd,
			      const channel_slot_t slot, packet_t ph)
{
	struct __user_quantum *q = QUM_ADDR(ph);
	obj_idx_t midx;

	if (!chd_is_upp(chrd->chrd_channel))
		return ENOTSUP;
	if (!upp_is_finalized(ph))
		return upp_misuse(chrd, "packet not finalized", ph);
	if (!upp_slot_in_window(chrd, slot))
		return upp_misuse(chrd, "Invalid slot", (uintptr_t)slot);
	if (SD_VALID_METADATA(SLOT_DESC_USD(slot)))
		return upp_misuse(chrd, "Slot has attached packet",
				  (uintptr_t)slot);
	midx = METADATA_IDX(q);
	chr_verify_md_idx(chrd, q, midx);
	chr_usd_attach(SLOT_DESC_USD(slot), midx);
	return chr_is_defunct(chrd) ? ENXIO : 0;
}

int
os_channel_slot_detach_packet(const channel_ring_t chrd,
			      const channel_slot_t slot, packet_t ph)
{
	if (!chd_is_upp(chrd->chrd_channel))
		return ENOTSUP;
	if (!upp_slot_in_window(chrd, slot))
		return upp_misuse(chrd, "Invalid slot", (uintptr_t)slot);
	if (!SD_VALID_METADATA(SLOT_DESC_USD(slot)))
		return upp_misuse(chrd, "Slot has no attached packet",
				  (uintptr_t)slot);
	if (ph != SK_PTR_ENCODE(chr_md(chrd, SLOT_DESC_USD(slot)->sd_md_idx),
				chrd->chrd_md_type, chrd->chrd_md_subtype))
		return upp_misuse(chrd, "packet handle mismatch", ph);
	if (!upp_is_finalized(ph))
		return upp_misuse(chrd, "packet not finalized", ph);
	chr_usd_detach(SLOT_DESC_USD(slot));
	return chr_is_defunct(chrd) ? ENXIO : 0;
}

/* ------------------------------------------------------------------ */
/* Buflets                                                             */
/* ------------------------------------------------------------------ */

static int
upp_has_buflet_rings(const struct channel *chd)
{
	return chd_is_upp(chd) && ch_num_allocator_rings(chd->chd_schema) >= 4;
}

/* Resolve a buflet handed out by the kernel; it must stand alone. */
static int
upp_buflet_prepare(const struct channel *chd,
		   const struct channel_ring_desc *chrd,
		   struct __user_buflet *ubft)
{
	mach_vm_address_t a = chr_buf_addr(chrd, ubft);

	CH_STORE(ubft->buf_addr, a);
	if (a == 0)
		SK_ABORT_WITH_CAUSE("buflet with NULL buffer", ubft->buf_idx);
	if (ubft->buf_nbft_idx == OBJ_IDX_NONE)
		return 0;
	if (chd_is_defunct(chd))
		return ENXIO;
	SK_ABORT_WITH_CAUSE("buflet with invalid nidx", ubft->buf_nbft_idx);
}

int
os_channel_buflet_alloc(const channel_t chd, buflet_t *bft)
{
	struct channel_ring_desc *chrd;
	struct __user_buflet *ubft;
	slot_idx_t idx;
	int err;

	if (!upp_has_buflet_rings(chd))
		return ENOTSUP;
	chrd = upp_ring(chd, chd->chd_buf_alloc_ring_idx);
	idx = chr_head(chrd);
	if (idx == chr_tail(chrd) &&
	    (err = upp_sync(chd, CHANNEL_SYNCF_ALLOC_BUF | CHANNEL_SYNCF_FREE,
			    "buflet pool alloc sync failed")) != 0)
		return err;
	if (idx == chr_tail(chrd))
		return chd_is_defunct(chd) ? ENXIO : ENOMEM;
	chr_verify_usd(chrd, chr_usd(chrd, idx));
	ubft = chr_bft(chrd, chr_usd(chrd, idx)->sd_md_idx);
	chr_usd_detach(chr_usd(chrd, idx));
	if ((err = upp_buflet_prepare(chd, chrd, ubft)) != 0)
		return err;
	chr_set_head(chrd, chr_next(chrd, idx));
	*bft = ubft;
	return upp_defunct_err(chd);
}

int
os_channel_buflet_free(const channel_t chd, buflet_t ubft)
{
	struct channel_ring_desc *chrd;
	slot_idx_t idx;
	obj_idx_t bidx;

	if (!upp_has_buflet_rings(chd))
		return ENOTSUP;
	chrd = upp_ring(chd, chd->chd_buf_free_ring_idx);
	idx = upp_free_slot(chd, chrd, "no ring space in buflet free ring");
	bidx = ubft->buf_bft_idx_reg;
	if (chr_bft(chrd, bidx) != ubft && !chr_is_defunct(chrd))
		SK_ABORT_WITH_CAUSE("bad buflet handle", bidx);
	chr_usd_attach(chr_usd(chrd, idx), bidx);
	chr_set_head(chrd, chr_next(chrd, idx));
	return chr_is_defunct(chrd) ? ENXIO : 0;
}

/* ------------------------------------------------------------------ */
/* Purge: give back what the alloc rings hold beyond the working set   */
/* ------------------------------------------------------------------ */

/* Alloc-ring packets carry exactly one buflet, with a real count. */
static int
upp_purge_check_pkt(const struct channel_ring_desc *chrd,
		    const struct __user_quantum *q)
{
	const struct __user_packet *p = (const struct __user_packet *)q;

	if (chrd->chrd_md_type != NEXUS_META_TYPE_PACKET)
		return 0;
	if (p->pkt_bufs_cnt == 0 || p->pkt_bufs_max == 0)
		return upp_misuse(chrd, "pkt pool purge, bad bufcnt", 0);
	if (chrd->chrd_max_bufs < 1)
		SK_ABORT_WITH_CAUSE("Invalid max bufcnt", 1);
	if (p->pkt_bufs_cnt > 1)
		SK_ABORT_WITH_CAUSE("Invalid bufcnt", p->pkt_bufs_cnt);
	return 0;
}

/* Move the packet at the alloc ring's head to the free ring. */
static int
upp_purge_one_pkt(struct channel *chd, struct channel_ring_desc *chrd,
		  slot_idx_t idx)
{
	struct __user_quantum *q;
	int err;

	chr_verify_usd(chrd, chr_usd(chrd, idx));
	q = chr_slot_md(chrd, idx);
	chr_verify_md(chrd, q);
	chr_usd_detach(chr_usd(chrd, idx));
	if ((err = upp_purge_check_pkt(chrd, q)) != 0)
		return err;
	CH_STORE(q->qum_buf[0].buf_addr, chr_buf_addr(chrd, &q->qum_buf[0]));
	chr_set_head(chrd, chr_next(chrd, idx));
	err = os_channel_packet_free(
	    chd, SK_PTR_ENCODE(q, chrd->chrd_md_type, chrd->chrd_md_subtype));
	if (err != 0 && !chd_is_defunct(chd))
		SK_ABORT_WITH_CAUSE("packet pool purge free failed", err);
	return err;
}

static int
upp_purge_pkt_ring(struct channel *chd, uint8_t ri)
{
	struct channel_ring_desc *chrd = upp_ring(chd, ri);
	slot_idx_t idx = chr_head(chrd);
	uint32_t n = chr_dist(chrd, chr_tail(chrd), idx);
	uint32_t ws = chrd->chrd_ring->ring_alloc_ws;
	int err;

	for (; n > ws; n--, idx = chr_next(chrd, idx))
		if ((err = upp_purge_one_pkt(chd, chrd, idx)) != 0)
			return err;
	return 0;
}

/* Move the buflet at the buflet alloc ring's head to its free ring. */
static int
upp_purge_one_bft(struct channel *chd, struct channel_ring_desc *chrd,
		  slot_idx_t idx)
{
	struct __user_buflet *ubft;
	int err;

	chr_verify_usd(chrd, chr_usd(chrd, idx));
	ubft = chr_bft(chrd, chr_usd(chrd, idx)->sd_md_idx);
	chr_usd_detach(chr_usd(chrd, idx));
	if ((err = upp_buflet_prepare(chd, chrd, ubft)) != 0)
		return err;
	chr_set_head(chrd, chr_next(chrd, idx));
	err = os_channel_buflet_free(chd, ubft);
	if (err != 0 && !chd_is_defunct(chd))
		SK_ABORT_WITH_CAUSE("buflet pool purge free failed", err);
	return err;
}

static int
upp_purge_bft_ring(struct channel *chd)
{
	struct channel_ring_desc *chrd =
	    upp_ring(chd, chd->chd_buf_alloc_ring_idx);
	slot_idx_t idx = chr_head(chrd);
	uint32_t n = chr_dist(chrd, chr_tail(chrd), idx);
	/* Apple compares against the packet working set here too */
	uint32_t ws = chrd->chrd_ring->ring_alloc_ws;
	int err;

	for (; n > ws; n--, idx = chr_next(chrd, idx))
		if ((err = upp_purge_one_bft(chd, chrd, idx)) != 0)
			return err;
	return 0;
}

static int
upp_purge_rings(struct channel *chd)
{
	int err;

	if ((err = upp_purge_pkt_ring(chd, chd->chd_alloc_ring_idx)) != 0)
		return err;
	if (chd->chd_large_buf_alloc_ring_idx != CHD_RING_IDX_NONE &&
	    (err = upp_purge_pkt_ring(chd,
				      chd->chd_large_buf_alloc_ring_idx)) != 0)
		return err;
	if (ch_num_allocator_rings(chd->chd_schema) > 2)
		return upp_purge_bft_ring(chd);
	return 0;
}

int
os_channel_packet_pool_purge(const channel_t chd)
{
	int err;

	if (!chd_is_upp(chd))
		return ENOTSUP;
	/* let the kernel shrink the working set, then return the surplus */
	err = upp_sync(chd,
		       (chd->chd_sync_flags & ~CHANNEL_SYNCF_FREE) |
			   CHANNEL_SYNCF_PURGE,
		       "packet pool purge sync failed");
	if (err != 0)
		return err;
	if ((err = upp_purge_rings(chd)) != 0)
		return err;
	err = upp_sync(chd, CHANNEL_SYNCF_FREE, "packet pool free sync failed");
	if (err != 0)
		return err;
	return upp_defunct_err(chd);
}

/* ------------------------------------------------------------------ */
/* Event ring                                                          */
/* ------------------------------------------------------------------ */

static struct channel_ring_desc *
upp_event_ring(const struct channel *chd)
{
	const struct ch_info *ci = CHD_INFO(chd);

	return upp_ring(chd,
			(uint8_t)(ch_num_tx_rings(ci) + ch_num_rx_rings(ci) +
				  ch_num_allocator_rings(chd->chd_schema)));
}

int
os_channel_get_next_event_handle(const channel_t chd,
				 os_channel_event_handle_t *ehandle,
				 os_channel_event_type_t *etype,
				 uint32_t *nevents)
{
	const struct __kern_channel_event_metadata *emd;
	struct channel_ring_desc *chrd;
	mach_vm_address_t baddr;
	uint32_t bdoff;
	slot_idx_t idx;

	if (ehandle == NULL || etype == NULL || nevents == NULL)
		return EINVAL;
	if (!(CHD_INFO(chd)->cinfo_ch_mode & CHMODE_EVENT_RING))
		return ENOTSUP;
	*ehandle = 0;
	chrd = upp_event_ring(chd);
	idx = chr_head(chrd);
	if (idx == chr_tail(chrd))
		return chd_is_defunct(chd) ? ENXIO : ENODATA;
	*ehandle = upp_take_packet(chrd, idx, &baddr, &bdoff);
	if (baddr == 0)
		return ENXIO;
	emd = (const void *)(uintptr_t)(baddr + bdoff);
	*etype = emd->emd_etype;
	*nevents = emd->emd_nevents;
	chr_set_head(chrd, chr_next(chrd, idx));
	return upp_defunct_err(chd);
}
