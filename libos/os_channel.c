/*
 * os_channel.c - Apple's channel API: open a channel on a nexus port and
 * move data through its rings by editing shared memory.
 *
 * Theory of operation.
 *
 * Life cycle: os_channel_create_extended() asks the kernel (the cuse-dev
 * daemon, through __channel_open) for a channel; the kernel maps the
 * channel's span into this process and __channel_get_info() says where
 * (cinfo_mem_base).  The library then builds, in its own heap, one
 * struct channel with a struct channel_ring_desc per ring holding the
 * absolute addresses computed once from the read-only schema: the ring,
 * its slot descriptors, and the metadata, buffer and buflet regions.
 * os_channel_destroy() closes the guarded fd (which unmaps the span) and
 * frees the heap copies.
 *
 * Ownership: the process owns slots [ring_head, ring_tail) of each ring
 * and writes only ring_head (see os_channel_var.h for the barriers); the
 * kernel moves ring_tail and ring_khead at sync.  Nothing here makes a
 * system call except create, read/write_attr, sync, destroy and the
 * interface-advisory switch.
 *
 * Trust: the slot calls trap (SK_ABORT) when the program breaks the
 * contract - a slot outside its window, a slot without metadata, a
 * metadata object whose redzone does not match
 *	(object - umd base) ^ csm_md_redzone_cookie
 * - unless the channel is defunct.  A defunct channel's memory reads as
 * zeros, so every check is skipped and calls return NULL, 0 or ENXIO:
 * the program finds out at its next sync, as on Darwin.
 *
 * The interface advisory's cksum is the Internet checksum (RFC 1071,
 * folded and complemented, as os_copy_and_inet_checksum returns it) of
 * the 64-byte struct ifnet_interface_advisory; a mismatch means the
 * kernel was mid-update and the caller should retry (EAGAIN).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os_channel_var.h"

/* the most rings a channel can have: indices are uint8_t, 0xff is NONE */
#define CH_RINGS_MAX (CHD_RING_IDX_NONE - 1)

uint64_t ch_md_redzone_cookie;

/* ------------------------------------------------------------------ */
/* Checks shared with os_channel_upp.c and os_packet.c                 */
/* ------------------------------------------------------------------ */

/* Defunct first: then md may be anything, and is never dereferenced. */
void
chr_verify_md(const struct channel_ring_desc *chrd, const void *md)
{
	uint64_t rz, want;

	if (chr_is_defunct(chrd))
		return;
	rz = METADATA_PREAMBLE(md)->mdp_redzone;
	want = ((mach_vm_address_t)(uintptr_t)md - chrd->chrd_md_base_addr) ^
	       __atomic_load_n(&ch_md_redzone_cookie, __ATOMIC_RELAXED);
	if (__improbable(rz != want))
		SK_ABORT_WITH_CAUSE("Metadata redzone corrupted", rz);
}

void
chr_verify_usd(const struct channel_ring_desc *chrd,
	       const struct __user_slot_desc *usd)
{
	if (__improbable(!SD_VALID_METADATA(usd)) && !chr_is_defunct(chrd))
		SK_ABORT("Slot descriptor has no metadata");
}

/* md must be exactly the object its own preamble index names */
void
chr_verify_md_idx(const struct channel_ring_desc *chrd, const void *md,
		  obj_idx_t midx)
{
	if (__improbable(md != chr_md(chrd, midx)) && !chr_is_defunct(chrd))
		SK_ABORT_WITH_CAUSE("bad packet handle", midx);
}

/* The kernel hands out indices only; addresses are ours to compute. */
mach_vm_address_t
chr_buf_addr(const struct channel_ring_desc *chrd,
	     const struct __user_buflet *ubft)
{
	const volatile struct __user_channel_ring *ring = chr_ring(chrd);

	if (BUFLET_HAS_LARGE_BUF(ubft))
		return chrd->chrd_large_buf_base_addr +
		       (mach_vm_address_t)ubft->buf_idx *
			   ring->ring_large_buf_size;
	return chrd->chrd_def_buf_base_addr +
	       (mach_vm_address_t)ubft->buf_idx * ring->ring_def_buf_size;
}

static void
chr_set_buflet_addrs(const struct channel_ring_desc *chrd,
		     struct __user_buflet *ubft,
		     const struct __user_buflet *next)
{
	mach_vm_address_t a =
	    ubft->buf_idx != OBJ_IDX_NONE ? chr_buf_addr(chrd, ubft) : 0;

	CH_STORE(ubft->buf_addr, a);
	CH_STORE(ubft->buf_nbft_addr, (mach_vm_address_t)(uintptr_t)next);
}

/* Counts a packet claims: zero only on a defunct (zero-filled) object. */
static int
chr_pkt_counts_ok(const struct channel_ring_desc *chrd,
		  const struct __user_packet *p)
{
	if (p->pkt_bufs_cnt == 0 || p->pkt_bufs_max == 0) {
		if (!chr_is_defunct(chrd))
			SK_ABORT("bad bufcnt");
		return 0;
	}
	if (chrd->chrd_max_bufs < p->pkt_bufs_max)
		SK_ABORT_WITH_CAUSE("Invalid max bufcnt", p->pkt_bufs_max);
	if (p->pkt_bufs_cnt > p->pkt_bufs_max)
		SK_ABORT_WITH_CAUSE("Invalid bufcnt", p->pkt_bufs_cnt);
	return 1;
}

