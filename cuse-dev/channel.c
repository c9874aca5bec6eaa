/*
 * channel.c - channels: open, info, options, sync, poll, close.
 *
 * Theory of operation
 *
 * CHANNEL_OPEN validates the request, finds the nexus, checks the port
 * (range, binding, one owner per {port, ring}), and asks the nexus
 * domain to connect: the domain hands back the kernel rings to bind and
 * the packet pool that backs them.  The channel then builds its private
 * arena and binds each kernel ring to its user ring there:
 *
 *   memfd             client prot   contents
 *   schema            read-only     struct __user_channel_schema + ring_ofs
 *   ring              read-write    one struct __user_channel_ring per ring
 *   slotdesc          read-only     TX slot descriptors | RX slot descriptors
 *   pool (the nexus') read-write    buffers | user metadata   (shared)
 *
 *   span:  [schema][ring][buffers][umd][tx slot descs][rx slot descs]
 *
 * (see docs/kernel-notes.md for the full picture).  The client maps the
 * span itself from struct skc_map; offsets in the schema and rings are
 * relative, so where it lands does not matter and cinfo_mem_base is 0.
 *
 * A sync runs, per bound ring of the direction: kring prologue (user
 * input validated; a violation kills the caller with SIGABRT and returns
 * EFAULT), the domain's sync, kring finalize.  poll() does the same
 * implicitly and reports readiness; when nothing is ready it arms the
 * handle's waiter, fired once by ch_wakeup() when a peer's activity or a
 * state change may have made the channel ready.
 *
 * Close gives everything back in reverse: ticket, domain connection
 * (rings unbound), port claim, arena references, then the nexus link,
 * which frees an invalidated nexus with its last channel.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel_var.h"
#include "kern_channel.h"
#include "nx_advisory.h"
#include "nx_kpipe.h"
#include "nx_monitor.h"
#include "skmem_var.h"
#include "upp_var.h"

#define CH_RING_STRIDE          CHANNEL_CACHE_ALIGN_MAX

#define CH_POLL_READ            (POLLIN | POLLRDNORM)
#define CH_POLL_WRITE           (POLLOUT | POLLWRNORM)

static uint32_t ch_live;

uint32_t
ch_count(void)
{
	return ch_live;
}

/* ---- request checks ------------------------------------------------------- */

static int
ch_init_check(const struct ch_init *ci, uint32_t *modep)
{
	uint32_t mode = ci->ci_ch_mode & CHMODE_MASK;

	if (ci->ci_version != CHANNEL_INIT_CURRENT_VERSION)
		return -ENOTSUP;
	if (uuid_is_null(ci->ci_nx_uuid) || ci->ci_key_len > NEXUS_MAX_KEY_LEN)
		return -EINVAL;
	if ((mode & CHMODE_MONITOR) && (mode & (CHMODE_USER_PACKET_POOL |
	    CHMODE_EVENT_RING | CHMODE_LOW_LATENCY)))
		return -EINVAL;
	if ((mode & CHMODE_EVENT_RING) && !(mode & CHMODE_USER_PACKET_POOL))
		return -EINVAL;
	*modep = mode;
	return 0;
}

static bool
ch_thresh_unit_ok(const struct ch_ev_thresh *t)
{
	return t->cet_unit == CHANNEL_THRESHOLD_UNIT_SLOTS ||
	    t->cet_unit == CHANNEL_THRESHOLD_UNIT_BYTES;
}

/* Clamp to [1, slots - 1] slots or the bytes those slots can hold. */
static struct ch_ev_thresh
ch_thresh_clamp(struct ch_ev_thresh t, uint32_t slots, uint32_t buf_size)
{
	uint64_t max = slots - 1;

	if (t.cet_unit == CHANNEL_THRESHOLD_UNIT_BYTES)
		max *= buf_size;
	if (max > UINT32_MAX)
		max = UINT32_MAX;
	if (t.cet_value < 1)
		t.cet_value = 1;
	if (t.cet_value > max)
		t.cet_value = (uint32_t)max;
	return t;
}

/* Monitors watch a nexus through their own domain (nx_monitor.c). */
static const struct nxdom *
ch_dom_for(const struct kern_nexus *nx, uint32_t mode)
{
	return (mode & CHMODE_MONITOR) ? &nx_monitor_dom : nx->nx_dom;
}

