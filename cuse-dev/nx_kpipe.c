/*
 * nx_kpipe.c - the kernel pipe nexus, and the loopback provider on it.
 *
 * Theory of operation
 *
 * A kernel pipe has one port (0) with R TX and R RX rings; behind them
 * is a provider inside the daemon, which sees the rings only through the
 * KPI (kern_channel.h):
 *
 *     process --TX ring r--> provider's nxpi_sync_tx   (device, loopback)
 *     process <--RX ring r-- provider's nxpi_sync_rx
 *
 * Instances are made by the kernel (nx_kpipe_create), never by a
 * controller, and live on their own list here; channel.c looks them up
 * when an open names no controller-made instance.  Userland registering
 * KERNEL_PIPE keeps failing with EINVAL (the domain is not in nexus.c's
 * table), as on XNU.
 *
 * State (one pool, 2R KPI rings) is created with the first channel and
 * destroyed with the last, as for the user pipe; the provider's ring and
 * slot hooks run then.  The rings are CKRF_KERNEL_ALLOC: a TX slot
 * always holds a packet when the process owns it, an RX slot only once
 * the provider attached one; the pool holds one object per slot
 * (R x (TX slots + RX slots)), which is enough whatever the provider
 * does, since each packet is always in a slot or moving between two.
 *
 * Ownership: an instance is freed by nx_kpipe_destroy() only once no
 * channel is open on it (the daemon stops the loopback after closing
 * every handle).
 *
 * The loopback provider (XNU kpipe_loopback.c, at the bottom): its TX
 * sync detaches every queued TX packet and attaches it to the next free
 * RX slot of the same ring pair, then notifies RX; its RX sync reclaims
 * what the process released and runs a whole TX sync (prologue, TX
 * sync, finalize) first, so a process that only polls for reading
 * still drains its TX ring (spec 4.2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel_var.h"
#include "nx_kpipe.h"
#include "skmem_var.h"

struct nx_kpipe {
	struct kern_nexus_provider kp_prov;     /* what the hooks receive */
	const struct kern_nexus_provider_init *kp_init;
	struct kern_nexus *kp_nx;
	struct kern_pbufpool *kp_pp;
	struct kern_channel_ring *kp_krings;    /* [dir][ring] */
	uint32_t kp_rings;
	uint32_t kp_users;                      /* connected channels */
};

static TAILQ_HEAD(kpipe_list, kern_nexus) kpipe_head =
    TAILQ_HEAD_INITIALIZER(kpipe_head);
static uint32_t kpipe_count;

static struct kern_channel_ring *
kpipe_kring(struct nx_kpipe *kp, enum kr_txrx dir, uint32_t r)
{
	return &kp->kp_krings[(size_t)dir * kp->kp_rings + r];
}

/* ---- provider hooks (all optional but the syncs) ---------------------------- */

static int
kpipe_rings_init(struct nx_kpipe *kp, struct kern_channel *ch)
{
	const struct kern_nexus_provider_init *pi = kp->kp_init;
	uint32_t i, s;
	errno_t err;

	for (i = 0; i < 2 * kp->kp_rings; i++) {
		/* TX r then RX r: a provider pairs them in this order. */
		struct kern_channel_ring *kr = kpipe_kring(kp, i % 2 ?
		    NR_RX : NR_TX, i / 2);

		if (pi->nxpi_ring_init != NULL) {
			err = pi->nxpi_ring_init(&kp->kp_prov, kp->kp_nx, ch,
			    kr, kr->ckr_tx == NR_TX, &kr->ckr_ctx);
			if (err != 0)
				return -err;
		}
		for (s = 0; pi->nxpi_slot_init != NULL &&
		    s < kr->ckr_num_slots; s++) {
			struct kern_slot_prop *prop = NULL;

			err = pi->nxpi_slot_init(&kp->kp_prov, kp->kp_nx, kr,
			    (kern_channel_slot_t)(void *)&kr->ckr_ksds[s], s,
			    &prop, &kr->ckr_slot_ctxs[s]);
			if (err != 0)
				return -err;
		}
	}
	return 0;
}

