/*
 * nx_advisory.c - statistics, flow advisories and the interface advisory
 * a netif channel shares with its process.
 *
 * Theory of operation
 *
 * Memory.  A netif user channel gets one more piece of its span, after
 * the RX slot descriptors (spec 5.1 order: ustats, flowadv, nexusadv).
 * It lives in the channel's schema memfd, after the schema's pages, so
 * it carries the schema's seals: the daemon writes it through its own
 * mapping, the process can only map it read-only (a store faults):
 *
 *   schema memfd:  [schema + ring ofs | pad][stats][flowadv][nexusadv]
 *                   ^ span 0                ^ csm_stats_ofs
 *                                                  ^ csm_flowadv_ofs
 *                                                            ^ csm_nexusadv_ofs
 *   stats     struct __nx_stats_channel_errors (CHAN_ERRORS)
 *   flowadv   nxp_flowadv_max x struct __flowadv_entry
 *   nexusadv  struct __kern_nexus_adv_metadata {1, NETIF}, then
 *             struct netif_nexus_advisory {1, {cksum, 0, advisory}}
 *
 * Every channel has its own copy of all three: the table holds that
 * channel's flows, and the advisory is updated only for channels that
 * asked (CHOPT_IF_ADV_CONF), which a per-channel copy makes trivial.
 * The daemon's private state (struct ch_adv) holds the pointers, the
 * switch, and what the process must not be trusted with: which ring
 * suspended a flow, which slots were already looked at.
 *
 * The interface advisory is published with a seqlock-like protocol the
 * library's check (os_channel_get_interface_advisory) can see through:
 * cksum := BUSY (above 0xffff, so no checksum equals it), release,
 * write the 64 bytes, then cksum := their Internet checksum, release.
 * A reader copies the advisory, summing as it goes, and then compares
 * the stored cksum: a copy that overlapped the write sees BUSY or a sum
 * of mixed bytes; either way EAGAIN, and it retries.
 *
 * Flows.  A TX packet on a netif channel takes part when its flow UUID
 * (os_packet_set_flow_uuid) is not null; its flow-advisory index is the
 * packet's compression generation count (os_packet_set_compression_
 * generation_count, default 0; skchan's choice: the user packet has no
 * field of its own for it, see docs/advisories.md).  Before the device
 * sees newly queued packets, each one's entry is registered (VALID, the
 * UUID, a kernel flow id); if the device then pushes back, the entries
 * of the flows still queued on that ring become SUSPENDED; once the ring
 * drains, they are resumed through kern_channel_flowadv_clear(), the KPI
 * a driver calls when its queue opens up again (XNU's ifnet flow
 * advisory path).  kern_channel_flowadv_report_ce_event() adds to the
 * CE and packet counts of an entry.  The KPI names a channel by its
 * flow-source token: the first 32 bits of its channel UUID, bumped on a
 * clash, never 0.
 *
 * Defunct: every region reads zeros from then on (cleared through the
 * daemon's mapping: the seal forbids punching) and nothing here writes
 * them again.  Single-threaded, like the whole kernel: no locks.
 */
#include <errno.h>
#include <string.h>

#include "channel_var.h"
#include "kern_channel.h"
#include "nx_advisory.h"
#include "skmem_var.h"

#define NXADV_CKSUM_BUSY        0x80000000u     /* no 16-bit sum equals it */

/* Byte offsets inside the area (all 8-aligned). */
#define NXADV_STATS_OFF         0
#define NXADV_FLOWADV_OFF       sizeof(struct __nx_stats_channel_errors)

struct ch_adv {
	struct kern_channel *ca_ch;
	uint32_t ca_token;              /* flow-source token, != 0 */
	bool ca_updates;                /* CHOPT_IF_ADV_CONF */
	bool ca_revoked;                /* defunct: hands off the memory */
	uint8_t *ca_base;               /* daemon view of the area */
	size_t ca_len;
	size_t ca_fd_off;               /* the area's offset in the memfd */
	uint32_t ca_fae_max;
	uint32_t ca_nsuspended;         /* entries we suspended */
	struct __nx_stats_channel_errors *ca_stats;
	struct __flowadv_entry *ca_fae;
	uint8_t *ca_fae_ring;           /* 1 + ring that suspended it, or 0 */
	struct __kern_nexus_adv_metadata *ca_md;
	struct netif_nexus_advisory *ca_nna;
	slot_idx_t ca_seen[NXADV_RINGS_MAX]; /* TX: looked at up to here */
	LIST_ENTRY(ch_adv) ca_link;
};

