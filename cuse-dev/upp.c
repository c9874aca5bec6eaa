/*
 * upp.c - the user packet pool: packets and buflets a process allocates,
 * attaches to its TX slots, detaches from its RX slots and frees.
 *
 * Theory of operation
 *
 * A channel opened with CHMODE_USER_PACKET_POOL (netif DEV port; pipes
 * refuse it) gets pool rings after its TX and RX rings, in the schema
 * order of spec 5.3:
 *
 *   TX.. RX.. | alloc | [buflet alloc] | free | [buflet free] | [event] | [large]
 *              kernel    kernel          user    user            kernel    kernel
 *              fills     fills           fills   fills           fills     fills
 *
 * Alloc rings are synced like RX rings (the process takes slots by
 * detaching their metadata and moving ring_head; the kernel refills up
 * to a working set, ring_alloc_ws), free rings like TX rings (the
 * process attaches what it gives back; the kernel frees each entry once
 * it has checked that the process holds it).  The event ring is
 * evring.c's.  CHANNEL_SYNC_UPP and the pool flags of TX/RX syncs
 * (CHANNEL_SYNCF_*) drive them: frees first, so a refill can reuse what
 * came back.
 *
 * Ownership, exactly.  Every packet and external buflet of the pool is,
 * at any instant, either free (pool free lists), in a kernel slot or
 * kernel hands (kq_owner NULL), or held by the process of one channel
 * (kq_owner / kb_owner == that channel, counted in cu_pkts / cu_bfts).
 * The process gets objects from alloc rings, RX slots and the event
 * ring; gives them back through TX slots (kring.c takes a TX slot's
 * packet only if the process holds it; its buflet chain likewise:
 * upp_chain_internalize) and free rings.  Anything else a process
 * writes is refused: a bad free-ring entry or TX slot kills it
 * (SIGABRT, EFAULT) like any ring violation.  A channel that closes or
 * goes defunct gives back everything its process holds (upp_disconnect
 * walks the pool), so a client killed at any instant leaks nothing and
 * the pool's counts return to where they were.
 *
 * The kernel never trusts the rings' slot descriptors (RW for the
 * process in UPP mode: it attaches and detaches there): it reads each
 * once, checks the index against its own bookkeeping, and writes them
 * only to publish.  Single-threaded, like the whole daemon.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "channel_var.h"
#include "upp_var.h"

/* ---- who holds an object ----------------------------------------------------- */

bool
upp_pkt_held(const struct kern_channel *ch, obj_idx_t idx)
{
	const struct kern_pbufpool *pp = ch->ch_pp;

	return ch->ch_upp != NULL && idx < pp->pp_nobjs &&
	    (pp_kqum(pp, idx)->kq_kflags & KQF_ALLOCATED) &&
	    pp_kqum(pp, idx)->kq_owner == ch;
}

bool
upp_bft_held(const struct kern_channel *ch, obj_idx_t bidx)
{
	const struct kern_pbufpool *pp = ch->ch_pp;

	return ch->ch_upp != NULL && bidx < pp->pp_nbfts &&
	    (pp_kbft(pp, bidx)->kb_kflags & KQF_ALLOCATED) &&
	    pp_kbft(pp, bidx)->kb_owner == ch;
}

void
upp_bft_give(struct kern_channel *ch, obj_idx_t bidx)
{
	pp_kbft(ch->ch_pp, bidx)->kb_owner = ch;
	ch->ch_upp->cu_bfts++;
}

void
upp_bft_take(struct kern_channel *ch, obj_idx_t bidx)
{
	SK_VERIFY(upp_bft_held(ch, bidx));
	pp_kbft(ch->ch_pp, bidx)->kb_owner = NULL;
	ch->ch_upp->cu_bfts--;
}

/* The packet, and any chain the kernel built on it, go to the process. */
void
upp_pkt_give(struct kern_channel *ch, obj_idx_t idx)
{
	struct kern_quantum *kq = pp_kqum(ch->ch_pp, idx);
	obj_idx_t b = kq->kq_buf.kb_nidx, next;

	kq->kq_buf.kb_nidx = OBJ_IDX_NONE;
	while (b != OBJ_IDX_NONE) {
		next = pp_kbft(ch->ch_pp, b)->kb_nidx;
		pp_kbft(ch->ch_pp, b)->kb_nidx = OBJ_IDX_NONE;
		upp_bft_give(ch, b);
		b = next;
	}
	kq->kq_owner = ch;
	ch->ch_upp->cu_pkts++;
}

