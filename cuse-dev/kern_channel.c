/*
 * kern_channel.c - the channel KPI providers use (seed 004 semantics).
 *
 * Theory of operation
 *
 * A provider sees a kernel ring (kring_var.h) only through these calls.
 * The window each direction gives it is the one between the process's
 * part and the kernel's own slack:
 *
 *   TX:  [khead, rhead)  queued by the process, internalized by the
 *        prologue; get_next_slot walks it, advance_slot(s) hands
 *        everything up to s back (khead = s + 1, ktail = s), and the
 *        TX finalize refills and republishes those slots.
 *   RX:  [ktail, khead - 1)  free; get_next_slot walks it (one slot
 *        always stays empty so full and empty differ), the provider
 *        attaches packets, advance_slot(s) makes them arrived
 *        (ktail = s + 1), and the RX finalize externalizes them.
 *        kern_channel_reclaim() first takes back what the process
 *        released (khead = rhead), freeing its packets.
 *
 * Slot handles are addresses inside the ring's private kernel slot
 * descriptor array (ckr_ksds), never in shared memory.  Walking and
 * advancing are allowed only while a sync runs (sk_sync_protect(), set
 * by channel.c and kern_channel_tx_refill around the nexus sync): the
 * kernel indices then belong to the caller alone.  A violation is a
 * kernel bug and aborts the daemon (SK_VERIFY), as XNU's VERIFY panics.
 *
 * The daemon is single-threaded: "busy" (kr_enter) only guards against
 * a provider re-entering its own ring, e.g. a refill from inside its
 * sync_tx.  docs/kpi.md says how the netif-only calls behave here.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "kern_channel.h"
#include "channel_var.h"
#include "nx_advisory.h"

struct proc kernproc_store;             /* pid 0: the kernel itself */

static uint32_t kc_sync_depth;

/* ---- sync protection ------------------------------------------------------ */

sk_protect_t
sk_sync_protect(void)
{
	return kc_sync_depth++;
}

void
sk_sync_unprotect(sk_protect_t protect)
{
	kc_sync_depth = protect;
}

bool
sk_is_sync_protected(void)
{
	return kc_sync_depth != 0;
}

/* ---- slot handles ----------------------------------------------------------- */

static inline kern_channel_slot_t
kc_slot(const struct kern_channel_ring *kr, slot_idx_t i)
{
	return (kern_channel_slot_t)(void *)&kr->ckr_ksds[i];
}

/* A slot handle that is not this ring's is a kernel bug. */
static inline slot_idx_t
kc_slot_idx(const struct kern_channel_ring *kr, const kern_channel_slot_t s)
{
	const obj_idx_t *p = (const obj_idx_t *)(const void *)s;

	SK_VERIFY(p >= kr->ckr_ksds && p < kr->ckr_ksds + kr->ckr_num_slots);
	return (slot_idx_t)(p - kr->ckr_ksds);
}

uint32_t
kern_channel_ring_get_slot_index(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot)
{
	return kc_slot_idx(kring, slot);
}

/* XNU KR_DROP: the channel on the ring is defunct or rejected. */
static bool
kc_ring_dropped(const struct kern_channel_ring *kr)
{
	return kr->ckr_ch != NULL && ch_is_dead(kr->ckr_ch);
}

/* ---- notify, reclaim, counts ------------------------------------------------ */

/* Wake the process waiting on the ring's channel (poll/select). */
uint32_t
kern_channel_notify(const kern_channel_ring_t kring, uint32_t flags)
{
	(void)flags;
	if (kc_ring_dropped(kring))
		return ENXIO;
	if (kring->ckr_ch != NULL)
		ch_wakeup(kring->ckr_ch);
	return 0;
}

uint32_t
kern_channel_reclaim(const kern_channel_ring_t kring)
{
	return kr_reclaim(kring);
}

/* TX: slots queued for the provider; RX: slots it may still fill. */
uint32_t
kern_channel_available_slot_count(const kern_channel_ring_t kring)
{
	if (kring->ckr_tx == NR_TX)
		return kr_dist(kring, kring->ckr_khead, kring->ckr_rhead);
	return kring->ckr_lim - kr_dist(kring, kring->ckr_khead,
	    kring->ckr_ktail);
}

boolean_t
kern_channel_ring_is_tx(const kern_channel_ring_t kring)
{
	return kring->ckr_tx == NR_TX;
}

/* ---- walking and advancing ---------------------------------------------------- */

