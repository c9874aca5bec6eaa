/*
 * os_channel_var.h - what libskywalk's channel files share; never
 * installed.
 *
 * Ring arithmetic lives here in a few tiny helpers so every file reads
 * the shared indices the same way:
 *
 *          khead        head               tail
 *   TX:  ...|## queued ##|== free for user ==|.. kernel's ..|
 *   RX:  ...|.. kernel ..|== ready for user ==|.. kernel's ..|
 *
 * The process owns slots [head, tail).  It writes only ring_head, and
 * only after filling the slots it gives back (release); it reads
 * ring_tail and ring_khead before touching the slots they cover
 * (acquire), pairing with the kernel's publication at sync.  No modulo
 * anywhere: a defunct channel's ring reads as zeros, and ring_num_slots
 * 0 must not divide.
 */
#ifndef _LIBOS_OS_CHANNEL_VAR_H_
#define _LIBOS_OS_CHANNEL_VAR_H_

#include <string.h>

#include <skywalk/os_skywalk_private.h>

#include "sk_abort.h"

#define SK_HIDDEN __attribute__((visibility("hidden")))

/*
 * Store into a field the headers make const for programs (the library
 * fills in addresses the kernel cannot know).  Through memcpy, because
 * buflets are packed: their fields may sit at any alignment.
 */
#define CH_STORE(lval, val)                                                    \
	do {                                                                   \
		__typeof__(lval) _chs_v = (val);                               \
		memcpy((void *)(uintptr_t) & (lval),                           \
		       (const void *)(uintptr_t)&_chs_v, sizeof(_chs_v));      \
	} while (0)

/* Process-wide copy of csm_md_redzone_cookie: the first channel's wins. */
extern uint64_t ch_md_redzone_cookie SK_HIDDEN;

static inline const volatile struct __user_channel_ring *
chr_ring(const struct channel_ring_desc *chrd)
{
	return chrd->chrd_ring;
}

/* Writable view of the ring, for the one field the process owns. */
static inline struct __user_channel_ring *
chr_ring_w(const struct channel_ring_desc *chrd)
{
	return __DECONST(struct __user_channel_ring *, chrd->chrd_ring);
}

/* Only this process writes head, so a plain load sees its own stores. */
static inline slot_idx_t
chr_head(const struct channel_ring_desc *chrd)
{
	return __atomic_load_n(&chrd->chrd_ring->ring_head, __ATOMIC_RELAXED);
}

/* Acquire: the slots the kernel handed over are read after the tail. */
static inline slot_idx_t
chr_tail(const struct channel_ring_desc *chrd)
{
	return __atomic_load_n(&chrd->chrd_ring->ring_tail, __ATOMIC_ACQUIRE);
}

/* Acquire: slots the kernel consumed are reused only after seeing it. */
static inline slot_idx_t
chr_khead(const struct channel_ring_desc *chrd)
{
	return __atomic_load_n(&chrd->chrd_ring->ring_khead, __ATOMIC_ACQUIRE);
}

/* Release: slot contents written so far are visible before the head. */
static inline void
chr_set_head(const struct channel_ring_desc *chrd, slot_idx_t idx)
{
	__atomic_store_n(&chr_ring_w(chrd)->ring_head, idx, __ATOMIC_RELEASE);
}

static inline slot_idx_t
chr_next(const struct channel_ring_desc *chrd, slot_idx_t idx)
{
	return idx + 1 == chrd->chrd_ring->ring_num_slots ? 0 : idx + 1;
}

/* (a - b) within the ring, wrapping by one add rather than a modulo. */
static inline uint32_t
chr_dist(const struct channel_ring_desc *chrd, slot_idx_t a, slot_idx_t b)
{
	int64_t n = (int64_t)a - (int64_t)b;

	return (uint32_t)(n < 0 ? n + chrd->chrd_ring->ring_num_slots : n);
}

/*
 * idx lies in the user's window [head, tail).  Either the window is one
 * run (head <= tail) or it wraps past the end of the ring.
 */