void
upp_pkt_take(struct kern_channel *ch, obj_idx_t idx)
{
	SK_VERIFY(upp_pkt_held(ch, idx));
	pp_kqum(ch->ch_pp, idx)->kq_owner = NULL;
	ch->ch_upp->cu_pkts--;
}

/* ---- TX: buflet chains and deadlines (kring.c) ------------------------------- */

struct upp_chain {
	uint32_t uc_n;
	obj_idx_t uc_idx[BUFLETS_GSO];
	uint32_t uc_doff[BUFLETS_GSO];
	uint32_t uc_dlen[BUFLETS_GSO];
};

static bool
upp_chain_has(const struct upp_chain *c, obj_idx_t b)
{
	uint32_t k;

	for (k = 0; k < c->uc_n; k++) {
		if (c->uc_idx[k] == b)
			return true;
	}
	return false;
}

/*
 * One external buflet of the chain, from one snapshot: held by the
 * process, not seen before in this chain (no loops), the kernel's
 * buffer, data within its limit.  Returns the next index through *next.
 */
static int
upp_chain_step(const struct kern_channel_ring *kr, struct upp_chain *c,
    obj_idx_t b, obj_idx_t *next)
{
	const struct kern_pbufpool *pp = kr->ckr_pp;
	struct __user_buflet ub;
	const struct kern_buflet *kb;

	if (c->uc_n >= BUFLETS_GSO || kr->ckr_ch == NULL ||
	    !upp_bft_held(kr->ckr_ch, b) || upp_chain_has(c, b))
		return -EFAULT;
	memcpy(&ub, pp_ubft(pp, b), sizeof(ub));
	kb = pp_kbft(pp, b);
	if (ub.buf_idx != kb->kb_idx ||
	    (uint64_t)ub.buf_doff + ub.buf_dlen > kb->kb_dlim)
		return -EFAULT;
	c->uc_idx[c->uc_n] = b;
	c->uc_doff[c->uc_n] = ub.buf_doff;
	c->uc_dlen[c->uc_n++] = ub.buf_dlen;
	*next = ub.buf_nbft_idx;
	return 0;
}

/* The checked chain becomes the kernel's, linked after the inline one. */
static void
upp_chain_commit(const struct kern_channel_ring *kr, obj_idx_t idx,
    const struct upp_chain *c)
{
	struct kern_pbufpool *pp = kr->ckr_pp;
	struct kern_buflet *prev = &pp_kqum(pp, idx)->kq_buf, *kb;
	uint32_t k;

	for (k = 0; k < c->uc_n; k++) {
		upp_bft_take(kr->ckr_ch, c->uc_idx[k]);
		kb = pp_kbft(pp, c->uc_idx[k]);
		kb->kb_doff = c->uc_doff[k];
		kb->kb_dlen = c->uc_dlen[k];
		kb->kb_nidx = OBJ_IDX_NONE;
		prev->kb_nidx = c->uc_idx[k];
		prev = kb;
	}
	pp_kpkt(pp, idx)->kp_bufs_cnt = (uint16_t)(c->uc_n + 1);
}

/*
 * A TX packet's buflets after the inline one (spec 5.7/5.8): at most
 * bufs_max in all, exactly bufs_cnt, every one the process's, no loops,
 * each within its buffer, and the packet length the sum of them all.
 * *sum comes in as the inline buflet's length and leaves as the total.
 * Nothing moves unless all of it holds.  0 or -EFAULT.
 */
int
upp_chain_internalize(const struct kern_channel_ring *kr, obj_idx_t idx,
    const struct __user_packet *up, uint32_t *sum)
{
	const struct kern_pbufpool *pp = kr->ckr_pp;
	obj_idx_t b = up->pkt_qum_buf.buf_nbft_idx;
	struct upp_chain c;
	uint64_t total = *sum;
	uint32_t k;

	c.uc_n = 0;
	while (b != OBJ_IDX_NONE) {
		if (c.uc_n + 1 >= pp->pp_max_frags ||
		    upp_chain_step(kr, &c, b, &b) != 0)
			return -EFAULT;
	}
	for (k = 0; k < c.uc_n; k++)
		total += c.uc_dlen[k];
	if (up->pkt_bufs_cnt != c.uc_n + 1 || total != up->pkt_length)
		return -EFAULT;
	if (c.uc_n != 0)
		upp_chain_commit(kr, idx, &c);
	else
		pp_kpkt(pp, idx)->kp_bufs_cnt = 1;
	*sum = (uint32_t)total;
	return 0;
}

