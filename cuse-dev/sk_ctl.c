/*
 * sk_ctl.c - introspection: who the daemon is and what it holds.
 *
 * Theory of operation
 *
 * Two read-only requests serve skctl and the tests.  CTL_INFO gathers
 * the daemon's identity (version, pid, start time, per-start UUID, the
 * kernel-pipe loopback instance) and the same counts as CTL_STATS.
 * CTL_LIST walks every object in one fixed order,
 *
 *   providers | instances | channels (per instance) | rings (per channel)
 *
 * and returns the entries of the kinds asked for, a page at a time.
 * The daemon keeps no per-client state between pages: each call walks
 * everything again, hashing each object's identity and describing only
 * the dozen that fall in the page (so a walk of N objects costs about
 * N * N / 12 hashes, never N * N descriptions), and the cursor carries the
 * position reached plus a 32-bit fingerprint of the identities walked
 * (kind, UUID, parent, ring id).  If the fingerprint of a later walk
 * differs, objects came or went between the pages and the call fails
 * with ESTALE: a client restarts rather than stitch together pages of
 * two different sets.  Counters (ring indices, statistics) may move
 * between pages; only identities are held still.
 *
 *   cursor = fingerprint << 32 | position     (0: start, and: complete)
 *
 * Instances live on two lists: nexus.c's (user-registered types) and
 * nx_kpipe.c's (kernel pipes, which no controller sees); the walk goes
 * through both, in that order, as one.
 *
 * Nothing here writes kernel state, and nothing is taken from shared
 * memory: every value comes from the kernel's private structures.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "channel_var.h"
#include "nx_kpipe.h"
#include "nx_netif.h"
#include "sk_ctl.h"

_Static_assert(SK_DOOR_CUSE == SKC_CTL_DOOR_CUSE &&
		   SK_DOOR_SOCKET == SKC_CTL_DOOR_SOCKET &&
		   SK_DOOR_LOCAL == SKC_CTL_DOOR_LOCAL,
	       "door numbers are the ABI's");

static uint64_t skctl_start_ns;	  /* CLOCK_REALTIME */
static uint64_t skctl_start_mono; /* sk_now_ns() */

void
sk_ctl_init(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	skctl_start_ns =
	    (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	skctl_start_mono = sk_now_ns();
}

static int
skctl_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		if (b[i] != 0)
			return -EINVAL;
	}
	return 0;
}

int
sk_ctl_info_reserved(const void *arg)
{
	const struct skc_ctl_info *req = arg;

	return skctl_zero(req->di_reserved, sizeof(req->di_reserved));
}

int
sk_ctl_list_reserved(const void *arg)
{
	const struct skc_ctl_list *req = arg;

	return req->ls_reserved != 0 ? -EINVAL : 0;
}

/* ---- CTL_INFO ------------------------------------------------------------ */

/* The loopback instance, when this daemon has one (else null). */
static void
skctl_kpipe_uuid(uuid_t out)
{
	if (nx_kpipe_loopback_uuid(out) != 0)
		uuid_clear(out);
}

static uint64_t
skctl_features(const struct skc_ctl_info *req)
{
	uint64_t f = SKC_CTL_FEAT_LIST | SKC_CTL_FEAT_RING_STATS |
		     SKC_CTL_FEAT_NETIF | SKC_CTL_FEAT_DEFUNCT;

	if (!uuid_is_null(req->di_kpipe_uuid))
		f |= SKC_CTL_FEAT_KPIPE;
	return f;
}

int
sk_ctl_info(struct skc_ctl_info *req, enum sk_door door)
{
	struct skc_req_hdr hdr = req->di_hdr;

	memset(req, 0, sizeof(*req));
	req->di_hdr = hdr;
	req->di_abi_version = SKCHAN_ABI_VERSION;
	req->di_nr_max = SKC_IOC_NR_MAX;
	req->di_pid = (int32_t)getpid();
	req->di_door = (uint32_t)door;
	req->di_start_ns = skctl_start_ns;
	req->di_uptime_ns = sk_now_ns() - skctl_start_mono;
	uuid_copy(req->di_kern_uuid, sk_kern_uuid);
	skctl_kpipe_uuid(req->di_kpipe_uuid);
	snprintf(req->di_version, sizeof(req->di_version), "%s", SK_KERN_NAME);
	req->di_features = skctl_features(req);
	sk_kern_stats(&req->di_stats);
	memset(&req->di_stats.cs_hdr, 0, sizeof(req->di_stats.cs_hdr));
	return 0;
}