/* The first buflet holding data: the inline one unless it is empty. */
static struct __user_buflet *
chr_pkt_first_buflet(const struct channel_ring_desc *chrd,
		     struct __user_packet *p)
{
	if (p->pkt_qum_buf.buf_idx != OBJ_IDX_NONE)
		return &p->pkt_qum_buf;
	if (p->pkt_qum_buf.buf_nbft_idx != OBJ_IDX_NONE)
		return chr_bft(chrd, p->pkt_qum_buf.buf_nbft_idx);
	SK_ABORT("bad packet: no buflet");
}

/*
 * Walk a packet's buflet chain filling in buffer and next-buflet
 * addresses.  Returns the first buflet, or NULL on a defunct channel.
 */
static struct __user_buflet *
chr_pkt_init_addrs(const struct channel_ring_desc *chrd,
		   struct __user_packet *p)
{
	struct __user_buflet *first, *b, *next = NULL;
	uint16_t i, cnt = p->pkt_bufs_cnt;

	if (!chr_pkt_counts_ok(chrd, p))
		return NULL;
	first = b = chr_pkt_first_buflet(chrd, p);
	if (b != &p->pkt_qum_buf) /* empty inline buflet leads on */
		chr_set_buflet_addrs(chrd, &p->pkt_qum_buf, b);
	for (i = 0; i < cnt && b != NULL; i++, b = next) {
		next = b->buf_nbft_idx != OBJ_IDX_NONE
			   ? chr_bft(chrd, b->buf_nbft_idx)
			   : NULL;
		chr_set_buflet_addrs(chrd, b, next);
	}
	if (next != NULL) {
		if (!chr_is_defunct(chrd))
			SK_ABORT("non terminating buflet chain");
		return NULL;
	}
	if (i != cnt)
		SK_ABORT_WITH_CAUSE("invalid buflet count", cnt);
	return first;
}

/*
 * Make a metadata object usable by the program: compute the addresses
 * the kernel cannot know.  Returns the first buffer's address (0 on a
 * defunct channel) and its data offset.
 */
mach_vm_address_t
chr_md_init_addrs(const struct channel_ring_desc *chrd,
		  struct __user_quantum *q, uint32_t *bdoff)
{
	struct __user_buflet *b0 = &q->qum_buf[0];

	if (chrd->chrd_md_type == NEXUS_META_TYPE_PACKET) {
		b0 = chr_pkt_init_addrs(chrd, (struct __user_packet *)q);
		if (b0 == NULL)
			return 0;
	} else {
		CH_STORE(b0->buf_addr, chr_buf_addr(chrd, b0));
	}
	*bdoff = b0->buf_doff;
	return b0->buf_addr;
}

/* ------------------------------------------------------------------ */
/* Create and destroy                                                  */
/* ------------------------------------------------------------------ */

static uint32_t
ch_mode_monitor_bits(ring_dir_t dir, uint32_t monitor)
{
	uint32_t m = dir == CHANNEL_DIR_TX   ? CHMODE_MONITOR_TX
		     : dir == CHANNEL_DIR_RX ? CHMODE_MONITOR_RX
					     : CHMODE_MONITOR;

	if (monitor == CHANNEL_MONITOR_OFF)
		return 0;
	return monitor == CHANNEL_MONITOR_NO_COPY ? m | CHMODE_MONITOR_NO_COPY
						  : m;
}

/* The modes the attributes ask for; an event ring needs the pool. */
static int
ch_mode_from_attr(const struct channel_attr *cha, ring_dir_t dir,
		  uint32_t *mode)
{
	uint32_t m = 0;

	if (cha->cha_enable_event_ring && !cha->cha_user_packet_pool)
		return EINVAL;
	m |= cha->cha_exclusive ? CHMODE_EXCLUSIVE : 0;
	m |= cha->cha_user_packet_pool ? CHMODE_USER_PACKET_POOL : 0;
	m |= cha->cha_nexus_defunct_ok ? CHMODE_DEFUNCT_OK : 0;
	m |= cha->cha_enable_event_ring ? CHMODE_EVENT_RING : 0;
	m |= cha->cha_filter ? CHMODE_FILTER : 0;
	m |= cha->cha_low_latency ? CHMODE_LOW_LATENCY : 0;
	*mode = m | ch_mode_monitor_bits(dir, cha->cha_monitor);
	return 0;
}

static int
ch_init_prepare(struct ch_init *init, const uuid_t uuid, nexus_port_t port,
		ring_dir_t dir, ring_id_t ring, const struct channel_attr *cha)
{
	int err;

	if (dir != CHANNEL_DIR_TX_RX && dir != CHANNEL_DIR_TX &&
	    dir != CHANNEL_DIR_RX)
		return EINVAL;
	memset(init, 0, sizeof(*init));
	init->ci_version = CHANNEL_INIT_CURRENT_VERSION;
	init->ci_ch_ring_id = ring;
	init->ci_nx_port = port;
	memcpy(init->ci_nx_uuid, uuid, sizeof(uuid_t));
	if (cha == NULL)
		return 0;
	if ((err = ch_mode_from_attr(cha, dir, &init->ci_ch_mode)) != 0)
		return err;
	init->ci_key = (user_addr_t)(uintptr_t)cha->cha_key;
	init->ci_key_len = cha->cha_key_len;
	init->ci_tx_lowat = cha->cha_tx_lowat;
	init->ci_rx_lowat = cha->cha_rx_lowat;
	return 0;
}

