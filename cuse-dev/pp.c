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
 * around.  The kernel's metadata (struct kern_quantum) is a malloc'd
 * array beside the arena: a client can scribble on the umd region as it
 * likes, the kernel reads it only through kr_internalize() (kring.c).
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

void
pp_kqum_reset(struct kern_pbufpool *pp, obj_idx_t idx)
{
	struct kern_quantum *kq = &pp->pp_kqums[idx];

	memset(kq, 0, sizeof(*kq));
	kq->kq_buf_idx = idx;
	kq->kq_buf_dlim = pp->pp_buf_size;
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
	pp->pp_kqums = calloc(nobjs, sizeof(*pp->pp_kqums));
	pp->pp_arena = skmem_arena_create();
	if (pp->pp_kqums == NULL || pp->pp_arena == NULL)
		goto fail;
	pp->pp_region = skmem_arena_add(pp->pp_arena, name,
	    pp->pp_umd_off + pp->pp_umd_len, 0);
	if (pp->pp_region == NULL)
		goto fail;
	pp->pp_umd_objs = (uint8_t *)pp->pp_region->sr_addr + pp->pp_umd_off +
	    PP_UMD_SKEW;
	for (i = 0; i < nobjs; i++)
		pp_kqum_reset(pp, i);
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
	free(pp->pp_kqums);
	free(pp);
}