static bool
ch_is_monitor(const struct kern_channel *ch)
{
	return ch->ch_dom == &nx_monitor_dom;
}

static int
ch_port_check(struct kern_nexus *nx, const struct ch_init *ci, uint32_t mode)
{
	const struct nxprov_params *p = &nx->nx_params;

	if (ci->ci_nx_port >= nx->nx_dom->nxdom_ports)
		return -EDOM;
	if (!ch_thresh_unit_ok(&ci->ci_tx_lowat) ||
	    !ch_thresh_unit_ok(&ci->ci_rx_lowat))
		return -EINVAL;
	if (ci->ci_ch_ring_id != CHANNEL_RING_ID_ANY &&
	    ci->ci_ch_ring_id >= p->nxp_tx_rings)
		return -EINVAL;
	if (!(p->nxp_flags & NXPF_USER_CHANNEL))
		return -ENOTSUP;
	return ch_dom_for(nx, mode)->nxdom_ch_check(nx, mode);
}

static uint64_t
ch_rings_mask(const struct kern_nexus *nx, ring_id_t rid)
{
	uint32_t n = nx->nx_params.nxp_tx_rings;

	if (rid != CHANNEL_RING_ID_ANY)
		return 1ull << rid;
	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

/* ---- arena ---------------------------------------------------------------- */

struct ch_layout {
	uint64_t cl_schema;             /* span offsets */
	uint64_t cl_ring;
	uint64_t cl_buf;
	uint64_t cl_umd;
	uint64_t cl_large;              /* user packet pools only: */
	uint64_t cl_bft;                /* 0 when absent */
	uint64_t cl_sd[2];              /* [NR_RX], [NR_TX] */
	size_t cl_sd_len[2];            /* bytes of each direction's descs */
};

/* TX rings, RX rings, then a user packet pool's rings (upp.c). */
static uint32_t
ch_nrings_all(const struct kern_channel *ch)
{
	return 2 * ch->ch_nrings + upp_nrings(ch);
}

static struct kern_channel_ring *
ch_kring(const struct kern_channel *ch, uint32_t i)
{
	if (i >= 2 * ch->ch_nrings)
		return upp_kring(ch, i - 2 * ch->ch_nrings);
	return i < ch->ch_nrings ? ch->ch_tx_krings[i] :
	    ch->ch_rx_krings[i - ch->ch_nrings];
}

static void
ch_layout_sd(const struct kern_channel *ch, struct ch_layout *cl)
{
	const struct kern_channel_ring *kr;
	uint32_t i;

	cl->cl_sd_len[NR_TX] = cl->cl_sd_len[NR_RX] = 0;
	for (i = 0; i < ch_nrings_all(ch); i++) {
		kr = ch_kring(ch, i);
		cl->cl_sd_len[kr_sd_region(kr)] += kr->ckr_num_slots *
		    SLOT_DESC_SZ;
	}
}

static int
ch_map_build(struct kern_channel *ch, struct ch_layout *cl)
{
	struct kern_pbufpool *pp = ch->ch_pp;
	struct skc_map *mp = &ch->ch_map;
	uint64_t tx_len = skmem_round_page(cl->cl_sd_len[NR_TX]);
	const uint32_t r = SKC_PROT_READ, rw = SKC_PROT_READ | SKC_PROT_WRITE;
	/* a user packet pool attaches and detaches in its slot descriptors */
	const uint32_t sd = ch->ch_upp != NULL ? rw : r;
	int err;

	cl->cl_large = cl->cl_bft = 0;

	skmem_map_init(mp);
	err = skmem_map_add(mp, CH_FD_SCHEMA, r, 0,
	    ch->ch_arena->ar_regions[0].sr_size, &cl->cl_schema);
	err = err ? err : skmem_map_add(mp, CH_FD_RING, rw, 0,
	    ch->ch_arena->ar_regions[1].sr_size, &cl->cl_ring);
	if (ch->ch_xbuf_len != 0)
		err = err ? err : skmem_map_add(mp, CH_FD_XBUF, r, 0,
		    ch->ch_xbuf_len, &cl->cl_buf);
	else
		err = err ? err : skmem_map_add(mp, CH_FD_POOL, rw, 0,
		    pp->pp_buf_len, &cl->cl_buf);
	if (ch->ch_upp != NULL && pp->pp_large_len != 0)
		err = err ? err : skmem_map_add(mp, CH_FD_POOL, rw,
		    pp->pp_large_off, pp->pp_large_len, &cl->cl_large);
	err = err ? err : skmem_map_add(mp, CH_FD_POOL, rw, pp->pp_umd_off,
	    pp->pp_umd_len, &cl->cl_umd);
	err = err ? err : skmem_map_add(mp, CH_FD_SLOTDESC, sd, 0,
	    cl->cl_sd_len[NR_TX], &cl->cl_sd[NR_TX]);
	err = err ? err : skmem_map_add(mp, CH_FD_SLOTDESC, sd, tx_len,
	    cl->cl_sd_len[NR_RX], &cl->cl_sd[NR_RX]);
	if (ch->ch_upp != NULL && pp->pp_bft_len != 0)
		err = err ? err : skmem_map_add(mp, CH_FD_POOL, rw,
		    pp->pp_bft_off, pp->pp_bft_len, &cl->cl_bft);
	return err;
}

static int
ch_arena_create(struct kern_channel *ch, struct ch_layout *cl)
{
	uint32_t nrings = ch_nrings_all(ch);
	char id[9], name[64];
	static const char *const what[] = { "schema", "ring", "slotdesc" };
	size_t len[3];
	unsigned i;

	ch_layout_sd(ch, cl);
	if (nxadv_prepare(ch) != 0)
		return -ENOMEM;
	/* the auxiliary regions share the schema's memfd and seals */
	len[0] = nxadv_schema_len(ch, CHANNEL_SCHEMA_SIZE(nrings));
	len[1] = (size_t)nrings * CH_RING_STRIDE;
	len[2] = skmem_round_page(cl->cl_sd_len[NR_TX]) + cl->cl_sd_len[NR_RX];
	snprintf(id, sizeof(id), "%08x", ch->ch_info.cinfo_ch_id_32[0]);
	ch->ch_arena = skmem_arena_create();
	if (ch->ch_arena == NULL)
		return -ENOMEM;
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "skchan:%s:%s", what[i], id);
		if (skmem_arena_add(ch->ch_arena, name, len[i],
		    i == 1 || (i == 2 && ch->ch_upp != NULL) ? 0 :
		    SKMEM_REGION_F_USER_RO) == NULL)
			return -ENOMEM;
	}
	ch->ch_schema = ch->ch_arena->ar_regions[0].sr_addr;
	ch->ch_pool_arena = ch->ch_pp->pp_arena;
	skmem_arena_retain(ch->ch_pool_arena);
	return ch_map_build(ch, cl);
}

