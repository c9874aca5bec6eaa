/*
 * upp_harness.h - what check_upp.c and check_event_ring.c share: a netif
 * over a loop device with a user-packet-pool channel on its DEV port,
 * and the library's part of the pool (os_channel_upp.c) played on the
 * mapped span: alloc, attach, detach, free, chains.
 */
#ifndef UPP_HARNESS_H
#define UPP_HARNESS_H

/* The harness plays the library, which writes kernel-const fields too
 * (CH_STORE); here they are simply writable. */
#ifndef SKCHAN_KERNEL
#define SKCHAN_KERNEL 1
#endif

#include <signal.h>
#include <stdio.h>

#include "kern_harness.h"
#include "../../backend/backend.h"
#include "../../cuse-dev/evloop.h"
#include "../../cuse-dev/nx_netif.h"

#define UP_DEV          "skup0"
#define UP_ETHERTYPE    0x88b5
#define UP_TXF          (CHANNEL_SYNCF_ALLOC | CHANNEL_SYNCF_FREE)
#define UP_RXF          CHANNEL_SYNCF_FREE

static struct evl *up_evl;

static inline void
up_setup(void)
{
	kh_setup();
	up_evl = evl_new();
	ck_assert_ptr_nonnull(up_evl);
	nx_netif_set_evloop(up_evl);
	ck_assert_int_eq(skb_loop_create(UP_DEV, 9000), 0);
}

static inline void
up_teardown(void)
{
	kh_teardown();
	nx_netif_set_evloop(NULL);
	evl_free(up_evl);
	skb_loop_destroy(UP_DEV);
}

static inline void
nt_pump_all(void)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (evl_run_once(up_evl, 0) <= 0)
			break;
	}
}

/* ---- a netif instance on the loop device ------------------------------------ */

struct nt_prov {
	uint32_t rings, tx_slots, rx_slots, buf_size;
	int user_channel;
	uint32_t max_frags, large;
};

static inline int
nt_register(struct sk_file *ctl, const struct nt_prov *np, uuid_t prov,
    struct nxprov_params *out)
{
	struct skc_nexus_register nr;
	struct nxprov_params *p = &nr.nr_reg.nxpreg_params;
	struct skc_nexus_opt o;
	struct nxprov_reg_ent ent;
	int err;

	memset(&nr, 0, sizeof(nr));
	nr.nr_reg.nxpreg_version = NXPROV_REG_CURRENT_VERSION;
	nr.nr_reg.nxpreg_requested = NXPREQ_ANONYMOUS | NXPREQ_USER_CHANNEL |
	    (np->rings ? NXPREQ_TX_RINGS | NXPREQ_RX_RINGS : 0) |
	    (np->max_frags ? NXPREQ_MAX_FRAGS : 0) |
	    (np->large ? NXPREQ_LARGE_BUF_SIZE : 0);
	strcpy((char *)p->nxp_name, "up-netif");
	p->nxp_namelen = 8;
	p->nxp_type = NEXUS_TYPE_NET_IF;
	p->nxp_flags = NXPF_ANONYMOUS | NXPF_USER_CHANNEL;
	p->nxp_tx_rings = p->nxp_rx_rings = np->rings;
	p->nxp_max_frags = np->max_frags;
	p->nxp_large_buf_size = np->large;
	err = kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr);
	if (err != 0 || out == NULL)
		goto done;
	memset(&o, 0, sizeof(o));
	memset(&ent, 0, sizeof(ent));
	uuid_copy(ent.npre_prov_uuid, nr.nr_prov_uuid);
	o.no_opt = NXOPT_NEXUS_PROV_ENTRY;
	o.no_len = sizeof(ent);
	memcpy(o.no_data, &ent, sizeof(ent));
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_GET_OPT, &o), 0);
	memcpy(&ent, o.no_data, sizeof(ent));
	*out = ent.npre_prov_params;
done:
	if (err == 0)
		uuid_copy(prov, nr.nr_prov_uuid);
	return err;
}

