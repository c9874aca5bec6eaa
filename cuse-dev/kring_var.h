/*
 * kring_var.h - kernel rings.
 *
 * A kernel ring shadows one user-visible ring.  The four indices here are
 * the kernel's truth; the user ring only ever gets copies of them, and
 * the one index the user writes (ring_head) is read once per sync and
 * checked against them.  Daemon-internal.
 */
#ifndef KRING_VAR_H
#define KRING_VAR_H

#include "pp_var.h"

struct kern_channel;
struct kern_nexus;
struct ifnet;

enum kr_txrx {
	NR_RX = 0,
	NR_TX = 1,
};

/* ckr_flags */
#define CKRF_KERNEL_ALLOC 0x1   /* slots may be empty: the kernel refills
				 * consumed TX slots from the pool and frees
				 * released RX packets (KPI domains) */
#define CKRF_UPP        0x2     /* bound to a user-packet-pool channel:
				 * TX slots come empty and bring the
				 * process's packets, RX packets become the
				 * process's (upp.c) */

/* kern_channel_increment_ring_stats() accumulates here (XNU ckr_stats). */
struct kr_stats {
	uint64_t krs_slots;
	uint64_t krs_bytes;
	uint64_t krs_last_ns;           /* time of the last increment */
};

struct kern_channel_ring {
	/* Private shadows (see the diagram in kring.c). */
	slot_idx_t ckr_khead;
	slot_idx_t ckr_ktail;
	slot_idx_t ckr_rhead;           /* user head, as of the last prologue */
	slot_idx_t ckr_rtail;           /* tail, as last published */
	uint32_t ckr_num_slots;
	uint32_t ckr_lim;               /* num_slots - 1 */
	enum kr_txrx ckr_tx;            /* pool rings: NR_TX if the user fills
					 * them (free), NR_RX if the kernel does */
	uint16_t ckr_kind;              /* CR_KIND_* */
	uint16_t ckr_ring_id;
	nexus_port_t ckr_port;

	uint32_t ckr_flags;             /* CKRF_* */

	obj_idx_t *ckr_ksds;            /* kernel slot descriptors;
					 * OBJ_IDX_NONE: empty slot */
	struct kern_pbufpool *ckr_pp;
	uint64_t ckr_ready_bytes;       /* RX: kernel lengths in [khead, ktail) */
	uint32_t *ckr_lens;             /* RX: each published slot's kernel
					 * length, counted out at reclaim */
	uint64_t ckr_sync_time;
	uint64_t ckr_notify_time;
	void *ckr_ctx;                  /* the nexus domain's, or a KPI
					 * provider's ring context */

	/* What the KPI (kern_channel.c) needs; set by the domain. */
	struct kern_nexus *ckr_nx;
	void **ckr_slot_ctxs;           /* provider slot contexts, or NULL */
	uint64_t *ckr_scratch;          /* kern_packet_t[num_slots] */
	struct kr_stats ckr_stats;
	int32_t ckr_svc;                /* kern_packet_svc_class_t (netif TX) */
	struct ifnet *ckr_ifp;          /* netif only: the interface */
	uint32_t ckr_busy;              /* inside a sync (kr_enter) */
	uint64_t ckr_expired;           /* TX: dropped, deadline passed */

	/* Set while a channel owns the ring. */
	struct kern_channel *ckr_ch;
	struct __user_channel_ring *ckr_ring;   /* daemon view, user RW */
	struct __user_slot_desc *ckr_usds;      /* daemon view, user RO */
};

static inline slot_idx_t
kr_next(const struct kern_channel_ring *kr, slot_idx_t i)
{
	return i == kr->ckr_lim ? 0 : i + 1;
}

static inline slot_idx_t
kr_prev(const struct kern_channel_ring *kr, slot_idx_t i)
{
	return i == 0 ? kr->ckr_lim : i - 1;
}

/* Slots from a up to (not including) b, going forward. */
static inline uint32_t
kr_dist(const struct kern_channel_ring *kr, slot_idx_t a, slot_idx_t b)
{
	return b >= a ? b - a : kr->ckr_num_slots - a + b;
}

/* TX: slots the user queued that the nexus has not taken yet. */
static inline uint32_t
kr_tx_pending(const struct kern_channel_ring *kr)
{
	return kr_dist(kr, kr->ckr_khead, kr->ckr_rhead);
}

/* RX: slots the nexus may still fill (one always stays empty). */
static inline uint32_t
kr_rx_space(const struct kern_channel_ring *kr)
{
	return kr->ckr_lim - kr_dist(kr, kr->ckr_khead, kr->ckr_ktail);
}

/* Slots published to the user and not yet given back. */
static inline bool
kr_user_has_slots(const struct kern_channel_ring *kr)
{
	return kr->ckr_rhead != kr->ckr_rtail;
}

/*
 * first_obj: slot i starts with object first_obj + i (user pipe: every
 * slot always holds one), or OBJ_IDX_NONE for a CKRF_KERNEL_ALLOC ring:
 * TX slots take objects from the pool, RX slots start empty.
 */
int kr_init(struct kern_channel_ring *kr, enum kr_txrx tx, uint16_t ring_id,
    nexus_port_t port, uint32_t nslots, struct kern_pbufpool *pp,
    obj_idx_t first_obj);
void kr_fini(struct kern_channel_ring *kr);
void kr_bind(struct kern_channel_ring *kr, struct kern_channel *ch,
    struct __user_channel_ring *ring, struct __user_slot_desc *usds);
void kr_unbind(struct kern_channel_ring *kr);

/* Slot descriptor region of the span: TX/alloc/event/large rings share
 * one ("txausd"), RX/free rings the other ("rxfusd"). */
static inline enum kr_txrx
kr_sd_region(const struct kern_channel_ring *kr)
{
	return kr->ckr_kind == CR_KIND_RX || kr->ckr_kind == CR_KIND_FREE ?
	    NR_RX : NR_TX;
}

int kr_txsync_prologue(struct kern_channel_ring *kr);
void kr_txsync_finalize(struct kern_channel_ring *kr);
int kr_rxsync_prologue(struct kern_channel_ring *kr);
void kr_rxsync_finalize(struct kern_channel_ring *kr);

uint32_t kr_reclaim(struct kern_channel_ring *kr);
int kr_pool_prologue(const struct kern_channel_ring *kr, slot_idx_t *headp);
void kr_publish_indices(struct kern_channel_ring *kr);
void kr_slot_publish(struct kern_channel_ring *kr, slot_idx_t i,
    uint16_t qflags);
void kr_upp_enter(struct kern_channel_ring *kr, struct kern_channel *ch);
void kr_upp_leave(struct kern_channel_ring *kr);
void kr_slot_swap(struct kern_channel_ring *a, slot_idx_t ia,
    struct kern_channel_ring *b, slot_idx_t ib);
void kr_note_sync(struct kern_channel_ring *kr, struct kern_channel_ring *peer,
    uint64_t now);

#endif /* KRING_VAR_H */