static LIST_HEAD(, ch_adv) nxadv_all = LIST_HEAD_INITIALIZER(nxadv_all);

/* ---- layout ------------------------------------------------------------- */

static size_t
nxadv_flowadv_len(uint32_t max)
{
	return (size_t)max * sizeof(struct __flowadv_entry);
}

static size_t
nxadv_nexusadv_off(uint32_t max)
{
	return NXADV_FLOWADV_OFF + nxadv_flowadv_len(max);
}

static size_t
nxadv_area_len(uint32_t max)
{
	return nxadv_nexusadv_off(max) +
	    sizeof(struct __kern_nexus_adv_metadata) +
	    sizeof(struct netif_nexus_advisory);
}

static struct ch_adv *
nxadv_by_token(uint32_t token)
{
	struct ch_adv *ca;

	LIST_FOREACH(ca, &nxadv_all, ca_link) {
		if (ca->ca_token == token)
			return ca;
	}
	return NULL;
}

/* Unique among live channels and never 0 (0 means "no table"). */
static uint32_t
nxadv_token_new(const struct kern_channel *ch)
{
	uint32_t t = ch->ch_info.cinfo_ch_id_32[0];

	while (t == 0 || nxadv_by_token(t) != NULL)
		t++;
	return t;
}

/* Netif user channels only; a monitor watches, it gets no regions. */
int
nxadv_prepare(struct kern_channel *ch)
{
	struct ch_adv *ca;
	uint32_t max = ch->ch_nexus->nx_params.nxp_flowadv_max;

	if (ch->ch_adv != NULL ||
	    ch->ch_nexus->nx_dom->nxdom_type != NEXUS_TYPE_NET_IF ||
	    (ch->ch_info.cinfo_ch_mode & CHMODE_MONITOR))
		return 0;
	ca = calloc(1, sizeof(*ca));
	if (ca == NULL)
		return -ENOMEM;
	ca->ca_fae_ring = calloc(max != 0 ? max : 1, 1);
	if (ca->ca_fae_ring == NULL) {
		free(ca);
		return -ENOMEM;
	}
	ca->ca_ch = ch;
	ca->ca_fae_max = max;
	ca->ca_len = nxadv_area_len(max);
	ca->ca_token = nxadv_token_new(ch);
	LIST_INSERT_HEAD(&nxadv_all, ca, ca_link);
	ch->ch_adv = ca;
	return 0;
}

size_t
nxadv_schema_len(struct kern_channel *ch, size_t schema_len)
{
	struct ch_adv *ca = ch->ch_adv;

	if (ca == NULL)
		return schema_len;
	ca->ca_fd_off = skmem_round_page(schema_len);
	return ca->ca_fd_off + ca->ca_len;
}

uint32_t
nxadv_token(const struct kern_channel *ch)
{
	return ch->ch_adv != NULL ? ch->ch_adv->ca_token : 0;
}

static void
nxadv_schema_fill(struct kern_channel *ch, uint64_t span_off)
{
	struct __user_channel_schema *csm = ch->ch_schema;
	struct ch_adv *ca = ch->ch_adv;

	csm->csm_stats_ofs = span_off + NXADV_STATS_OFF;
	csm->csm_stats_type = NEXUS_STATS_TYPE_CHAN_ERRORS;
	csm->csm_flowadv_max = ca->ca_fae_max;
	csm->csm_flowadv_ofs = ca->ca_fae_max != 0 ?
	    span_off + NXADV_FLOWADV_OFF : 0;
	csm->csm_nexusadv_ofs = span_off + nxadv_nexusadv_off(ca->ca_fae_max);
}

/*
 * The headers first, then the advisory as of now: the library checks
 * the versions once, when it creates the channel.
 */
