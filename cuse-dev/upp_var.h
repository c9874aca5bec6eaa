/*
 * upp_var.h - the user packet pool of a channel (upp.c) and its event
 * ring (evring.c).
 *
 * A channel opened with CHMODE_USER_PACKET_POOL gets, after its TX and
 * RX rings and in this (schema) order: a packet alloc ring, a buflet
 * alloc ring (pools with external buflets), a packet free ring, a buflet
 * free ring (likewise), an event ring (CHMODE_EVENT_RING) and a
 * large-buffer alloc ring (pools with large buffers).  struct ch_upp
 * holds their kernel rings and what the daemon knows about every object
 * the process holds: an object is the process's exactly when its
 * kq_owner / kb_owner is this channel (pp_var.h), and cu_pkts / cu_bfts
 * count them.  Daemon-internal.
 */
#ifndef UPP_VAR_H
#define UPP_VAR_H

#include "kring_var.h"

struct kern_channel;

/* The pool rings, by role; cu_order lists the present ones in schema
 * order. */
enum upp_role {
	UPP_ALLOC = 0,
	UPP_BALLOC,
	UPP_FREE,
	UPP_BFREE,
	UPP_EVENT,
	UPP_LARGE,
	UPP_NROLES,
};

/* What upp.c and evring.c count per channel (skctl, tests). */
struct upp_stats {
	uint64_t us_tx_expired;         /* dropped at TX: deadline passed */
	uint64_t us_tx_status;          /* transmit-status events posted */
	uint64_t us_events;             /* event records posted */
	uint64_t us_events_dropped;     /* no room or no packet for them */
};

struct ch_upp {
	struct kern_channel *cu_ch;
	struct kern_pbufpool *cu_pp;
	uint32_t cu_nrings;
	struct kern_channel_ring *cu_order[UPP_NROLES];
	struct kern_channel_ring cu_krs[UPP_NROLES];
	bool cu_has[UPP_NROLES];
	uint32_t cu_ws[UPP_NROLES];     /* alloc rings: working set */
	uint32_t cu_pkts;               /* packets the process holds */
	uint32_t cu_bfts;               /* external buflets it holds */
	/* evring.c: the queued, unpublished event buffer still taking
	 * records (slot cu_ev_slot, next record at cu_ev_off), if any. */
	bool cu_ev_open;
	slot_idx_t cu_ev_slot;
	uint32_t cu_ev_off;
	uint32_t cu_ev_last;            /* offset of its last record */
	struct upp_stats cu_stats;
};

/* Alloc/free rings' slots: the nexus TX slot count, within these. */
#define UPP_RING_SLOTS_MIN      8
#define UPP_RING_SLOTS_MAX      4096
#define UPP_EVENT_SLOTS         64

/* ---- upp.c: channel life and syncs ----------------------------------------- */

int upp_connect(struct kern_channel *ch, uint32_t mode);
void upp_disconnect(struct kern_channel *ch);
uint32_t upp_nrings(const struct kern_channel *ch);
struct kern_channel_ring *upp_kring(const struct kern_channel *ch,
    uint32_t i);
void upp_schema_fill(const struct kern_channel *ch,
    struct __user_channel_schema *csm);
void upp_ring_fill(const struct kern_channel *ch,
    const struct kern_channel_ring *kr, struct __user_channel_ring *ring);
int upp_sync(struct kern_channel *ch, uint32_t flags);
int upp_check_flags(const struct kern_channel *ch, int mode,
    uint32_t flags);

/* ---- upp.c: who holds an object -------------------------------------------- */

bool upp_pkt_held(const struct kern_channel *ch, obj_idx_t idx);
void upp_pkt_give(struct kern_channel *ch, obj_idx_t idx);
void upp_pkt_take(struct kern_channel *ch, obj_idx_t idx);
bool upp_bft_held(const struct kern_channel *ch, obj_idx_t bidx);
void upp_bft_give(struct kern_channel *ch, obj_idx_t bidx);
void upp_bft_take(struct kern_channel *ch, obj_idx_t bidx);

/* ---- upp.c: TX path hooks (kring.c) ---------------------------------------- */

int upp_chain_internalize(const struct kern_channel_ring *kr,
    obj_idx_t idx, const struct __user_packet *up, uint32_t *sum);
bool upp_tx_expired(struct kern_channel_ring *kr, obj_idx_t idx);
void upp_packet_id(const struct kern_packet *kp, packet_id_t *id);

/* ---- evring.c ------------------------------------------------------------------ */

int evring_post(struct kern_channel *ch, os_channel_event_type_t type,
    const void *data, uint16_t len);
void evring_sync(struct kern_channel *ch);
int evring_prologue(struct kern_channel *ch);
bool evring_enabled(const struct kern_channel *ch);

/*
 * A KPI addition for drivers (XNU reports transmit status through
 * kern_channel_event_transmit_status*; ours names the ring): whether
 * the process on a TX ring gets transmit-status events, and posting one
 * for a packet of that ring, with the packet id it set (if any).
 * 0, ENOTSUP (no event ring), ENOBUFS (event dropped).
 */
bool kern_channel_tx_status_wanted(const struct kern_channel_ring *kr);
int kern_channel_tx_status_post(struct kern_channel_ring *kr, uint64_t ph,
    int32_t status);

#endif /* UPP_VAR_H */
