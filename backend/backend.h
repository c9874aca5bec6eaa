/*
 * backend.h - the link between a netif nexus and a real (or emulated)
 * network device: one const ops table per device kind, like netmap's
 * nm_os_* layer or a DPDK poll-mode driver.
 *
 * Theory of operation
 *
 *   netif nexus (daemon)                      backend               Linux
 *   ---------------------                     -------               -----
 *   RX ring slots --(sk_frame: buf,cap)--> bo_rx_batch  <--read()-- TAP q
 *   TX ring slots --(sk_frame: buf,len)--> bo_tx_batch  --write()-> TAP q
 *   evloop watch  <-------- bo_queue_fd(q) (readable: frames wait)
 *
 * A backend instance is opened by interface name with a queue count; each
 * queue has one file descriptor that the daemon's event loop watches
 * (level-triggered).  Nothing here blocks or spawns a thread: every call
 * does what the device allows right now and returns.
 *
 * Frames are descriptors of memory the caller owns (the daemon's packet
 * buffers), so RX writes straight into a channel buffer and TX reads
 * straight from one: the only copy is the one the kernel does across the
 * TAP file.  The backend never keeps a pointer to a frame after a call.
 *
 * Accounting: every frame that enters a batch is either delivered
 * (rx/tx packets and bytes), handed back to the caller untouched (TX
 * push-back: the return value stops short of n), or dropped and counted
 * in qs_drops[] under exactly one reason.  Nothing is lost silently.
 * Frames Linux itself drops before they reach us (its TAP queue overflows
 * because we did not read fast enough) are counted by Linux, in the
 * interface's tx_dropped (ip -s link).
 *
 * Device gone: when the device disappears under an open backend (the TAP
 * was deleted), the backend notices at the next call that touches it,
 * sets SKB_STATE_GONE in b_state and from then on: queue fds stay open
 * (and poll as EPOLLERR, so the caller must stop watching them), RX
 * returns -ENODEV, TX consumes and counts every frame under
 * SKB_DROP_GONE, bo_link_state reports SKB_LINK_GONE, and bo_close
 * still has to be called.  Nothing crashes.
 *
 * Error convention: 0 / count or a negative errno, like the rest of the
 * daemon's kernel.
 */
#ifndef SK_BACKEND_H
#define SK_BACKEND_H

#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SKB_QUEUES_MAX 16 /* queues per backend instance */
#define SKB_ETH_HLEN 14	  /* smallest frame a TAP accepts */
#define SKB_ETH_ALEN 6

/*
 * One frame: memory owned by the caller.  RX: the caller sets fr_buf and
 * fr_cap, the backend sets fr_len.  TX: the caller sets fr_buf and fr_len
 * (fr_cap bounds fr_len); the backend only reads.
 */
struct sk_frame {
	void *fr_buf;
	uint32_t fr_len;
	uint32_t fr_cap;
};

/* Why a frame was dropped; one counter per reason and queue. */
enum sk_backend_drop {
	SKB_DROP_RING_FULL = 0, /* RX: the caller had no room (bo_rx_discard) */
	SKB_DROP_ERROR,		/* the device failed with an unexpected errno */
	SKB_DROP_TRUNCATED,	/* RX: frame larger than the caller's buffer */
	SKB_DROP_BADLEN,	/* TX: shorter than Ethernet or refused size */
	SKB_DROP_LINK_DOWN,	/* TX: the interface is administratively down */
	SKB_DROP_GONE,		/* the device vanished */
	SKB_DROP_NREASONS
};

/* Per-queue counters, written only by the backend (and skb_count_drop). */
struct sk_backend_qstats {
	uint64_t qs_rx_packets;
	uint64_t qs_rx_bytes;
	uint64_t qs_tx_packets;
	uint64_t qs_tx_bytes;
	uint64_t qs_tx_pushback; /* TX batches cut short (EAGAIN...) */
	uint64_t qs_drops[SKB_DROP_NREASONS];
};

/* bc_flags */
#define SKB_CFG_CREATE 0x1u  /* create the device if missing */
#define SKB_CFG_PERSIST 0x2u /* a device we create outlives us */
#define SKB_CFG_FLAGS_ALL (SKB_CFG_CREATE | SKB_CFG_PERSIST)