/* ---- CTL_LIST: entries --------------------------------------------------- */

/* Every instance: nexus.c's list, then the kernel pipes. */
static const struct kern_nexus *
skctl_nx_next(const struct kern_nexus *prev)
{
	const struct kern_nexus *nx;

	if (prev == NULL || prev->nx_dom != &nx_kpipe_dom) {
		nx = nx_iter(prev);
		if (nx != NULL)
			return nx;
		prev = NULL;
	}
	return nx_kpipe_iter(prev);
}

/* A provider name is counted bytes from userland: bound it, end it. */
static void
skctl_name(char dst[64], const struct nxprov_params *np)
{
	size_t n = np->nxp_namelen;

	if (n > 63)
		n = 63;
	memcpy(dst, np->nxp_name, n);
	dst[n] = '\0';
}

static uint32_t
skctl_prov_instances(const struct kern_nexus_provider *p)
{
	const struct kern_nexus *nx = NULL;
	uint32_t n = 0;

	while ((nx = skctl_nx_next(nx)) != NULL) {
		if (!(nx->nx_flags & NXF_INVALIDATED) &&
		    uuid_compare(nx->nx_prov_uuid, p->nxprov_uuid) == 0)
			n++;
	}
	return n;
}

static void
skctl_fill_prov(struct skc_ctl_ent *e, const struct kern_nexus_provider *p)
{
	const struct nxprov_params *np = &p->nxprov_params;
	struct skc_ctl_prov_ent *pe = &e->le_u.lu_prov;

	e->le_kind = SKC_CTL_KIND_PROVIDER;
	uuid_copy(e->le_uuid, p->nxprov_uuid);
	skctl_name(pe->pe_name, np);
	pe->pe_type = (uint32_t)np->nxp_type;
	if (p->nxprov_ctl != NULL) {
		pe->pe_owner_pid = p->nxprov_ctl->nxctl_cred.cr_pid;
		pe->pe_owner_uid = p->nxprov_ctl->nxctl_cred.cr_uid;
	}
	pe->pe_instances = skctl_prov_instances(p);
	pe->pe_tx_rings = np->nxp_tx_rings;
	pe->pe_rx_rings = np->nxp_rx_rings;
	pe->pe_tx_slots = np->nxp_tx_slots;
	pe->pe_rx_slots = np->nxp_rx_slots;
	pe->pe_buf_size = np->nxp_buf_size;
	pe->pe_meta_size = np->nxp_meta_size;
	pe->pe_nxp_flags = np->nxp_flags;
}

static uint32_t
skctl_nx_bound(const struct kern_nexus *nx)
{
	uint32_t i, n = 0;

	for (i = 0; i < nx->nx_dom->nxdom_ports; i++) {
		if (nx->nx_ports[i].np_bind != NULL)
			n++;
	}
	return n;
}

static uint32_t
skctl_nx_flags(const struct kern_nexus *nx)
{
	uint32_t f = 0;

	if (nx->nx_flags & NXF_INVALIDATED)
		f |= SKC_CTL_NEF_INVALIDATED;
	else if (nx->nx_ctl == NULL)
		f |= SKC_CTL_NEF_KERNEL;
	if (nx->nx_flags & NXF_REJECT)
		f |= SKC_CTL_NEF_REJECT;
	return f;
}

static void
skctl_fill_nexus(struct skc_ctl_ent *e, const struct kern_nexus *nx)
{
	const struct nxprov_params *np = &nx->nx_params;
	struct skc_ctl_nexus_ent *ne = &e->le_u.lu_nexus;

	e->le_kind = SKC_CTL_KIND_NEXUS;
	e->le_flags = skctl_nx_flags(nx);
	uuid_copy(e->le_uuid, nx->nx_uuid);
	uuid_copy(e->le_parent, nx->nx_prov_uuid);
	skctl_name(ne->ne_name, np);
	ne->ne_type = (uint32_t)np->nxp_type;
	if (nx->nx_ctl != NULL)
		ne->ne_owner_pid = nx->nx_ctl->nxctl_cred.cr_pid;
	ne->ne_ports = nx->nx_dom->nxdom_ports;
	ne->ne_channels = nx->nx_nchannels;
	ne->ne_bound = skctl_nx_bound(nx);
	ne->ne_tx_rings = np->nxp_tx_rings;
	ne->ne_rx_rings = np->nxp_rx_rings;
	ne->ne_tx_slots = np->nxp_tx_slots;
	ne->ne_rx_slots = np->nxp_rx_slots;
	snprintf(ne->ne_ifname, sizeof(ne->ne_ifname), "%s",
		 nx_netif_ifname(nx));
}