static struct __user_channel_schema *
ch_info_schema(const struct ch_info *ci)
{
	return (
	    struct __user_channel_schema *)(uintptr_t)(ci->cinfo_mem_base +
						       ci->cinfo_schema_offset);
}

static uint32_t
ch_num_rings(const struct ch_info *ci, const struct __user_channel_schema *csm)
{
	return ch_num_tx_rings(ci) + ch_num_rx_rings(ci) +
	       ch_num_allocator_rings(csm) + csm->csm_num_event_rings +
	       csm->csm_large_buf_alloc_rings;
}

/* A library built for another schema must not guess at the layout. */
static void
ch_verify_schema_version(const struct __user_channel_schema *csm)
{
	char *msg;

	/* see every store the kernel made before it handed us the span */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (csm->csm_ver == CSM_CURRENT_VERSION)
		return;
	if ((msg = malloc(512)) != NULL)
		snprintf(
		    msg, 512,
		    "Schema region version mismatch: 0x%x != "
		    "0x%x; kernel version: %.*s - is the daemon from another "
		    "release of skchan?",
		    csm->csm_ver, CSM_CURRENT_VERSION, CHANNEL_SCHEMA_KERN_NAME,
		    csm->csm_kern_name);
	SK_ABORT_DYNAMIC(msg);
}

/* The pool and event ring, when asked for, must really be there. */
static int
ch_check_granted(const struct ch_init *init, const struct ch_info *ci,
		 const struct __user_channel_schema *csm)
{
	if ((init->ci_ch_mode & CHMODE_USER_PACKET_POOL) &&
	    (ch_num_allocator_rings(csm) < 2 ||
	     !(ci->cinfo_ch_mode & CHMODE_USER_PACKET_POOL)))
		return ENXIO;
	if ((init->ci_ch_mode & CHMODE_EVENT_RING) &&
	    (csm->csm_num_event_rings == 0 ||
	     !(ci->cinfo_ch_mode & CHMODE_EVENT_RING)))
		return ENXIO;
	return 0;
}

/* Each ring the schema lists must sit inside the span we mapped. */
static int
ch_ring_ofs_ok(const struct ch_info *ci,
	       const struct __user_channel_schema *csm, uint32_t i)
{
	uint64_t base = ci->cinfo_schema_offset, span = ci->cinfo_mem_map_size;
	uint64_t r = base + csm->csm_ring_ofs[i].ring_off;
	uint64_t sd = base + csm->csm_ring_ofs[i].sd_off;

	return r >= base && r + sizeof(struct __user_channel_ring) <= span &&
	       sd >= base && sd < span;
}

static void
ch_verify_layout(const struct ch_info *ci,
		 const struct __user_channel_schema *csm)
{
	uint32_t i, n = ch_num_rings(ci, csm);

	if (ci->cinfo_first_tx_ring > ci->cinfo_last_tx_ring ||
	    ci->cinfo_first_rx_ring > ci->cinfo_last_rx_ring ||
	    n > CH_RINGS_MAX ||
	    ci->cinfo_schema_offset + CHANNEL_SCHEMA_SIZE(n) >
		ci->cinfo_mem_map_size)
		SK_ABORT("Channel schema not valid");
	for (i = 0; i < n; i++)
		if (!ch_ring_ofs_ok(ci, csm, i))
			SK_ABORT_WITH_CAUSE("Channel schema not valid", i);
}

static void
ch_verify_md_kind(nexus_meta_type_t t, nexus_meta_subtype_t st)
{
	if (t != NEXUS_META_TYPE_QUANTUM && t != NEXUS_META_TYPE_PACKET)
		SK_ABORT_WITH_CAUSE("Metadata type unknown", t);
	if (st != NEXUS_META_SUBTYPE_PAYLOAD && st != NEXUS_META_SUBTYPE_RAW)
		SK_ABORT_WITH_CAUSE("Metadata subtype unknown", st);
}

static mach_vm_address_t
ch_from_ring(const struct __user_channel_ring *ring, mach_vm_offset_t off)
{
	return (mach_vm_address_t)(uintptr_t)ring + off;
}

static void
ch_init_ring_regions(struct channel_ring_desc *chrd,
		     const struct __user_channel_ring *ring)
{
	CH_STORE(chrd->chrd_def_buf_base_addr,
		 ch_from_ring(ring, ring->ring_def_buf_base));
	CH_STORE(chrd->chrd_large_buf_base_addr,
		 ch_from_ring(ring, ring->ring_large_buf_base));
	CH_STORE(chrd->chrd_md_base_addr,
		 ch_from_ring(ring, ring->ring_md_base));
	CH_STORE(chrd->chrd_sd_base_addr,
		 ch_from_ring(ring, ring->ring_sd_base));
	CH_STORE(chrd->chrd_bft_base_addr,
		 ch_from_ring(ring, ring->ring_bft_base));
}