static void
kpipe_rings_fini(struct nx_kpipe *kp)
{
	const struct kern_nexus_provider_init *pi = kp->kp_init;
	uint32_t i, s;

	for (i = 0; i < 2 * kp->kp_rings; i++) {
		struct kern_channel_ring *kr = kpipe_kring(kp, i % 2 ?
		    NR_RX : NR_TX, i / 2);

		for (s = 0; pi->nxpi_slot_fini != NULL &&
		    s < kr->ckr_num_slots; s++)
			pi->nxpi_slot_fini(&kp->kp_prov, kp->kp_nx, kr,
			    (kern_channel_slot_t)(void *)&kr->ckr_ksds[s], s);
		if (pi->nxpi_ring_fini != NULL)
			pi->nxpi_ring_fini(&kp->kp_prov, kp->kp_nx, kr);
	}
}

/* ---- state: pool and rings -------------------------------------------------- */

static void
kpipe_state_destroy(struct nx_kpipe *kp)
{
	uint32_t i;

	for (i = 0; kp->kp_krings != NULL && i < 2 * kp->kp_rings; i++) {
		free(kp->kp_krings[i].ckr_slot_ctxs);
		kr_fini(&kp->kp_krings[i]);
	}
	free(kp->kp_krings);
	kp->kp_krings = NULL;
	pp_destroy(kp->kp_pp);
	kp->kp_pp = NULL;
}

static int
kpipe_ring_create(struct nx_kpipe *kp, enum kr_txrx dir, uint32_t r,
    uint32_t nslots)
{
	struct kern_channel_ring *kr = kpipe_kring(kp, dir, r);
	int err;

	err = kr_init(kr, dir, (uint16_t)r, NEXUS_PORT_KERNEL_PIPE_CLIENT,
	    nslots, kp->kp_pp, OBJ_IDX_NONE);
	if (err != 0)
		return err;
	kr->ckr_nx = kp->kp_nx;
	kr->ckr_slot_ctxs = calloc(nslots, sizeof(*kr->ckr_slot_ctxs));
	return kr->ckr_slot_ctxs == NULL ? -ENOMEM : 0;
}