/* The packet id a program set with os_packet_set_packetid(), or zeros. */
void
upp_packet_id(const struct kern_packet *kp, packet_id_t *id)
{
	memset(id, 0, sizeof(*id));
	if ((kp->kp_com.__p_flags & PKT_F_OPT_TOKEN) &&
	    kp->kp_opt.__po_token_type == PKT_OPT_TOKEN_TYPE_PACKET_ID &&
	    kp->kp_opt.__po_token_len >= sizeof(*id))
		memcpy(id, kp->kp_opt.__po_token, sizeof(*id));
}

static void
upp_post_expired(struct kern_channel *ch, const struct kern_packet *kp,
    uint64_t now)
{
	os_channel_event_packet_transmit_expired_t ev;

	memset(&ev, 0, sizeof(ev));
	upp_packet_id(kp, &ev.packet_id);
	ev.packet_tx_expiration_deadline = kp->kp_opt.__po_expire_ts;
	ev.packet_tx_expiration_timestamp = now;
	ev.packet_tx_expiration_status =
	    CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_DROPPED;
	ev.packet_tx_expiration_origin =
	    CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_NETIF;
	(void)evring_post(ch, CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED, &ev,
	    sizeof(ev));
}

static bool
upp_wants_notify(const struct kern_packet *kp)
{
	return (kp->kp_com.__p_flags & PKT_F_OPT_EXP_ACTION) &&
	    kp->kp_opt.__po_expiry_action == PACKET_EXPIRY_ACTION_NOTIFY;
}

/*
 * A queued TX packet whose expiry deadline (os_packet_set_expire_time,
 * CLOCK_MONOTONIC ns) has passed is dropped and counted, never sent;
 * with expiry action NOTIFY an expiry event goes to the channel's event
 * ring as well.  Returns whether it was dropped.
 */
bool
upp_tx_expired(struct kern_channel_ring *kr, obj_idx_t idx)
{
	struct kern_packet *kp;
	struct kern_channel *ch = kr->ckr_ch;
	uint64_t now;

	if (kr->ckr_pp->pp_md_type != NEXUS_META_TYPE_PACKET)
		return false;
	kp = pp_kpkt(kr->ckr_pp, idx);
	if (!(kp->kp_com.__p_flags & PKT_F_OPT_EXPIRE_TS) ||
	    (kp->kp_qum.kq_qflags & QUM_F_DROPPED))
		return false;
	now = sk_now_ns();
	if (kp->kp_opt.__po_expire_ts > now)
		return false;
	kp->kp_qum.kq_qflags |= QUM_F_DROPPED;
	kr->ckr_expired++;
	if (ch != NULL && ch->ch_upp != NULL)
		ch->ch_upp->cu_stats.us_tx_expired++;
	if (ch != NULL && upp_wants_notify(kp))
		upp_post_expired(ch, kp, now);
	return true;
}

/* ---- pool rings: life cycle --------------------------------------------------- */

static const uint16_t upp_kinds[UPP_NROLES] = {
	[UPP_ALLOC] = CR_KIND_ALLOC, [UPP_BALLOC] = CR_KIND_ALLOC,
	[UPP_FREE] = CR_KIND_FREE, [UPP_BFREE] = CR_KIND_FREE,
	[UPP_EVENT] = CR_KIND_EVENT, [UPP_LARGE] = CR_KIND_LARGE_BUF_ALLOC,
};

static bool
upp_is_free_role(enum upp_role r)
{
	return r == UPP_FREE || r == UPP_BFREE;
}

static bool
upp_is_bft_role(enum upp_role r)
{
	return r == UPP_BALLOC || r == UPP_BFREE;
}

static uint32_t
upp_ring_slots(const struct kern_channel *ch, enum upp_role r)
{
	uint32_t n = ch->ch_nexus->nx_params.nxp_tx_slots;

	if (r == UPP_EVENT)
		return UPP_EVENT_SLOTS;
	if (n < UPP_RING_SLOTS_MIN)
		return UPP_RING_SLOTS_MIN;
	return n > UPP_RING_SLOTS_MAX ? UPP_RING_SLOTS_MAX : n;
}