static inline int
nt_attach(struct sk_file *ctl, const uuid_t nx, const char *ifname)
{
	struct skc_nexus_opt o;
	struct nx_cfg_req ncr;
	struct nx_spec_req nsr;

	memset(&o, 0, sizeof(o));
	memset(&ncr, 0, sizeof(ncr));
	memset(&nsr, 0, sizeof(nsr));
	strncpy(nsr.nsr_name, ifname, sizeof(nsr.nsr_name) - 1);
	uuid_copy(ncr.nc_nx_uuid, nx);
	ncr.nc_cmd = NXCFG_CMD_ATTACH;
	ncr.nc_req_len = sizeof(nsr);
	o.no_opt = NXOPT_NEXUS_CONFIG;
	o.no_len = sizeof(ncr) + sizeof(nsr);
	memcpy(o.no_data, &ncr, sizeof(ncr));
	memcpy(o.no_data + sizeof(ncr), &nsr, sizeof(nsr));
	return kh_ioctl(ctl, SKC_IOC_NEXUS_GET_OPT, &o);
}

static inline int
nt_lookup(const char *ifname, struct skc_ctl_netif_lookup *nl)
{
	struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, NULL);
	int err;

	memset(nl, 0, sizeof(*nl));
	strncpy(nl->nl_ifname, ifname, sizeof(nl->nl_ifname) - 1);
	err = kh_ioctl(f, SKC_IOC_CTL_NETIF_LOOKUP, nl);
	sk_file_close(f);
	return err;
}

static inline void
nt_fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t i;

	memset(p, 0xff, 6);
	p[6] = 0x02;
	for (i = 7; i < 12; i++)
		p[i] = (uint8_t)(seed + i);
	p[12] = UP_ETHERTYPE >> 8;
	p[13] = UP_ETHERTYPE & 0xff;
	for (i = 14; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i);
}

/* A non-UPP TX slot: fill and queue (check_nx_netif's way). */
static inline void
nt_tx(struct kh_chan *c, uint32_t r, uint32_t len, uint32_t seed)
{
	struct __user_channel_ring *ring = kh_tx(c, r);
	uint32_t s = ring->ring_head;
	struct __user_packet *up = (void *)kh_slot_md(c, ring, s);

	nt_fill(kh_slot_buf(c, ring, s), len, seed);
	up->pkt_length = len;
	up->pkt_qum_buf.buf_doff = 0;
	up->pkt_qum_buf.buf_dlen = len;
	up->pkt_headroom = 0;
	up->pkt_l2_len = 14;
	ring->ring_head = kh_next(ring, s);
}

/* ---- the UPP channel -------------------------------------------------------- */

struct up_env {
	struct sk_file *ctl;
	uuid_t nx;
	struct kh_chan c;
	uint32_t free_before;           /* up_open2*: pool counts before */
	uint32_t bfree_before;          /* this channel opened */
};

static uint32_t up_pool_free(struct up_env *e);
static uint32_t up_pool_bfree(struct up_env *e);

enum up_role { UP_ALLOC, UP_BALLOC, UP_FREE, UP_BFREE, UP_EVENT, UP_LARGE };

static inline void
up_nexus(struct up_env *e, const struct nt_prov *np)
{
	struct nt_prov def = { .user_channel = 1 };
	uuid_t prov;

	e->ctl = kh_ctl_open();
	ck_assert_int_eq(nt_register(e->ctl, np ? np : &def, prov, NULL), 0);
	ck_assert_int_eq(kh_nexus_create(e->ctl, prov, e->nx), 0);
	ck_assert_int_eq(nt_attach(e->ctl, e->nx, UP_DEV), 0);
}

static inline void
up_open(struct up_env *e, const struct nt_prov *np, uint32_t mode)
{
	memset(e, 0, sizeof(*e));
	up_nexus(e, np);
	ck_assert_int_eq(kh_chan_open_key(&e->c, e->nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY, CHMODE_DEFUNCT_OK | mode, NULL, 0), 0);
}