kern_channel_slot_t
kern_channel_get_next_slot(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot0, struct kern_slot_prop *prop)
{
	bool tx = kring->ckr_tx == NR_TX;
	kern_channel_slot_t slot = NULL;
	slot_idx_t i;

	SK_VERIFY(sk_is_sync_protected());
	if (slot0 == NULL)
		i = tx ? kring->ckr_khead : kring->ckr_ktail;
	else
		i = kr_next(kring, kc_slot_idx(kring, slot0));
	if (tx && i != kring->ckr_rhead)
		slot = kc_slot(kring, i);
	else if (!tx && kr_next(kring, i) != kring->ckr_khead)
		slot = kc_slot(kring, i);
	if (prop != NULL)
		memset(prop, 0, sizeof(*prop));
	return slot;
}

/* RX: the arriving slots join the ready count by their kernel lengths. */
static void
kc_advance_rx(struct kern_channel_ring *kr, slot_idx_t idx)
{
	slot_idx_t end = kr_next(kr, idx), i;

	for (i = kr->ckr_ktail; i != end; i = kr_next(kr, i)) {
		if (kr->ckr_ksds[i] != OBJ_IDX_NONE)
			kr->ckr_ready_bytes +=
			    pp_kqum(kr->ckr_pp, kr->ckr_ksds[i])->kq_len;
	}
	kr->ckr_ktail = end;
}

/* TX: everything up to slot is done (XNU kr_txkring_reclaim_and_refill). */
void
kern_channel_advance_slot(const kern_channel_ring_t kring,
    kern_channel_slot_t slot)
{
	slot_idx_t idx = kc_slot_idx(kring, slot);

	SK_VERIFY(sk_is_sync_protected());
	if (kring->ckr_tx == NR_TX) {
		kring->ckr_khead = kr_next(kring, idx);
		kring->ckr_ktail = idx;
	} else {
		kc_advance_rx(kring, idx);
	}
}

/* ---- contexts --------------------------------------------------------------- */

void *
kern_channel_get_context(const kern_channel_t ch)
{
	return ch->ch_ctx;
}

void *
kern_channel_ring_get_context(const kern_channel_ring_t kring)
{
	return kring->ckr_ctx;
}

/* A per-ring scratch array of num_slots handles for batch work. */
errno_t
kern_channel_ring_get_container(const kern_channel_ring_t kring,
    kern_packet_t **array, uint32_t *count)
{
	SK_VERIFY(sk_is_sync_protected());
	if (array == NULL)
		return EINVAL;
	*array = kring->ckr_scratch;
	if (count != NULL)
		*count = kring->ckr_num_slots;
	return 0;
}

void *
kern_channel_slot_get_context(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot)
{
	slot_idx_t i = kc_slot_idx(kring, slot);

	return kring->ckr_slot_ctxs != NULL ? kring->ckr_slot_ctxs[i] : NULL;
}

kern_pbufpool_t
kern_channel_ring_get_pbufpool(const kern_channel_ring_t kr)
{
	return kr->ckr_pp;
}

/* ---- statistics ------------------------------------------------------------- */

static void
kr_update_stats(struct kern_channel_ring *kr, uint32_t slots, uint32_t bytes)
{
	kr->ckr_stats.krs_slots += slots;
	kr->ckr_stats.krs_bytes += bytes;
	kr->ckr_stats.krs_last_ns = sk_now_ns();
}

void
kern_channel_increment_ring_stats(kern_channel_ring_t kring,
    struct kern_channel_ring_stat_increment *stats)
{
	kr_update_stats(kring, stats->kcrsi_slots_transferred,
	    stats->kcrsi_bytes_transferred);
}

void
kern_channel_ring_get_stats(const kern_channel_ring_t kring, uint64_t *slots,
    uint64_t *bytes)
{
	*slots = kring->ckr_stats.krs_slots;
	*bytes = kring->ckr_stats.krs_bytes;
}

/*
 * XNU ifnet_notify_data_threshold(): tell the interface's owner each
 * time another if_data_threshold bytes went through it.
 */
static void
kc_data_threshold(struct ifnet *ifp)
{
	uint64_t total = ifp->if_data.ifi_ibytes + ifp->if_data.ifi_obytes;

	if (total - ifp->if_data_threshold_mark < ifp->if_data_threshold)
		return;
	ifp->if_data_threshold_mark = total;
	if (ifp->if_data_threshold_notify != NULL)
		ifp->if_data_threshold_notify(ifp);
}