static inline int
chr_idx_in_window(const struct channel_ring_desc *chrd, slot_idx_t idx)
{
	slot_idx_t head = chr_head(chrd), tail = chr_tail(chrd);

	if (head <= tail)
		return idx >= head && idx < tail;
	return idx < tail ||
	       (idx >= head && idx < chrd->chrd_ring->ring_num_slots);
}

static inline int
chr_is_defunct(const struct channel_ring_desc *chrd)
{
	return !(*chrd->chrd_csm_flags & CSM_ACTIVE);
}

static inline int
chd_is_defunct(const struct channel *chd)
{
	return !(chd->chd_schema->csm_flags & CSM_ACTIVE);
}

static inline int
chd_is_upp(const struct channel *chd)
{
	return (CHD_INFO(chd)->cinfo_ch_mode & CHMODE_USER_PACKET_POOL) != 0;
}

/* Slot pointer -> index; garbage pointers give indices out of window. */
static inline slot_idx_t
chr_slot_idx(const struct channel_ring_desc *chrd, const struct __slot_desc *s)
{
	return (slot_idx_t)(s - chrd->chrd_slot_desc);
}

static inline struct __user_slot_desc *
chr_usd(const struct channel_ring_desc *chrd, slot_idx_t idx)
{
	return SLOT_DESC_USD(&chrd->chrd_slot_desc[idx]);
}

/* Metadata object midx, as the address a handle carries (past preamble). */
static inline void *
chr_md(const struct channel_ring_desc *chrd, obj_idx_t midx)
{
	return (void *)(uintptr_t)(chrd->chrd_md_base_addr +
				   (mach_vm_address_t)midx *
				       chrd->chrd_ring->ring_md_size +
				   METADATA_PREAMBLE_SZ);
}

static inline struct __user_quantum *
chr_slot_md(const struct channel_ring_desc *chrd, slot_idx_t idx)
{
	return chr_md(chrd, chr_usd(chrd, idx)->sd_md_idx);
}

static inline struct __user_buflet *
chr_bft(const struct channel_ring_desc *chrd, obj_idx_t bidx)
{
	return (struct __user_buflet *)(uintptr_t)(chrd->chrd_bft_base_addr +
						   (mach_vm_address_t)bidx *
						       chrd->chrd_ring
							   ->ring_bft_size);
}

static inline void
chr_usd_attach(struct __user_slot_desc *usd, obj_idx_t midx)
{
	usd->sd_md_idx = midx;
	usd->sd_flags |= SD_IDX_VALID;
}

static inline void
chr_usd_detach(struct __user_slot_desc *usd)
{
	usd->sd_md_idx = OBJ_IDX_NONE;
	usd->sd_flags &= ~SD_IDX_VALID;
}

static inline uint32_t
ch_num_tx_rings(const struct ch_info *ci)
{
	return ci->cinfo_last_tx_ring - ci->cinfo_first_tx_ring + 1;
}

static inline uint32_t
ch_num_rx_rings(const struct ch_info *ci)
{
	return ci->cinfo_last_rx_ring - ci->cinfo_first_rx_ring + 1;
}

static inline uint32_t
ch_num_allocator_rings(const volatile struct __user_channel_schema *csm)
{
	return csm->csm_allocator_ring_pairs * 2;
}

/* Checks that trap unless the channel is defunct (os_channel.c). */
void chr_verify_md(const struct channel_ring_desc *chrd,
		   const void *md) SK_HIDDEN;
void chr_verify_usd(const struct channel_ring_desc *chrd,
		    const struct __user_slot_desc *usd) SK_HIDDEN;
void chr_verify_md_idx(const struct channel_ring_desc *chrd, const void *md,
		       obj_idx_t midx) SK_HIDDEN;
mach_vm_address_t chr_md_init_addrs(const struct channel_ring_desc *chrd,
				    struct __user_quantum *q,
				    uint32_t *bdoff) SK_HIDDEN;
mach_vm_address_t chr_buf_addr(const struct channel_ring_desc *chrd,
			       const struct __user_buflet *ubft) SK_HIDDEN;

/* os_channel_attr.c: the attributes a channel really has. */
void ch_info2attr(const struct channel *chd,
		  struct channel_attr *cha) SK_HIDDEN;

#endif /* !_LIBOS_OS_CHANNEL_VAR_H_ */