/* Two rings: e on ring 0 without a pool, e2 on ring 1 with one. */
static void
up_open2_prov(struct up_env *e, struct up_env *e2, const struct nt_prov *np)
{
	memset(e, 0, sizeof(*e));
	memset(e2, 0, sizeof(*e2));
	up_nexus(e, np);
	ck_assert_int_eq(kh_chan_open_key(&e->c, e->nx, NEXUS_PORT_NET_IF_DEV,
	    0, CHMODE_DEFUNCT_OK, NULL, 0), 0);
	uuid_copy(e2->nx, e->nx);
	e2->free_before = up_pool_free(e);
	e2->bfree_before = up_pool_bfree(e);
	ck_assert_int_eq(kh_chan_open_key(&e2->c, e->nx,
	    NEXUS_PORT_NET_IF_DEV, 1, CHMODE_DEFUNCT_OK |
	    CHMODE_USER_PACKET_POOL, NULL, 0), 0);
}

static inline void
up_open2(struct up_env *e, struct up_env *e2)
{
	struct nt_prov np = { .user_channel = 1, .rings = 2 };

	up_open2_prov(e, e2, &np);
}

static inline void
up_close(struct up_env *e)
{
	if (e->c.f != NULL)
		kh_chan_close(&e->c);
	sk_file_close(e->ctl);
}

static inline int
up_sync(struct up_env *e, int mode, uint32_t flags)
{
	struct skc_channel_sync cs;

	memset(&cs, 0, sizeof(cs));
	cs.cs_mode = mode;
	cs.cs_flags = flags;
	return kh_ioctl(e->c.f, SKC_IOC_CHANNEL_SYNC, &cs);
}

static inline uint64_t
up_kills(void)
{
	struct skc_ctl_stats st;

	sk_kern_stats(&st);
	return st.cs_kills;
}

/* Schema index of a pool ring, in spec 5.3 order. */
static inline uint32_t
up_ring_idx(struct up_env *e, enum up_role r)
{
	const struct __user_channel_schema *csm = e->c.schema;
	bool bft = csm->csm_allocator_ring_pairs == 2;
	uint32_t i = 2 * e->c.nrings;

	if (r == UP_ALLOC)
		return i;
	i += bft ? 2 : 1;
	if (r == UP_BALLOC)
		return i - 1;
	if (r == UP_FREE)
		return i;
	i += bft ? 2 : 1;
	if (r == UP_BFREE)
		return i - 1;
	if (r == UP_EVENT)
		return i;
	return i + csm->csm_num_event_rings;
}

static inline struct __user_channel_ring *
up_ring(struct up_env *e, enum up_role r)
{
	return kh_ring(&e->c, up_ring_idx(e, r));
}

static inline struct __user_slot_desc *
up_sd_of(struct up_env *e, uint32_t ringidx, uint32_t slot)
{
	return &((struct __slot_desc *)(void *)((uint8_t *)e->c.schema +
	    e->c.schema->csm_ring_ofs[ringidx].sd_off))[slot]._sd_user;
}

static inline struct __user_slot_desc *
up_sd(struct up_env *e, uint32_t r, uint32_t slot)
{
	return up_sd_of(e, r, slot);
}

static inline struct __user_slot_desc *
up_rsd(struct up_env *e, uint32_t r, uint32_t slot)
{
	return up_sd_of(e, e->c.nrings + r, slot);
}

static inline struct __user_packet *
up_pkt(struct up_env *e, obj_idx_t idx)
{
	return (void *)kh_md(kh_tx(&e->c, 0), idx);
}

static inline struct __user_buflet *
up_bft(struct up_env *e, obj_idx_t b)
{
	struct __user_channel_ring *ring = kh_tx(&e->c, 0);

	return (void *)((uint8_t *)ring + ring->ring_bft_base +
	    (size_t)b * ring->ring_bft_size);
}

static inline uint8_t *
up_buf(struct up_env *e, const struct __user_buflet *ub)
{
	struct __user_channel_ring *ring = kh_tx(&e->c, 0);

	if (ub->buf_flag & BUFLET_FLAG_LARGE_BUF)
		return (uint8_t *)ring + ring->ring_large_buf_base +
		    (size_t)ub->buf_idx * ring->ring_large_buf_size;
	return (uint8_t *)ring + ring->ring_def_buf_base +
	    (size_t)ub->buf_idx * ring->ring_def_buf_size;
}

