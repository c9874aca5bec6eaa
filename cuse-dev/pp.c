/*
 * pp.c - packet pools.
 *
 * Theory of operation
 *
 * A pool is created by a nexus domain (a user pipe creates one per
 * instance, shared by both ends) and destroyed by it; channels that map
 * the pool hold a reference on its arena, not on the pool.
 *
 *   memfd "skchan:pool:<name>"
 *   +------------------------------+---------+--------------------------+
 *   | buffers: nobjs x buf_size    |  skew   | umd: nobjs x md_size     |
 *   +------------------------------+---------+--------------------------+
 *   0                        pp_umd_off  (+48)  pp_umd_objs
 *
 * Object i owns buffer i for its whole life; only slots move objects
 * around.  The kernel's metadata (struct kern_packet) is a malloc'd
 * array beside the arena: a client can scribble on the umd region as it
 * likes, the kernel reads it only through kr_internalize() (kring.c).
 *
 * Two ways to use a pool.  A user pipe keeps every object in a slot all
 * the time and only swaps them, so its free list stays empty.  Domains
 * whose providers move packets with the KPI (kernel pipe, netif) start
 * with every object free (pp_fill_free_list): TX slots take objects at
 * ring setup and after each TX sync, RX slots get them from a provider
 * and give them back when the process releases them.  KQF_ALLOCATED
 * catches a double free, which is a kernel bug, never a client's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pp_var.h"

static uint16_t
pp_md_size(nexus_meta_type_t type)
{
	size_t sz = METADATA_PREAMBLE_SZ + sizeof(struct __user_quantum);

	if (type == NEXUS_META_TYPE_PACKET)
		sz = METADATA_PREAMBLE_SZ + sizeof(struct __user_packet);
	return (uint16_t)P2ROUNDUP(sz, PP_MD_ALIGN);
}

static void
pp_layout(struct kern_pbufpool *pp)
{
	pp->pp_md_size = pp_md_size(pp->pp_md_type);
	pp->pp_buf_len = skmem_round_page((size_t)pp->pp_nobjs *
	    pp->pp_buf_size);
	pp->pp_umd_off = pp->pp_buf_len;
	pp->pp_umd_len = skmem_round_page(PP_UMD_SKEW +
	    (size_t)pp->pp_nobjs * pp->pp_md_size);
}

/* A fresh, empty, full-size packet; whether it is allocated stays. */
void
pp_kqum_reset(struct kern_pbufpool *pp, obj_idx_t idx)
{
	struct kern_packet *kp = pp_kpkt(pp, idx);
	uint16_t kflags = kp->kp_qum.kq_kflags;

	memset(kp, 0, sizeof(*kp));
	kp->kp_qum.kq_kflags = kflags;
	kp->kp_qum.kq_idx = idx;
	kp->kp_qum.kq_pp = pp;
	kp->kp_qum.kq_buf.kb_addr = pp->pp_bufs + (size_t)idx * pp->pp_buf_size;
	kp->kp_qum.kq_buf.kb_idx = idx;
	kp->kp_qum.kq_buf.kb_dlim = pp->pp_buf_size;
	kp->kp_bufs_cnt = 1;
	kp->kp_bufs_max = 1;
}

/* Every object free; for pools whose slots start empty. */
void
pp_fill_free_list(struct kern_pbufpool *pp)
{
	uint32_t i;

	pp->pp_nfree = 0;
	for (i = pp->pp_nobjs; i > 0; i--) {
		pp_kqum(pp, i - 1)->kq_kflags &= (uint16_t)~KQF_ALLOCATED;
		pp->pp_free[pp->pp_nfree++] = i - 1;
	}
}

/* OBJ_IDX_NONE when the pool is exhausted. */
obj_idx_t
pp_alloc(struct kern_pbufpool *pp)
{
	obj_idx_t idx;

	if (pp->pp_nfree == 0)
		return OBJ_IDX_NONE;
	idx = pp->pp_free[--pp->pp_nfree];
	pp_kqum_reset(pp, idx);
	pp_kqum(pp, idx)->kq_kflags |= KQF_ALLOCATED;
	return idx;
}

void
pp_free(struct kern_pbufpool *pp, obj_idx_t idx)
{
	struct kern_quantum *kq = pp_kqum(pp, idx);

	SK_VERIFY(idx < pp->pp_nobjs && (kq->kq_kflags & KQF_ALLOCATED));
	kq->kq_kflags &= (uint16_t)~KQF_ALLOCATED;
	pp->pp_free[pp->pp_nfree++] = idx;
}

/* The tagged handle of object idx (spec 1.3): address | type | subtype. */
uint64_t
pp_handle(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return SK_PTR_ENCODE((uintptr_t)pp_kpkt(pp, idx), pp->pp_md_type,
	    pp->pp_md_subtype);
}

struct kern_pbufpool *
pp_create(const char *name, uint32_t nobjs, uint32_t buf_size,
    nexus_meta_type_t type, nexus_meta_subtype_t subtype)
{
	struct kern_pbufpool *pp = calloc(1, sizeof(*pp));
	uint32_t i;

	if (pp == NULL)
		return NULL;
	pp->pp_nobjs = nobjs;
	pp->pp_buf_size = buf_size;
	pp->pp_md_type = type;
	pp->pp_md_subtype = subtype;
	pp_layout(pp);
	pp->pp_kpkts = calloc(nobjs, sizeof(*pp->pp_kpkts));
	pp->pp_free = calloc(nobjs, sizeof(*pp->pp_free));
	pp->pp_arena = skmem_arena_create();
	if (pp->pp_kpkts == NULL || pp->pp_free == NULL ||
	    pp->pp_arena == NULL)
		goto fail;
	/* Handles carry the type in the low 4 bits of the address. */
	SK_VERIFY(((uintptr_t)pp->pp_kpkts & SK_PTR_TAG_MASK) == 0);
	pp->pp_region = skmem_arena_add(pp->pp_arena, name,
	    pp->pp_umd_off + pp->pp_umd_len, 0);
	if (pp->pp_region == NULL)
		goto fail;
	pp->pp_bufs = pp->pp_region->sr_addr;
	pp->pp_umd_objs = (uint8_t *)pp->pp_region->sr_addr + pp->pp_umd_off +
	    PP_UMD_SKEW;
	for (i = 0; i < nobjs; i++) {
		pp_kqum_reset(pp, i);
		pp_kqum(pp, i)->kq_kflags = KQF_ALLOCATED;
	}
	return pp;

fail:
	pp_destroy(pp);
	return NULL;
}

void
pp_destroy(struct kern_pbufpool *pp)
{
	if (pp == NULL)
		return;
	skmem_arena_release(pp->pp_arena);
	free(pp->pp_kpkts);
	free(pp->pp_free);
	free(pp);
}
