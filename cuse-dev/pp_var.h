/*
 * pp_var.h - packet pools: metadata objects and their buffers.
 *
 * A pool is N objects.  Object i is metadata i in the umd region plus
 * buffer i in the buffer region, both in one shared memfd, and a
 * daemon-private struct kern_quantum: the only copy of the metadata the
 * kernel trusts.  Daemon-internal.
 */
#ifndef PP_VAR_H
#define PP_VAR_H

#include "skmem_var.h"

/*
 * The kernel's copy of one metadata object (XNU's struct __kern_quantum,
 * reduced to what a quantum carries).  Lives in daemon malloc'd memory,
 * never in a shared region.
 */
struct kern_quantum {
	uuid_t kq_flow_id;
	uint32_t kq_len;
	uint32_t kq_svc_class;
	uint16_t kq_qflags;             /* QUM_F_* */
	obj_idx_t kq_buf_idx;           /* fixed: buffer i for object i */
	uint32_t kq_buf_doff;
	uint32_t kq_buf_dlen;
	uint32_t kq_buf_dlim;
};

/*
 * Metadata objects start PP_UMD_SKEW bytes into the umd region so that
 * each metadata pointer (object + 16-byte preamble) is 64-byte aligned.
 */
#define PP_UMD_SKEW             (64 - METADATA_PREAMBLE_SZ)
#define PP_MD_ALIGN             64

struct kern_pbufpool {
	struct skmem_arena *pp_arena;   /* one region: buffers, then umd */
	struct skmem_region *pp_region;
	uint32_t pp_nobjs;
	uint32_t pp_buf_size;
	uint16_t pp_md_size;            /* preamble included */
	nexus_meta_type_t pp_md_type;
	nexus_meta_subtype_t pp_md_subtype;
	uint64_t pp_buf_len;            /* buffer region, page multiple */
	uint64_t pp_umd_off;            /* umd region offset in the memfd */
	uint64_t pp_umd_len;            /* page multiple */
	uint8_t *pp_umd_objs;           /* daemon address of object 0 */
	struct kern_quantum *pp_kqums;  /* pp_nobjs entries */
};

struct kern_pbufpool *pp_create(const char *name, uint32_t nobjs,
    uint32_t buf_size, nexus_meta_type_t type, nexus_meta_subtype_t subtype);
void pp_destroy(struct kern_pbufpool *pp);
void pp_kqum_reset(struct kern_pbufpool *pp, obj_idx_t idx);

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

/* What the library computes as (metadata address - umd base). */
static inline uint64_t
pp_md_offset(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return (uint64_t)idx * pp->pp_md_size + METADATA_PREAMBLE_SZ;
}

#endif /* PP_VAR_H */
