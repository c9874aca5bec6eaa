/*
 * kern_harness.h - drive the emulated kernel in-process, as a door would,
 * and play the user library's part on the shared memory.
 *
 * Used by the kernel's Check suites (check_nexus.c, check_channel.c,
 * check_kring.c, check_nx_upipe.c).  Requests go through sk_file_ioctl()
 * with SK_DOOR_LOCAL; a channel's span is mapped here from the memfds the
 * open returns, exactly as libskywalk maps it, so a test can write
 * ring_head, slot lengths and metadata -- or corrupt them.
 */
#ifndef KERN_HARNESS_H
#define KERN_HARNESS_H

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../cuse-dev/sk_kern.h"

#define KH_CRED_SELF ((struct sk_cred){ getpid(), getuid(), getgid() })
/* pid 0: "unknown", never killed, never matches a ticket or binding. */
#define KH_CRED_NOBODY ((struct sk_cred){ 0, getuid(), getgid() })

static struct sk_cred kh_cred;          /* used by every request below */

static inline void
kh_hdr(void *arg, uint32_t cmd)
{
	struct skc_req_hdr *h = arg;

	h->rh_version = SKCHAN_ABI_VERSION;
	h->rh_size = (uint16_t)_IOC_SIZE(cmd);
	h->rh_flags = 0;
}

static inline int
kh_ioctl(struct sk_file *f, uint32_t cmd, void *arg)
{
	kh_hdr(arg, cmd);
	return sk_file_ioctl(f, &kh_cred, cmd, arg, _IOC_SIZE(cmd), NULL);
}

static inline void
kh_setup(void)
{
	kh_cred = KH_CRED_NOBODY;
	ck_assert_int_eq(sk_kern_init(), 0);
}

/* Everything returns to zero once every handle is closed. */
static inline void
kh_assert_baseline(void)
{
	struct skc_ctl_stats st;

	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_files, 0);
	ck_assert_uint_eq(st.cs_controllers, 0);
	ck_assert_uint_eq(st.cs_providers, 0);
	ck_assert_uint_eq(st.cs_instances, 0);
	ck_assert_uint_eq(st.cs_channels, 0);
	ck_assert_uint_eq(st.cs_arenas, 0);
	ck_assert_uint_eq(st.cs_memfds, 0);
	ck_assert_uint_eq(st.cs_bindings, 0);
	ck_assert_uint_eq(st.cs_tickets, 0);
	ck_assert_uint_eq(st.cs_arena_bytes, 0);
}

static inline void
kh_teardown(void)
{
	sk_kern_fini();
	kh_assert_baseline();
}

/* ---- controller ------------------------------------------------------------ */

static inline struct sk_file *
kh_ctl_open(void)
{
	struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, NULL);
	struct skc_nexus_open no;

	ck_assert_ptr_nonnull(f);
	memset(&no, 0, sizeof(no));
	no.no_init.ni_version = NEXUSCTL_INIT_CURRENT_VERSION;
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_NEXUS_OPEN, &no), 0);
	return f;
}

struct kh_prov {
	uint32_t requested;
	uint32_t rings, slots, buf_size;
	int anonymous, reject_on_close;
	nexus_type_t type;
};

static inline int
kh_register(struct sk_file *ctl, const struct kh_prov *kp, uuid_t prov)
{
	struct skc_nexus_register nr;
	struct nxprov_params *p = &nr.nr_reg.nxpreg_params;
	int err;

	memset(&nr, 0, sizeof(nr));
	nr.nr_reg.nxpreg_version = NXPROV_REG_CURRENT_VERSION;
	nr.nr_reg.nxpreg_requested = kp->requested;
	strcpy((char *)p->nxp_name, "kh-test");
	p->nxp_namelen = 7;
	p->nxp_type = kp->type;
	p->nxp_tx_rings = p->nxp_rx_rings = kp->rings;
	p->nxp_tx_slots = p->nxp_rx_slots = kp->slots;
	p->nxp_buf_size = kp->buf_size;
	p->nxp_flags = kp->anonymous ? NXPF_ANONYMOUS : 0;
	p->nxp_reject_on_close = kp->reject_on_close;
	err = kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr);
	if (err == 0)
		uuid_copy(prov, nr.nr_prov_uuid);
	return err;
}

static inline int
kh_nexus_create(struct sk_file *ctl, const uuid_t prov, uuid_t nx)
{
	struct skc_nexus_create nc;
	int err;

	memset(&nc, 0, sizeof(nc));
	uuid_copy(nc.nc_prov_uuid, prov);
	err = kh_ioctl(ctl, SKC_IOC_NEXUS_CREATE, &nc);
	if (err == 0)
		uuid_copy(nx, nc.nc_nx_uuid);
	return err;
}