void
kern_channel_increment_ring_net_stats(kern_channel_ring_t kring,
    struct ifnet *ifp, struct kern_channel_ring_stat_increment *stats)
{
	if (kring->ckr_tx == NR_TX) {
		ifp->if_data.ifi_opackets += stats->kcrsi_slots_transferred;
		ifp->if_data.ifi_obytes += stats->kcrsi_bytes_transferred;
	} else {
		ifp->if_data.ifi_ipackets += stats->kcrsi_slots_transferred;
		ifp->if_data.ifi_ibytes += stats->kcrsi_bytes_transferred;
	}
	if (ifp->if_data_threshold != 0)
		kc_data_threshold(ifp);
	kr_update_stats(kring, stats->kcrsi_slots_transferred,
	    stats->kcrsi_bytes_transferred);
}

/* ---- packets in slots ------------------------------------------------------- */

/* 0 for an empty slot and for a packet the process dropped. */
kern_packet_t
kern_channel_slot_get_packet(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot)
{
	obj_idx_t idx = kring->ckr_ksds[kc_slot_idx(kring, slot)];

	if (idx == OBJ_IDX_NONE ||
	    (pp_kqum(kring->ckr_pp, idx)->kq_qflags & QUM_F_DROPPED))
		return 0;
	return pp_handle(kring->ckr_pp, idx);
}

/*
 * Only rings whose domain lets providers move packets (CKRF_KERNEL_ALLOC)
 * may have slots emptied or filled; the user pipe swaps objects instead.
 * XNU VERIFYs an empty slot on attach and the right packet on detach;
 * here those provider bugs get EEXIST / EINVAL.
 */
errno_t
kern_channel_slot_attach_packet(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot, kern_packet_t ph)
{
	slot_idx_t i = kc_slot_idx(kring, slot);
	struct kern_quantum *kq;

	if (!(kring->ckr_flags & CKRF_KERNEL_ALLOC))
		return ENOTSUP;
	if (ph == 0)
		return EINVAL;
	kq = SK_PTR_ADDR_KQUM(ph);
	if (kq->kq_pp != kring->ckr_pp || !(kq->kq_kflags & KQF_ALLOCATED))
		return EINVAL;
	if (kring->ckr_ksds[i] != OBJ_IDX_NONE)
		return EEXIST;
	kring->ckr_ksds[i] = kq->kq_idx;
	return 0;
}

errno_t
kern_channel_slot_detach_packet(const kern_channel_ring_t kring,
    const kern_channel_slot_t slot, kern_packet_t ph)
{
	slot_idx_t i = kc_slot_idx(kring, slot);

	if (!(kring->ckr_flags & CKRF_KERNEL_ALLOC))
		return ENOTSUP;
	if (ph == 0 || kring->ckr_ksds[i] == OBJ_IDX_NONE ||
	    SK_PTR_ADDR_KQUM(ph) != pp_kqum(kring->ckr_pp, kring->ckr_ksds[i]))
		return EINVAL;
	kring->ckr_ksds[i] = OBJ_IDX_NONE;
	return 0;
}

/* ---- TX refill ---------------------------------------------------------------- */

/* XNU kr_enter/kr_exit: nobody else is inside this ring's sync. */
static int
kr_enter(struct kern_channel_ring *kr)
{
	if (kr->ckr_busy != 0)
		return EBUSY;
	kr->ckr_busy = 1;
	return 0;
}

static void
kr_exit(struct kern_channel_ring *kr)
{
	kr->ckr_busy = 0;
}

static bool
kc_ifp_can_send(const struct ifnet *ifp, errno_t *err)
{
	if (ifp == NULL)
		return true;
	if (!ifp->if_attached || (ifp->if_start_flags & IFSF_FLOW_CONTROLLED)) {
		*err = ENXIO;
		return false;
	}
	return true;
}

/*
 * The device has room: run the nexus TX sync on what the process queued
 * (the slots already internalized by its last prologue).  The process
 * sees the freed slots at its next sync; its channel is woken so that a
 * writer blocked in poll() gets to make that sync.
 */