static inline uint32_t
up_alloc_flag(enum up_role r)
{
	if (r == UP_BALLOC)
		return CHANNEL_SYNCF_ALLOC_BUF;
	return r == UP_LARGE ? CHANNEL_SYNCF_LARGE_ALLOC : CHANNEL_SYNCF_ALLOC;
}

/* os_channel_packet_alloc / buflet_alloc: OBJ_IDX_NONE for ENOMEM. */
static inline obj_idx_t
up_alloc(struct up_env *e, enum up_role r)
{
	struct __user_channel_ring *ring = up_ring(e, r);
	uint32_t h = ring->ring_head;
	struct __user_slot_desc *sd;
	obj_idx_t idx;

	if (h == ring->ring_tail)
		ck_assert_int_eq(up_sync(e, CHANNEL_SYNC_UPP,
		    up_alloc_flag(r)), 0);
	if (h == ring->ring_tail)
		return OBJ_IDX_NONE;
	sd = up_sd_of(e, up_ring_idx(e, r), h);
	ck_assert(sd->sd_flags & SD_IDX_VALID);
	idx = sd->sd_md_idx;
	sd->sd_flags = 0;
	sd->sd_md_idx = OBJ_IDX_NONE;
	ring->ring_head = kh_next(ring, h);
	return idx;
}

/* os_channel_packet_free / buflet_free. */
static inline void
up_free(struct up_env *e, enum up_role r, obj_idx_t idx)
{
	struct __user_channel_ring *ring = up_ring(e, r);
	struct __user_slot_desc *sd;

	if (ring->ring_head == ring->ring_tail)
		ck_assert_int_eq(up_sync(e, CHANNEL_SYNC_UPP,
		    CHANNEL_SYNCF_FREE), 0);
	ck_assert_uint_ne(ring->ring_head, ring->ring_tail);
	sd = up_sd_of(e, up_ring_idx(e, r), ring->ring_head);
	sd->sd_md_idx = idx;
	sd->sd_flags = SD_IDX_VALID;
	ring->ring_head = kh_next(ring, ring->ring_head);
}

/* A one-buflet RAW frame of len bytes in packet p, finalized. */
static inline void
up_fill(struct up_env *e, obj_idx_t p, uint32_t len, uint32_t seed)
{
	struct __user_packet *up = up_pkt(e, p);

	nt_fill(up_buf(e, &up->pkt_qum_buf), len, seed);
	up->pkt_length = len;
	up->pkt_qum_buf.buf_doff = 0;
	up->pkt_qum_buf.buf_dlen = len;
	up->pkt_qum_buf.buf_nbft_idx = OBJ_IDX_NONE;
	up->pkt_headroom = 0;
	up->pkt_l2_len = 14;
	up->pkt_bufs_cnt = 1;
	up->pkt_qum_qflags = QUM_F_FINALIZED;
}

/* os_packet_add_buflet at the end of p's chain, with len bytes in b. */
static inline void
up_chain(struct up_env *e, obj_idx_t p, obj_idx_t b, uint32_t len,
    uint32_t seed)
{
	struct __user_packet *up = up_pkt(e, p);
	struct __user_buflet *last = &up->pkt_qum_buf, *ub = up_bft(e, b);
	uint32_t i, n;

	for (n = 1; n < up->pkt_bufs_cnt; n++)
		last = up_bft(e, last->buf_nbft_idx);
	last->buf_nbft_idx = b;
	for (i = 0; i < len; i++)
		up_buf(e, ub)[i] = (uint8_t)(seed * 7 + i);
	ub->buf_doff = 0;
	ub->buf_dlen = len;
	ub->buf_nbft_idx = OBJ_IDX_NONE;
	up->pkt_length += len;
	up->pkt_bufs_cnt++;
}

