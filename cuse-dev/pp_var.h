/*
 * pp_var.h - packet pools: metadata objects and their buffers.
 *
 * A pool is N objects.  Object i is metadata i in the umd region plus
 * buffer i in the buffer region, both in one shared memfd, and a
 * daemon-private struct kern_packet: the only copy of the metadata the
 * kernel trusts.  A netif pool may also hold large packets (objects
 * after the default ones, each with a buffer of the large region) and
 * external buflets (ubft region, each with a default buffer after the
 * packets'); see pp.c.  Daemon-internal.
 */
#ifndef PP_VAR_H
#define PP_VAR_H

#include "skmem_var.h"

struct kern_pbufpool;

/*
 * The kernel's view of one buffer (XNU's struct __kern_buflet).  Every
 * packet has one inline; a packet of a pool with external buflets may
 * chain more (kb_nidx: the next external buflet).  kb_addr is the
 * daemon's address of the buffer, never shown to a process (the library
 * computes its own from kb_idx).
 */
struct kern_buflet {
	uint8_t *kb_addr;
	obj_idx_t kb_idx;               /* fixed: buffer index in its region */
	uint32_t kb_dlim;
	uint32_t kb_doff;
	uint32_t kb_dlen;
	uint16_t kb_flag;               /* BUFLET_FLAG_* */
	uint16_t kb_kflags;             /* external: KQF_ALLOCATED */
	obj_idx_t kb_bft_idx;           /* external: own index; inline: NONE */
	obj_idx_t kb_nidx;              /* next external buflet, NONE: end */
	const void *kb_owner;           /* external: the user-packet-pool
					 * channel holding it (upp.c), or NULL */
};

/*
 * The kernel's copy of the quantum part (XNU's struct __kern_quantum).
 * kq_pp/kq_idx say where the object lives, so a packet handle alone
 * leads back to its pool.
 */
struct kern_quantum {
	uuid_t kq_flow_id;
	uint32_t kq_len;
	uint32_t kq_svc_class;
	uint16_t kq_qflags;             /* QUM_F_* */
	uint16_t kq_kflags;             /* KQF_*, never shown to a process */
	obj_idx_t kq_idx;
	struct kern_pbufpool *kq_pp;
	const void *kq_owner;           /* the user-packet-pool channel whose
					 * process holds it (upp.c), or NULL */
	struct kern_buflet kq_buf;
};

/* kq_kflags */
#define KQF_ALLOCATED   0x1             /* out of the free list */

/*
 * The kernel's packet (XNU's struct __kern_packet): the quantum plus the
 * packet parts a PACKET pool carries.  Quantum pools use only kp_qum.
 * The common and optional parts reuse the shared layouts, so a TX
 * internalize and an RX externalize copy them whole once validated.
 * 16-byte aligned: a handle is the address with the type in its low bits.
 */
struct kern_packet {
	struct kern_quantum kp_qum;
	struct __packet kp_com;         /* headroom, L2 len, csum, flags ... */
	struct __packet_opt kp_opt;
	uint16_t kp_bufs_cnt;
	uint16_t kp_bufs_max;
	packet_flowid_t kp_flowid;
	uint64_t kp_timestamp;
	bool kp_ts_valid;
} __attribute__((aligned(16)));

/*
 * Metadata objects start PP_UMD_SKEW bytes into the umd region so that
 * each metadata pointer (object + 16-byte preamble) is 64-byte aligned.
 */
#define PP_UMD_SKEW             (64 - METADATA_PREAMBLE_SZ)
#define PP_MD_ALIGN             64

/* ubft stride: one struct __user_buflet, 8-aligned (ring_bft_size). */
#define PP_BFT_SIZE             48

/* What a pool holds (pp_create_params). */
struct pp_params {
	const char *ppp_name;
	uint32_t ppp_npkts;             /* default packets */
	uint32_t ppp_buf_size;
	nexus_meta_type_t ppp_md_type;
	nexus_meta_subtype_t ppp_md_subtype;
	uint32_t ppp_nlarge;            /* large packets (0: none) */
	uint32_t ppp_large_size;
	uint32_t ppp_nbfts;             /* external buflets (0: none) */
	uint16_t ppp_max_frags;         /* buflets per packet, >= 1 */
};