/* A user pipe with R rings of S slots; instance UUID out. */
static inline void
kh_upipe(struct sk_file *ctl, uint32_t rings, uint32_t slots, int anon,
    int reject, uuid_t nx)
{
	struct kh_prov kp = {
		.requested = NXPREQ_TX_RINGS | NXPREQ_RX_RINGS |
		    NXPREQ_TX_SLOTS | NXPREQ_RX_SLOTS | NXPREQ_ANONYMOUS |
		    NXPREQ_REJECT_ON_CLOSE,
		.rings = rings, .slots = slots, .anonymous = anon,
		.reject_on_close = reject, .type = NEXUS_TYPE_USER_PIPE,
	};
	uuid_t prov;

	ck_assert_int_eq(kh_register(ctl, &kp, prov), 0);
	ck_assert_int_eq(kh_nexus_create(ctl, prov, nx), 0);
}

static inline int
kh_bind(struct sk_file *ctl, const uuid_t nx, nexus_port_t port,
    uint32_t flags, pid_t pid, const void *key, uint32_t key_len)
{
	struct skc_nexus_opt o;
	struct nx_bind_req nbr;
	uint32_t copy = key_len;

	memset(&o, 0, sizeof(o));
	memset(&nbr, 0, sizeof(nbr));
	o.no_opt = NXOPT_NEXUS_BIND;
	uuid_copy(nbr.nb_nx_uuid, nx);
	nbr.nb_port = port;
	nbr.nb_flags = flags;
	nbr.nb_pid = pid;
	nbr.nb_key_len = key_len;
	memcpy(o.no_data, &nbr, sizeof(nbr));
	if (copy > sizeof(o.no_data) - sizeof(nbr))
		copy = sizeof(o.no_data) - sizeof(nbr);
	if (copy != 0 && key != NULL)
		memcpy(o.no_data + sizeof(nbr), key, copy);
	o.no_len = (uint32_t)(sizeof(nbr) + copy);
	return kh_ioctl(ctl, SKC_IOC_NEXUS_SET_OPT, &o);
}

static inline int
kh_unbind(struct sk_file *ctl, const uuid_t nx, nexus_port_t port)
{
	struct skc_nexus_opt o;
	struct nx_unbind_req nur;

	memset(&o, 0, sizeof(o));
	o.no_opt = NXOPT_NEXUS_UNBIND;
	uuid_copy(nur.nu_nx_uuid, nx);
	nur.nu_port = port;
	memcpy(o.no_data, &nur, sizeof(nur));
	o.no_len = sizeof(nur);
	return kh_ioctl(ctl, SKC_IOC_NEXUS_SET_OPT, &o);
}

/* ---- channel --------------------------------------------------------------- */

struct kh_chan {
	struct sk_file *f;
	struct skc_channel_open req;
	struct skc_channel_info info;
	struct sk_fds fds;
	uint8_t *span;
	size_t span_size;
	struct __user_channel_schema *schema;
	uint32_t nrings;                /* per direction */
	unsigned fired;                 /* waiter calls */
	struct sk_waiter waiter;
};

static inline void
kh_fire(struct sk_waiter *w)
{
	struct kh_chan *c = (struct kh_chan *)(void *)((char *)w -
	    offsetof(struct kh_chan, waiter));

	c->fired++;
}

/* Map the span the way libskywalk does: reserve, then fill each region. */
static inline void
kh_map(struct kh_chan *c)
{
	const struct skc_map *mp = &c->req.co_map;
	uint32_t i;

	c->span_size = mp->mp_span_size;
	c->span = mmap(NULL, c->span_size, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(c->span, MAP_FAILED);
	for (i = 0; i < mp->mp_nregions; i++) {
		const struct skc_map_region *mr = &mp->mp_regions[i];
		int prot = PROT_READ;
		void *p;

		if (mr->mr_prot & SKC_PROT_WRITE)
			prot |= PROT_WRITE;
		ck_assert_uint_lt(mr->mr_fd, c->fds.f_count);
		p = mmap(c->span + mr->mr_span_off, mr->mr_len, prot,
		    MAP_SHARED | MAP_FIXED, c->fds.f_fd[mr->mr_fd],
		    (off_t)mr->mr_fd_off);
		ck_assert_ptr_ne(p, MAP_FAILED);
	}
}

static inline int
kh_chan_open_key(struct kh_chan *c, const uuid_t nx, nexus_port_t port,
    ring_id_t rid, uint32_t mode, const void *key, uint32_t key_len)
{
	struct ch_init *ci = &c->req.co_init;
	int err;

	memset(c, 0, sizeof(*c));
	c->waiter.w_fire = kh_fire;
	c->f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, &c->waiter);
	ck_assert_ptr_nonnull(c->f);
	ci->ci_version = CHANNEL_INIT_CURRENT_VERSION;
	ci->ci_ch_mode = mode;
	ci->ci_ch_ring_id = rid;
	ci->ci_nx_port = port;
	uuid_copy(ci->ci_nx_uuid, nx);
	ci->ci_key_len = key_len;
	if (key_len != 0)
		memcpy(c->req.co_key, key, key_len);
	kh_hdr(&c->req, SKC_IOC_CHANNEL_OPEN);
	err = sk_file_ioctl(c->f, &kh_cred, SKC_IOC_CHANNEL_OPEN, &c->req,
	    sizeof(c->req), &c->fds);
	if (err != 0) {
		sk_file_close(c->f);
		c->f = NULL;
		return err;
	}
	ck_assert_int_eq(kh_ioctl(c->f, SKC_IOC_CHANNEL_INFO, &c->info), 0);
	kh_map(c);
	c->schema = (void *)(c->span + c->info.ci_info.cinfo_schema_offset);
	c->nrings = c->schema->csm_tx_rings;
	return 0;
}