static void
skctl_fill_chan(struct skc_ctl_ent *e, const struct kern_channel *ch)
{
	const struct ch_info *ci = &ch->ch_info;
	struct skc_ctl_chan_ent *ce = &e->le_u.lu_chan;

	e->le_kind = SKC_CTL_KIND_CHANNEL;
	e->le_flags = (ch->ch_flags & CHF_DEFUNCT) ? SKC_CTL_CEF_DEFUNCT : 0;
	uuid_copy(e->le_uuid, ci->cinfo_ch_id);
	uuid_copy(e->le_parent, ch->ch_nexus->nx_uuid);
	ce->ce_port = ch->ch_port;
	ce->ce_mode = ci->cinfo_ch_mode;
	ce->ce_ring_id = ci->cinfo_ch_ring_id;
	ce->ce_first_tx_ring = ci->cinfo_first_tx_ring;
	ce->ce_last_tx_ring = ci->cinfo_last_tx_ring;
	ce->ce_first_rx_ring = ci->cinfo_first_rx_ring;
	ce->ce_last_rx_ring = ci->cinfo_last_rx_ring;
	ce->ce_pid = ch->ch_cred.cr_pid;
	ce->ce_uid = ch->ch_cred.cr_uid;
	ce->ce_door = (uint32_t)sk_kern_channel_door(ch);
	ce->ce_num_bufs = ci->cinfo_num_bufs;
	ce->ce_map_size = ci->cinfo_mem_map_size;
}

/*
 * A netif keeps drop counts per device queue (= ring index): the RX ring
 * gets the frames from the device this queue lost, the TX ring the
 * frames the channel sent that the device would not take.  Device
 * errors and a vanished device belong to neither side: lookup only.
 */
static uint64_t
skctl_netif_drops(const struct skc_netif_qstats *q, bool tx)
{
	const uint64_t *d = q->nq_drops;

	if (tx)
		return d[SKC_NETIF_DROP_BADLEN] + d[SKC_NETIF_DROP_LINK_DOWN];
	return d[SKC_NETIF_DROP_NO_CHANNEL] + d[SKC_NETIF_DROP_RING_FULL] +
	       d[SKC_NETIF_DROP_TRUNCATED] + d[SKC_NETIF_DROP_NO_PACKET];
}

static bool
skctl_ring_drops(const struct kern_channel *ch,
		 const struct kern_channel_ring *kr, uint64_t *drops)
{
	/* 1.8 KiB: static, not on the stack; the kernel is single-threaded */
	static struct skc_ctl_netif_lookup nl;

	if (ch->ch_nexus->nx_dom->nxdom_type != NEXUS_TYPE_NET_IF)
		return false;
	memset(&nl, 0, sizeof(nl));
	uuid_copy(nl.nl_nx_uuid, ch->ch_nexus->nx_uuid);
	if (nx_netif_ctl_lookup(&nl) != 0 || kr->ckr_ring_id >= nl.nl_rings ||
	    kr->ckr_ring_id >= SKC_NETIF_QUEUES_MAX)
		return false;
	*drops =
	    skctl_netif_drops(&nl.nl_q[kr->ckr_ring_id], kr->ckr_tx == NR_TX);
	return true;
}

/*
 * Packets and bytes are what providers report through
 * kern_channel_increment_ring_stats().  The user pipe moves slots
 * without the KPI and reports nothing: say so rather than show zeros
 * that read as "no traffic".  Drops: a netif's, by queue (above).
 */
static void
skctl_fill_ring_stats(struct skc_ctl_ent *e, const struct kern_channel *ch,
		      const struct kern_channel_ring *kr)
{
	struct skc_ctl_ring_ent *re = &e->le_u.lu_ring;

	if (ch->ch_nexus->nx_dom->nxdom_type == NEXUS_TYPE_USER_PIPE) {
		e->le_flags |= SKC_CTL_REF_NOSTATS;
		return;
	}
	re->re_packets = kr->ckr_stats.krs_slots;
	re->re_bytes = kr->ckr_stats.krs_bytes;
	if (!skctl_ring_drops(ch, kr, &re->re_drops))
		e->le_flags |= SKC_CTL_REF_NODROPS;
}