static errno_t
kc_tx_refill_common(struct kern_channel_ring *kr, uint32_t pkt_limit,
    uint32_t byte_limit, boolean_t *pkts_pending)
{
	slot_idx_t khead = kr->ckr_khead;
	sk_protect_t protect;
	errno_t err = 0;

	*pkts_pending = FALSE;
	if (kr->ckr_tx != NR_TX || pkt_limit == 0 || byte_limit == 0) {
		SK_ERR("invalid refill: %s ring, plim %u blim %u",
		    kr->ckr_tx == NR_TX ? "tx" : "rx", pkt_limit, byte_limit);
		return EINVAL;
	}
	if (!kc_ifp_can_send(kr->ckr_ifp, &err))
		return err;
	if (kr_enter(kr) != 0)
		return 0;               /* a sync is already at it */
	if (kr->ckr_ch == NULL || kc_ring_dropped(kr) || kr->ckr_nx == NULL) {
		kr_exit(kr);
		return ENXIO;
	}
	protect = sk_sync_protect();
	err = kr->ckr_nx->nx_dom->nxdom_txsync(kr);
	sk_sync_unprotect(protect);
	kr_exit(kr);
	if (kr->ckr_khead != khead)
		ch_wakeup(kr->ckr_ch);
	return err;
}

errno_t
kern_channel_tx_refill(const kern_channel_ring_t hw_kring,
    uint32_t pkt_limit, uint32_t byte_limit, boolean_t tx_doorbell_ctxt,
    boolean_t *pkts_pending)
{
	(void)tx_doorbell_ctxt;
	return kc_tx_refill_common(hw_kring, pkt_limit, byte_limit,
	    pkts_pending);
}

/* Nothing blocks in the daemon: the same as kern_channel_tx_refill. */
errno_t
kern_channel_tx_refill_canblock(const kern_channel_ring_t hw_kring,
    uint32_t pkt_limit, uint32_t byte_limit, boolean_t tx_doorbell_ctxt,
    boolean_t *pkts_pending)
{
	(void)tx_doorbell_ctxt;
	return kc_tx_refill_common(hw_kring, pkt_limit, byte_limit,
	    pkts_pending);
}

/* Only a netif device TX ring that a driver gave a class has one. */
errno_t
kern_channel_get_service_class(const kern_channel_ring_t kring,
    kern_packet_svc_class_t *svc)
{
	if (kring->ckr_nx == NULL ||
	    kring->ckr_nx->nx_dom->nxdom_type != NEXUS_TYPE_NET_IF ||
	    kring->ckr_tx == NR_RX || kring->ckr_svc == KPKT_SC_UNSPEC)
		return ENOTSUP;
	*svc = (kern_packet_svc_class_t)kring->ckr_svc;
	return 0;
}

/* ---- flow advisories ---------------------------------------------------------- */

/*
 * XNU finds the flowswitch on the interface, then the channel by the
 * flow-source token, and clears the flow's advisory entry (or adds CE
 * counts) if it still holds the flow fce was made for.  Here the netif
 * channel's own flow table stands in for the flowswitch's (nx_advisory.c,
 * docs/advisories.md): the token is the channel's, the index and flow id
 * its entry's.  An fce naming nothing of ours is ignored, as XNU's search
 * that finds nothing.
 */
static bool
kc_flowadv_ok(const struct flowadv_fcentry *fce)
{
	return fce != NULL && fce->fce_ifp != NULL && fce->fce_ifp->if_attached;
}

void
kern_channel_flowadv_clear(struct flowadv_fcentry *fce)
{
	if (kc_flowadv_ok(fce) && nxadv_fce_clear(fce) != 0)
		SK_DF(SK_VERB_CHANNEL, "flow advisory clear: token 0x%x fidx %u "
		    "on %s: no such flow", fce->fce_flowsrc_token,
		    fce->fce_flowsrc_fidx, fce->fce_ifp->if_xname);
}

void
kern_channel_flowadv_report_ce_event(struct flowadv_fcentry *fce,
    uint32_t ce_cnt, uint32_t total_pkt_cnt)
{
	if (kc_flowadv_ok(fce) &&
	    nxadv_fce_ce_event(fce, ce_cnt, total_pkt_cnt) != 0)
		SK_DF(SK_VERB_CHANNEL, "CE report: token 0x%x fidx %u on %s: "
		    "no such flow", fce->fce_flowsrc_token,
		    fce->fce_flowsrc_fidx, fce->fce_ifp->if_xname);
}

/* ---- memory pressure and defunct --------------------------------------------- */

/*
 * XNU purges the channel's cached objects under memory pressure
 * (na_drain).  Pools here keep no per-channel caches -- every object is
 * in a slot or on the pool's one free list, and a defunct channel's go
 * back to the domain at once -- so there is nothing to drain.
 */
void
kern_channel_memstatus(struct proc *p, uint32_t status,
    struct kern_channel *ch)
{
	(void)status;
	SK_ASSERT(proc_pid(p) == ch->ch_cred.cr_pid);
	(void)p;
	(void)ch;
}