void
nxadv_attach(struct kern_channel *ch, uint64_t schema_span_off)
{
	struct ch_adv *ca = ch->ch_adv;
	struct ifnet_interface_advisory adv;
	uint64_t span_off;

	if (ca == NULL)
		return;
	span_off = schema_span_off + ca->ca_fd_off;
	ca->ca_base = (uint8_t *)ch->ch_schema + ca->ca_fd_off;
	ca->ca_stats = (void *)(ca->ca_base + NXADV_STATS_OFF);
	ca->ca_fae = (void *)(ca->ca_base + NXADV_FLOWADV_OFF);
	ca->ca_md = (void *)(ca->ca_base + nxadv_nexusadv_off(ca->ca_fae_max));
	ca->ca_nna = (void *)(ca->ca_md + 1);
	ca->ca_md->knam_version = NX_ADVISORY_MD_CURRENT_VERSION;
	ca->ca_md->knam_type = NEXUS_ADVISORY_TYPE_NETIF;
	ca->ca_nna->nna_version = NX_NETIF_ADVISORY_CURRENT_VERSION;
	nxadv_schema_fill(ch, span_off);
	nx_netif_adv_snapshot(ch->ch_nexus, &adv);
	nxadv_publish_ch(ch, &adv);
}

static void
nxadv_updates_off(struct ch_adv *ca)
{
	if (!ca->ca_updates)
		return;
	ca->ca_updates = false;
	nx_netif_adv_users(ca->ca_ch->ch_nexus, -1);
}

void
nxadv_detach(struct kern_channel *ch)
{
	struct ch_adv *ca = ch->ch_adv;

	if (ca == NULL)
		return;
	nxadv_updates_off(ca);
	LIST_REMOVE(ca, ca_link);
	free(ca->ca_fae_ring);
	free(ca);
	ch->ch_adv = NULL;
}

/* Defunct: zeros from now on, as XNU's redirect to zero pages. */
void
nxadv_revoke(struct kern_channel *ch)
{
	struct ch_adv *ca = ch->ch_adv;

	if (ca == NULL || ca->ca_revoked)
		return;
	nxadv_updates_off(ca);
	ca->ca_revoked = true;
	if (ca->ca_base != NULL)
		memset(ca->ca_base, 0, ca->ca_len);
	ca->ca_nsuspended = 0;
}

/* ---- interface advisory --------------------------------------------------- */

/* RFC 1071 over native 16-bit words, as os_copy_and_inet_checksum(). */
uint16_t
nxadv_cksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	uint16_t w;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		memcpy(&w, b + i, sizeof(w));
		sum += w;
	}
	if (len & 1)
		sum += *(const uint8_t *)(b + len - 1);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void
nxadv_publish_ch(struct kern_channel *ch,
    const struct ifnet_interface_advisory *adv)
{
	struct ch_adv *ca = ch->ch_adv;
	struct __kern_netif_intf_advisory *ia;

	if (ca == NULL || ca->ca_revoked || ca->ca_nna == NULL)
		return;
	ia = &ca->ca_nna->__kern_intf_adv;
	/* BUSY is visible before any byte of the advisory changes ... */
	__atomic_store_n(&ia->cksum, NXADV_CKSUM_BUSY, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&ia->adv, adv, sizeof(ia->adv));
	/* ... and the sum only after all of them did. */
	__atomic_store_n(&ia->cksum, nxadv_cksum(adv, sizeof(*adv)),
	    __ATOMIC_RELEASE);
}

void
nxadv_publish_nexus(struct kern_nexus *nx,
    const struct ifnet_interface_advisory *adv)
{
	struct kern_channel *ch;

	TAILQ_FOREACH(ch, &nx->nx_channels, ch_nx_link) {
		if (ch->ch_adv != NULL && ch->ch_adv->ca_updates)
			nxadv_publish_ch(ch, adv);
	}
}

/*
 * Updates on: the advisory is republished at once (the caller gets a
 * current one) and then whenever the netif polls its device.  ENOTSUP
 * where there is no advisory (pipes, kernel pipes, monitors).
 */
int
nxadv_configure(struct kern_channel *ch, const void *data, uint32_t len)
{
	struct ch_adv *ca = ch->ch_adv;
	struct ifnet_interface_advisory adv;
	uint32_t enable;

	if (len < sizeof(enable))
		return -EINVAL;
	if (ca == NULL || ca->ca_revoked)
		return -ENOTSUP;
	memcpy(&enable, data, sizeof(enable));
	if ((enable != 0) == ca->ca_updates)
		return 0;
	if (enable == 0) {
		nxadv_updates_off(ca);
		return 0;
	}
	ca->ca_updates = true;
	nx_netif_adv_users(ch->ch_nexus, +1);
	nx_netif_adv_snapshot(ch->ch_nexus, &adv);
	nxadv_publish_ch(ch, &adv);
	return 0;
}

/* ---- flow advisories -------------------------------------------------------- */