static uint32_t
skctl_ring_kind(const struct kern_channel_ring *kr)
{
	return kr->ckr_tx == NR_TX ? SKC_CTL_RING_TX : SKC_CTL_RING_RX;
}

static void
skctl_fill_ring(struct skc_ctl_ent *e, const struct kern_channel *ch,
		const struct kern_channel_ring *kr)
{
	struct skc_ctl_ring_ent *re = &e->le_u.lu_ring;

	e->le_kind = SKC_CTL_KIND_RING;
	uuid_copy(e->le_parent, ch->ch_info.cinfo_ch_id);
	re->re_ring_id = kr->ckr_ring_id;
	re->re_kind = skctl_ring_kind(kr);
	re->re_port = kr->ckr_port;
	re->re_num_slots = kr->ckr_num_slots;
	re->re_khead = kr->ckr_khead;
	re->re_ktail = kr->ckr_ktail;
	re->re_rhead = kr->ckr_rhead;
	re->re_rtail = kr->ckr_rtail;
	re->re_sync_time = kr->ckr_sync_time;
	re->re_notify_time = kr->ckr_notify_time;
	skctl_fill_ring_stats(e, ch, kr);
}

/* ---- CTL_LIST: the walk -------------------------------------------------- */

struct skctl_walk {
	struct skc_ctl_list *w_req;
	uint32_t w_kinds; /* SKC_CTL_KIND_BIT()s wanted */
	uint32_t w_skip;  /* entries before the page */
	uint32_t w_pos;	  /* entries walked so far */
	uint32_t w_fp;	  /* FNV-1a of the identities walked */
};

static void
skctl_fp(struct skctl_walk *w, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		w->w_fp = (w->w_fp ^ b[i]) * 16777619u;
}

/* An object's identity: what must not change between two pages. */
struct skctl_id {
	uint16_t id_kind;	  /* SKC_CTL_KIND_* */
	const uint8_t *id_uuid;	  /* NULL: the null UUID */
	const uint8_t *id_parent; /* NULL: the null UUID */
	uint32_t id_ring_kind;	  /* rings only */
	uint32_t id_ring_id;
};

static void
skctl_fp_uuid(struct skctl_walk *w, const uint8_t *u)
{
	static const uuid_t null_uuid;

	skctl_fp(w, u != NULL ? u : null_uuid, sizeof(uuid_t));
}

static void
skctl_fp_id(struct skctl_walk *w, const struct skctl_id *id)
{
	skctl_fp(w, &id->id_kind, sizeof(id->id_kind));
	skctl_fp_uuid(w, id->id_uuid);
	skctl_fp_uuid(w, id->id_parent);
	if (id->id_kind == SKC_CTL_KIND_RING) {
		skctl_fp(w, &id->id_ring_kind, sizeof(id->id_ring_kind));
		skctl_fp(w, &id->id_ring_id, sizeof(id->id_ring_id));
	}
}

/*
 * Count one object.  Returns the (zeroed) page slot to describe it in
 * when it falls in the page, else NULL: only the page's dozen objects
 * are described, the rest of the walk costs a hash of their identity.
 */
static struct skc_ctl_ent *
skctl_visit(struct skctl_walk *w, const struct skctl_id *id)
{
	struct skc_ctl_list *req = w->w_req;

	skctl_fp_id(w, id);
	if (w->w_pos++ < w->w_skip || req->ls_count >= SKC_CTL_LIST_MAX)
		return NULL;
	return &req->ls_ent[req->ls_count++];
}

static bool
skctl_want(const struct skctl_walk *w, unsigned kind)
{
	return (w->w_kinds & SKC_CTL_KIND_BIT(kind)) != 0;
}

static void
skctl_walk_provs(struct skctl_walk *w)
{
	const struct kern_nexus_provider *p = NULL;
	struct skc_ctl_ent *e;

	while ((p = nxprov_iter(p)) != NULL) {
		struct skctl_id id = {.id_kind = SKC_CTL_KIND_PROVIDER,
				      .id_uuid = p->nxprov_uuid};

		e = skctl_visit(w, &id);
		if (e != NULL)
			skctl_fill_prov(e, p);
	}
}