static void
ch_schema_fill(struct kern_channel *ch)
{
	struct __user_channel_schema *csm = ch->ch_schema;
	const struct nxprov_params *p = &ch->ch_nexus->nx_params;

	csm->csm_ver = CSM_CURRENT_VERSION;
	snprintf(csm->csm_kern_name, sizeof(csm->csm_kern_name), "%s",
	    SK_KERN_NAME);
	uuid_copy(csm->csm_kern_uuid, sk_kern_uuid);
	csm->csm_tx_rings = ch->ch_nrings;
	csm->csm_rx_rings = ch->ch_nrings;
	csm->csm_md_redzone_cookie = sk_md_redzone_cookie;
	csm->csm_md_type = p->nxp_md_type;
	csm->csm_md_subtype = p->nxp_md_subtype;
	csm->csm_stats_type = NEXUS_STATS_TYPE_INVALID;
	upp_schema_fill(ch, csm);
}

/* Ring i of the span: its user ring, its place in the schema. */
static void
ch_ring_setup(struct kern_channel *ch, const struct ch_layout *cl,
    uint32_t i, uint64_t *sd_cursor)
{
	struct kern_channel_ring *kr = ch_kring(ch, i);
	struct kern_pbufpool *pp = kr->ckr_pp;
	uint64_t ring_off = cl->cl_ring + (uint64_t)i * CH_RING_STRIDE;
	enum kr_txrx sdr = kr_sd_region(kr);
	uint64_t sd_off = cl->cl_sd[sdr] + sd_cursor[sdr];
	uint8_t *ring_base = ch->ch_arena->ar_regions[1].sr_addr;
	uint8_t *sd_base = ch->ch_arena->ar_regions[2].sr_addr;
	struct __user_channel_ring *ring;

	ring = (void *)(ring_base + (uint64_t)i * CH_RING_STRIDE);
	ch->ch_schema->csm_ring_ofs[i].ring_off = ring_off - cl->cl_schema;
	ch->ch_schema->csm_ring_ofs[i].sd_off = sd_off - cl->cl_schema;
	ring->ring_num_slots = kr->ckr_num_slots;
	ring->ring_def_buf_size = pp->pp_buf_size;
	ring->ring_md_size = pp->pp_md_size;
	ring->ring_id = kr->ckr_ring_id;
	ring->ring_kind = kr->ckr_kind;
	ring->ring_def_buf_base = cl->cl_buf - ring_off;
	ring->ring_md_base = cl->cl_umd + PP_UMD_SKEW - ring_off;
	ring->ring_sd_base = cl->cl_sd[sdr] - ring_off;
	if (cl->cl_large != 0) {
		ring->ring_large_buf_size = pp->pp_large_size;
		ring->ring_large_buf_base = cl->cl_large - ring_off;
	}
	if (cl->cl_bft != 0) {
		ring->ring_bft_size = PP_BFT_SIZE;
		ring->ring_bft_base = cl->cl_bft - ring_off;
	}
	upp_ring_fill(ch, kr, ring);
	if (sdr == NR_RX)
		sd_base += skmem_round_page(cl->cl_sd_len[NR_TX]);
	kr_bind(kr, ch, ring, (void *)(sd_base + sd_cursor[sdr]));
	sd_cursor[sdr] += kr->ckr_num_slots * SLOT_DESC_SZ;
}