/*
 * A pool ring starts empty.  Free rings are the process's to fill, so
 * like a TX ring their tail starts one short of a full ring.
 */
static int
upp_ring_init(struct ch_upp *cu, enum upp_role r)
{
	struct kern_channel *ch = cu->cu_ch;
	struct kern_channel_ring *kr = &cu->cu_krs[r];
	int err;

	err = kr_init(kr, NR_RX, 0, ch->ch_port, upp_ring_slots(ch, r),
	    cu->cu_pp, OBJ_IDX_NONE);
	if (err != 0)
		return err;
	kr->ckr_kind = upp_kinds[r];
	kr->ckr_nx = ch->ch_nexus;
	if (upp_is_free_role(r)) {
		kr->ckr_tx = NR_TX;
		kr->ckr_ktail = kr->ckr_rtail = kr->ckr_lim;
	}
	cu->cu_ws[r] = kr->ckr_lim;
	cu->cu_has[r] = true;
	cu->cu_order[cu->cu_nrings++] = kr;
	return 0;
}

static void
upp_roles(const struct kern_channel *ch, uint32_t mode, bool *want)
{
	const struct kern_pbufpool *pp = ch->ch_pp;

	want[UPP_ALLOC] = want[UPP_FREE] = true;
	want[UPP_BALLOC] = want[UPP_BFREE] = pp->pp_nbfts != 0;
	want[UPP_EVENT] = (mode & CHMODE_EVENT_RING) != 0;
	want[UPP_LARGE] = pp->pp_nlarge != 0;
}

static void
upp_free_state(struct ch_upp *cu)
{
	uint32_t r;

	for (r = 0; r < UPP_NROLES; r++) {
		if (cu->cu_has[r])
			kr_fini(&cu->cu_krs[r]);
	}
	free(cu);
}

/* The rings a UPP channel's own TX/RX krings turn into, both ways. */
static void
upp_krings_mode(struct kern_channel *ch, bool enter)
{
	uint32_t i;

	for (i = 0; i < ch->ch_nrings; i++) {
		if (enter) {
			kr_upp_enter(ch->ch_tx_krings[i], ch);
			kr_upp_enter(ch->ch_rx_krings[i], ch);
		} else {
			kr_upp_leave(ch->ch_tx_krings[i]);
			kr_upp_leave(ch->ch_rx_krings[i]);
		}
	}
}

/*
 * After the domain connected the channel (its rings and pool are known)
 * and before the arena is built (it needs the ring count).  A domain
 * that cannot do UPP refused the mode in its ch_check already.
 */
int
upp_connect(struct kern_channel *ch, uint32_t mode)
{
	bool want[UPP_NROLES];
	struct ch_upp *cu;
	uint32_t r;
	int err = 0;

	if (!(mode & CHMODE_USER_PACKET_POOL))
		return 0;
	if (ch->ch_pp == NULL ||
	    ch->ch_pp->pp_md_type != NEXUS_META_TYPE_PACKET)
		return -ENOTSUP;
	cu = calloc(1, sizeof(*cu));
	if (cu == NULL)
		return -ENOMEM;
	cu->cu_ch = ch;
	cu->cu_pp = ch->ch_pp;
	upp_roles(ch, mode, want);
	for (r = 0; r < UPP_NROLES && err == 0; r++) {
		if (want[r])
			err = upp_ring_init(cu, (enum upp_role)r);
	}
	if (err != 0) {
		upp_free_state(cu);
		return err;
	}
	ch->ch_upp = cu;
	upp_krings_mode(ch, true);
	return 0;
}

/* Everything the process holds goes back to the pool. */
static void
upp_reclaim_all(struct kern_channel *ch)
{
	struct kern_pbufpool *pp = ch->ch_pp;
	uint32_t i;

	for (i = 0; i < pp->pp_nobjs; i++) {
		if (upp_pkt_held(ch, i)) {
			upp_pkt_take(ch, i);
			pp_free(pp, i);
		}
	}
	for (i = 0; i < pp->pp_nbfts; i++) {
		if (upp_bft_held(ch, i)) {
			upp_bft_take(ch, i);
			pp_bft_free(pp, i);
		}
	}
	SK_VERIFY(ch->ch_upp->cu_pkts == 0 && ch->ch_upp->cu_bfts == 0);
}