static void
skctl_walk_nexus(struct skctl_walk *w)
{
	const struct kern_nexus *nx = NULL;
	struct skc_ctl_ent *e;

	while ((nx = skctl_nx_next(nx)) != NULL) {
		struct skctl_id id = {.id_kind = SKC_CTL_KIND_NEXUS,
				      .id_uuid = nx->nx_uuid,
				      .id_parent = nx->nx_prov_uuid};

		e = skctl_visit(w, &id);
		if (e != NULL)
			skctl_fill_nexus(e, nx);
	}
}

static void
skctl_walk_chan_rings(struct skctl_walk *w, const struct kern_channel *ch)
{
	struct kern_channel_ring *const *krs[2] = {ch->ch_tx_krings,
						   ch->ch_rx_krings};
	struct skctl_id id = {.id_kind = SKC_CTL_KIND_RING,
			      .id_parent = ch->ch_info.cinfo_ch_id};
	struct skc_ctl_ent *e;
	uint32_t d, i;

	for (d = 0; d < 2; d++) {
		for (i = 0; krs[d] != NULL && i < ch->ch_nrings; i++) {
			id.id_ring_kind = skctl_ring_kind(krs[d][i]);
			id.id_ring_id = krs[d][i]->ckr_ring_id;
			e = skctl_visit(w, &id);
			if (e != NULL)
				skctl_fill_ring(e, ch, krs[d][i]);
		}
	}
}

static void
skctl_walk_chan(struct skctl_walk *w, const struct kern_channel *ch)
{
	struct skctl_id id = {.id_kind = SKC_CTL_KIND_CHANNEL,
			      .id_uuid = ch->ch_info.cinfo_ch_id,
			      .id_parent = ch->ch_nexus->nx_uuid};
	struct skc_ctl_ent *e = skctl_visit(w, &id);

	if (e != NULL)
		skctl_fill_chan(e, ch);
}

/* Channels, or their rings: both hang off the instances. */
static void
skctl_walk_channels(struct skctl_walk *w, bool rings)
{
	const struct kern_nexus *nx = NULL;
	const struct kern_channel *ch;

	while ((nx = skctl_nx_next(nx)) != NULL) {
		TAILQ_FOREACH(ch, &nx->nx_channels, ch_nx_link)
		{
			if (rings)
				skctl_walk_chan_rings(w, ch);
			else
				skctl_walk_chan(w, ch);
		}
	}
}

static void
skctl_walk(struct skctl_walk *w)
{
	if (skctl_want(w, SKC_CTL_KIND_PROVIDER))
		skctl_walk_provs(w);
	if (skctl_want(w, SKC_CTL_KIND_NEXUS))
		skctl_walk_nexus(w);
	if (skctl_want(w, SKC_CTL_KIND_CHANNEL))
		skctl_walk_channels(w, false);
	if (skctl_want(w, SKC_CTL_KIND_RING))
		skctl_walk_channels(w, true);
}

static int
skctl_list_begin(struct skc_ctl_list *req, struct skctl_walk *w)
{
	uint32_t kinds = req->ls_kinds != 0 ? req->ls_kinds : SKC_CTL_KINDS_ALL;

	if (kinds & ~SKC_CTL_KINDS_ALL)
		return -EINVAL;
	if ((uint32_t)req->ls_cursor == 0 && req->ls_cursor != 0)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->w_req = req;
	w->w_kinds = kinds;
	w->w_skip = (uint32_t)req->ls_cursor;
	w->w_fp = 2166136261u;
	skctl_fp(w, &kinds, sizeof(kinds));
	return 0;
}

/* Drop a page that does not belong to the walk the cursor came from. */
static int
skctl_list_stale(struct skc_ctl_list *req)
{
	req->ls_count = 0;
	memset(req->ls_ent, 0, sizeof(req->ls_ent));
	return -ESTALE;
}

int
sk_ctl_list(struct skc_ctl_list *req)
{
	uint64_t cursor = req->ls_cursor;
	struct skctl_walk w;
	uint32_t next;
	int err;

	err = skctl_list_begin(req, &w);
	if (err != 0)
		return err;
	req->ls_count = 0;
	memset(req->ls_ent, 0, sizeof(req->ls_ent));
	skctl_walk(&w);
	if (cursor != 0 && (uint32_t)(cursor >> 32) != w.w_fp)
		return skctl_list_stale(req);
	if (w.w_skip > w.w_pos)
		return skctl_list_stale(req);
	req->ls_total = w.w_pos;
	next = w.w_skip + req->ls_count;
	req->ls_cursor = next < w.w_pos ? ((uint64_t)w.w_fp << 32 | next) : 0;
	return 0;
}
