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
 *   +---------------------------+-------------+------+------------+------+
 *   | buffers: (npkts + nbfts)  | large bufs: | skew | umd: nobjs | ubft |
 *   |   x buf_size             | nlarge x lg |      | x md_size  | x 48 |
 *   +---------------------------+-------------+------+------------+------+
 *   0                  pp_large_off   pp_umd_off (+48)    pp_bft_off
 *
 * Objects 0..npkts-1 are default packets, npkts..nobjs-1 large packets
 * (netif pools with a large buffer size only).  Object i owns its buffer
 * for its whole life: buffer i, or large buffer i - npkts.  External
 * buflets (netif pools with max_frags > 1) are a second kind of object:
 * buflet j owns default buffer npkts + j and its user copy lives in the
 * ubft region; a packet chains them through kb_nidx.  Only slots (and,
 * with a user packet pool, the process: upp.c) move objects around.  The kernel's metadata (struct kern_packet) is a malloc'd
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
	pp->pp_buf_len = skmem_round_page((size_t)(pp->pp_npkts +
	    pp->pp_nbfts) * pp->pp_buf_size);
	pp->pp_large_off = pp->pp_buf_len;
	pp->pp_large_len = skmem_round_page((size_t)pp->pp_nlarge *
	    pp->pp_large_size);
	pp->pp_umd_off = pp->pp_large_off + pp->pp_large_len;
	pp->pp_umd_len = skmem_round_page(PP_UMD_SKEW +
	    (size_t)pp->pp_nobjs * pp->pp_md_size);
	pp->pp_bft_off = pp->pp_umd_off + pp->pp_umd_len;
	pp->pp_bft_len = skmem_round_page((size_t)pp->pp_nbfts * PP_BFT_SIZE);
}

/* Object idx's own buffer: default buffer idx, or its large buffer. */
static void
pp_home_buflet(const struct kern_pbufpool *pp, obj_idx_t idx,
    struct kern_buflet *kb)
{
	memset(kb, 0, sizeof(*kb));
	kb->kb_bft_idx = OBJ_IDX_NONE;
	kb->kb_nidx = OBJ_IDX_NONE;
	if (pp_is_large(pp, idx)) {
		kb->kb_idx = idx - pp->pp_npkts;
		kb->kb_addr = pp->pp_large_bufs + (size_t)kb->kb_idx *
		    pp->pp_large_size;
		kb->kb_dlim = pp->pp_large_size;
		kb->kb_flag = BUFLET_FLAG_LARGE_BUF;
		return;
	}
	kb->kb_idx = idx;
	kb->kb_addr = pp->pp_bufs + (size_t)idx * pp->pp_buf_size;
	kb->kb_dlim = pp->pp_buf_size;
}

/*
 * A fresh, empty, full-size packet; whether it is allocated stays.  Any
 * chained buflets go back to the pool first.
 */
void
pp_kqum_reset(struct kern_pbufpool *pp, obj_idx_t idx)
{
	struct kern_packet *kp = pp_kpkt(pp, idx);
	uint16_t kflags = kp->kp_qum.kq_kflags;

	pp_chain_free(pp, &kp->kp_qum.kq_buf);
	memset(kp, 0, sizeof(*kp));
	kp->kp_qum.kq_kflags = kflags;
	kp->kp_qum.kq_idx = idx;
	kp->kp_qum.kq_pp = pp;
	pp_home_buflet(pp, idx, &kp->kp_qum.kq_buf);
	kp->kp_bufs_cnt = 1;
	kp->kp_bufs_max = pp->pp_max_frags;
}

/* Every object free; for pools whose slots start empty. */
void
pp_fill_free_list(struct kern_pbufpool *pp)
{
	uint32_t i;

	pp->pp_nfree = pp->pp_nlfree = 0;
	for (i = pp->pp_nobjs; i > 0; i--) {
		pp_kqum(pp, i - 1)->kq_kflags &= (uint16_t)~KQF_ALLOCATED;
		pp_kqum(pp, i - 1)->kq_owner = NULL;
		if (pp_is_large(pp, i - 1))
			pp->pp_lfree[pp->pp_nlfree++] = i - 1;
		else
			pp->pp_free[pp->pp_nfree++] = i - 1;
	}
}