/* Queued, unpublished objects of the pool rings (events) are the kernel's. */
static void
upp_ring_drain(struct ch_upp *cu, enum upp_role r)
{
	struct kern_channel_ring *kr = &cu->cu_krs[r];
	uint32_t i;

	for (i = 0; i < kr->ckr_num_slots; i++) {
		if (kr->ckr_ksds[i] == OBJ_IDX_NONE)
			continue;
		if (upp_is_bft_role(r))
			pp_bft_free(cu->cu_pp, kr->ckr_ksds[i]);
		else
			pp_free(cu->cu_pp, kr->ckr_ksds[i]);
		kr->ckr_ksds[i] = OBJ_IDX_NONE;
	}
	kr_unbind(kr);
}

/*
 * Close or defunct: before the domain lets go of the rings and pool.
 * The process's objects first, so the TX rings it leaves can be filled
 * again for a channel without a pool.
 */
void
upp_disconnect(struct kern_channel *ch)
{
	struct ch_upp *cu = ch->ch_upp;
	uint32_t r;

	if (cu == NULL)
		return;
	upp_reclaim_all(ch);
	upp_krings_mode(ch, false);
	for (r = 0; r < UPP_NROLES; r++) {
		if (cu->cu_has[r])
			upp_ring_drain(cu, (enum upp_role)r);
	}
	ch->ch_upp = NULL;
	upp_free_state(cu);
}

uint32_t
upp_nrings(const struct kern_channel *ch)
{
	return ch->ch_upp != NULL ? ch->ch_upp->cu_nrings : 0;
}

struct kern_channel_ring *
upp_kring(const struct kern_channel *ch, uint32_t i)
{
	SK_VERIFY(ch->ch_upp != NULL && i < ch->ch_upp->cu_nrings);
	return ch->ch_upp->cu_order[i];
}

void
upp_schema_fill(const struct kern_channel *ch,
    struct __user_channel_schema *csm)
{
	const struct ch_upp *cu = ch->ch_upp;

	if (cu == NULL)
		return;
	csm->csm_allocator_ring_pairs = cu->cu_has[UPP_BALLOC] ? 2 : 1;
	csm->csm_num_event_rings = cu->cu_has[UPP_EVENT] ? 1 : 0;
	csm->csm_large_buf_alloc_rings = cu->cu_has[UPP_LARGE] ? 1 : 0;
}

static enum upp_role
upp_role_of(const struct ch_upp *cu, const struct kern_channel_ring *kr)
{
	return (enum upp_role)(kr - cu->cu_krs);
}

static bool
upp_owns_ring(const struct ch_upp *cu, const struct kern_channel_ring *kr)
{
	return cu != NULL && kr >= cu->cu_krs && kr < cu->cu_krs + UPP_NROLES;
}

/* Working sets, on the alloc rings (spec 5.4). */
static void
upp_publish_ws(const struct ch_upp *cu, struct __user_channel_ring *ring,
    enum upp_role r)
{
	if (r == UPP_BALLOC)
		ring->ring_alloc_buf_ws = cu->cu_ws[r];
	else if (r == UPP_ALLOC || r == UPP_LARGE)
		ring->ring_alloc_ws = cu->cu_ws[r];
}

void
upp_ring_fill(const struct kern_channel *ch,
    const struct kern_channel_ring *kr, struct __user_channel_ring *ring)
{
	const struct ch_upp *cu = ch->ch_upp;

	if (upp_owns_ring(cu, kr))
		upp_publish_ws(cu, ring, upp_role_of(cu, kr));
}

/* ---- pool rings: syncs -------------------------------------------------------- */

/* A fresh external buflet, as the process sees it in the ubft region. */
static void
upp_bft_externalize(const struct kern_pbufpool *pp, obj_idx_t b)
{
	const struct kern_buflet *kb = pp_kbft(pp, b);
	struct __user_buflet *ub = pp_ubft(pp, b);

	memset(ub, 0, sizeof(*ub));
	ub->buf_bft_idx_reg = b;
	ub->buf_idx = kb->kb_idx;
	ub->buf_nbft_idx = OBJ_IDX_NONE;
	ub->buf_dlim = kb->kb_dlim;
	ub->buf_flag = kb->kb_flag;
}