static void
ch_init_ring(struct channel *chd, uint32_t i)
{
	struct channel_ring_desc *chrd = &chd->chd_rings[i];
	struct __user_channel_schema *csm = CHD_SCHEMA(chd);
	const struct __user_channel_ring *ring =
	    (const void *)((uintptr_t)csm + csm->csm_ring_ofs[i].ring_off);

	ch_verify_md_kind(csm->csm_md_type, csm->csm_md_subtype);
	CH_STORE(chrd->chrd_channel, chd);
	chrd->chrd_csm_flags = &csm->csm_flags;
	chrd->chrd_ring = ring;
	chrd->chrd_slot_desc =
	    (struct __slot_desc *)((uintptr_t)csm +
				   csm->csm_ring_ofs[i].sd_off);
	CH_STORE(chrd->chrd_md_type, csm->csm_md_type);
	CH_STORE(chrd->chrd_md_subtype, csm->csm_md_subtype);
	CH_STORE(chrd->chrd_shmem_base_addr, CHD_INFO(chd)->cinfo_mem_base);
	ch_init_ring_regions(chrd, ring);
	CH_STORE(chrd->chrd_max_bufs, CHD_PARAMS(chd)->nxp_max_frags);
}

static void
ch_set_ring_idx(struct channel *chd, uint8_t alloc, uint8_t free_,
		uint8_t buf_alloc, uint8_t buf_free, uint8_t large)
{
	CH_STORE(chd->chd_alloc_ring_idx, alloc);
	CH_STORE(chd->chd_free_ring_idx, free_);
	CH_STORE(chd->chd_buf_alloc_ring_idx, buf_alloc);
	CH_STORE(chd->chd_buf_free_ring_idx, buf_free);
	CH_STORE(chd->chd_large_buf_alloc_ring_idx, large);
}

/*
 * Where the pool rings are in chd_rings, and which of them a sync
 * refills: alloc, [buflet alloc,] free, [buflet free], in schema order.
 */
static void
ch_init_pool(struct channel *chd, uint32_t mode)
{
	const struct ch_info *ci = CHD_INFO(chd);
	const struct __user_channel_schema *csm = CHD_SCHEMA(chd);
	uint8_t a = (uint8_t)(ch_num_tx_rings(ci) + ch_num_rx_rings(ci));
	uint8_t nalloc = (uint8_t)ch_num_allocator_rings(csm);
	uint8_t large = csm->csm_large_buf_alloc_rings == 0
			    ? CHD_RING_IDX_NONE
			    : a + nalloc + csm->csm_num_event_rings;
	uint8_t none = CHD_RING_IDX_NONE;

	if (!(mode & CHMODE_USER_PACKET_POOL)) {
		ch_set_ring_idx(chd, none, none, none, none, none);
		return;
	}
	chd->chd_sync_flags = CHANNEL_SYNCF_ALLOC | CHANNEL_SYNCF_FREE;
	if (nalloc > 2) {
		chd->chd_sync_flags |= CHANNEL_SYNCF_ALLOC_BUF;
		ch_set_ring_idx(chd, a, a + 2, a + 1, a + 3, large);
	} else {
		ch_set_ring_idx(chd, a, a + 1, none, none, large);
	}
}

static void
ch_verify_adv_version(const struct __kern_nexus_adv_metadata *md)
{
	if (md->knam_version != NX_ADVISORY_MD_CURRENT_VERSION)
		SK_ABORT_WITH_CAUSE("nexus advisory metadata version mismatch",
				    NX_ADVISORY_MD_CURRENT_VERSION);
	if (md->knam_type == NEXUS_ADVISORY_TYPE_NETIF) {
		if (CHD_NX_ADV_NETIF(md)->nna_version !=
		    NX_NETIF_ADVISORY_CURRENT_VERSION)
			SK_ABORT_WITH_CAUSE("nexus advisory version mismatch "
					    "for netif",
					    NX_NETIF_ADVISORY_CURRENT_VERSION);
	} else if (md->knam_type == NEXUS_ADVISORY_TYPE_FLOWSWITCH) {
		if (CHD_NX_ADV_FSW(md)->nxadv_ver !=
		    NX_FLOWSWITCH_ADVISORY_CURRENT_VERSION)
			SK_ABORT_WITH_CAUSE(
			    "nexus advisory version mismatch "
			    "for flowswitch",
			    NX_FLOWSWITCH_ADVISORY_CURRENT_VERSION);
	} else {
		SK_ABORT_WITH_CAUSE("nexus advisory metadata type unknown",
				    md->knam_type);
	}
}

static void *
ch_span_at(const struct channel *chd, mach_vm_offset_t off)
{
	return off == 0
		   ? NULL
		   : (void *)(uintptr_t)(CHD_INFO(chd)->cinfo_mem_base + off);
}

/* Stats, flow-advisory and nexus-advisory regions, when present. */
static void
ch_init_regions(struct channel *chd)
{
	const struct __user_channel_schema *csm = CHD_SCHEMA(chd);

	chd->chd_nx_stats = ch_span_at(chd, csm->csm_stats_ofs);
	chd->chd_nx_flowadv = ch_span_at(chd, csm->csm_flowadv_ofs);
	chd->chd_nx_adv = ch_span_at(chd, csm->csm_nexusadv_ofs);
	if (chd->chd_nx_adv != NULL && !chd_is_defunct(chd))
		ch_verify_adv_version(CHD_NX_ADV_MD(chd));
}