/* The bytes of p's chain, concatenated into out; returns the length. */
static inline uint32_t
up_pkt_bytes(struct up_env *e, obj_idx_t p, uint8_t *out)
{
	struct __user_packet *up = up_pkt(e, p);
	struct __user_buflet *b = &up->pkt_qum_buf;
	uint32_t n, len = 0;

	for (n = 0; n < up->pkt_bufs_cnt; n++) {
		memcpy(out + len, up_buf(e, b) + b->buf_doff, b->buf_dlen);
		len += b->buf_dlen;
		if (b->buf_nbft_idx != OBJ_IDX_NONE)
			b = up_bft(e, b->buf_nbft_idx);
	}
	return len;
}

/* os_channel_slot_attach_packet at the TX head, then advance. */
static inline void
up_tx_attach(struct up_env *e, uint32_t r, obj_idx_t p)
{
	struct __user_channel_ring *ring = kh_tx(&e->c, r);
	struct __user_slot_desc *sd = up_sd(e, r, ring->ring_head);

	sd->sd_md_idx = p;
	sd->sd_flags = SD_IDX_VALID;
	ring->ring_head = kh_next(ring, ring->ring_head);
}

/* The RX head: detach, check (want: len bytes, or NULL), free, advance. */
static inline obj_idx_t
up_rx_take(struct up_env *e, uint32_t len, const uint8_t *want)
{
	struct __user_channel_ring *ring = kh_rx(&e->c, 0);
	struct __user_slot_desc *sd = up_rsd(e, 0, ring->ring_head);
	struct __user_packet *up;
	obj_idx_t p;

	ck_assert(sd->sd_flags & SD_IDX_VALID);
	p = sd->sd_md_idx;
	up = up_pkt(e, p);
	ck_assert_uint_eq(sd->sd_len, len);
	ck_assert_uint_eq(up->pkt_length, len);
	ck_assert_uint_eq(up->pkt_qum_buf.buf_dlen, len);
	ck_assert(up->pkt_qum_qflags & QUM_F_FINALIZED);
	if (want != NULL)
		ck_assert_mem_eq(up_buf(e, &up->pkt_qum_buf), want, len);
	sd->sd_flags = 0;
	sd->sd_md_idx = OBJ_IDX_NONE;
	ring->ring_head = kh_next(ring, ring->ring_head);
	return p;
}

static inline void
up_rx_take_free(struct up_env *e, uint32_t len, uint32_t seed)
{
	uint8_t want[2048];

	nt_fill(want, len, seed);
	up_free(e, UP_FREE, up_rx_take(e, len, want));
}

/* os_channel_packet_pool_purge, all the way: the alloc rings empty. */
static inline void
up_purge_role(struct up_env *e, enum up_role r, enum up_role fr)
{
	struct __user_channel_ring *ring = up_ring(e, r);

	while (ring->ring_head != ring->ring_tail)
		up_free(e, fr, up_alloc(e, r));
}

static inline void
up_purge_all(struct up_env *e)
{
	const struct __user_channel_schema *csm = e->c.schema;

	ck_assert_int_eq(up_sync(e, CHANNEL_SYNC_UPP, CHANNEL_SYNCF_PURGE), 0);
	ck_assert_uint_eq(up_ring(e, UP_ALLOC)->ring_alloc_ws, 0);
	up_purge_role(e, UP_ALLOC, UP_FREE);
	if (csm->csm_allocator_ring_pairs == 2)
		up_purge_role(e, UP_BALLOC, UP_BFREE);
	if (csm->csm_large_buf_alloc_rings)
		up_purge_role(e, UP_LARGE, UP_FREE);
	ck_assert_int_eq(up_sync(e, CHANNEL_SYNC_UPP, CHANNEL_SYNCF_FREE), 0);
}

static inline uint32_t
up_pool_free(struct up_env *e)
{
	struct skc_ctl_netif_lookup nl;

	(void)e;
	ck_assert_int_eq(nt_lookup(UP_DEV, &nl), 0);
	return nl.nl_pool_pkts_free;
}

static inline uint32_t
up_pool_bfree(struct up_env *e)
{
	struct skc_ctl_netif_lookup nl;

	(void)e;
	ck_assert_int_eq(nt_lookup(UP_DEV, &nl), 0);
	return nl.nl_pool_bfts_free;
}

#endif /* UPP_HARNESS_H */
