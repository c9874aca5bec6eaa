/*
 * channel_var.h - channels: one open of a nexus port by a process.
 *
 * A channel owns its rings (one owner per {port, ring}), a private arena
 * (schema, user rings, slot descriptors) and a reference on the nexus
 * pool's arena; it is what CHANNEL_OPEN turns a handle into and is freed
 * with the handle.  Daemon-internal.
 */
#ifndef CHANNEL_VAR_H
#define CHANNEL_VAR_H

#include "kring_var.h"
#include "nexus_var.h"

/* ch_flags */
#define CHF_DEFUNCT     0x1             /* memory revoked; ENXIO from now on */

/* Indices of the handed-over memfds (struct skc_map_region.mr_fd). */
enum ch_fd_index {
	CH_FD_SCHEMA = 0,
	CH_FD_RING = 1,
	CH_FD_POOL = 2,
	CH_FD_SLOTDESC = 3,
	CH_FD_COUNT = 4,                /* what every channel hands over */
	CH_FD_XBUF = 4,                 /* no-copy monitors: the watched
					 * pool, read-only (nx_monitor.c) */
};

struct kern_channel {
	struct ch_info ch_info;         /* what CHANNEL_INFO returns */
	struct sk_cred ch_cred;         /* the opener */
	struct sk_waiter *ch_waiter;    /* the handle's, may be NULL */
	bool ch_armed;                  /* waiter fires once, then disarms */
	uint32_t ch_flags;              /* CHF_* */

	struct kern_nexus *ch_nexus;
	const struct nxdom *ch_dom;     /* the nexus', or nx_monitor_dom */
	nexus_port_t ch_port;
	uint64_t ch_rings_mask;         /* rings claimed on the port */
	uint32_t ch_nrings;             /* per direction */
	struct kern_channel_ring **ch_tx_krings;
	struct kern_channel_ring **ch_rx_krings;
	struct kern_pbufpool *ch_pp;    /* set by the domain at connect */
	struct ch_upp *ch_upp;          /* CHMODE_USER_PACKET_POOL: its pool
					 * rings and what the process holds
					 * (upp.c), else NULL */
	void *ch_ctx;                   /* a KPI provider's channel context,
					 * or a monitor's state */
	int ch_xbuf_fd;                 /* if ch_xbuf_len: buffers mapped
					 * from this fd, read-only, instead
					 * of ch_pp's (no-copy monitor) */
	uint64_t ch_xbuf_len;

	struct skmem_arena *ch_arena;   /* schema, rings, slot descriptors */
	struct skmem_arena *ch_pool_arena; /* referenced while mapped */
	struct __user_channel_schema *ch_schema;
	struct skc_map ch_map;
	struct skmem_ticket *ch_ticket;
	struct ch_adv *ch_adv;          /* advisories, stats (nx_advisory.c) */
	TAILQ_ENTRY(kern_channel) ch_nx_link;
};

int ch_open(const struct sk_cred *cred, enum sk_door door,
    struct sk_waiter *w, struct skc_channel_open *req,
    struct kern_channel **chp);
void ch_close(struct kern_channel *ch);
int ch_fds(const struct kern_channel *ch, struct sk_fds *fds);
int ch_arena_fetch(const struct sk_cred *cred, struct skc_arena_fetch *req,
    struct sk_fds *fds);
int ch_get_info(struct kern_channel *ch, struct skc_channel_info *req);
int ch_sync(struct kern_channel *ch, const struct sk_cred *cred, int mode,
    uint32_t flags);
int ch_get_opt(struct kern_channel *ch, struct skc_channel_opt *req);
int ch_set_opt(struct kern_channel *ch, struct skc_channel_opt *req);
unsigned ch_poll(struct kern_channel *ch, const struct sk_cred *cred,
    unsigned events, int arm);
void ch_wakeup(struct kern_channel *ch);
bool ch_defunct(struct kern_channel *ch);
bool ch_is_dead(const struct kern_channel *ch);

uint32_t ch_count(void);

/*
 * SKC_IOC_CTL_DEFUNCT (kern_channel.c, through kern_channel_defunct()):
 * 0 or -errno.  The walk over every channel a process opened is
 * sk_kern.c's, which owns the handles: fn runs once per user channel
 * (kernel-opened ones have no handle) and a non-zero return stops it.
 */
int kern_channel_defunct_pid(const struct sk_cred *caller,
    struct skc_ctl_defunct *req);
int kern_channel_defunct_reserved(const void *arg);
int sk_kern_channel_foreach(int (*fn)(struct kern_channel *ch, void *arg),
    void *arg);

#endif /* CHANNEL_VAR_H */