static struct ch_adv *
nxadv_flows_of(const struct kern_channel_ring *kr)
{
	struct kern_channel *ch = kr->ckr_ch;
	struct ch_adv *ca = ch != NULL ? ch->ch_adv : NULL;

	if (ca == NULL || ca->ca_revoked || ca->ca_fae_max == 0 ||
	    ca->ca_base == NULL || kr->ckr_tx != NR_TX ||
	    kr->ckr_ring_id >= NXADV_RINGS_MAX)
		return NULL;
	return ca;
}

/* The packet in slot i takes part: its entry index, else -1. */
static int64_t
nxadv_slot_flow(const struct ch_adv *ca, const struct kern_channel_ring *kr,
    slot_idx_t i, const struct kern_packet **kpp)
{
	obj_idx_t idx = kr->ckr_ksds[i];
	const struct kern_packet *kp;

	if (idx == OBJ_IDX_NONE || kr->ckr_pp == NULL)
		return -1;
	kp = pp_kpkt(kr->ckr_pp, idx);
	if ((kp->kp_qum.kq_qflags & QUM_F_DROPPED) ||
	    uuid_is_null(kp->kp_qum.kq_flow_id) ||
	    kp->kp_com.__p_comp_gencnt >= ca->ca_fae_max)
		return -1;
	*kpp = kp;
	return kp->kp_com.__p_comp_gencnt;
}

/* The daemon's own id for a flow: never 0, so 0 never matches a clear. */
static uint32_t
nxadv_flowid(const uuid_t id)
{
	uint32_t h = 2166136261u;
	unsigned i;

	for (i = 0; i < sizeof(uuid_t); i++)
		h = (h ^ id[i]) * 16777619u;
	return h != 0 ? h : 1;
}

/* VALID goes last: a reader never sees it with a half-written UUID. */
static void
nxadv_fae_set(struct ch_adv *ca, uint32_t fidx, const uuid_t id)
{
	struct __flowadv_entry *fe = &ca->ca_fae[fidx];

	if (fe->fae_flags != 0 && uuid_compare(fe->fae_id, id) == 0)
		return;
	if (ca->ca_fae_ring[fidx] != 0) {
		ca->ca_fae_ring[fidx] = 0;
		ca->ca_nsuspended--;
	}
	__atomic_store_n(&fe->fae_flags, 0, __ATOMIC_RELEASE);
	uuid_copy(fe->fae_id, id);
	fe->fae_ce_cnt = 0;
	fe->fae_pkt_cnt = 0;
	fe->fae_flowid = nxadv_flowid(id);
	__atomic_store_n(&fe->fae_flags, FLOWADVF_VALID, __ATOMIC_RELEASE);
}

/* Slots queued since the last look, up to the prologue's head. */
void
nxadv_flow_register(struct kern_channel_ring *kr)
{
	struct ch_adv *ca = nxadv_flows_of(kr);
	const struct kern_packet *kp;
	slot_idx_t i, *seen;
	int64_t fidx;

	if (ca == NULL)
		return;
	seen = &ca->ca_seen[kr->ckr_ring_id];
	/* Outside [khead, rhead]: the ring moved on without us; restart. */
	if (kr_dist(kr, kr->ckr_khead, *seen) >
	    kr_dist(kr, kr->ckr_khead, kr->ckr_rhead))
		*seen = kr->ckr_khead;
	for (i = *seen; i != kr->ckr_rhead; i = kr_next(kr, i)) {
		fidx = nxadv_slot_flow(ca, kr, i, &kp);
		if (fidx >= 0)
			nxadv_fae_set(ca, (uint32_t)fidx, kp->kp_qum.kq_flow_id);
	}
	*seen = kr->ckr_rhead;
}

static void
nxadv_fae_suspend(struct ch_adv *ca, uint32_t fidx, const uuid_t id,
    uint16_t ring)
{
	struct __flowadv_entry *fe = &ca->ca_fae[fidx];

	if (!(fe->fae_flags & FLOWADVF_VALID) ||
	    uuid_compare(fe->fae_id, id) != 0 || ca->ca_fae_ring[fidx] != 0)
		return;
	ca->ca_fae_ring[fidx] = (uint8_t)(ring + 1);
	ca->ca_nsuspended++;
	__atomic_or_fetch(&fe->fae_flags, FLOWADVF_SUSPENDED,
	    __ATOMIC_RELEASE);
}