static obj_idx_t
pp_pop(struct kern_pbufpool *pp, obj_idx_t *stack, uint32_t *n)
{
	obj_idx_t idx;

	if (*n == 0)
		return OBJ_IDX_NONE;
	idx = stack[--*n];
	pp_kqum_reset(pp, idx);
	pp_kqum(pp, idx)->kq_kflags |= KQF_ALLOCATED;
	return idx;
}

/* A default packet; OBJ_IDX_NONE when none is left. */
obj_idx_t
pp_alloc(struct kern_pbufpool *pp)
{
	return pp_pop(pp, pp->pp_free, &pp->pp_nfree);
}

/* A large packet; OBJ_IDX_NONE when none is left (or the pool has none). */
obj_idx_t
pp_alloc_large(struct kern_pbufpool *pp)
{
	return pp_pop(pp, pp->pp_lfree, &pp->pp_nlfree);
}

void
pp_free(struct kern_pbufpool *pp, obj_idx_t idx)
{
	struct kern_quantum *kq = pp_kqum(pp, idx);

	SK_VERIFY(idx < pp->pp_nobjs && (kq->kq_kflags & KQF_ALLOCATED));
	pp_chain_free(pp, &kq->kq_buf);
	kq->kq_kflags &= (uint16_t)~KQF_ALLOCATED;
	kq->kq_owner = NULL;
	if (pp_is_large(pp, idx))
		pp->pp_lfree[pp->pp_nlfree++] = idx;
	else
		pp->pp_free[pp->pp_nfree++] = idx;
}

/* The tagged handle of object idx (spec 1.3): address | type | subtype. */
uint64_t
pp_handle(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return SK_PTR_ENCODE((uintptr_t)pp_kpkt(pp, idx), pp->pp_md_type,
	    pp->pp_md_subtype);
}

/* ---- external buflets ------------------------------------------------------ */

static void
pp_bft_reset(struct kern_pbufpool *pp, obj_idx_t bidx)
{
	struct kern_buflet *kb = pp_kbft(pp, bidx);
	uint16_t kflags = kb->kb_kflags;

	memset(kb, 0, sizeof(*kb));
	kb->kb_kflags = kflags;
	kb->kb_bft_idx = bidx;
	kb->kb_nidx = OBJ_IDX_NONE;
	kb->kb_idx = pp->pp_npkts + bidx;
	kb->kb_addr = pp->pp_bufs + (size_t)kb->kb_idx * pp->pp_buf_size;
	kb->kb_dlim = pp->pp_buf_size;
	kb->kb_flag = BUFLET_FLAG_EXTERNAL;
}

/* An empty external buflet; OBJ_IDX_NONE when none is left. */
obj_idx_t
pp_bft_alloc(struct kern_pbufpool *pp)
{
	obj_idx_t bidx;

	if (pp->pp_nbfree == 0)
		return OBJ_IDX_NONE;
	bidx = pp->pp_bfree[--pp->pp_nbfree];
	pp_bft_reset(pp, bidx);
	pp_kbft(pp, bidx)->kb_kflags |= KQF_ALLOCATED;
	return bidx;
}

void
pp_bft_free(struct kern_pbufpool *pp, obj_idx_t bidx)
{
	struct kern_buflet *kb = pp_kbft(pp, bidx);

	SK_VERIFY(bidx < pp->pp_nbfts && (kb->kb_kflags & KQF_ALLOCATED));
	kb->kb_kflags &= (uint16_t)~KQF_ALLOCATED;
	kb->kb_owner = NULL;
	kb->kb_nidx = OBJ_IDX_NONE;
	pp->pp_bfree[pp->pp_nbfree++] = bidx;
}

/*
 * Free the external buflets chained after kb (the kernel's own chain:
 * built by upp.c from checked indices, so it ends and has no loops).
 */
void
pp_chain_free(struct kern_pbufpool *pp, struct kern_buflet *kb)
{
	obj_idx_t bidx = kb->kb_nidx, next;

	kb->kb_nidx = OBJ_IDX_NONE;
	while (bidx != OBJ_IDX_NONE) {
		next = pp_kbft(pp, bidx)->kb_nidx;
		pp_bft_free(pp, bidx);
		bidx = next;
	}
}

/* ---- create / destroy ----------------------------------------------------- */

