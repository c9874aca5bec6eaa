/*
 * arena.c - map a channel's span from the daemon's memfds.
 *
 * Theory of operation.  XNU maps a channel's arena into the task during
 * __channel_open; CUSE cannot map, so the library does it.  The daemon
 * describes the span (struct skc_map): its size and up to
 * SKC_MAP_REGIONS_MAX regions, each a page-aligned window of one memfd
 * placed at a page-aligned offset of the span, readable or read-write.
 *
 *   base                                               base+mp_span_size
 *   |--guard--|--schema (r)--|--rings (rw)--|-- ... --|--guard--|
 *             ^ mr_span_off     each region MAP_SHARED|MAP_FIXED
 *
 * The whole span is first reserved PROT_NONE (private, anonymous, no
 * swap reservation), so the gaps stay unmapped guard pages and every
 * offset the shared structs carry is relative to one contiguous base.
 * Then each region is mapped over its slot with exactly the protection
 * the daemon gave: a read-only region mapped read-only is the contract
 * (a write faults, as on XNU), and the daemon backs it with a memfd
 * sealed against writable mappings anyway.
 *
 * The daemon is the kernel, but a bad reply must never turn into a
 * wild MAP_FIXED over the caller's memory or a SIGBUS later: the map is
 * validated first (counts, alignment, bounds, no overlap, each window
 * inside its memfd) and refused with EIO.  Callers keep ownership of
 * the memfds; once mapped they may be closed (the mappings hold the
 * memory).
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "door.h"

#define UARENA_PROT_MASK (SKC_PROT_READ | SKC_PROT_WRITE)

static uint64_t
uarena_page(void)
{
	static long pg;

	if (pg <= 0)
		pg = sysconf(_SC_PAGESIZE);
	return (uint64_t)pg;
}

static int
uarena_aligned(uint64_t v)
{
	return (v & (uarena_page() - 1)) == 0;
}

/* Does [off, off+len) fit in size, without wrapping? */
static int
uarena_fits(uint64_t off, uint64_t len, uint64_t size)
{
	return len <= size && off <= size - len;
}

static int
uarena_region_ok(const struct skc_map_region *r, uint64_t span, unsigned nfds)
{
	return r->mr_fd < nfds && (r->mr_prot & ~UARENA_PROT_MASK) == 0 &&
	       r->mr_len != 0 && uarena_aligned(r->mr_len) &&
	       uarena_aligned(r->mr_span_off) && uarena_aligned(r->mr_fd_off) &&
	       uarena_fits(r->mr_span_off, r->mr_len, span) &&
	       uarena_fits(r->mr_fd_off, r->mr_len, INT64_MAX);
}

static int
uarena_overlap(const struct skc_map_region *a, const struct skc_map_region *b)
{
	return a->mr_span_off < b->mr_span_off + b->mr_len &&
	       b->mr_span_off < a->mr_span_off + a->mr_len;
}

/* Mapping past a memfd's end would SIGBUS on first touch. */
static int
uarena_fd_ok(int fd, const struct skc_map_region *r)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_size >= 0 &&
	       uarena_fits(r->mr_fd_off, r->mr_len, (uint64_t)st.st_size);
}

static int
uarena_map_ok(const struct skc_map *mp, unsigned nfds)
{
	return mp->mp_nfds == nfds && nfds >= 1 && nfds <= SKC_MAP_FDS_MAX &&
	       mp->mp_nregions >= 1 && mp->mp_nregions <= SKC_MAP_REGIONS_MAX &&
	       mp->mp_span_size != 0 && uarena_aligned(mp->mp_span_size) &&
	       mp->mp_span_size <= (uint64_t)SIZE_MAX / 2;
}

int
uarena_validate(const struct skc_map *mp, const int *fds, unsigned nfds)
{
	const struct skc_map_region *r;
	unsigned i, j;

	if (!uarena_map_ok(mp, nfds))
		return EIO;
	for (i = 0; i < mp->mp_nregions; i++) {
		r = &mp->mp_regions[i];
		if (!uarena_region_ok(r, mp->mp_span_size, nfds))
			return EIO;
		if (fds != NULL && !uarena_fd_ok(fds[r->mr_fd], r))
			return EIO;
		for (j = 0; j < i; j++)
			if (uarena_overlap(r, &mp->mp_regions[j]))
				return EIO;
	}
	return 0;
}

static int
uarena_prot(uint32_t p)
{
	return ((p & SKC_PROT_READ) ? PROT_READ : 0) |
	       ((p & SKC_PROT_WRITE) ? PROT_WRITE : 0);
}

static int
uarena_map_region(char *base, const struct skc_map_region *r, int fd)
{
	void *p;

	if (r->mr_prot == 0) /* a guard: stays reserved */
		return 0;
	p = mmap(base + r->mr_span_off, (size_t)r->mr_len,
		 uarena_prot(r->mr_prot), MAP_SHARED | MAP_FIXED, fd,
		 (off_t)r->mr_fd_off);
	return p == MAP_FAILED ? -1 : 0;
}

int
uarena_map(const struct skc_map *mp, const int *fds, unsigned nfds,
	   void **basep)
{
	size_t span = (size_t)mp->mp_span_size;
	unsigned i;
	void *base;
	int err;

	err = uarena_validate(mp, fds, nfds);
	if (err != 0)
		goto fail;
	base = mmap(NULL, span, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		err = errno;
		goto fail;
	}
	for (i = 0; i < mp->mp_nregions; i++) {
		if (uarena_map_region(base, &mp->mp_regions[i],
				      fds[mp->mp_regions[i].mr_fd]) < 0) {
			/* only memory pressure is our problem, not theirs */
			err = errno == ENOMEM ? ENOMEM : EIO;
			goto unmap;
		}
	}
	*basep = base;
	return 0;
unmap:
	munmap(base, span);
fail:
	errno = err;
	return -1;
}

void
uarena_unmap(void *base, size_t size)
{
	if (base != NULL && size != 0)
		munmap(base, size);
}
