/*
 * skmem.c - the arena: sealed memfds shared with clients.
 *
 * Theory of operation
 *
 * CUSE has no mmap, so the memory a channel shares with its process is a
 * set of memfds that the client maps itself (design brief, "mmap").  Each
 * memfd is one region:
 *
 *   create   memfd_create -> ftruncate(size) -> daemon mmap(RW, SHARED)
 *            -> seals: SHRINK|GROW (the client can never make the file
 *            shorter under the daemon's mapping, so the daemon never takes
 *            SIGBUS), FUTURE_WRITE for regions the client must not write
 *            (added after our own writable mapping exists, which stays
 *            writable), then SEAL so nobody can change that again.
 *   destroy  munmap + close.  Clients keep their own mappings alive; the
 *            pages go away with the last of them.
 *
 * Ownership: a region's fd and mapping belong to its arena; an arena is
 * refcounted by whatever spans map it (a channel's private arena has one
 * reference; a user pipe's shared buffer/metadata arena one per channel
 * plus the pipe's own).  fds handed to doors are borrowed: the door sends
 * a copy and the arena keeps the original.
 *
 * Tickets: the CUSE door cannot pass fds, so CHANNEL_OPEN mints a random
 * 64-bit ticket bound to the channel and the opener's credentials; the
 * client presents it on the socket (ARENA_FETCH) and gets the fds once.
 * A ticket is consumed by its first successful claim and dies with its
 * channel.  Nothing here is secret except the ticket value, which is the
 * reason it is drawn from getrandom().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "skmem_var.h"
#include "sk_log.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static struct skmem_stats skmem_stats;
static LIST_HEAD(skmem_ticket_head, skmem_ticket) skmem_tickets =
    LIST_HEAD_INITIALIZER(skmem_tickets);

size_t
skmem_page_size(void)
{
	static size_t pgsz;

	if (pgsz == 0)
		pgsz = (size_t)sysconf(_SC_PAGESIZE);
	return pgsz;
}

size_t
skmem_round_page(size_t n)
{
	size_t pg = skmem_page_size();

	return (n + pg - 1) & ~(pg - 1);
}

/* Identifiers and tickets must not be guessable by another client. */
void
skmem_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			SK_ERR("getrandom: %s", strerror(errno));
			abort();        /* no entropy: cannot mint safely */
		}
		p += n;
		len -= (size_t)n;
	}
}

static int
skmem_region_seal(struct skmem_region *sr)
{
	int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

	if (sr->sr_flags & SKMEM_REGION_F_USER_RO)
		seals |= F_SEAL_FUTURE_WRITE;
	if (fcntl(sr->sr_fd, F_ADD_SEALS, seals) < 0)
		return -errno;
	return 0;
}

int
skmem_region_create(struct skmem_region *sr, const char *name, size_t size,
    uint32_t flags)
{
	int err;

	sr->sr_size = skmem_round_page(size);
	sr->sr_flags = flags;
	sr->sr_addr = MAP_FAILED;
	sr->sr_fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (sr->sr_fd < 0)
		return -errno;
	if (ftruncate(sr->sr_fd, (off_t)sr->sr_size) < 0)
		goto fail_errno;
	sr->sr_addr = mmap(NULL, sr->sr_size, PROT_READ | PROT_WRITE,
	    MAP_SHARED, sr->sr_fd, 0);
	if (sr->sr_addr == MAP_FAILED)
		goto fail_errno;
	err = skmem_region_seal(sr);
	if (err != 0)
		goto fail_unmap;
	skmem_stats.sms_memfds++;
	skmem_stats.sms_bytes += sr->sr_size;
	return 0;

fail_errno:
	err = -errno;
fail_unmap:
	if (sr->sr_addr != MAP_FAILED)
		munmap(sr->sr_addr, sr->sr_size);
	close(sr->sr_fd);
	sr->sr_fd = -1;
	sr->sr_addr = NULL;
	SK_ERR("region \"%s\" (%zu bytes): %s", name, size, strerror(-err));
	return err;
}

void
skmem_region_destroy(struct skmem_region *sr)
{
	if (sr->sr_fd < 0)
		return;
	munmap(sr->sr_addr, sr->sr_size);
	close(sr->sr_fd);
	skmem_stats.sms_memfds--;
	skmem_stats.sms_bytes -= sr->sr_size;
	sr->sr_fd = -1;
	sr->sr_addr = NULL;
}

/*
 * Revoke (defunct): every mapping of the region reads zeros from now on,
 * as XNU's redirect to zero pages does.  A writable region is punched
 * (the pages are freed; any later store from the client allocates a
 * fresh zero page that only reads back what that client wrote).  A
 * read-only region cannot be punched: F_SEAL_FUTURE_WRITE makes
 * fallocate() fail with EPERM, and the seal cannot be lifted.  So the
 * daemon clears it through its own writable mapping, which that seal
 * leaves alone; its pages stay allocated until the last mapping goes
 * (the daemon wrote every one of them anyway, so nothing grows).
 */