/* The device refused what is still queued: suspend those flows. */
static void
nxadv_flow_suspend(struct ch_adv *ca, struct kern_channel_ring *kr)
{
	const struct kern_packet *kp;
	slot_idx_t i;
	int64_t fidx;

	for (i = kr->ckr_khead; i != kr->ckr_rhead; i = kr_next(kr, i)) {
		fidx = nxadv_slot_flow(ca, kr, i, &kp);
		if (fidx >= 0)
			nxadv_fae_suspend(ca, (uint32_t)fidx,
			    kp->kp_qum.kq_flow_id, kr->ckr_ring_id);
	}
}

/* The ring drained: resume its flows as a driver would, via the KPI. */
static void
nxadv_flow_resume(struct ch_adv *ca, struct kern_channel_ring *kr)
{
	struct flowadv_fcentry fce;
	uint32_t fidx;

	for (fidx = 0; fidx < ca->ca_fae_max && ca->ca_nsuspended != 0;
	    fidx++) {
		if (ca->ca_fae_ring[fidx] != kr->ckr_ring_id + 1)
			continue;
		memset(&fce, 0, sizeof(fce));
		fce.fce_flowsrc_token = ca->ca_token;
		fce.fce_flowid = ca->ca_fae[fidx].fae_flowid;
		fce.fce_flowsrc_fidx = fidx;
		fce.fce_ifp = kr->ckr_ifp;
		kern_channel_flowadv_clear(&fce);
	}
}

void
nxadv_flow_after_tx(struct kern_channel_ring *kr, bool blocked)
{
	struct ch_adv *ca = nxadv_flows_of(kr);

	if (ca == NULL)
		return;
	if (blocked)
		nxadv_flow_suspend(ca, kr);
	else if (ca->ca_nsuspended != 0)
		nxadv_flow_resume(ca, kr);
}

/* fce's entry, if it still holds the flow fce was made for. */
static struct __flowadv_entry *
nxadv_fce_entry(const struct flowadv_fcentry *fce, struct ch_adv **cap)
{
	struct ch_adv *ca = nxadv_by_token(fce->fce_flowsrc_token);
	struct __flowadv_entry *fe;

	if (ca == NULL || ca->ca_revoked || ca->ca_base == NULL ||
	    fce->fce_flowsrc_fidx >= ca->ca_fae_max)
		return NULL;
	fe = &ca->ca_fae[fce->fce_flowsrc_fidx];
	if (!(fe->fae_flags & FLOWADVF_VALID) ||
	    fe->fae_flowid != fce->fce_flowid)
		return NULL;
	*cap = ca;
	return fe;
}

int
nxadv_fce_clear(const struct flowadv_fcentry *fce)
{
	struct ch_adv *ca;
	struct __flowadv_entry *fe = nxadv_fce_entry(fce, &ca);
	uint32_t fidx = fce->fce_flowsrc_fidx;

	if (fe == NULL)
		return -ENOENT;
	if (ca->ca_fae_ring[fidx] != 0) {
		ca->ca_fae_ring[fidx] = 0;
		ca->ca_nsuspended--;
	}
	__atomic_and_fetch(&fe->fae_flags, ~(uint32_t)FLOWADVF_SUSPENDED,
	    __ATOMIC_RELEASE);
	return 0;
}

int
nxadv_fce_ce_event(const struct flowadv_fcentry *fce, uint32_t ce_cnt,
    uint32_t pkt_cnt)
{
	struct ch_adv *ca;
	struct __flowadv_entry *fe = nxadv_fce_entry(fce, &ca);

	if (fe == NULL)
		return -ENOENT;
	fe->fae_ce_cnt += ce_cnt;
	fe->fae_pkt_cnt += pkt_cnt;
	return 0;
}

/* ---- statistics ---------------------------------------------------------------- */

static struct __nx_stats_channel_errors *
nxadv_stats(struct kern_channel *ch)
{
	struct ch_adv *ca = ch->ch_adv;

	return ca != NULL && !ca->ca_revoked ? ca->ca_stats : NULL;
}

void
nxadv_stat_sync_error(struct kern_channel *ch)
{
	struct __nx_stats_channel_errors *st = nxadv_stats(ch);

	if (st != NULL)
		st->nxs_cres_sync_errors++;
}

void
nxadv_stat_refused(struct kern_channel *ch)
{
	struct __nx_stats_channel_errors *st = nxadv_stats(ch);

	if (st != NULL)
		st->nxs_cres_defunct++;
}