static int
pp_alloc_arrays(struct kern_pbufpool *pp)
{
	pp->pp_kpkts = calloc(pp->pp_nobjs, sizeof(*pp->pp_kpkts));
	pp->pp_free = calloc(pp->pp_npkts + 1, sizeof(*pp->pp_free));
	pp->pp_lfree = calloc(pp->pp_nlarge + 1, sizeof(*pp->pp_lfree));
	pp->pp_kbfts = calloc(pp->pp_nbfts + 1, sizeof(*pp->pp_kbfts));
	pp->pp_bfree = calloc(pp->pp_nbfts + 1, sizeof(*pp->pp_bfree));
	if (pp->pp_kpkts == NULL || pp->pp_free == NULL ||
	    pp->pp_lfree == NULL || pp->pp_kbfts == NULL ||
	    pp->pp_bfree == NULL)
		return -ENOMEM;
	return 0;
}

/* Every packet starts allocated (pipes keep them in slots); buflets free. */
static void
pp_init_objects(struct kern_pbufpool *pp)
{
	uint8_t *base = pp->pp_region->sr_addr;
	uint32_t i;

	pp->pp_bufs = base;
	pp->pp_large_bufs = base + pp->pp_large_off;
	pp->pp_umd_objs = base + pp->pp_umd_off + PP_UMD_SKEW;
	pp->pp_ubfts = base + pp->pp_bft_off;
	for (i = 0; i < pp->pp_nobjs; i++) {
		pp_kqum(pp, i)->kq_buf.kb_nidx = OBJ_IDX_NONE;
		pp_kqum_reset(pp, i);
		pp_kqum(pp, i)->kq_kflags = KQF_ALLOCATED;
	}
	for (i = pp->pp_nbfts; i > 0; i--) {
		pp_bft_reset(pp, i - 1);
		pp->pp_bfree[pp->pp_nbfree++] = i - 1;
	}
}

struct kern_pbufpool *
pp_create_params(const struct pp_params *ppp)
{
	struct kern_pbufpool *pp = calloc(1, sizeof(*pp));

	if (pp == NULL)
		return NULL;
	pp->pp_npkts = ppp->ppp_npkts;
	pp->pp_nlarge = ppp->ppp_large_size != 0 ? ppp->ppp_nlarge : 0;
	pp->pp_nobjs = pp->pp_npkts + pp->pp_nlarge;
	pp->pp_nbfts = ppp->ppp_nbfts;
	pp->pp_buf_size = ppp->ppp_buf_size;
	pp->pp_large_size = pp->pp_nlarge != 0 ? ppp->ppp_large_size : 0;
	pp->pp_max_frags = ppp->ppp_max_frags != 0 ? ppp->ppp_max_frags : 1;
	pp->pp_md_type = ppp->ppp_md_type;
	pp->pp_md_subtype = ppp->ppp_md_subtype;
	pp_layout(pp);
	pp->pp_arena = skmem_arena_create();
	if (pp_alloc_arrays(pp) != 0 || pp->pp_arena == NULL)
		goto fail;
	/* Handles carry the type in the low 4 bits of the address. */
	SK_VERIFY(((uintptr_t)pp->pp_kpkts & SK_PTR_TAG_MASK) == 0);
	pp->pp_region = skmem_arena_add(pp->pp_arena, ppp->ppp_name,
	    pp->pp_bft_off + pp->pp_bft_len, 0);
	if (pp->pp_region == NULL)
		goto fail;
	pp_init_objects(pp);
	return pp;

fail:
	pp_destroy(pp);
	return NULL;
}

struct kern_pbufpool *
pp_create(const char *name, uint32_t nobjs, uint32_t buf_size,
    nexus_meta_type_t type, nexus_meta_subtype_t subtype)
{
	struct pp_params ppp = {
		.ppp_name = name, .ppp_npkts = nobjs, .ppp_buf_size = buf_size,
		.ppp_md_type = type, .ppp_md_subtype = subtype,
		.ppp_max_frags = 1,
	};

	return pp_create_params(&ppp);
}

void
pp_destroy(struct kern_pbufpool *pp)
{
	if (pp == NULL)
		return;
	skmem_arena_release(pp->pp_arena);
	free(pp->pp_kpkts);
	free(pp->pp_free);
	free(pp->pp_lfree);
	free(pp->pp_kbfts);
	free(pp->pp_bfree);
	free(pp);
}