struct sk_backend_cfg {
	const char *bc_ifname;		 /* interface name, < IFNAMSIZ */
	unsigned bc_queues;		 /* 1..SKB_QUEUES_MAX; 0 means 1 */
	unsigned bc_flags;		 /* SKB_CFG_* */
	uint32_t bc_mtu;		 /* on creation only; 0: default */
	uint8_t bc_hwaddr[SKB_ETH_ALEN]; /* on creation only; 0: random */
};

/* b_state */
#define SKB_STATE_GONE 0x1u    /* the device vanished */
#define SKB_STATE_CREATED 0x2u /* we created the device */

/* bo_link_state() result bits */
#define SKB_LINK_UP 0x1	     /* administratively up */
#define SKB_LINK_RUNNING 0x2 /* operationally up (carrier) */
#define SKB_LINK_GONE 0x4    /* the device vanished */

struct sk_backend;

/*
 * Every op but bo_open takes an instance opened by the same table.  Queue
 * numbers are checked (-EINVAL when q >= b_nqueues).
 */
struct sk_backend_ops {
	const char *bo_name; /* "tap", "loop" */

	/* Open (attach to or create) cfg->bc_ifname.  -ENXIO: no such
	 * device and SKB_CFG_CREATE not given; -EBUSY: already attached
	 * (by this daemon, or exclusively by someone else); -ENOTSUP: the
	 * name exists but is not a device this backend can drive. */
	int (*bo_open)(struct sk_backend **bp,
		       const struct sk_backend_cfg *cfg);
	/* Detach; destroys the device if we created it without PERSIST. */
	void (*bo_close)(struct sk_backend *b);

	/* The fd to watch for queue q: readable when frames wait, writable
	 * when TX can take more after a push-back, EPOLLERR when gone. */
	int (*bo_queue_fd)(struct sk_backend *b, unsigned q);

	/* Receive up to n frames into fr[0..n).  Returns the count filled
	 * (0: nothing waiting) or -ENODEV once the device is gone. */
	int (*bo_rx_batch)(struct sk_backend *b, unsigned q,
			   struct sk_frame *fr, unsigned n);
	/* Read and drop up to n waiting frames, counted SKB_DROP_RING_FULL:
	 * for a caller whose ring is full and that prefers dropping here to
	 * letting Linux drop.  Returns the count or -ENODEV. */
	int (*bo_rx_discard)(struct sk_backend *b, unsigned q, unsigned n);
	/* Send fr[0..n).  Returns how many frames were consumed (sent, or
	 * dropped and counted); fr[ret..n) were not touched because the
	 * device pushed back: retry them when the queue fd is writable. */
	int (*bo_tx_batch)(struct sk_backend *b, unsigned q,
			   const struct sk_frame *fr, unsigned n);

	/* SKB_LINK_* bits, or -errno when the state cannot be read. */
	int (*bo_link_state)(struct sk_backend *b);
	/* The device's MTU (L3 payload, without the Ethernet header). */
	int (*bo_mtu)(struct sk_backend *b, uint32_t *mtu);
	int (*bo_hwaddr)(struct sk_backend *b, uint8_t addr[SKB_ETH_ALEN]);
	/* Linux ifindex (0 for emulated devices); -ENODEV when gone. */
	int (*bo_ifindex)(struct sk_backend *b);
};

/*
 * The part of every instance the caller may read.  Each backend embeds it
 * as the first member of its own state.
 */
struct sk_backend {
	const struct sk_backend_ops *b_ops;
	char b_name[IFNAMSIZ]; /* the name it was opened by */
	unsigned b_nqueues;
	unsigned b_state; /* SKB_STATE_* */
	struct sk_backend_qstats b_qstats[SKB_QUEUES_MAX];
};

extern const struct sk_backend_ops skb_tap_ops;
extern const struct sk_backend_ops skb_loop_ops;