/* Alloc-ring slot i is published: what it holds becomes the process's. */
static void
upp_alloc_publish(struct ch_upp *cu, enum upp_role r, slot_idx_t i)
{
	struct kern_channel_ring *kr = &cu->cu_krs[r];
	obj_idx_t idx = kr->ckr_ksds[i];
	struct __user_slot_desc *usd = &kr->ckr_usds[i];

	if (!upp_is_bft_role(r)) {
		kr_slot_publish(kr, i, 0);
		upp_pkt_give(cu->cu_ch, idx);
	} else {
		upp_bft_externalize(cu->cu_pp, idx);
		usd->sd_len = 0;
		usd->sd_md_idx = idx;
		usd->sd_flags = SD_IDX_VALID;
		upp_bft_give(cu->cu_ch, idx);
	}
	kr->ckr_ksds[i] = OBJ_IDX_NONE;
}

static obj_idx_t
upp_alloc_one(struct kern_pbufpool *pp, enum upp_role r)
{
	if (r == UPP_BALLOC)
		return pp_bft_alloc(pp);
	return r == UPP_LARGE ? pp_alloc_large(pp) : pp_alloc(pp);
}

/* Top the ring up to its working set, as far as the pool allows. */
static void
upp_alloc_refill(struct ch_upp *cu, enum upp_role r)
{
	struct kern_channel_ring *kr = &cu->cu_krs[r];
	obj_idx_t idx;

	while (kr_dist(kr, kr->ckr_khead, kr->ckr_ktail) < cu->cu_ws[r] &&
	    kr_rx_space(kr) > 0) {
		idx = upp_alloc_one(cu->cu_pp, r);
		if (idx == OBJ_IDX_NONE)
			break;
		kr->ckr_ksds[kr->ckr_ktail] = idx;
		kr->ckr_ktail = kr_next(kr, kr->ckr_ktail);
	}
}

/*
 * Alloc ring, validated like RX: the slots the process took it holds
 * already (given at publish time).  refill false: a purge asked for the
 * working set to shrink, so nothing is added this time.
 */
static int
upp_alloc_sync(struct ch_upp *cu, enum upp_role r, bool refill)
{
	struct kern_channel_ring *kr = &cu->cu_krs[r];
	slot_idx_t head, i;
	int err = kr_pool_prologue(kr, &head);

	if (err != 0)
		return err;
	kr->ckr_rhead = kr->ckr_khead = head;
	cu->cu_ws[r] = refill ? kr->ckr_lim : 0;
	if (refill)
		upp_alloc_refill(cu, r);
	for (i = kr->ckr_rtail; i != kr->ckr_ktail; i = kr_next(kr, i))
		upp_alloc_publish(cu, r, i);
	kr->ckr_rtail = kr->ckr_ktail;
	kr->ckr_sync_time = sk_now_ns();
	upp_publish_ws(cu, kr->ckr_ring, r);
	kr_publish_indices(kr);
	return 0;
}

/*
 * A packet coming back through the free ring.  Buflets the process
 * linked to it (os_packet_add_buflet) and still holds go with it; the
 * walk stops at the first link that is not one of those (they stay the
 * process's, reclaimed at close at the latest).
 */
static void
upp_pkt_free(struct kern_channel *ch, obj_idx_t idx)
{
	struct kern_pbufpool *pp = ch->ch_pp;
	obj_idx_t b = pp_umd_packet(pp, idx)->pkt_qum_buf.buf_nbft_idx, next;
	uint32_t n;

	for (n = 1; n < pp->pp_max_frags && upp_bft_held(ch, b); n++) {
		next = pp_ubft(pp, b)->buf_nbft_idx;
		upp_bft_take(ch, b);
		pp_bft_free(pp, b);
		b = next;
	}
	upp_pkt_take(ch, idx);
	pp_free(pp, idx);
}

/* One free-ring entry, read once; false: not something the process holds. */
static bool
upp_free_entry(struct ch_upp *cu, enum upp_role r, slot_idx_t i)
{
	struct kern_channel_ring *kr = &cu->cu_krs[r];
	struct __user_slot_desc usd;

	memcpy(&usd, (const void *)&kr->ckr_usds[i], sizeof(usd));
	if (!(usd.sd_flags & SD_IDX_VALID))
		return false;
	if (r == UPP_BFREE) {
		if (!upp_bft_held(cu->cu_ch, usd.sd_md_idx))
			return false;
		upp_bft_take(cu->cu_ch, usd.sd_md_idx);
		pp_bft_free(cu->cu_pp, usd.sd_md_idx);
		return true;
	}
	if (!upp_pkt_held(cu->cu_ch, usd.sd_md_idx))
		return false;
	upp_pkt_free(cu->cu_ch, usd.sd_md_idx);
	return true;
}