static int
kpipe_state_create(struct nx_kpipe *kp)
{
	const struct nxprov_params *p = &kp->kp_nx->nx_params;
	const uint8_t *u = kp->kp_nx->nx_uuid;
	char name[64];
	uint32_t r;
	int err = 0;

	snprintf(name, sizeof(name), "skchan:pool:kpipe-%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3]);
	kp->kp_pp = pp_create(name, kp->kp_rings * (p->nxp_tx_slots +
	    p->nxp_rx_slots), p->nxp_buf_size, p->nxp_md_type,
	    p->nxp_md_subtype);
	kp->kp_krings = calloc(2 * (size_t)kp->kp_rings,
	    sizeof(*kp->kp_krings));
	if (kp->kp_pp == NULL || kp->kp_krings == NULL)
		err = -ENOMEM;
	else
		pp_fill_free_list(kp->kp_pp);
	for (r = 0; r < kp->kp_rings && err == 0; r++) {
		err = kpipe_ring_create(kp, NR_TX, r, p->nxp_tx_slots);
		if (err == 0)
			err = kpipe_ring_create(kp, NR_RX, r, p->nxp_rx_slots);
	}
	if (err != 0)
		kpipe_state_destroy(kp);
	return err;
}

/* ---- the domain ------------------------------------------------------------- */

/* nx_arg is set by nx_kpipe_create(); nothing to do per instance here. */
static int
kpipe_nx_init(struct kern_nexus *nx)
{
	return nx->nx_arg != NULL ? 0 : -EINVAL;
}

static void
kpipe_nx_fini(struct kern_nexus *nx)
{
	struct nx_kpipe *kp = nx->nx_arg;

	kpipe_state_destroy(kp);
	free(kp);
	nx->nx_arg = NULL;
}

/* No packet pool, event ring, low latency, monitor or filter (spec 4). */
static int
kpipe_ch_check(struct kern_nexus *nx, uint32_t mode)
{
	(void)nx;
	if (mode & (CHMODE_USER_PACKET_POOL | CHMODE_EVENT_RING |
	    CHMODE_LOW_LATENCY | CHMODE_MONITOR | CHMODE_FILTER))
		return -ENOTSUP;
	return 0;
}

static int
kpipe_ch_rings(struct nx_kpipe *kp, struct kern_channel *ch)
{
	uint32_t r, n = 0;

	ch->ch_tx_krings = calloc(kp->kp_rings, sizeof(*ch->ch_tx_krings));
	ch->ch_rx_krings = calloc(kp->kp_rings, sizeof(*ch->ch_rx_krings));
	if (ch->ch_tx_krings == NULL || ch->ch_rx_krings == NULL)
		return -ENOMEM;
	for (r = 0; r < kp->kp_rings; r++) {
		if (!(ch->ch_rings_mask & (1ull << r)))
			continue;
		ch->ch_tx_krings[n] = kpipe_kring(kp, NR_TX, r);
		ch->ch_rx_krings[n++] = kpipe_kring(kp, NR_RX, r);
	}
	ch->ch_nrings = n;
	return 0;
}

static void
kpipe_ch_rings_free(struct kern_channel *ch)
{
	free(ch->ch_tx_krings);
	free(ch->ch_rx_krings);
	ch->ch_tx_krings = ch->ch_rx_krings = NULL;
}

/* First channel: state and the provider's ring hooks. */
static int
kpipe_first_user(struct nx_kpipe *kp, struct kern_channel *ch)
{
	int err = kpipe_state_create(kp);

	if (err != 0)
		return err;
	err = kpipe_rings_init(kp, ch);
	if (err != 0) {
		kpipe_rings_fini(kp);
		kpipe_state_destroy(kp);
	}
	return err;
}

static void
kpipe_last_user(struct nx_kpipe *kp)
{
	kpipe_rings_fini(kp);
	kpipe_state_destroy(kp);
}

static int
kpipe_ch_connect(struct kern_nexus *nx, struct kern_channel *ch)
{
	struct nx_kpipe *kp = nx->nx_arg;
	const struct kern_nexus_provider_init *pi = kp->kp_init;
	struct proc p = { .p_cred = ch->ch_cred };
	int err = 0;

	if (kp->kp_rings == 0)          /* kpipe_params() never allows it */
		return -EINVAL;
	if (pi->nxpi_pre_connect != NULL)
		err = -pi->nxpi_pre_connect(&kp->kp_prov, &p, nx, ch->ch_port,
		    ch, &ch->ch_ctx);
	if (err != 0)
		return err;
	if (kp->kp_users == 0 && (err = kpipe_first_user(kp, ch)) != 0)
		goto fail_disconnected;
	err = kpipe_ch_rings(kp, ch);
	if (err != 0)
		goto fail_rings;
	ch->ch_pp = kp->kp_pp;
	kp->kp_users++;
	if (pi->nxpi_connected != NULL &&
	    (err = -pi->nxpi_connected(&kp->kp_prov, nx, ch)) != 0) {
		kp->kp_users--;
		goto fail_rings;
	}
	return 0;

fail_rings:
	kpipe_ch_rings_free(ch);
	if (kp->kp_users == 0)
		kpipe_last_user(kp);
fail_disconnected:
	if (pi->nxpi_disconnected != NULL)
		pi->nxpi_disconnected(&kp->kp_prov, nx, ch);
	return err;
}

static void
kpipe_ch_disconnect(struct kern_nexus *nx, struct kern_channel *ch)
{
	struct nx_kpipe *kp = nx->nx_arg;
	const struct kern_nexus_provider_init *pi = kp->kp_init;
	uint32_t i;

	if (pi->nxpi_pre_disconnect != NULL)
		pi->nxpi_pre_disconnect(&kp->kp_prov, nx, ch);
	for (i = 0; i < ch->ch_nrings; i++) {
		kr_unbind(ch->ch_tx_krings[i]);
		kr_unbind(ch->ch_rx_krings[i]);
	}
	kpipe_ch_rings_free(ch);
	if (--kp->kp_users == 0)
		kpipe_last_user(kp);
	if (pi->nxpi_disconnected != NULL)
		pi->nxpi_disconnected(&kp->kp_prov, nx, ch);
}

static int
kpipe_txsync(struct kern_channel_ring *kr)
{
	struct nx_kpipe *kp = kr->ckr_nx->nx_arg;

	kr_note_sync(kr, NULL, sk_now_ns());
	return kp->kp_init->nxpi_sync_tx(&kp->kp_prov, kr->ckr_nx, kr, 0);
}

static int
kpipe_rxsync(struct kern_channel_ring *kr)
{
	struct nx_kpipe *kp = kr->ckr_nx->nx_arg;

	kr_note_sync(kr, NULL, sk_now_ns());
	return kp->kp_init->nxpi_sync_rx(&kp->kp_prov, kr->ckr_nx, kr, 0);
}

const struct nxdom nx_kpipe_dom = {
	.nxdom_name = "kernel-pipe",
	.nxdom_type = NEXUS_TYPE_KERNEL_PIPE,
	.nxdom_flags = NXDOMF_TXRX_EQUAL,       /* never user-registered */
	.nxdom_md_type = NEXUS_META_TYPE_QUANTUM,
	.nxdom_md_subtype = NEXUS_META_SUBTYPE_PAYLOAD,
	.nxdom_ports = NX_KPIPE_MAXPORTS,
	.nxdom_rings = { NX_KPIPE_RINGS_DEF, NX_KPIPE_RINGS_MIN,
		NX_KPIPE_RINGS_MAX },
	.nxdom_slots = { NX_KPIPE_SLOTS_DEF, NX_KPIPE_SLOTS_MIN,
		NX_KPIPE_SLOTS_MAX },
	.nxdom_buf_size = { NX_KPIPE_BUFSIZE_DEF, NX_KPIPE_BUFSIZE_MIN,
		NX_KPIPE_BUFSIZE_MAX },
	.nxdom_meta_size = sizeof(struct __quantum),
	.nxdom_max_frags = 1,
	.nxdom_nx_init = kpipe_nx_init,
	.nxdom_nx_fini = kpipe_nx_fini,
	.nxdom_ch_check = kpipe_ch_check,
	.nxdom_ch_connect = kpipe_ch_connect,
	.nxdom_ch_disconnect = kpipe_ch_disconnect,
	.nxdom_txsync = kpipe_txsync,
	.nxdom_rxsync = kpipe_rxsync,
};

/* ---- kernel-owned instances ------------------------------------------------- */

/* 0: default; outside the domain's range: EINVAL (kernel callers only). */
static int
kpipe_size(const struct nxdom_range *r, uint32_t want, uint32_t *out)
{
	if (want == 0) {
		*out = r->nr_def;
		return 0;
	}
	if (want < r->nr_min || want > r->nr_max)
		return -EINVAL;
	*out = want;
	return 0;
}

static int
kpipe_params(const char *name, const struct nx_kpipe_params *kpp,
    struct nxprov_params *p)
{
	const struct nxdom *dom = &nx_kpipe_dom;
	struct nx_kpipe_params none = { 0, 0, 0 };
	int err;

	kpp = kpp != NULL ? kpp : &none;
	memset(p, 0, sizeof(*p));
	err = kpipe_size(&dom->nxdom_rings, kpp->kpp_rings, &p->nxp_tx_rings);
	err = err ? err : kpipe_size(&dom->nxdom_slots, kpp->kpp_slots,
	    &p->nxp_tx_slots);
	err = err ? err : kpipe_size(&dom->nxdom_buf_size, kpp->kpp_buf_size,
	    &p->nxp_buf_size);
	p->nxp_rx_rings = p->nxp_tx_rings;
	p->nxp_rx_slots = p->nxp_tx_slots;
	snprintf((char *)p->nxp_name, sizeof(p->nxp_name), "%s", name);
	p->nxp_namelen = (uint32_t)strlen((char *)p->nxp_name);
	p->nxp_type = dom->nxdom_type;
	p->nxp_md_type = dom->nxdom_md_type;
	p->nxp_md_subtype = dom->nxdom_md_subtype;
	p->nxp_meta_size = dom->nxdom_meta_size;
	p->nxp_max_frags = dom->nxdom_max_frags;
	p->nxp_flags = NXPF_ANONYMOUS | NXPF_USER_CHANNEL;
	return err;
}

static bool
kpipe_init_ok(const struct kern_nexus_provider_init *init)
{
	return init != NULL &&
	    init->nxpi_version == KERN_NEXUS_PROVIDER_CURRENT_VERSION &&
	    init->nxpi_sync_tx != NULL && init->nxpi_sync_rx != NULL;
}

static struct kern_nexus *
kpipe_nx_alloc(const struct nxprov_params *p, struct nx_kpipe *kp)
{
	struct kern_nexus *nx = calloc(1, sizeof(*nx));

	if (nx == NULL)
		return NULL;
	nx->nx_ports = calloc(nx_kpipe_dom.nxdom_ports, sizeof(*nx->nx_ports));
	if (nx->nx_ports == NULL) {
		free(nx);
		return NULL;
	}
	skmem_random(nx->nx_uuid, sizeof(uuid_t));
	uuid_copy(nx->nx_prov_uuid, kp->kp_prov.nxprov_uuid);
	nx->nx_dom = &nx_kpipe_dom;
	nx->nx_params = *p;
	nx->nx_arg = kp;
	TAILQ_INIT(&nx->nx_channels);
	return nx;
}

int
nx_kpipe_create(const struct kern_nexus_provider_init *init, const char *name,
    const struct nx_kpipe_params *params, struct kern_nexus **nxp)
{
	struct nxprov_params p;
	struct nx_kpipe *kp;
	int err;

	if (!kpipe_init_ok(init) || name == NULL || name[0] == '\0')
		return -EINVAL;
	err = kpipe_params(name, params, &p);
	if (err != 0)
		return err;
	kp = calloc(1, sizeof(*kp));
	if (kp == NULL)
		return -ENOMEM;
	kp->kp_init = init;
	kp->kp_rings = p.nxp_tx_rings;
	skmem_random(kp->kp_prov.nxprov_uuid, sizeof(uuid_t));
	kp->kp_prov.nxprov_dom = &nx_kpipe_dom;
	kp->kp_prov.nxprov_params = p;
	kp->kp_nx = kpipe_nx_alloc(&p, kp);
	if (kp->kp_nx == NULL) {
		free(kp);
		return -ENOMEM;
	}
	TAILQ_INSERT_TAIL(&kpipe_head, kp->kp_nx, nx_link);
	kpipe_count++;
	*nxp = kp->kp_nx;
	return 0;
}

int
nx_kpipe_destroy(struct kern_nexus *nx)
{
	if (nx->nx_nchannels != 0)
		return -EBUSY;
	TAILQ_REMOVE(&kpipe_head, nx, nx_link);
	kpipe_count--;
	nx->nx_dom->nxdom_nx_fini(nx);
	free(nx->nx_ports);
	free(nx);
	return 0;
}

int
nx_kpipe_lookup(const uuid_t uuid, struct kern_nexus **nxp)
{
	struct kern_nexus *nx;

	TAILQ_FOREACH(nx, &kpipe_head, nx_link) {
		if (uuid_compare(nx->nx_uuid, uuid) == 0) {
			*nxp = nx;
			return 0;
		}
	}
	return -ENOENT;
}

uint32_t
nx_kpipe_count(void)
{
	return kpipe_count;
}

const struct kern_nexus *
nx_kpipe_iter(const struct kern_nexus *prev)
{
	return prev == NULL ? TAILQ_FIRST(&kpipe_head) :
	    TAILQ_NEXT(prev, nx_link);
}

/* ---- the loopback provider (XNU kpipe_loopback.c) --------------------------- */

/* Ring contexts: ring r's TX and RX, paired in ring_init order. */
struct kplo_pair {
	struct kern_channel_ring *kpl_tx;
	struct kern_channel_ring *kpl_rx;
};

static struct kplo {
	struct kern_nexus *kplo_nx;
	struct kplo_pair kplo_pairs[NX_KPIPE_RINGS_MAX];
	uint32_t kplo_ntx;
	uint32_t kplo_nrx;
} kplo;

static errno_t
kplo_ring_init(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_t ch, kern_channel_ring_t ring, boolean_t is_tx_ring,
    void **ring_context)
{
	uint32_t *n = is_tx_ring ? &kplo.kplo_ntx : &kplo.kplo_nrx;
	struct kplo_pair *pair;

	(void)prov, (void)nx, (void)ch;
	if (*n >= NX_KPIPE_RINGS_MAX)
		return ENOMEM;
	pair = &kplo.kplo_pairs[(*n)++];
	if (is_tx_ring)
		pair->kpl_tx = ring;
	else
		pair->kpl_rx = ring;
	*ring_context = pair;
	return 0;
}

static void
kplo_ring_fini(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_ring_t ring)
{
	struct kplo_pair *pair = kern_channel_ring_get_context(ring);

	(void)prov, (void)nx;
	if (kern_channel_ring_is_tx(ring)) {
		pair->kpl_tx = NULL;
		kplo.kplo_ntx--;
	} else {
		pair->kpl_rx = NULL;
		kplo.kplo_nrx--;
	}
}

/* Move one queued TX packet into an RX slot; false if it was dropped. */
static bool
kplo_move(struct kplo_pair *pair, kern_channel_slot_t ts,
    kern_channel_slot_t rs, uint32_t *lenp)
{
	kern_packet_t ph = kern_channel_slot_get_packet(pair->kpl_tx, ts);
	errno_t err;

	if (ph == 0)
		return false;
	err = kern_channel_slot_detach_packet(pair->kpl_tx, ts, ph);
	SK_VERIFY(err == 0);
	err = kern_channel_slot_attach_packet(pair->kpl_rx, rs, ph);
	SK_VERIFY(err == 0);
	*lenp = kern_packet_get_data_length(ph);
	return true;
}

/* Every queued TX slot, as far as the RX ring has room, in order. */
static errno_t
kplo_sync_tx(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_ring_t txkr, uint32_t flags)
{
	struct kplo_pair *pair = kern_channel_ring_get_context(txkr);
	struct kern_channel_ring_stat_increment st = { 0, 0 };
	kern_channel_slot_t ts, rs, last_ts = NULL, last_rs = NULL;
	uint32_t len;

	(void)prov, (void)nx, (void)flags;
	(void)kern_channel_reclaim(pair->kpl_rx);
	ts = kern_channel_get_next_slot(txkr, NULL, NULL);
	rs = kern_channel_get_next_slot(pair->kpl_rx, NULL, NULL);
	while (ts != NULL && rs != NULL) {
		if (kplo_move(pair, ts, rs, &len)) {
			st.kcrsi_slots_transferred++;
			st.kcrsi_bytes_transferred += len;
			last_rs = rs;
			rs = kern_channel_get_next_slot(pair->kpl_rx, rs, NULL);
		}
		last_ts = ts;
		ts = kern_channel_get_next_slot(txkr, ts, NULL);
	}
	if (last_ts != NULL)
		kern_channel_advance_slot(txkr, last_ts);
	if (last_rs != NULL) {
		kern_channel_advance_slot(pair->kpl_rx, last_rs);
		kern_channel_increment_ring_stats(txkr, &st);
		kern_channel_increment_ring_stats(pair->kpl_rx, &st);
		(void)kern_channel_notify(pair->kpl_rx, 0);
	}
	(void)kern_channel_reclaim(txkr);       /* advisory, as XNU does */
	return 0;
}

/*
 * Reclaim, then a whole TX sync on the sibling ring, so a reader drains
 * its own TX ring.  A broken TX ring is the caller's: EFAULT.
 */
static errno_t
kplo_sync_rx(kern_nexus_provider_t prov, kern_nexus_t nx,
    kern_channel_ring_t rxkr, uint32_t flags)
{
	struct kplo_pair *pair = kern_channel_ring_get_context(rxkr);
	struct kern_channel_ring *txkr = pair->kpl_tx;
	errno_t err;

	(void)kern_channel_reclaim(rxkr);
	if (txkr == NULL || txkr->ckr_ring == NULL)
		return 0;
	if (kr_txsync_prologue(txkr) != 0)
		return EFAULT;
	err = kplo_sync_tx(prov, nx, txkr, flags);
	kr_txsync_finalize(txkr);
	return err;
}

static const struct kern_nexus_provider_init kplo_init = {
	.nxpi_version = KERN_NEXUS_PROVIDER_CURRENT_VERSION,
	.nxpi_ring_init = kplo_ring_init,
	.nxpi_ring_fini = kplo_ring_fini,
	.nxpi_sync_tx = kplo_sync_tx,
	.nxpi_sync_rx = kplo_sync_rx,
};

int
nx_kpipe_loopback_start(void)
{
	uuid_string_t us;
	int err;

	if (kplo.kplo_nx != NULL)
		return 0;
	err = nx_kpipe_create(&kplo_init, "kpipe-loopback", NULL,
	    &kplo.kplo_nx);
	if (err != 0) {
		SK_ERR("kpipe loopback: %s", strerror(-err));
		return err;
	}
	uuid_unparse_lower(kplo.kplo_nx->nx_uuid, us);
	SK_ERR("kpipe loopback nexus %s", us);
	return 0;
}

/* Channels still open (an in-process test forgot one): leave it. */
void
nx_kpipe_loopback_stop(void)
{
	if (kplo.kplo_nx == NULL)
		return;
	if (nx_kpipe_destroy(kplo.kplo_nx) != 0) {
		SK_ERR("kpipe loopback: channels still open, not freed");
		return;
	}
	kplo.kplo_nx = NULL;
}

int
nx_kpipe_loopback_uuid(uuid_t out)
{
	if (kplo.kplo_nx == NULL)
		return -ENXIO;
	uuid_copy(out, kplo.kplo_nx->nx_uuid);
	return 0;
}