static struct channel *
ch_alloc(struct ch_info *ci, int fd, guardid_t guard)
{
	struct channel *chd;
	const struct __user_channel_schema *csm = ch_info_schema(ci);

	chd = calloc(1, CHD_SIZE(ch_num_rings(ci, csm)));
	if (chd == NULL)
		return NULL;
	chd->chd_fd = fd;
	chd->chd_guard = guard;
	chd->chd_info = ci;
	chd->chd_schema = csm;
	CH_STORE(chd->chd_md_type, csm->csm_md_type);
	CH_STORE(chd->chd_md_subtype, csm->csm_md_subtype);
	return chd;
}

static void
ch_setup(struct channel *chd, uint32_t mode, struct channel_attr *cha)
{
	uint32_t i, n = ch_num_rings(CHD_INFO(chd), CHD_SCHEMA(chd));
	uint64_t none = 0;

	ch_init_regions(chd);
	if (cha != NULL)
		ch_info2attr(chd, cha);
	for (i = 0; i < n; i++)
		ch_init_ring(chd, i);
	ch_init_pool(chd, mode);
	/* the first channel of the process sets the cookie for all */
	__atomic_compare_exchange_n(&ch_md_redzone_cookie, &none,
				    CHD_SCHEMA(chd)->csm_md_redzone_cookie, 0,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	/* descriptors complete before the handle reaches other threads */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

channel_t
os_channel_create_extended(const uuid_t uuid, const nexus_port_t port,
			   const ring_dir_t dir, const ring_id_t ring,
			   const channel_attr_t cha)
{
	struct __user_channel_schema *csm;
	struct channel *chd;
	struct ch_info *ci = NULL;
	struct ch_init init;
	int fd, err;

	if ((err = ch_init_prepare(&init, uuid, port, dir, ring, cha)) != 0)
		goto fail;
	if ((ci = calloc(1, CHD_INFO_SIZE)) == NULL) {
		err = ENOMEM;
		goto fail;
	}
	if ((fd = __channel_open(&init, sizeof(init))) == -1) {
		err = errno;
		goto fail;
	}
	if (__channel_get_info(fd, ci, CHD_INFO_SIZE) != 0) {
		err = errno;
		goto fail_close;
	}
	csm = ch_info_schema(ci);
	ch_verify_schema_version(csm);
	ch_verify_layout(ci, csm);
	if ((err = ch_check_granted(&init, ci, csm)) != 0)
		goto fail_close;
	if ((chd = ch_alloc(ci, fd, init.ci_guard)) == NULL) {
		err = ENOMEM;
		goto fail_close;
	}
	ch_setup(chd, init.ci_ch_mode, cha);
	return chd;

fail_close:
	(void)guarded_close_np(fd, &init.ci_guard);
fail:
	free(ci);
	errno = err;
	return NULL;
}

channel_t
os_channel_create(const uuid_t uuid, const nexus_port_t port)
{
	return os_channel_create_extended(uuid, port, CHANNEL_DIR_TX_RX,
					  CHANNEL_RING_ID_ANY, NULL);
}

void
os_channel_destroy(const channel_t chd)
{
	if (chd == NULL)
		return;
	if (chd->chd_fd != -1)
		(void)guarded_close_np(chd->chd_fd, &chd->chd_guard);
	free(CHD_INFO(chd));
	free(chd);
}

int
os_channel_get_fd(const channel_t chd)
{
	return chd->chd_fd;
}

int
os_channel_is_defunct(const channel_t chd)
{
	return chd_is_defunct(chd);
}

/* ------------------------------------------------------------------ */
/* Attributes and sync: the calls that reach the kernel                */
/* ------------------------------------------------------------------ */

int
os_channel_read_attr(const channel_t chd, channel_attr_t cha)
{
	int err = __channel_get_info(chd->chd_fd, CHD_INFO(chd), CHD_INFO_SIZE);

	if (err == 0)
		ch_info2attr(chd, cha);
	return err;
}

static int
ch_thresh_eq(const struct ch_ev_thresh *a, const struct ch_ev_thresh *b)
{
	return a->cet_unit == b->cet_unit && a->cet_value == b->cet_value;
}

/* Push one threshold to the kernel if it changed; keep the cache true. */
static int
ch_write_thresh(const struct channel *chd, uint32_t opt,
		struct ch_ev_thresh *cached, const struct ch_ev_thresh *want)
{
	int err;

	if (ch_thresh_eq(cached, want))
		return 0;
	err = __channel_set_opt(chd->chd_fd, opt, want, sizeof(*want));
	if (err == 0)
		*cached = *want;
	return err;
}

int
os_channel_write_attr(const channel_t chd, channel_attr_t cha)
{
	struct ch_info *ci = CHD_INFO(chd);
	int err;

	err = ch_write_thresh(chd, CHOPT_TX_LOWAT_THRESH, &ci->cinfo_tx_lowat,
			      &cha->cha_tx_lowat);
	if (err != 0)
		return err;
	return ch_write_thresh(chd, CHOPT_RX_LOWAT_THRESH, &ci->cinfo_rx_lowat,
			       &cha->cha_rx_lowat);
}

int
os_channel_read_nexus_extension_info(const channel_t chd, nexus_type_t *nt,
				     uint64_t *ext)
{
	const struct nxprov_params *p = CHD_PARAMS(chd);

	if (nt != NULL)
		*nt = p->nxp_type;
	if (ext != NULL)
		*ext = (uint64_t)p->nxp_extensions;
	return 0;
}

int
os_channel_sync(const channel_t chd, const sync_mode_t mode)
{
	sync_flags_t flags = chd->chd_sync_flags;

	if (mode != CHANNEL_SYNC_TX && mode != CHANNEL_SYNC_RX)
		return EINVAL;
	/* an RX sync frees, but refilling the pool is TX's business */
	if (mode == CHANNEL_SYNC_RX)
		flags &= ~(CHANNEL_SYNCF_ALLOC | CHANNEL_SYNCF_ALLOC_BUF);
	return __channel_sync(chd->chd_fd, mode, flags);
}

int
os_channel_configure_interface_advisory(const channel_t chd, boolean_t enable)
{
	uint32_t value = (uint32_t)enable;

	return __channel_set_opt(chd->chd_fd, CHOPT_IF_ADV_CONF, &value,
				 sizeof(value));
}

/* ------------------------------------------------------------------ */
/* Rings                                                               */
/* ------------------------------------------------------------------ */

ring_id_t
os_channel_ring_id(const channel_t chd, const ring_id_type_t type)
{
	const struct ch_info *ci = CHD_INFO(chd);

	switch (type) {
	case CHANNEL_FIRST_TX_RING:
		return ci->cinfo_first_tx_ring;
	case CHANNEL_LAST_TX_RING:
		return ci->cinfo_last_tx_ring;
	case CHANNEL_FIRST_RX_RING:
		return ci->cinfo_first_rx_ring;
	case CHANNEL_LAST_RX_RING:
		return ci->cinfo_last_rx_ring;
	}
	return CHANNEL_RING_ID_ANY;
}

/* rid is one of this channel's rings in [first, last] */
static int
ch_rid_ok(const struct ch_info *ci, ring_id_t rid, ring_id_t first,
	  ring_id_t last)
{
	if (ci->cinfo_ch_ring_id != CHANNEL_RING_ID_ANY &&
	    ci->cinfo_ch_ring_id != rid)
		return 0;
	return rid >= first && rid <= last;
}

channel_ring_t
os_channel_tx_ring(const channel_t chd, const ring_id_t rid)
{
	const struct ch_info *ci = CHD_INFO(chd);

	if (!ch_rid_ok(ci, rid, ci->cinfo_first_tx_ring,
		       ci->cinfo_last_tx_ring))
		return NULL;
	return &chd->chd_rings[rid - ci->cinfo_first_tx_ring];
}

channel_ring_t
os_channel_rx_ring(const channel_t chd, const ring_id_t rid)
{
	const struct ch_info *ci = CHD_INFO(chd);

	if (!ch_rid_ok(ci, rid, ci->cinfo_first_rx_ring,
		       ci->cinfo_last_rx_ring))
		return NULL;
	return &chd->chd_rings[ch_num_tx_rings(ci) +
			       (rid - ci->cinfo_first_rx_ring)];
}

/* TX slots handed to the kernel that it has not taken yet. */
int
os_channel_pending(const channel_ring_t chrd)
{
	return chr_head(chrd) != chr_khead(chrd);
}

uint64_t
os_channel_ring_sync_time(const channel_ring_t chrd)
{
	return chrd->chrd_ring->ring_sync_time;
}

uint64_t
os_channel_ring_notify_time(const channel_ring_t chrd)
{
	return chrd->chrd_ring->ring_notify_time;
}

/*
 * TX: slots not queued for the kernel, keeping one slot empty; a lower
 * bound, as the kernel may have published a tail further on.  Others:
 * the user's window [head, tail).
 */
uint32_t
os_channel_available_slot_count(const channel_ring_t chrd)
{
	uint32_t n;

	if (chrd->chrd_ring->ring_kind == CR_KIND_TX)
		n = chrd->chrd_ring->ring_num_slots - 1 -
		    chr_dist(chrd, chr_head(chrd), chr_khead(chrd));
	else
		n = chr_dist(chrd, chr_tail(chrd), chr_head(chrd));
	return chr_is_defunct(chrd) ? 0 : n;
}

/* ------------------------------------------------------------------ */
/* Slots                                                               */
/* ------------------------------------------------------------------ */

/* Index of a slot pointer; anything not in this ring maps out of range. */
static slot_idx_t
ch_slot_idx_checked(const struct channel_ring_desc *chrd,
		    const struct __slot_desc *slot)
{
	uintptr_t off = (uintptr_t)slot - (uintptr_t)chrd->chrd_slot_desc;

	if (off >= (uintptr_t)chrd->chrd_ring->ring_num_slots * SLOT_DESC_SZ)
		return OBJ_IDX_NONE;
	return (slot_idx_t)(off / SLOT_DESC_SZ);
}

/* A user-packet-pool TX slot is empty until the program attaches one. */
static void
gns_fill_upp_tx(const struct channel_ring_desc *chrd, slot_idx_t idx,
		slot_prop_t *prop)
{
	if (SD_VALID_METADATA(chr_usd(chrd, idx)))
		SK_ABORT_WITH_CAUSE("Tx slot has attached metadata", idx);
	if (prop == NULL)
		return;
	prop->sp_idx = idx;
	prop->sp_len = 0;
	prop->sp_flags = 0;
	prop->sp_buf_ptr = 0;
	prop->sp_mdata_ptr = 0;
}

/*
 * Describe slot idx; 0 if the channel went defunct underneath.  A TX
 * slot offers the whole buffer (the kernel prefilled it), an RX slot
 * the length the kernel received.
 */
static int
gns_fill(const struct channel_ring_desc *chrd, slot_idx_t idx,
	 slot_prop_t *prop)
{
	const volatile struct __user_channel_ring *ring = chr_ring(chrd);
	struct __user_quantum *q;
	mach_vm_address_t baddr;
	uint32_t bdoff = 0;

	chr_verify_usd(chrd, chr_usd(chrd, idx));
	q = chr_slot_md(chrd, idx);
	chr_verify_md(chrd, q);
	if ((baddr = chr_md_init_addrs(chrd, q, &bdoff)) == 0)
		return 0;
	if (prop == NULL)
		return 1;
	prop->sp_idx = idx;
	prop->sp_flags = 0;
	prop->sp_buf_ptr = baddr + bdoff;
	prop->sp_mdata_ptr = (mach_vm_address_t)(uintptr_t)q;
	prop->sp_len =
	    (uint16_t)(ring->ring_kind == CR_KIND_TX ? ring->ring_def_buf_size
						     : q->qum_len);
	return 1;
}

/* Where the walk goes next: head for a NULL slot, else the one after. */
static int
gns_next_idx(const struct channel_ring_desc *chrd,
	     const struct __slot_desc *slot0, slot_idx_t *idx)
{
	if (slot0 == NULL) {
		*idx = chr_head(chrd);
		return 1;
	}
	*idx = ch_slot_idx_checked(chrd, slot0);
	if (chr_idx_in_window(chrd, *idx)) {
		*idx = chr_next(chrd, *idx);
		return 1;
	}
	if (!chr_is_defunct(chrd))
		SK_ABORT_WITH_CAUSE("Index out of bounds in gns", *idx);
	return 0; /* defunct: as if we walked off the end */
}

channel_slot_t
os_channel_get_next_slot(const channel_ring_t chrd, const channel_slot_t slot0,
			 slot_prop_t *prop)
{
	slot_idx_t idx;

	if (!gns_next_idx(chrd, slot0, &idx) || idx == chr_tail(chrd))
		return NULL;
	if (chrd->chrd_ring->ring_kind == CR_KIND_TX &&
	    chd_is_upp(chrd->chrd_channel))
		gns_fill_upp_tx(chrd, idx, prop);
	else if (!gns_fill(chrd, idx, prop))
		return NULL;
	return chr_is_defunct(chrd) ? NULL : &chrd->chrd_slot_desc[idx];
}

int
os_channel_advance_slot(channel_ring_t chrd, const channel_slot_t slot)
{
	slot_idx_t idx = ch_slot_idx_checked(chrd, slot);

	if (!chr_idx_in_window(chrd, idx))
		return chr_is_defunct(chrd) ? ENXIO : EINVAL;
	chr_set_head(chrd, chr_next(chrd, idx));
	return 0;
}

/* Only sp_len is honoured: the slot's single buffer holds that much. */
void
os_channel_set_slot_properties(const channel_ring_t chrd,
			       const channel_slot_t slot,
			       const slot_prop_t *prop)
{
	slot_idx_t idx = ch_slot_idx_checked(chrd, slot);
	struct __user_quantum *q;
	struct __user_buflet *b;

	if (!chr_idx_in_window(chrd, idx)) {
		if (!chr_is_defunct(chrd))
			SK_ABORT_WITH_CAUSE("Index out of bounds in ssp", idx);
		return;
	}
	chr_verify_md(chrd, (const void *)(uintptr_t)prop->sp_mdata_ptr);
	chr_verify_usd(chrd, chr_usd(chrd, idx));
	/* on a defunct channel these land in zero pages nobody reads */
	q = chr_slot_md(chrd, idx);
	b = &q->qum_buf[0]; /* a packet's inline buflet is there too */
	q->qum_len = prop->sp_len;
	b->buf_dlen = prop->sp_len;
	b->buf_doff = 0;
}

packet_t
os_channel_slot_get_packet(const channel_ring_t chrd, const channel_slot_t slot)
{
	struct __user_quantum *q;
	slot_idx_t idx;

	if (slot == NULL)
		return 0;
	idx = ch_slot_idx_checked(chrd, slot);
	if (!chr_idx_in_window(chrd, idx)) {
		if (!chr_is_defunct(chrd))
			SK_ABORT_WITH_CAUSE("Index out of bounds in sgp", idx);
		return 0;
	}
	if (!SD_VALID_METADATA(chr_usd(chrd, idx)))
		return 0;
	q = chr_slot_md(chrd, idx);
	chr_verify_md(chrd, q);
	chr_verify_md_idx(chrd, q, METADATA_IDX(q));
	return SK_PTR_ENCODE(q, chrd->chrd_md_type, chrd->chrd_md_subtype);
}

/* ------------------------------------------------------------------ */
/* Statistics, advisories, flow admission                              */
/* ------------------------------------------------------------------ */

void *
os_channel_get_stats_region(const channel_t chd, const channel_stats_id_t id)
{
	struct __nx_stats_fsw *fsw = CHD_NX_STATS(chd);

	/* only a flow switch publishes per-protocol statistics */
	if (fsw == NULL ||
	    CHD_SCHEMA(chd)->csm_stats_type != NEXUS_STATS_TYPE_FSW)
		return NULL;
	switch (id) {
	case CHANNEL_STATS_ID_IP:
		return &fsw->nxs_ipstat;
	case CHANNEL_STATS_ID_IP6:
		return &fsw->nxs_ip6stat;
	case CHANNEL_STATS_ID_TCP:
		return &fsw->nxs_tcpstat;
	case CHANNEL_STATS_ID_UDP:
		return &fsw->nxs_udpstat;
	case CHANNEL_STATS_ID_QUIC:
		return &fsw->nxs_quicstat;
	}
	return NULL;
}

/* Only a flow switch's advisory, for compatibility with older callers. */
void *
os_channel_get_advisory_region(const channel_t chd)
{
	struct __kern_nexus_adv_metadata *md = CHD_NX_ADV_MD(chd);

	if (md == NULL || md->knam_type != NEXUS_ADVISORY_TYPE_FLOWSWITCH)
		return NULL;
	return CHD_NX_ADV_FSW(md);
}

static int
ch_flowadv_id_eq(const struct __flowadv_entry *fe, const uuid_t id)
{
	return memcmp(fe->fae_id, id, sizeof(uuid_t)) == 0;
}

/*
 * The flow-advisory entry for (flow_id, index) on a TX ring, or an
 * errno: ENXIO no table, EINVAL bad ring or index, ENOENT not this flow.
 * fae_flags != 0 implies a valid (non-zero) id, so it is checked first.
 */
static int
ch_flowadv_entry(const struct channel_ring_desc *chrd, const uuid_t flow_id,
		 flowadv_idx_t fidx, const struct __flowadv_entry **fep)
{
	const struct channel *chd = chrd->chrd_channel;
	const struct __flowadv_entry *fe = CHD_NX_FLOWADV(chd);

	if (fe == NULL)
		return ENXIO;
	if (chrd->chrd_ring->ring_kind != CR_KIND_TX ||
	    fidx >= CHD_PARAMS(chd)->nxp_flowadv_max)
		return EINVAL;
	fe += fidx;
	if (fe->fae_flags == 0 || !ch_flowadv_id_eq(fe, flow_id))
		return ENOENT;
	*fep = fe;
	return 0;
}

int
os_channel_flow_admissible(const channel_ring_t chrd, uuid_t flow_id,
			   const flowadv_idx_t flow_index)
{
	const struct __flowadv_entry *fe;
	int err = ch_flowadv_entry(chrd, flow_id, flow_index, &fe);

	if (err != 0)
		return err;
	return (fe->fae_flags & FLOWADVF_SUSPENDED) ? ENOBUFS : 0;
}

int
os_channel_flow_adv_get_ce_count(const channel_ring_t chrd, uuid_t flow_id,
				 const flowadv_idx_t flow_index,
				 uint32_t *ce_cnt, uint32_t *pkt_cnt)
{
	const struct __flowadv_entry *fe;
	int err = ch_flowadv_entry(chrd, flow_id, flow_index, &fe);

	if (err != 0)
		return err;
	*ce_cnt = fe->fae_ce_cnt;
	*pkt_cnt = fe->fae_pkt_cnt;
	return 0;
}

static const struct __kern_netif_intf_advisory *
ch_intf_adv(const struct __kern_nexus_adv_metadata *md)
{
	if (md->knam_type == NEXUS_ADVISORY_TYPE_NETIF)
		return &CHD_NX_ADV_NETIF(md)->__kern_intf_adv;
	if (md->knam_type == NEXUS_ADVISORY_TYPE_FLOWSWITCH)
		return &CHD_NX_ADV_FSW(md)->_nxadv_intf_adv;
	return NULL;
}

int
os_channel_get_interface_advisory(const channel_t chd,
				  struct ifnet_interface_advisory *advisory)
{
	const struct __kern_nexus_adv_metadata *md = CHD_NX_ADV_MD(chd);
	const struct __kern_netif_intf_advisory *ia;
	uint32_t sum;

	if (md == NULL)
		return ENOENT;
	if ((ia = ch_intf_adv(md)) == NULL)
		return chd_is_defunct(chd) ? ENXIO : ENOENT;
	/* copy and sum in one pass; a torn copy will not match */
	sum =
	    os_copy_and_inet_checksum(&ia->adv, advisory, sizeof(*advisory), 0);
	/* the copy's loads before the cksum's: the daemon's BUSY marker
	 * (cuse-dev/nx_advisory.c) then shows any overlap with a write */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (sum != __atomic_load_n(&ia->cksum, __ATOMIC_RELAXED))
		return chd_is_defunct(chd) ? ENXIO : EAGAIN;
	return 0;
}