/*
 * Loopback backend controls: a loop "device" is a name in the daemon's
 * memory playing the part of a Linux interface, so tests without root
 * can reproduce every TAP behaviour (missing, busy, persistent, gone,
 * link down).
 */
/* Create a persistent loop device (like ip tuntap add); -EEXIST. */
int skb_loop_create(const char *name, uint32_t mtu);
/* Delete it (like ip link del): an attached backend becomes gone. */
int skb_loop_destroy(const char *name);
/* Administrative up/down (like ip link set up/down). */
int skb_loop_set_link(const char *name, int up);
/* A frame arriving from the "wire" on queue q (as a Linux peer would
 * send it).  0, -EAGAIN when the queue is full, -ENODEV when gone. */
int skb_loop_inject(struct sk_backend *b, unsigned q, const void *frame,
		    size_t len);

/* Backend table by kind name ("tap", "loop"); NULL if unknown. */
static inline const struct sk_backend_ops *
skb_ops_find(const char *kind)
{
	static const struct sk_backend_ops *const tab[] = {
	    &skb_tap_ops,
	    &skb_loop_ops,
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i]->bo_name, kind) == 0)
			return tab[i];
	return NULL;
}

static inline int
skb_gone(const struct sk_backend *b)
{
	return (b->b_state & SKB_STATE_GONE) != 0;
}

static inline const struct sk_backend_qstats *
skb_qstats(const struct sk_backend *b, unsigned q)
{
	return q < b->b_nqueues ? &b->b_qstats[q] : NULL;
}

/* For drops the caller decides on (e.g. no packet buffer for RX). */
static inline void
skb_count_drop(struct sk_backend *b, unsigned q, enum sk_backend_drop why,
	       unsigned n)
{
	if (q < b->b_nqueues && (unsigned)why < SKB_DROP_NREASONS)
		b->b_qstats[q].qs_drops[why] += n;
}

static inline const char *
skb_drop_name(enum sk_backend_drop why)
{
	static const char *const names[SKB_DROP_NREASONS] = {
	    [SKB_DROP_RING_FULL] = "ring_full", [SKB_DROP_ERROR] = "error",
	    [SKB_DROP_TRUNCATED] = "truncated", [SKB_DROP_BADLEN] = "badlen",
	    [SKB_DROP_LINK_DOWN] = "link_down", [SKB_DROP_GONE] = "gone",
	};

	return (unsigned)why < SKB_DROP_NREASONS ? names[why] : "?";
}

/* Thin dispatchers, so callers read as skb_rx_batch(b, ...). */
static inline int
skb_open(const struct sk_backend_ops *ops, struct sk_backend **bp,
	 const struct sk_backend_cfg *cfg)
{
	return ops->bo_open(bp, cfg);
}

static inline void
skb_close(struct sk_backend *b)
{
	if (b != NULL)
		b->b_ops->bo_close(b);
}

static inline int
skb_queue_fd(struct sk_backend *b, unsigned q)
{
	return b->b_ops->bo_queue_fd(b, q);
}

static inline int
skb_rx_batch(struct sk_backend *b, unsigned q, struct sk_frame *fr, unsigned n)
{
	return b->b_ops->bo_rx_batch(b, q, fr, n);
}

static inline int
skb_rx_discard(struct sk_backend *b, unsigned q, unsigned n)
{
	return b->b_ops->bo_rx_discard(b, q, n);
}

static inline int
skb_tx_batch(struct sk_backend *b, unsigned q, const struct sk_frame *fr,
	     unsigned n)
{
	return b->b_ops->bo_tx_batch(b, q, fr, n);
}

static inline int
skb_link_state(struct sk_backend *b)
{
	return b->b_ops->bo_link_state(b);
}

static inline int
skb_mtu(struct sk_backend *b, uint32_t *mtu)
{
	return b->b_ops->bo_mtu(b, mtu);
}

static inline int
skb_hwaddr(struct sk_backend *b, uint8_t addr[SKB_ETH_ALEN])
{
	return b->b_ops->bo_hwaddr(b, addr);
}

static inline int
skb_ifindex(struct sk_backend *b)
{
	return b->b_ops->bo_ifindex(b);
}

#endif /* SK_BACKEND_H */