/*
 * Free ring, validated like TX.  Entries up to a bad one are taken; the
 * bad one stops the sync with -EFAULT (the caller kills the process).
 * Consumed slots come back empty at once.
 */
static int
upp_free_sync(struct ch_upp *cu, enum upp_role r)
{
	struct kern_channel_ring *kr = &cu->cu_krs[r];
	slot_idx_t head, i;
	int err = kr_pool_prologue(kr, &head);

	if (err != 0)
		return err;
	for (i = kr->ckr_rhead; i != head; i = kr_next(kr, i)) {
		if (!upp_free_entry(cu, r, i)) {
			SK_RD("port %u: bad %s free-ring entry in slot %u",
			    kr->ckr_port, r == UPP_BFREE ? "buflet" : "packet",
			    i);
			err = -EFAULT;
			break;
		}
	}
	kr->ckr_rhead = kr->ckr_khead = i;
	kr->ckr_ktail = kr_prev(kr, i);
	for (i = kr->ckr_rtail; i != kr->ckr_ktail; i = kr_next(kr, i))
		kr_slot_publish(kr, i, 0);
	kr->ckr_rtail = kr->ckr_ktail;
	kr->ckr_sync_time = sk_now_ns();
	kr_publish_indices(kr);
	return err;
}

/* Pool flags on a sync: only a UPP channel takes them (EINVAL); PURGE
 * alone is harmless anywhere. */
int
upp_check_flags(const struct kern_channel *ch, int mode, uint32_t flags)
{
	const uint32_t pool = CHANNEL_SYNCF_ALLOC | CHANNEL_SYNCF_FREE |
	    CHANNEL_SYNCF_ALLOC_BUF | CHANNEL_SYNCF_LARGE_ALLOC;

	/* the mode, not ch_upp: a defunct pool channel answers ENXIO */
	if (!(ch->ch_info.cinfo_ch_mode & CHMODE_USER_PACKET_POOL) &&
	    (mode == CHANNEL_SYNC_UPP || (flags & pool)))
		return -EINVAL;
	return 0;
}

static int
upp_sync_allocs(struct ch_upp *cu, uint32_t flags)
{
	bool refill = !(flags & CHANNEL_SYNCF_PURGE);
	int err = 0;

	if (flags & (CHANNEL_SYNCF_ALLOC | CHANNEL_SYNCF_PURGE))
		err = upp_alloc_sync(cu, UPP_ALLOC, refill);
	if (err == 0 && cu->cu_has[UPP_BALLOC] &&
	    (flags & (CHANNEL_SYNCF_ALLOC_BUF | CHANNEL_SYNCF_PURGE)))
		err = upp_alloc_sync(cu, UPP_BALLOC, refill);
	if (err == 0 && cu->cu_has[UPP_LARGE] &&
	    (flags & (CHANNEL_SYNCF_LARGE_ALLOC | CHANNEL_SYNCF_PURGE)))
		err = upp_alloc_sync(cu, UPP_LARGE, refill);
	return err;
}

/*
 * The pool half of a sync (spec 3 __channel_sync): free rings, then
 * alloc rings, then the event ring.  0 or -EFAULT (ring violation: the
 * caller kills the process).
 */
int
upp_sync(struct kern_channel *ch, uint32_t flags)
{
	struct ch_upp *cu = ch->ch_upp;
	int err = 0;

	if (cu == NULL)
		return 0;
	if (flags & CHANNEL_SYNCF_FREE) {
		err = upp_free_sync(cu, UPP_FREE);
		if (err == 0 && cu->cu_has[UPP_BFREE])
			err = upp_free_sync(cu, UPP_BFREE);
	}
	if (err == 0)
		err = upp_sync_allocs(cu, flags);
	if (err == 0 && cu->cu_has[UPP_EVENT])
		err = evring_prologue(ch);
	if (cu->cu_has[UPP_EVENT])
		evring_sync(ch);
	return err;
}