void
skmem_region_revoke(struct skmem_region *sr)
{
	if (sr->sr_fd < 0)
		return;
	if (sr->sr_flags & SKMEM_REGION_F_USER_RO) {
		memset(sr->sr_addr, 0, sr->sr_size);
		return;
	}
	if (fallocate(sr->sr_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    0, (off_t)sr->sr_size) < 0) {
		SK_ERR("punch hole: %s; clearing instead", strerror(errno));
		memset(sr->sr_addr, 0, sr->sr_size);
	}
}

/* Every region of the arena (a pool nobody but defunct channels maps). */
void
skmem_arena_revoke(struct skmem_arena *ar)
{
	unsigned i;

	for (i = 0; ar != NULL && i < ar->ar_nregions; i++)
		skmem_region_revoke(&ar->ar_regions[i]);
}

struct skmem_arena *
skmem_arena_create(void)
{
	struct skmem_arena *ar = calloc(1, sizeof(*ar));

	if (ar == NULL)
		return NULL;
	ar->ar_refcnt = 1;
	skmem_stats.sms_arenas++;
	return ar;
}

struct skmem_region *
skmem_arena_add(struct skmem_arena *ar, const char *name, size_t size,
    uint32_t flags)
{
	struct skmem_region *sr;

	if (ar->ar_nregions == SKMEM_ARENA_REGIONS_MAX)
		return NULL;
	sr = &ar->ar_regions[ar->ar_nregions];
	if (skmem_region_create(sr, name, size, flags) != 0)
		return NULL;
	ar->ar_nregions++;
	return sr;
}

void
skmem_arena_retain(struct skmem_arena *ar)
{
	ar->ar_refcnt++;
}

void
skmem_arena_release(struct skmem_arena *ar)
{
	unsigned i;

	if (ar == NULL || --ar->ar_refcnt > 0)
		return;
	for (i = 0; i < ar->ar_nregions; i++)
		skmem_region_destroy(&ar->ar_regions[i]);
	skmem_stats.sms_arenas--;
	free(ar);
}

void
skmem_map_init(struct skc_map *mp)
{
	memset(mp, 0, sizeof(*mp));
}

/* Append a region at the end of the span; returns its span offset. */
int
skmem_map_add(struct skc_map *mp, uint32_t fd_index, uint32_t prot,
    uint64_t fd_off, uint64_t len, uint64_t *span_off)
{
	struct skc_map_region *mr;

	if (mp->mp_nregions == SKC_MAP_REGIONS_MAX ||
	    fd_index >= SKC_MAP_FDS_MAX)
		return -ENOMEM;
	mr = &mp->mp_regions[mp->mp_nregions++];
	mr->mr_fd = fd_index;
	mr->mr_prot = prot;
	mr->mr_span_off = mp->mp_span_size;
	mr->mr_fd_off = fd_off;
	mr->mr_len = skmem_round_page(len);
	mp->mp_span_size += mr->mr_len;
	if (fd_index + 1 > mp->mp_nfds)
		mp->mp_nfds = fd_index + 1;
	if (span_off != NULL)
		*span_off = mr->mr_span_off;
	return 0;
}

struct skmem_ticket *
skmem_ticket_mint(const struct sk_cred *cred, void *owner)
{
	struct skmem_ticket *tk = calloc(1, sizeof(*tk));

	if (tk == NULL)
		return NULL;
	do {
		skmem_random(&tk->tk_value, sizeof(tk->tk_value));
	} while (tk->tk_value == 0);
	tk->tk_cred = *cred;
	tk->tk_owner = owner;
	LIST_INSERT_HEAD(&skmem_tickets, tk, tk_link);
	skmem_stats.sms_tickets++;
	return tk;
}

/* Compare like with like: thread-group ids and uids; 0 never matches. */
static bool
skmem_ticket_cred_ok(const struct skmem_ticket *tk,
    const struct sk_cred *cred)
{
	return cred->cr_pid > 0 && cred->cr_pid == tk->tk_cred.cr_pid &&
	    cred->cr_uid == tk->tk_cred.cr_uid;
}

int
skmem_ticket_claim(uint64_t value, const struct sk_cred *cred, void **owner)
{
	struct skmem_ticket *tk;

	if (value == 0)
		return -ENOENT;
	LIST_FOREACH(tk, &skmem_tickets, tk_link) {
		if (tk->tk_value != value || tk->tk_used)
			continue;
		if (!skmem_ticket_cred_ok(tk, cred))
			return -EPERM;
		tk->tk_used = true;
		skmem_stats.sms_tickets--;
		*owner = tk->tk_owner;
		return 0;
	}
	return -ENOENT;
}

void
skmem_ticket_destroy(struct skmem_ticket *tk)
{
	if (tk == NULL)
		return;
	if (!tk->tk_used)
		skmem_stats.sms_tickets--;
	LIST_REMOVE(tk, tk_link);
	free(tk);
}

void
skmem_stats_get(struct skmem_stats *st)
{
	*st = skmem_stats;
}

/* Tickets are owned by channels; anything left here is a leak to report. */
void
skmem_fini(void)
{
	struct skmem_ticket *tk;

	while ((tk = LIST_FIRST(&skmem_tickets)) != NULL) {
		SK_ERR("leaked ticket for %p", tk->tk_owner);
		skmem_ticket_destroy(tk);
	}
}
