/*
 * skmem_var.h - the arena: memory shared between the daemon and clients.
 *
 * A region is one sealed memfd plus the daemon's own writable mapping of
 * it.  An arena is a set of regions created and destroyed together (a
 * channel's private set, or the buffer+metadata pool a user pipe shares
 * between its two ends).  A struct skc_map tells the client how to stitch
 * regions into its contiguous span; tickets let a CUSE client that cannot
 * receive fds over the device fetch them over the socket.
 *
 * Daemon-internal; never installed.
 */
#ifndef SKMEM_VAR_H
#define SKMEM_VAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "sk_var.h"

#define SKMEM_REGION_F_USER_RO  0x1     /* client may only map it read-only */

struct skmem_region {
	int sr_fd;                      /* sealed memfd, daemon-owned */
	void *sr_addr;                  /* daemon mapping (always RW) */
	size_t sr_size;                 /* page multiple */
	uint32_t sr_flags;              /* SKMEM_REGION_F_* */
};

#define SKMEM_ARENA_REGIONS_MAX 4

struct skmem_arena {
	struct skmem_region ar_regions[SKMEM_ARENA_REGIONS_MAX];
	unsigned ar_nregions;
	uint32_t ar_refcnt;
};

/* One-time ticket that hands a channel's fds to its opener. */
struct skmem_ticket {
	uint64_t tk_value;              /* random, never 0 */
	struct sk_cred tk_cred;         /* opener */
	void *tk_owner;                 /* the channel */
	bool tk_used;
	LIST_ENTRY(skmem_ticket) tk_link;
};

size_t skmem_page_size(void);
size_t skmem_round_page(size_t n);
void skmem_random(void *buf, size_t len);

int skmem_region_create(struct skmem_region *sr, const char *name,
    size_t size, uint32_t flags);
void skmem_region_destroy(struct skmem_region *sr);
void skmem_region_revoke(struct skmem_region *sr);

struct skmem_arena *skmem_arena_create(void);
struct skmem_region *skmem_arena_add(struct skmem_arena *ar,
    const char *name, size_t size, uint32_t flags);
void skmem_arena_retain(struct skmem_arena *ar);
void skmem_arena_revoke(struct skmem_arena *ar);
void skmem_arena_release(struct skmem_arena *ar);

void skmem_map_init(struct skc_map *mp);
int skmem_map_add(struct skc_map *mp, uint32_t fd_index, uint32_t prot,
    uint64_t fd_off, uint64_t len, uint64_t *span_off);

struct skmem_ticket *skmem_ticket_mint(const struct sk_cred *cred,
    void *owner);
int skmem_ticket_claim(uint64_t value, const struct sk_cred *cred,
    void **owner);
void skmem_ticket_destroy(struct skmem_ticket *tk);

struct skmem_stats {
	uint32_t sms_arenas;
	uint32_t sms_memfds;
	uint32_t sms_tickets;           /* unclaimed */
	uint64_t sms_bytes;
};
void skmem_stats_get(struct skmem_stats *st);
void skmem_fini(void);

#endif /* SKMEM_VAR_H */
