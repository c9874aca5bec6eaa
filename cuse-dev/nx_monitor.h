/*
 * nx_monitor.h - monitor channels: observers of another channel's rings.
 *
 * A monitor is a channel opened with CHMODE_MONITOR_TX and/or _RX on a
 * port of an existing nexus instance (theory in nx_monitor.c, decisions
 * in docs/design.md, "Monitor channels").  channel.c opens it through
 * nx_monitor_dom instead of the nexus' own domain; kring.c tells it,
 * through the two hooks below, about every slot that passes a monitored
 * ring.  Daemon-internal.
 */
#ifndef NX_MONITOR_H
#define NX_MONITOR_H

#include "kring_var.h"
#include "nexus_var.h"

/* The domain of every monitor channel, whatever nexus it watches. */
extern const struct nxdom nx_monitor_dom;

/* Monitor channels open now: zero keeps the hooks to one load. */
extern uint32_t nx_mon_live;

void nx_mon_tx_queued_slow(struct kern_channel_ring *kr, slot_idx_t first,
    slot_idx_t end);
void nx_mon_rx_delivered_slow(struct kern_channel_ring *kr, slot_idx_t first,
    slot_idx_t end);

/*
 * TX hook: slots [first, end) were just queued by the process and
 * internalized (kr_txsync_prologue); their metadata is the kernel's.
 * Each TX slot passes here exactly once, however long the nexus takes
 * to move it.
 */
static inline void
nx_mon_tx_queued(struct kern_channel_ring *kr, slot_idx_t first,
    slot_idx_t end)
{
	if (__builtin_expect(nx_mon_live != 0, 0) && first != end)
		nx_mon_tx_queued_slow(kr, first, end);
}

/*
 * RX hook: slots [first, end) are being handed to the process
 * (kr_rxsync_finalize).  Each received slot passes here exactly once,
 * when its channel's RX sync first shows it.
 */
static inline void
nx_mon_rx_delivered(struct kern_channel_ring *kr, slot_idx_t first,
    slot_idx_t end)
{
	if (__builtin_expect(nx_mon_live != 0, 0) && first != end)
		nx_mon_rx_delivered_slow(kr, first, end);
}

/* What a monitor channel saw, for tests and introspection. */
struct nx_mon_stats {
	uint64_t nms_packets;           /* delivered into its RX rings */
	uint64_t nms_bytes;
	uint64_t nms_dropped;           /* its RX ring was full */
	uint64_t nms_denied;            /* the ring's owner is another user */
};

/* 0, or -EINVAL if ch is not a monitor channel. */
int nx_mon_stats_get(const struct kern_channel *ch, struct nx_mon_stats *st);

#endif /* NX_MONITOR_H */