static void
ch_info_fill(struct kern_channel *ch, const struct ch_init *ci,
    uint32_t mode, const struct ch_layout *cl)
{
	struct ch_info *cinfo = &ch->ch_info;
	const struct nxprov_params *p = &ch->ch_nexus->nx_params;
	ring_id_t first = 0, last = p->nxp_tx_rings - 1;

	if (ci->ci_ch_ring_id != CHANNEL_RING_ID_ANY)
		first = last = ci->ci_ch_ring_id;
	cinfo->cinfo_ch_mode = mode;
	cinfo->cinfo_ch_ring_id = ci->ci_ch_ring_id;
	cinfo->cinfo_nxprov_params = *p;
	uuid_copy(cinfo->cinfo_nx_uuid, ch->ch_nexus->nx_uuid);
	cinfo->cinfo_nx_port = ch->ch_port;
	cinfo->cinfo_num_bufs = ch->ch_pp->pp_nobjs;
	cinfo->cinfo_mem_map_size = ch->ch_map.mp_span_size;
	cinfo->cinfo_mem_base = 0;
	cinfo->cinfo_schema_offset = cl->cl_schema;
	cinfo->cinfo_first_tx_ring = cinfo->cinfo_first_rx_ring = first;
	cinfo->cinfo_last_tx_ring = cinfo->cinfo_last_rx_ring = last;
	cinfo->cinfo_tx_lowat = ch_thresh_clamp(ci->ci_tx_lowat,
	    p->nxp_tx_slots, p->nxp_buf_size);
	cinfo->cinfo_rx_lowat = ch_thresh_clamp(ci->ci_rx_lowat,
	    p->nxp_rx_slots, p->nxp_buf_size);
}

/* ---- open / close --------------------------------------------------------- */

/* Controller-made instances first, then kernel-owned ones (kpipes). */
static int
ch_lookup_nexus(const uuid_t uuid, struct kern_nexus **nxp)
{
	int err = nx_lookup_for_open(uuid, nxp);

	return err == -ENOENT ? nx_kpipe_lookup(uuid, nxp) : err;
}

static struct kern_channel *
ch_alloc(const struct sk_cred *cred, struct sk_waiter *w,
    struct kern_nexus *nx, nexus_port_t port)
{
	struct kern_channel *ch = calloc(1, sizeof(*ch));

	if (ch == NULL)
		return NULL;
	skmem_random(ch->ch_info.cinfo_ch_id, sizeof(uuid_t));
	ch->ch_cred = *cred;
	ch->ch_waiter = w;
	ch->ch_nexus = nx;
	ch->ch_port = port;
	return ch;
}