struct kern_pbufpool {
	struct skmem_arena *pp_arena;   /* one region: buffers, large
					 * buffers, umd, ubft */
	struct skmem_region *pp_region;
	uint32_t pp_nobjs;              /* metadata objects: default + large */
	uint32_t pp_npkts;              /* default packets: objects 0.. */
	uint32_t pp_nlarge;             /* large packets: objects npkts.. */
	uint32_t pp_nbfts;              /* external buflets */
	uint32_t pp_buf_size;
	uint32_t pp_large_size;
	uint16_t pp_max_frags;
	uint16_t pp_md_size;            /* preamble included */
	nexus_meta_type_t pp_md_type;
	nexus_meta_subtype_t pp_md_subtype;
	uint64_t pp_buf_len;            /* buffer region, page multiple:
					 * packets' buffers, then buflets' */
	uint64_t pp_large_off;          /* large buffers' offset in the memfd */
	uint64_t pp_large_len;          /* page multiple, 0: none */
	uint64_t pp_umd_off;            /* umd region offset in the memfd */
	uint64_t pp_umd_len;            /* page multiple */
	uint64_t pp_bft_off;            /* ubft region offset in the memfd */
	uint64_t pp_bft_len;            /* page multiple, 0: none */
	uint8_t *pp_umd_objs;           /* daemon address of object 0 */
	uint8_t *pp_bufs;               /* daemon address of buffer 0 */
	uint8_t *pp_large_bufs;         /* daemon address of large buffer 0 */
	uint8_t *pp_ubfts;              /* daemon address of user buflet 0 */
	struct kern_packet *pp_kpkts;   /* pp_nobjs entries */
	struct kern_buflet *pp_kbfts;   /* pp_nbfts entries */
	obj_idx_t *pp_free;             /* stack of free default packets */
	uint32_t pp_nfree;
	obj_idx_t *pp_lfree;            /* stack of free large packets */
	uint32_t pp_nlfree;
	obj_idx_t *pp_bfree;            /* stack of free external buflets */
	uint32_t pp_nbfree;
};

struct kern_pbufpool *pp_create(const char *name, uint32_t nobjs,
    uint32_t buf_size, nexus_meta_type_t type, nexus_meta_subtype_t subtype);
struct kern_pbufpool *pp_create_params(const struct pp_params *ppp);
void pp_destroy(struct kern_pbufpool *pp);
void pp_kqum_reset(struct kern_pbufpool *pp, obj_idx_t idx);
void pp_fill_free_list(struct kern_pbufpool *pp);
obj_idx_t pp_alloc(struct kern_pbufpool *pp);
obj_idx_t pp_alloc_large(struct kern_pbufpool *pp);
void pp_free(struct kern_pbufpool *pp, obj_idx_t idx);
uint64_t pp_handle(const struct kern_pbufpool *pp, obj_idx_t idx);
obj_idx_t pp_bft_alloc(struct kern_pbufpool *pp);
void pp_bft_free(struct kern_pbufpool *pp, obj_idx_t bidx);
void pp_chain_free(struct kern_pbufpool *pp, struct kern_buflet *kb);

static inline bool
pp_is_large(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return idx >= pp->pp_npkts;
}

static inline struct kern_buflet *
pp_kbft(const struct kern_pbufpool *pp, obj_idx_t bidx)
{
	return &pp->pp_kbfts[bidx];
}

static inline struct __user_buflet *
pp_ubft(const struct kern_pbufpool *pp, obj_idx_t bidx)
{
	return (struct __user_buflet *)(void *)(pp->pp_ubfts +
	    (size_t)bidx * PP_BFT_SIZE);
}

static inline struct kern_packet *
pp_kpkt(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return &pp->pp_kpkts[idx];
}

static inline struct kern_quantum *
pp_kqum(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return &pp->pp_kpkts[idx].kp_qum;
}

static inline struct __metadata_preamble *
pp_umd_preamble(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return (struct __metadata_preamble *)(void *)(pp->pp_umd_objs +
	    (size_t)idx * pp->pp_md_size);
}

static inline struct __user_quantum *
pp_umd_quantum(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return (struct __user_quantum *)(void *)(pp->pp_umd_objs +
	    (size_t)idx * pp->pp_md_size + METADATA_PREAMBLE_SZ);
}

static inline struct __user_packet *
pp_umd_packet(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return (struct __user_packet *)(void *)pp_umd_quantum(pp, idx);
}

/* What the library computes as (metadata address - umd base). */
static inline uint64_t
pp_md_offset(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return (uint64_t)idx * pp->pp_md_size + METADATA_PREAMBLE_SZ;
}

#endif /* PP_VAR_H */