/*
 * A user pipe goes only when every end open on it agreed (XNU).
 * Monitors are no ends: they neither vote nor need the ends' votes (XNU
 * gives them adapters of their own).
 */
static bool
kc_defunct_eligible(const struct kern_channel *ch)
{
	const struct kern_nexus *nx = ch->ch_nexus;
	const struct kern_channel *c;

	if (!(ch->ch_info.cinfo_ch_mode & CHMODE_DEFUNCT_OK))
		return false;
	if (nx->nx_dom->nxdom_type != NEXUS_TYPE_USER_PIPE ||
	    (ch->ch_info.cinfo_ch_mode & CHMODE_MONITOR))
		return true;
	TAILQ_FOREACH(c, &nx->nx_channels, ch_nx_link) {
		if (!(c->ch_info.cinfo_ch_mode &
		    (CHMODE_DEFUNCT_OK | CHMODE_MONITOR)))
			return false;
	}
	return true;
}

/*
 * Defunct ch if it is eligible (memory revoked, ENXIO from then on);
 * otherwise XNU only prunes caches, which is nothing here.  Repeated
 * calls are harmless.  SKC_IOC_CTL_DEFUNCT comes through here too.
 */
void
kern_channel_defunct(struct proc *p, struct kern_channel *ch)
{
	SK_ASSERT(proc_pid(p) == ch->ch_cred.cr_pid);
	(void)p;
	if (!kc_defunct_eligible(ch))
		return;                 /* XNU: na_drain(), nothing here */
	(void)ch_defunct(ch);
}

/* ---- SKC_IOC_CTL_DEFUNCT: the daemon's pid_shutdown_sockets -------------- */

struct kc_defunct_walk {
	const struct sk_cred *dw_caller;
	pid_t dw_pid;
	uint32_t dw_matched;            /* channels of the process */
	uint32_t dw_done;               /* defuncted by this request */
};

/* Root may defunct anyone; others only their own uid's channels. */
static int
kc_defunct_may(struct kern_channel *ch, void *arg)
{
	struct kc_defunct_walk *w = arg;

	if (ch->ch_cred.cr_pid != w->dw_pid)
		return 0;
	w->dw_matched++;
	if (w->dw_caller->cr_uid != 0 &&
	    w->dw_caller->cr_uid != ch->ch_cred.cr_uid)
		return -EPERM;
	return 0;
}

static int
kc_defunct_one(struct kern_channel *ch, void *arg)
{
	struct kc_defunct_walk *w = arg;
	struct proc p = { .p_cred = ch->ch_cred };
	bool was = (ch->ch_flags & CHF_DEFUNCT) != 0;

	if (ch->ch_cred.cr_pid != w->dw_pid)
		return 0;
	kern_channel_defunct(&p, ch);
	if (!was && (ch->ch_flags & CHF_DEFUNCT))
		w->dw_done++;
	return 0;
}

/* A pid with no channel is fine if the process exists (XNU: ESRCH). */
static int
kc_defunct_pid_check(const struct kc_defunct_walk *w)
{
	if (w->dw_matched == 0 && kill(w->dw_pid, 0) < 0 && errno == ESRCH)
		return -ESRCH;
	return 0;
}

/*
 * Every channel the process opened, eligible ones defuncted, through
 * the same path as the KPI's kern_channel_defunct().  Permission is
 * checked for all of them first, so a refusal changes nothing.
 */
int
kern_channel_defunct_pid(const struct sk_cred *caller,
    struct skc_ctl_defunct *req)
{
	struct kc_defunct_walk w = { caller, req->df_pid, 0, 0 };
	int err;

	req->df_count = 0;
	if (req->df_pid <= 0)
		return -EINVAL;
	err = sk_kern_channel_foreach(kc_defunct_may, &w);
	err = err ? err : kc_defunct_pid_check(&w);
	if (err != 0)
		return err;
	sk_kern_channel_foreach(kc_defunct_one, &w);
	req->df_count = w.dw_done;
	SK_DF(SK_VERB_CHANNEL, "defunct pid %d: %u of %u channels",
	    (int)w.dw_pid, w.dw_done, w.dw_matched);
	return 0;
}

int
kern_channel_defunct_reserved(const void *arg)
{
	const struct skc_ctl_defunct *req = arg;

	return req->df_reserved[0] != 0 || req->df_reserved[1] != 0 ?
	    -EINVAL : 0;
}