static int
ch_connect(struct kern_channel *ch, const struct ch_init *ci, uint32_t mode,
    enum sk_door door)
{
	struct ch_layout cl;
	uint64_t sd_cursor[2] = { 0, 0 };
	uint32_t i;
	int err;

	err = ch->ch_dom->nxdom_ch_connect(ch->ch_nexus, ch);
	err = err ? err : upp_connect(ch, mode);
	if (err != 0)
		return err;
	err = ch_arena_create(ch, &cl);
	if (err != 0)
		return err;
	ch_schema_fill(ch);
	nxadv_attach(ch, cl.cl_schema);
	for (i = 0; i < ch_nrings_all(ch); i++)
		ch_ring_setup(ch, &cl, i, sd_cursor);
	ch_info_fill(ch, ci, mode, &cl);
	/* Published last: a client that sees ACTIVE sees everything. */
	__atomic_store_n(&ch->ch_schema->csm_flags, CSM_ACTIVE,
	    __ATOMIC_RELEASE);
	if (door == SK_DOOR_CUSE) {
		ch->ch_ticket = skmem_ticket_mint(&ch->ch_cred, ch);
		if (ch->ch_ticket == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* Undo ch_connect() and the port claim; the nexus link is the caller's. */
static void
ch_teardown(struct kern_channel *ch)
{
	struct kern_nexus *nx = ch->ch_nexus;

	ch->ch_waiter = NULL;   /* the handle is going: never fire it again */
	nxadv_detach(ch);
	skmem_ticket_destroy(ch->ch_ticket);
	ch->ch_ticket = NULL;
	upp_disconnect(ch);     /* the process's packets, while the pool is */
	if (ch->ch_tx_krings != NULL)
		ch->ch_dom->nxdom_ch_disconnect(nx, ch);
	if (!ch_is_monitor(ch))
		nx_port_release(nx, ch->ch_port, ch->ch_rings_mask);
}

static void
ch_free(struct kern_channel *ch)
{
	skmem_arena_release(ch->ch_arena);
	skmem_arena_release(ch->ch_pool_arena);
	free(ch);
}

int
ch_open(const struct sk_cred *cred, enum sk_door door, struct sk_waiter *w,
    struct skc_channel_open *req, struct kern_channel **chp)
{
	const struct ch_init *ci = &req->co_init;
	struct kern_nexus *nx = NULL;
	struct kern_channel *ch;
	uint32_t mode = 0;
	uint64_t rings;
	int err;

	err = ch_init_check(ci, &mode);
	err = err ? err : ch_lookup_nexus(ci->ci_nx_uuid, &nx);
	err = err ? err : ch_port_check(nx, ci, mode);
	err = err ? err : nx_port_admit(nx, ci->ci_nx_port, cred, req->co_key,
	    ci->ci_key_len);
	if (err != 0)
		return err;
	rings = ch_rings_mask(nx, ci->ci_ch_ring_id);
	/* A monitor watches the rings; it does not own them. */
	if (!(mode & CHMODE_MONITOR))
		err = nx_port_claim(nx, ci->ci_nx_port, rings);
	if (err != 0)
		return err;
	ch = ch_alloc(cred, w, nx, ci->ci_nx_port);
	if (ch == NULL) {
		if (!(mode & CHMODE_MONITOR))
			nx_port_release(nx, ci->ci_nx_port, rings);
		return -ENOMEM;
	}
	ch->ch_rings_mask = rings;
	ch->ch_dom = ch_dom_for(nx, mode);
	ch->ch_info.cinfo_ch_mode = mode;       /* the domain may look */
	err = ch_connect(ch, ci, mode, door);
	if (err != 0) {
		ch_teardown(ch);
		ch_free(ch);
		return err;
	}
	nx_channel_attach(nx, ch);
	ch_live++;
	req->co_ticket = ch->ch_ticket != NULL ? ch->ch_ticket->tk_value : 0;
	req->co_features = 0;
	req->co_map = ch->ch_map;
	req->co_init.ci_guard = 0;
	*chp = ch;
	return 0;
}

/*
 * The last thing that touches the nexus is the detach, which frees an
 * invalidated nexus along with its last channel.
 */
void
ch_close(struct kern_channel *ch)
{
	struct kern_nexus *nx = ch->ch_nexus;

	ch_live--;
	ch_teardown(ch);
	if (nx->nx_params.nxp_reject_on_close && !ch_is_monitor(ch))
		nx_reject(nx);
	nx_channel_detach(nx, ch);
	ch_free(ch);
}

int
ch_fds(const struct kern_channel *ch, struct sk_fds *fds)
{
	const struct skmem_region *sr = ch->ch_arena->ar_regions;

	fds->f_fd[CH_FD_SCHEMA] = sr[0].sr_fd;
	fds->f_fd[CH_FD_RING] = sr[1].sr_fd;
	fds->f_fd[CH_FD_POOL] = ch->ch_pool_arena->ar_regions[0].sr_fd;
	fds->f_fd[CH_FD_SLOTDESC] = sr[2].sr_fd;
	if (ch->ch_xbuf_len != 0)
		fds->f_fd[CH_FD_XBUF] = ch->ch_xbuf_fd;
	fds->f_count = ch->ch_map.mp_nfds;
	return 0;
}

int
ch_arena_fetch(const struct sk_cred *cred, struct skc_arena_fetch *req,
    struct sk_fds *fds)
{
	struct sk_fds scratch;
	void *owner;
	int err;

	err = skmem_ticket_claim(req->af_ticket, cred, &owner);
	if (err != 0)
		return err;
	ch_fds(owner, fds != NULL ? fds : &scratch);
	req->af_nfds = ((const struct kern_channel *)owner)->ch_map.mp_nfds;
	return 0;
}

/* ---- info and options ----------------------------------------------------- */

int
ch_get_info(struct kern_channel *ch, struct skc_channel_info *req)
{
	req->ci_info = ch->ch_info;
	return 0;
}

/* Defunct, or its pipe peer went away with reject_on_close set. */
bool
ch_is_dead(const struct kern_channel *ch)
{
	return (ch->ch_flags & CHF_DEFUNCT) ||
	    (ch->ch_nexus->nx_flags & NXF_REJECT);
}

static struct ch_ev_thresh *
ch_thresh(struct kern_channel *ch, uint32_t opt, uint32_t *slots)
{
	const struct nxprov_params *p = &ch->ch_nexus->nx_params;

	if (opt == CHOPT_TX_LOWAT_THRESH) {
		*slots = p->nxp_tx_slots;
		return &ch->ch_info.cinfo_tx_lowat;
	}
	*slots = p->nxp_rx_slots;
	return &ch->ch_info.cinfo_rx_lowat;
}

int
ch_get_opt(struct kern_channel *ch, struct skc_channel_opt *req)
{
	uint32_t slots;

	if (req->co_len > SKC_CHOPT_DATA_MAX)
		return -EINVAL;
	switch (req->co_opt) {
	case CHOPT_TX_LOWAT_THRESH:
	case CHOPT_RX_LOWAT_THRESH:
		if (req->co_len < sizeof(struct ch_ev_thresh))
			return -EINVAL;
		memcpy(req->co_data, ch_thresh(ch, req->co_opt, &slots),
		    sizeof(struct ch_ev_thresh));
		req->co_len = sizeof(struct ch_ev_thresh);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int
ch_set_thresh(struct kern_channel *ch, const struct skc_channel_opt *req)
{
	struct ch_ev_thresh t, *cur;
	uint32_t slots;

	if (req->co_len < sizeof(t))
		return -EINVAL;
	memcpy(&t, req->co_data, sizeof(t));
	if (!ch_thresh_unit_ok(&t))
		return -EINVAL;
	cur = ch_thresh(ch, req->co_opt, &slots);
	*cur = ch_thresh_clamp(t, slots, ch->ch_nexus->nx_params.nxp_buf_size);
	ch_wakeup(ch);          /* a lower mark may make a waiter ready */
	return 0;
}

int
ch_set_opt(struct kern_channel *ch, struct skc_channel_opt *req)
{
	if (req->co_len > SKC_CHOPT_DATA_MAX)
		return -EINVAL;
	if (ch_is_dead(ch))
		return -ENXIO;
	switch (req->co_opt) {
	case CHOPT_TX_LOWAT_THRESH:
	case CHOPT_RX_LOWAT_THRESH:
		return ch_set_thresh(ch, req);
	case CHOPT_IF_ADV_CONF:
		/* ENOTSUP where the nexus publishes no advisory */
		return nxadv_configure(ch, req->co_data, req->co_len);
	default:
		return -ENOPROTOOPT;
	}
}

/* ---- sync ----------------------------------------------------------------- */

/*
 * The nexus half of a sync, with the KPI's walking rights (sync
 * protection) and the ring marked busy.  Domains return 0 or a positive
 * errno (the KPI's convention): EFAULT means the process broke the
 * ring (a kpipe RX sync runs the TX prologue) and kills it like ours;
 * anything else is the nexus failing: EIO.
 */
static int
ch_nexus_sync(struct kern_channel *ch, struct kern_channel_ring *kr,
    int (*sync)(struct kern_channel_ring *))
{
	sk_protect_t protect = sk_sync_protect();
	int err;

	(void)ch;
	kr->ckr_busy = 1;
	err = sync(kr);
	kr->ckr_busy = 0;
	sk_sync_unprotect(protect);
	if (err == EFAULT || err == -EFAULT)
		return -EFAULT;
	return err != 0 ? -EIO : 0;
}

static int
ch_txsync_ring(struct kern_channel *ch, struct kern_channel_ring *kr)
{
	int err = kr_txsync_prologue(kr);

	if (err != 0)
		return err;
	err = ch_nexus_sync(ch, kr, ch->ch_dom->nxdom_txsync);
	kr_txsync_finalize(kr);
	return err;
}

static int
ch_rxsync_ring(struct kern_channel *ch, struct kern_channel_ring *kr)
{
	int err = kr_rxsync_prologue(kr);

	if (err != 0)
		return err;
	err = ch_nexus_sync(ch, kr, ch->ch_dom->nxdom_rxsync);
	kr_rxsync_finalize(kr);
	return err;
}

/* A ring violation kills the process that made it (XNU semantics). */
static int
ch_sync_dir(struct kern_channel *ch, const struct sk_cred *cred,
    enum kr_txrx dir)
{
	struct kern_channel_ring **krs = dir == NR_TX ? ch->ch_tx_krings :
	    ch->ch_rx_krings;
	uint32_t i;
	int err = 0;

	for (i = 0; i < ch->ch_nrings && err == 0; i++) {
		err = dir == NR_TX ? ch_txsync_ring(ch, krs[i]) :
		    ch_rxsync_ring(ch, krs[i]);
	}
	if (err == -EFAULT) {
		nxadv_stat_sync_error(ch);
		sk_kill_process(cred, "channel ring or metadata corrupted");
	}
	return err;
}

/* The pool rings of a user packet pool (upp.c): frees, allocs, events. */
static int
ch_sync_pool(struct kern_channel *ch, const struct sk_cred *cred,
    uint32_t flags)
{
	int err = upp_sync(ch, flags);

	if (err == -EFAULT)
		sk_kill_process(cred, "packet pool ring corrupted");
	return err;
}

int
ch_sync(struct kern_channel *ch, const struct sk_cred *cred, int mode,
    uint32_t flags)
{
	int err;

	if (mode != CHANNEL_SYNC_TX && mode != CHANNEL_SYNC_RX &&
	    mode != CHANNEL_SYNC_UPP)
		return -EINVAL;
	/* No packet-pool rings: pool syncs and pool flags are invalid. */
	err = upp_check_flags(ch, mode, flags);
	if (err != 0)
		return err;
	if (ch_is_dead(ch)) {
		nxadv_stat_refused(ch);
		return -ENXIO;
	}
	if (mode != CHANNEL_SYNC_UPP)
		err = ch_sync_dir(ch, cred, mode == CHANNEL_SYNC_TX ? NR_TX :
		    NR_RX);
	if (err == 0 && ch->ch_upp != NULL)
		err = ch_sync_pool(ch, cred, flags);
	return err;
}

/* ---- poll ----------------------------------------------------------------- */

static bool
ch_any_user_slots(const struct kern_channel *ch, enum kr_txrx dir)
{
	struct kern_channel_ring **krs = dir == NR_TX ? ch->ch_tx_krings :
	    ch->ch_rx_krings;
	uint32_t i;

	for (i = 0; i < ch->ch_nrings; i++) {
		if (kr_user_has_slots(krs[i]))
			return true;
	}
	return false;
}

/*
 * Readiness with Skywalk's implicit syncs.  Dead channels report POLLHUP
 * plus the requested read bits and never the write bits (XNU's
 * kqueue-based poll); see docs/kernel-notes.md for select.
 */
unsigned
ch_poll(struct kern_channel *ch, const struct sk_cred *cred, unsigned events,
    int arm)
{
	unsigned revents = 0;

	if (ch_is_dead(ch))
		return POLLHUP | (events & CH_POLL_READ);
	if (events & CH_POLL_WRITE) {
		if (ch_sync_dir(ch, cred, NR_TX) == -EFAULT)
			return POLLERR;
		if (ch_any_user_slots(ch, NR_TX))
			revents |= events & CH_POLL_WRITE;
	}
	if (events & CH_POLL_READ) {
		if (ch_sync_dir(ch, cred, NR_RX) == -EFAULT)
			return POLLERR;
		if (ch_any_user_slots(ch, NR_RX))
			revents |= events & CH_POLL_READ;
	}
	if (revents == 0 && arm)
		ch->ch_armed = true;
	return revents;
}

void
ch_wakeup(struct kern_channel *ch)
{
	if (!ch->ch_armed || ch->ch_waiter == NULL)
		return;
	ch->ch_armed = false;
	ch->ch_waiter->w_fire(ch->ch_waiter);
}

/* ---- defunct -------------------------------------------------------------- */

/*
 * The pool's memfd is shared by every channel of the nexus (both ends of
 * a pipe) and by the domain's pool itself while any channel is connected.
 * It may be revoked only when nobody live still uses it: every channel
 * that maps it is defunct, and so has let go of the domain, whose pool
 * went with its last connected channel.
 */
static bool
ch_pool_orphaned(const struct kern_channel *ch)
{
	const struct kern_channel *c;

	TAILQ_FOREACH(c, &ch->ch_nexus->nx_channels, ch_nx_link) {
		if (c->ch_pool_arena == ch->ch_pool_arena &&
		    !(c->ch_flags & CHF_DEFUNCT))
			return false;
	}
	return true;
}

/*
 * Give back what the channel holds in the nexus, as a close would: the
 * domain unbinds the rings and frees the packets and pipe state with its
 * last connected channel (a pipe peer keeps working, as after a close:
 * what it sends waits in the rings).  The port claim and the nexus link
 * stay until the handle closes.
 */
static void
ch_defunct_release(struct kern_channel *ch)
{
	upp_disconnect(ch);
	if (ch->ch_tx_krings != NULL)
		ch->ch_dom->nxdom_ch_disconnect(ch->ch_nexus, ch);
	ch->ch_nrings = 0;
	ch->ch_pp = NULL;
	skmem_ticket_destroy(ch->ch_ticket);
	ch->ch_ticket = NULL;
}

/*
 * Every region of the span but the schema reads zeros: the user rings
 * (punched), the slot descriptors (cleared through the daemon's mapping:
 * the FUTURE_WRITE seal forbids punching), and the pool once no live
 * channel uses it (else only at the last end's defunct: see
 * docs/design.md).
 */
static void
ch_defunct_revoke(struct kern_channel *ch)
{
	struct skmem_region *sr = ch->ch_arena->ar_regions;

	skmem_region_revoke(&sr[1]);    /* user rings */
	skmem_region_revoke(&sr[2]);    /* slot descriptors */
	if (ch_pool_orphaned(ch))
		skmem_arena_revoke(ch->ch_pool_arena);
}

/*
 * Revoke a channel (XNU's ch_deactivate, the arena redirect and the
 * domain's defunct, in that order): CSM_ACTIVE goes first, so a library
 * that sees zeros knows why; then the resources, then the memory; then
 * any thread blocked in poll wakes to find POLLHUP.  Every request but
 * close and info fails with ENXIO from now on.  Not from inside a sync
 * (the rings go away): the KPI's callers never are.  Returns whether it
 * was defuncted now (false: it already was).
 */
bool
ch_defunct(struct kern_channel *ch)
{
	if (ch->ch_flags & CHF_DEFUNCT)
		return false;
	SK_VERIFY(!sk_is_sync_protected());
	ch->ch_flags |= CHF_DEFUNCT;
	__atomic_and_fetch(&ch->ch_schema->csm_flags, ~CSM_ACTIVE,
	    __ATOMIC_RELEASE);
	ch_defunct_release(ch);
	ch_defunct_revoke(ch);
	ch_wakeup(ch);
	return true;
}