static inline int
kh_chan_open(struct kh_chan *c, const uuid_t nx, nexus_port_t port,
    ring_id_t rid)
{
	return kh_chan_open_key(c, nx, port, rid, CHMODE_DEFUNCT_OK, NULL, 0);
}

static inline void
kh_chan_close(struct kh_chan *c)
{
	if (c->span != NULL)
		munmap(c->span, c->span_size);
	sk_file_close(c->f);
	c->f = NULL;
	c->span = NULL;
}

static inline struct __user_channel_ring *
kh_ring(struct kh_chan *c, uint32_t i)
{
	return (void *)((uint8_t *)c->schema + c->schema->csm_ring_ofs[i].ring_off);
}

static inline struct __user_channel_ring *
kh_tx(struct kh_chan *c, uint32_t r)
{
	return kh_ring(c, r);
}

static inline struct __user_channel_ring *
kh_rx(struct kh_chan *c, uint32_t r)
{
	return kh_ring(c, c->nrings + r);
}

static inline struct __user_slot_desc *
kh_sd(struct kh_chan *c, struct __user_channel_ring *ring, uint32_t slot)
{
	uint32_t i;

	for (i = 0; i < 2 * c->nrings; i++) {
		if (kh_ring(c, i) == ring)
			return &((struct __slot_desc *)(void *)((uint8_t *)
			    c->schema + c->schema->csm_ring_ofs[i].sd_off))
			    [slot]._sd_user;
	}
	ck_abort_msg("no such ring");
	return NULL;
}

static inline struct __user_quantum *
kh_md(struct __user_channel_ring *ring, obj_idx_t idx)
{
	return (void *)((uint8_t *)ring + ring->ring_md_base +
	    (size_t)idx * ring->ring_md_size + METADATA_PREAMBLE_SZ);
}

static inline struct __user_quantum *
kh_slot_md(struct kh_chan *c, struct __user_channel_ring *ring, uint32_t s)
{
	struct __user_slot_desc *sd = kh_sd(c, ring, s);

	ck_assert(sd->sd_flags & SD_IDX_VALID);
	return kh_md(ring, sd->sd_md_idx);
}

static inline uint8_t *
kh_slot_buf(struct kh_chan *c, struct __user_channel_ring *ring, uint32_t s)
{
	struct __user_quantum *q = kh_slot_md(c, ring, s);

	return (uint8_t *)ring + ring->ring_def_buf_base +
	    (size_t)q->qum_buf[0].buf_idx * ring->ring_def_buf_size;
}

static inline uint32_t
kh_next(const struct __user_channel_ring *ring, uint32_t i)
{
	return i + 1 == ring->ring_num_slots ? 0 : i + 1;
}

/* os_channel_available_slot_count() as the library computes it. */
static inline uint32_t
kh_avail(const struct __user_channel_ring *ring)
{
	uint32_t n = ring->ring_num_slots;

	if (ring->ring_kind == CR_KIND_TX)
		return n - 1 - ((ring->ring_head - ring->ring_khead + n) % n);
	return (ring->ring_tail - ring->ring_head + n) % n;
}

/* Fill the TX slot at head with len bytes of val, as set_slot_properties. */
static inline void
kh_tx_put(struct kh_chan *c, struct __user_channel_ring *ring, uint32_t len,
    uint8_t val)
{
	uint32_t s = ring->ring_head;
	struct __user_quantum *q = kh_slot_md(c, ring, s);

	memset(kh_slot_buf(c, ring, s), val, len);
	q->qum_len = len;
	q->qum_buf[0].buf_doff = 0;
	q->qum_buf[0].buf_dlen = len;
	ring->ring_head = kh_next(ring, s);
}

static inline int
kh_sync(struct kh_chan *c, int mode)
{
	struct skc_channel_sync cs;

	memset(&cs, 0, sizeof(cs));
	cs.cs_mode = mode;
	return kh_ioctl(c->f, SKC_IOC_CHANNEL_SYNC, &cs);
}

static inline unsigned
kh_poll(struct kh_chan *c, unsigned events, int arm)
{
	return sk_file_poll(c->f, &kh_cred, events, arm);
}

#endif /* KERN_HARNESS_H */
