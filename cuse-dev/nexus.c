/*
 * nexus.c - nexus controllers, providers, instances and port binding.
 *
 * Theory of operation
 *
 *   handle --NEXUS_OPEN--> nxctl --register--> provider --create--> nexus
 *                                                                    |
 *                                        channels (channel.c) -------+
 *
 * Everything a controller creates is owned by it: closing the handle
 * deregisters its providers, which destroys their instances.  A provider
 * is plain data (its parameters are copied into each instance), so it is
 * freed at once.  An instance with no channels is freed at once too; one
 * that still has channels is only invalidated (XNU's NXF_INVALIDATED):
 * it disappears from every controller request (ENOENT), new channel
 * opens get EBUSY, and the channels already open keep working -- their
 * memory stays mapped and a user pipe keeps moving slots -- until the
 * last of them closes, which frees the instance.
 *
 * Port binding (NXOPT_NEXUS_BIND) restricts who may open a port of a
 * named (non-anonymous) instance: by thread-group id and/or by key, as
 * checked against the opener's credentials in nx_port_admit().  A
 * binding lasts until it is unbound or the instance goes; channel close
 * does not consume it (user pipe behaviour).
 *
 * Nexus types are domains: one const ops table per type, listed in
 * nxdom_table[].  Lists are plain linked lists: the number of providers
 * and instances a daemon holds is small, and lookups are by random UUID.
 *
 * The daemon is single-threaded (sk_kern.h): no locks.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "nexus_var.h"
#include "channel_var.h"
#include "nx_netif.h"
#include "skmem_var.h"

static TAILQ_HEAD(nxprov_list, kern_nexus_provider) nxprov_head =
    TAILQ_HEAD_INITIALIZER(nxprov_head);
static TAILQ_HEAD(nx_list, kern_nexus) nx_head = TAILQ_HEAD_INITIALIZER(nx_head);
static TAILQ_HEAD(nxctl_list, nxctl) nxctl_head = TAILQ_HEAD_INITIALIZER(nxctl_head);
static struct nx_stats nx_stats;

/*
 * Types userland may register.  KERNEL_PIPE is kernel-only (EINVAL, as
 * on XNU); FLOW_SWITCH gets EINVAL until its domain exists.
 */
static const struct nxdom *const nxdom_table[] = {
	[NEXUS_TYPE_USER_PIPE] = &nx_upipe_dom,
	[NEXUS_TYPE_NET_IF] = &nx_netif_dom,
};

static const struct nxdom *
nxdom_find(nexus_type_t type)
{
	size_t n = sizeof(nxdom_table) / sizeof(nxdom_table[0]);

	if ((unsigned)type >= n || nxdom_table[type] == NULL)
		return NULL;
	return nxdom_table[type];
}

/* ---- controllers -------------------------------------------------------- */

struct nxctl *
nxctl_create(const struct sk_cred *cred)
{
	struct nxctl *nxctl = calloc(1, sizeof(*nxctl));

	if (nxctl == NULL)
		return NULL;
	nxctl->nxctl_cred = *cred;
	TAILQ_INSERT_TAIL(&nxctl_head, nxctl, nxctl_link);
	nx_stats.nxs_controllers++;
	return nxctl;
}

static void nxprov_close(struct kern_nexus_provider *nxprov);

void
nxctl_close(struct nxctl *nxctl)
{
	struct kern_nexus_provider *nxprov, *tmp;

	TAILQ_FOREACH_SAFE(nxprov, &nxprov_head, nxprov_link, tmp) {
		if (nxprov->nxprov_ctl == nxctl)
			nxprov_close(nxprov);
	}
	TAILQ_REMOVE(&nxctl_head, nxctl, nxctl_link);
	nx_stats.nxs_controllers--;
	free(nxctl);
}

/* ---- provider registration ------------------------------------------------ */

/* Unrequested or below the minimum: default; above the maximum: ENOMEM. */
static int
nxprov_param(const struct nxdom_range *r, uint32_t requested, uint32_t bit,
    uint32_t value, uint32_t *out)
{
	if (!(requested & bit) || value < r->nr_min) {
		*out = r->nr_def;
		return 0;
	}
	if (value > r->nr_max)
		return ENOMEM;
	*out = value;
	return 0;
}

static int
nxprov_params_sizes(const struct nxdom *dom, uint32_t req,
    const struct nxprov_params *in, struct nxprov_params *p)
{
	int err;

	err = nxprov_param(&dom->nxdom_rings, req, NXPREQ_TX_RINGS,
	    in->nxp_tx_rings, &p->nxp_tx_rings);
	err = err ? err : nxprov_param(&dom->nxdom_rings, req,
	    NXPREQ_RX_RINGS, in->nxp_rx_rings, &p->nxp_rx_rings);
	err = err ? err : nxprov_param(&dom->nxdom_slots, req,
	    NXPREQ_TX_SLOTS, in->nxp_tx_slots, &p->nxp_tx_slots);
	err = err ? err : nxprov_param(dom->nxdom_rx_slots.nr_def != 0 ?
	    &dom->nxdom_rx_slots : &dom->nxdom_slots, req,
	    NXPREQ_RX_SLOTS, in->nxp_rx_slots, &p->nxp_rx_slots);
	err = err ? err : nxprov_param(&dom->nxdom_buf_size, req,
	    NXPREQ_BUF_SIZE, in->nxp_buf_size, &p->nxp_buf_size);
	if (err == 0 && (dom->nxdom_flags & NXDOMF_TXRX_EQUAL) &&
	    p->nxp_tx_rings != p->nxp_rx_rings)
		err = EINVAL;
	return err;
}

/*
 * Buflets per packet: 1 unless requested, up to the domain's maximum
 * (above: ENOMEM, signalled by nxp_max_frags 0).  A large-buffer size,
 * netif/flowswitch only (EINVAL), must exceed the buffer size (EINVAL)
 * and stay within what a frame can be (ENOMEM); 0 means none.
 */
#define NXPROV_LARGE_BUF_MAX    65536

static int
nxprov_params_frags(const struct nxdom *dom, uint32_t req,
    const struct nxprov_params *in, struct nxprov_params *p)
{
	nexus_type_t t = dom->nxdom_type;

	p->nxp_max_frags = BUFLETS_MIN;
	if ((req & NXPREQ_MAX_FRAGS) && in->nxp_max_frags > BUFLETS_MIN)
		p->nxp_max_frags = in->nxp_max_frags;
	if (p->nxp_max_frags > dom->nxdom_max_frags) {
		p->nxp_max_frags = 0;
		return -1;
	}
	if (!(req & NXPREQ_LARGE_BUF_SIZE) || in->nxp_large_buf_size == 0)
		return 0;
	if ((t != NEXUS_TYPE_NET_IF && t != NEXUS_TYPE_FLOW_SWITCH) ||
	    in->nxp_large_buf_size <= p->nxp_buf_size)
		return -1;
	if (in->nxp_large_buf_size > NXPROV_LARGE_BUF_MAX) {
		p->nxp_max_frags = 0;
		return -1;
	}
	p->nxp_large_buf_size = in->nxp_large_buf_size;
	return 0;
}

/* Attributes only some types accept (the library checks them too). */
static int
nxprov_params_typed(const struct nxdom *dom, uint32_t req,
    const struct nxprov_params *in, struct nxprov_params *p)
{
	nexus_type_t t = dom->nxdom_type;

	if ((req & (NXPREQ_QMAP | NXPREQ_IFINDEX)) && t != NEXUS_TYPE_NET_IF)
		return EINVAL;
	if ((req & NXPREQ_MAX_FRAGS) && t != NEXUS_TYPE_NET_IF &&
	    t != NEXUS_TYPE_FLOW_SWITCH)
		return EINVAL;
	if ((req & NXPREQ_REJECT_ON_CLOSE) && t != NEXUS_TYPE_USER_PIPE)
		return EINVAL;
	if (nxprov_params_frags(dom, req, in, p) != 0)
		return p->nxp_max_frags == 0 ? ENOMEM : EINVAL;
	if (req & NXPREQ_REJECT_ON_CLOSE)
		p->nxp_reject_on_close = in->nxp_reject_on_close ? 1 : 0;
	if (req & NXPREQ_QMAP)
		p->nxp_qmap = in->nxp_qmap;
	return 0;
}

static void
nxprov_params_fixed(const struct nxdom *dom, uint32_t req,
    const struct nxprov_params *in, struct nxprov_params *p)
{
	memcpy(p->nxp_name, in->nxp_name, sizeof(p->nxp_name));
	p->nxp_namelen = in->nxp_namelen;
	p->nxp_type = dom->nxdom_type;
	p->nxp_md_type = dom->nxdom_md_type;
	p->nxp_md_subtype = dom->nxdom_md_subtype;
	p->nxp_meta_size = dom->nxdom_meta_size;
	/* Pipes exist to be opened from userland: always a user channel;
	 * a netif only when its registration asks for one (XNU). */
	if (!(dom->nxdom_flags & NXDOMF_USER_CHANNEL_REQ) ||
	    ((req & NXPREQ_USER_CHANNEL) &&
	    (in->nxp_flags & NXPF_USER_CHANNEL)))
		p->nxp_flags = NXPF_USER_CHANNEL;
	if ((req & NXPREQ_ANONYMOUS) && (in->nxp_flags & NXPF_ANONYMOUS))
		p->nxp_flags |= NXPF_ANONYMOUS;
	if (req & NXPREQ_EXTENSIONS)
		p->nxp_extensions = in->nxp_extensions;
	if (req & NXPREQ_MHINTS)
		p->nxp_mhints = in->nxp_mhints;
}

static int
nxprov_params_build(const struct nxdom *dom, const struct nxprov_reg *reg,
    struct nxprov_params *p)
{
	const struct nxprov_params *in = &reg->nxpreg_params;
	uint32_t req = reg->nxpreg_requested;
	int err;

	memset(p, 0, sizeof(*p));
	err = nxprov_params_sizes(dom, req, in, p);
	if (err == 0)
		err = nxprov_params_typed(dom, req, in, p);
	if (err == 0)
		nxprov_params_fixed(dom, req, in, p);
	return err;
}

static int
nxprov_reg_check(const struct nxprov_reg *reg, const struct nxdom **domp)
{
	const struct nxprov_params *in = &reg->nxpreg_params;

	if (reg->nxpreg_version != NXPROV_REG_CURRENT_VERSION)
		return EINVAL;
	if (in->nxp_namelen == 0 || in->nxp_namelen > sizeof(nexus_name_t))
		return EINVAL;
	*domp = nxdom_find(in->nxp_type);
	if (*domp == NULL || !((*domp)->nxdom_flags & NXDOMF_USER_REGISTER))
		return EINVAL;
	return 0;
}

int
nxctl_register(struct nxctl *nxctl, struct skc_nexus_register *req)
{
	struct kern_nexus_provider *nxprov;
	const struct nxdom *dom;
	int err;

	err = nxprov_reg_check(&req->nr_reg, &dom);
	if (err != 0)
		return -err;
	nxprov = calloc(1, sizeof(*nxprov));
	if (nxprov == NULL)
		return -ENOMEM;
	err = nxprov_params_build(dom, &req->nr_reg, &nxprov->nxprov_params);
	if (err != 0) {
		free(nxprov);
		return -err;
	}
	skmem_random(nxprov->nxprov_uuid, sizeof(uuid_t));
	nxprov->nxprov_ctl = nxctl;
	nxprov->nxprov_dom = dom;
	TAILQ_INSERT_TAIL(&nxprov_head, nxprov, nxprov_link);
	nx_stats.nxs_providers++;
	uuid_copy(req->nr_prov_uuid, nxprov->nxprov_uuid);
	return 0;
}

static struct kern_nexus_provider *
nxprov_find(const uuid_t uuid)
{
	struct kern_nexus_provider *nxprov;

	TAILQ_FOREACH(nxprov, &nxprov_head, nxprov_link) {
		if (uuid_compare(nxprov->nxprov_uuid, uuid) == 0)
			return nxprov;
	}
	return NULL;
}

static void nx_close(struct kern_nexus *nx);

static void
nxprov_close(struct kern_nexus_provider *nxprov)
{
	struct kern_nexus *nx, *tmp;

	TAILQ_FOREACH_SAFE(nx, &nx_head, nx_link, tmp) {
		if (!(nx->nx_flags & NXF_INVALIDATED) &&
		    uuid_compare(nx->nx_prov_uuid, nxprov->nxprov_uuid) == 0)
			nx_close(nx);
	}
	TAILQ_REMOVE(&nxprov_head, nxprov, nxprov_link);
	nx_stats.nxs_providers--;
	free(nxprov);
}

int
nxctl_deregister(struct nxctl *nxctl, const uuid_t prov_uuid)
{
	struct kern_nexus_provider *nxprov;

	if (uuid_is_null(prov_uuid))
		return -EINVAL;
	nxprov = nxprov_find(prov_uuid);
	if (nxprov == NULL || nxprov->nxprov_ctl != nxctl)
		return -ENOENT;
	nxprov_close(nxprov);
	return 0;
}

/* ---- instances ------------------------------------------------------------ */

/* Instances a controller request may name: live, and its own. */
static struct kern_nexus *
nx_find_owned(const struct nxctl *nxctl, const uuid_t uuid)
{
	struct kern_nexus *nx;

	TAILQ_FOREACH(nx, &nx_head, nx_link) {
		if (uuid_compare(nx->nx_uuid, uuid) != 0)
			continue;
		if ((nx->nx_flags & NXF_INVALIDATED) || nx->nx_ctl != nxctl)
			return NULL;
		return nx;
	}
	return NULL;
}

int
nxctl_nexus_create(struct nxctl *nxctl, struct skc_nexus_create *req)
{
	struct kern_nexus_provider *nxprov;
	struct kern_nexus *nx;
	int err;

	if (uuid_is_null(req->nc_prov_uuid))
		return -EINVAL;
	nxprov = nxprov_find(req->nc_prov_uuid);
	if (nxprov == NULL || nxprov->nxprov_ctl != nxctl)
		return -ENOENT;
	nx = calloc(1, sizeof(*nx));
	if (nx == NULL)
		return -ENOMEM;
	nx->nx_dom = nxprov->nxprov_dom;
	nx->nx_ports = calloc(nx->nx_dom->nxdom_ports, sizeof(*nx->nx_ports));
	if (nx->nx_ports == NULL)
		goto fail_free;
	skmem_random(nx->nx_uuid, sizeof(uuid_t));
	uuid_copy(nx->nx_prov_uuid, nxprov->nxprov_uuid);
	nx->nx_ctl = nxctl;
	nx->nx_params = nxprov->nxprov_params;
	TAILQ_INIT(&nx->nx_channels);
	err = nx->nx_dom->nxdom_nx_init(nx);
	if (err != 0)
		goto fail_ports;
	TAILQ_INSERT_TAIL(&nx_head, nx, nx_link);
	nx_stats.nxs_instances++;
	uuid_copy(req->nc_nx_uuid, nx->nx_uuid);
	return 0;

fail_ports:
	free(nx->nx_ports);
fail_free:
	free(nx);
	return -ENOMEM;
}

static void
nx_bind_free(struct nx_port *np)
{
	if (np->np_bind == NULL)
		return;
	free(np->np_bind->nbd_key);
	free(np->np_bind);
	np->np_bind = NULL;
	nx_stats.nxs_bindings--;
}

static void
nx_free(struct kern_nexus *nx)
{
	uint32_t i;

	nx->nx_dom->nxdom_nx_fini(nx);
	for (i = 0; i < nx->nx_dom->nxdom_ports; i++)
		nx_bind_free(&nx->nx_ports[i]);
	free(nx->nx_ports);
	TAILQ_REMOVE(&nx_head, nx, nx_link);
	nx_stats.nxs_instances--;
	free(nx);
}

/* Free now, or invalidate and let the last channel free it. */
static void
nx_close(struct kern_nexus *nx)
{
	if (nx->nx_nchannels == 0) {
		nx_free(nx);
		return;
	}
	nx->nx_flags |= NXF_INVALIDATED;
	nx->nx_ctl = NULL;
}

int
nxctl_nexus_destroy(struct nxctl *nxctl, const uuid_t nx_uuid)
{
	struct kern_nexus *nx;

	if (uuid_is_null(nx_uuid))
		return -EINVAL;
	nx = nx_find_owned(nxctl, nx_uuid);
	if (nx == NULL)
		return -ENOENT;
	nx_close(nx);
	return 0;
}

/* ---- lists and provider entries (NXOPT get) ------------------------------- */

struct nx_list_ctx {
	struct skc_list *lc_hdr;
	uuid_t *lc_ent;
	uint32_t lc_max;
};

static int
nx_list_begin(struct skc_nexus_opt *req, struct nx_list_ctx *lc)
{
	size_t cap = req->no_len;

	if (cap < sizeof(struct skc_list))
		return -EINVAL;
	lc->lc_hdr = (struct skc_list *)(void *)req->no_data;
	lc->lc_ent = (uuid_t *)(void *)(lc->lc_hdr + 1);
	lc->lc_max = (uint32_t)((cap - sizeof(struct skc_list)) /
	    sizeof(uuid_t));
	lc->lc_hdr->lh_count = 0;
	lc->lc_hdr->lh_total = 0;
	return 0;
}

static void
nx_list_add(struct nx_list_ctx *lc, const uuid_t uuid)
{
	struct skc_list *h = lc->lc_hdr;

	if (h->lh_count < lc->lc_max)
		uuid_copy(lc->lc_ent[h->lh_count++], uuid);
	h->lh_total++;
}

static void
nx_list_end(struct skc_nexus_opt *req, struct nx_list_ctx *lc)
{
	req->no_len = (uint32_t)(sizeof(struct skc_list) +
	    lc->lc_hdr->lh_count * sizeof(uuid_t));
}

static int
nxopt_prov_list(struct skc_nexus_opt *req)
{
	struct kern_nexus_provider *nxprov;
	struct nx_list_ctx lc;
	int err = nx_list_begin(req, &lc);

	if (err != 0)
		return err;
	TAILQ_FOREACH(nxprov, &nxprov_head, nxprov_link) {
		nx_list_add(&lc, nxprov->nxprov_uuid);
	}
	nx_list_end(req, &lc);
	return 0;
}

/* lh_uuid: a provider to list the instances of, or null for all. */
static int
nxopt_nexus_list(struct skc_nexus_opt *req)
{
	struct kern_nexus *nx;
	struct nx_list_ctx lc;
	int err = nx_list_begin(req, &lc);
	bool all;

	if (err != 0)
		return err;
	all = uuid_is_null(lc.lc_hdr->lh_uuid);
	if (!all && nxprov_find(lc.lc_hdr->lh_uuid) == NULL)
		return -ENOENT;
	TAILQ_FOREACH(nx, &nx_head, nx_link) {
		if (nx->nx_flags & NXF_INVALIDATED)
			continue;
		if (all || uuid_compare(nx->nx_prov_uuid,
		    lc.lc_hdr->lh_uuid) == 0)
			nx_list_add(&lc, nx->nx_uuid);
	}
	nx_list_end(req, &lc);
	return 0;
}

static int
nxopt_channel_list(struct skc_nexus_opt *req)
{
	struct kern_channel *ch;
	struct kern_nexus *nx;
	struct nx_list_ctx lc;
	int err = nx_list_begin(req, &lc);

	if (err != 0)
		return err;
	TAILQ_FOREACH(nx, &nx_head, nx_link) {
		if (!(nx->nx_flags & NXF_INVALIDATED) &&
		    uuid_compare(nx->nx_uuid, lc.lc_hdr->lh_uuid) == 0)
			break;
	}
	if (nx == NULL)
		return -ENOENT;
	TAILQ_FOREACH(ch, &nx->nx_channels, ch_nx_link) {
		nx_list_add(&lc, ch->ch_info.cinfo_ch_id);
	}
	nx_list_end(req, &lc);
	return 0;
}

/*
 * Option payloads sit at offset 16 of a 4-byte aligned request: they are
 * copied into aligned locals before use, never accessed in place.
 */
static int
nxopt_prov_entry(struct skc_nexus_opt *req)
{
	struct kern_nexus_provider *nxprov;
	struct nxprov_reg_ent ent;

	if (req->no_len < sizeof(ent))
		return -EINVAL;
	memcpy(&ent, req->no_data, sizeof(ent));
	nxprov = nxprov_find(ent.npre_prov_uuid);
	if (nxprov == NULL)
		return -ENOENT;
	ent.npre_prov_params = nxprov->nxprov_params;
	memcpy(req->no_data, &ent, sizeof(ent));
	req->no_len = sizeof(ent);
	return 0;
}

static int nxopt_config(struct nxctl *nxctl, struct skc_nexus_opt *req);

int
nxctl_get_opt(struct nxctl *nxctl, struct skc_nexus_opt *req)
{
	if (req->no_len > SKC_OPT_DATA_MAX)
		return -EINVAL;
	switch (req->no_opt) {
	case NXOPT_NEXUS_PROV_ENTRY:
		return nxopt_prov_entry(req);
	case NXOPT_NEXUS_PROV_LIST:
		return nxopt_prov_list(req);
	case NXOPT_NEXUS_LIST:
		return nxopt_nexus_list(req);
	case NXOPT_CHANNEL_LIST:
		return nxopt_channel_list(req);
	case NXOPT_NEXUS_CONFIG:
		return nxopt_config(nxctl, req);
	default:
		return -ENOPROTOOPT;
	}
}

/* ---- port binding (NXOPT set) --------------------------------------------- */

static int
nx_bind_req_check(const struct nx_bind_req *nbr, uint32_t len)
{
	uint32_t f = nbr->nb_flags;

	if (uuid_is_null(nbr->nb_nx_uuid) || f == 0 || (f & ~NBR_MATCH_MASK))
		return EINVAL;
	if (f & NBR_MATCH_KEY) {
		if (nbr->nb_key_len == 0 ||
		    nbr->nb_key_len > NEXUS_MAX_KEY_LEN ||
		    len - sizeof(*nbr) < nbr->nb_key_len)
			return EINVAL;
	}
	/* Linux has no executable UUID to match against. */
	if (f & NBR_MATCH_EXEC_UUID)
		return ENOTSUP;
	if ((f & NBR_MATCH_PID) &&
	    (nbr->nb_pid <= 0 || (kill(nbr->nb_pid, 0) < 0 && errno == ESRCH)))
		return ESRCH;
	return 0;
}

/* Common checks of BIND and UNBIND once the request itself is sane. */
static int
nx_bind_target(struct nxctl *nxctl, const uuid_t uuid, nexus_port_t port,
    int any_err, struct kern_nexus **nxp)
{
	struct kern_nexus *nx = nx_find_owned(nxctl, uuid);

	if (nx == NULL)
		return ENOENT;
	if (nx->nx_params.nxp_flags & NXPF_ANONYMOUS)
		return ENXIO;
	if (port == NEXUS_PORT_ANY)
		return any_err;
	if (port >= nx->nx_dom->nxdom_ports)
		return EDOM;
	*nxp = nx;
	return 0;
}

static struct nx_bind *
nx_bind_alloc(const struct nx_bind_req *nbr, const uint8_t *key)
{
	struct nx_bind *nbd = calloc(1, sizeof(*nbd));

	if (nbd == NULL)
		return NULL;
	nbd->nbd_flags = nbr->nb_flags;
	nbd->nbd_pid = nbr->nb_pid;
	if (nbr->nb_flags & NBR_MATCH_KEY) {
		nbd->nbd_key = malloc(nbr->nb_key_len);
		if (nbd->nbd_key == NULL) {
			free(nbd);
			return NULL;
		}
		memcpy(nbd->nbd_key, key, nbr->nb_key_len);
		nbd->nbd_key_len = nbr->nb_key_len;
	}
	return nbd;
}

static int
nxopt_bind(struct nxctl *nxctl, struct skc_nexus_opt *req)
{
	struct kern_nexus *nx = NULL;
	struct nx_bind_req nbr;
	struct nx_port *np;
	int err;

	if (req->no_len < sizeof(nbr))
		return -EINVAL;
	memcpy(&nbr, req->no_data, sizeof(nbr));
	err = nx_bind_req_check(&nbr, req->no_len);
	if (err == 0)
		err = nx_bind_target(nxctl, nbr.nb_nx_uuid, nbr.nb_port,
		    EPERM, &nx);
	if (err != 0)
		return -err;
	np = &nx->nx_ports[nbr.nb_port];
	if (np->np_bind != NULL)
		return -EEXIST;
	np->np_bind = nx_bind_alloc(&nbr, req->no_data + sizeof(nbr));
	if (np->np_bind == NULL)
		return -ENOMEM;
	nx_stats.nxs_bindings++;
	return 0;
}

static int
nxopt_unbind(struct nxctl *nxctl, struct skc_nexus_opt *req)
{
	struct kern_nexus *nx = NULL;
	struct nx_unbind_req nur;
	int err;

	if (req->no_len < sizeof(nur))
		return -EINVAL;
	memcpy(&nur, req->no_data, sizeof(nur));
	if (uuid_is_null(nur.nu_nx_uuid))
		return -EINVAL;
	err = nx_bind_target(nxctl, nur.nu_nx_uuid, nur.nu_port, EINVAL, &nx);
	if (err != 0)
		return -err;
	if (nx->nx_ports[nur.nu_port].np_bind == NULL)
		return -ENOENT;
	nx_bind_free(&nx->nx_ports[nur.nu_port]);
	return 0;
}

/*
 * struct nx_cfg_req, then nc_req_len bytes of the command's struct,
 * which the domain's hook may write back (ifattach returns the
 * attachment UUID there).  Served as a get too: a set copies nothing
 * out through CUSE, so libos tries the get first.  A domain without a
 * hook: EPERM, as XNU says then.
 */
static int
nxopt_config(struct nxctl *nxctl, struct skc_nexus_opt *req)
{
	uint8_t body[SKC_OPT_DATA_MAX] __attribute__((aligned(8)));
	struct nx_cfg_req ncr;
	struct kern_nexus *nx;
	int err;

	if (req->no_len < sizeof(ncr))
		return -EINVAL;
	memcpy(&ncr, req->no_data, sizeof(ncr));
	if (uuid_is_null(ncr.nc_nx_uuid) ||
	    ncr.nc_req_len > req->no_len - sizeof(ncr))
		return -EINVAL;
	nx = nx_find_owned(nxctl, ncr.nc_nx_uuid);
	if (nx == NULL)
		return -ENOENT;
	if (nx->nx_dom->nxdom_config == NULL)
		return -EPERM;
	memcpy(body, req->no_data + sizeof(ncr), ncr.nc_req_len);
	err = nx->nx_dom->nxdom_config(nx, ncr.nc_cmd, body, ncr.nc_req_len);
	memcpy(req->no_data + sizeof(ncr), body, ncr.nc_req_len);
	req->no_len = (uint32_t)(sizeof(ncr) + ncr.nc_req_len);
	return err;
}

int
nxctl_set_opt(struct nxctl *nxctl, const struct sk_cred *cred,
    struct skc_nexus_opt *req)
{
	if (req->no_len > SKC_OPT_DATA_MAX)
		return -EINVAL;
	switch (req->no_opt) {
	case NXOPT_NEXUS_BIND:
		return nxopt_bind(nxctl, req);
	case NXOPT_NEXUS_UNBIND:
		return nxopt_unbind(nxctl, req);
	case NXOPT_NEXUS_CONFIG:
		return nxopt_config(nxctl, req);
	default:
		return -ENOPROTOOPT;
	}
}

/* ---- what channel.c needs ------------------------------------------------- */

int
nx_lookup_for_open(const uuid_t uuid, struct kern_nexus **nxp)
{
	struct kern_nexus *nx;

	TAILQ_FOREACH(nx, &nx_head, nx_link) {
		if (uuid_compare(nx->nx_uuid, uuid) != 0)
			continue;
		if (nx->nx_flags & NXF_INVALIDATED)
			return -EBUSY;
		if (nx->nx_flags & NXF_REJECT)
			return -ENXIO;
		*nxp = nx;
		return 0;
	}
	return -ENOENT;
}

static bool
nx_bind_match(const struct nx_bind *nbd, const struct sk_cred *cred,
    const uint8_t *key, uint32_t key_len)
{
	if ((nbd->nbd_flags & NBR_MATCH_PID) &&
	    (cred->cr_pid <= 0 || cred->cr_pid != nbd->nbd_pid))
		return false;
	if ((nbd->nbd_flags & NBR_MATCH_KEY) &&
	    (key_len != nbd->nbd_key_len ||
	    memcmp(key, nbd->nbd_key, key_len) != 0))
		return false;
	return true;
}

/* May cred (with key) open this port?  The caller checked the range. */
int
nx_port_admit(struct kern_nexus *nx, nexus_port_t port,
    const struct sk_cred *cred, const uint8_t *key, uint32_t key_len)
{
	const struct nx_bind *nbd = nx->nx_ports[port].np_bind;

	if (nx->nx_params.nxp_flags & NXPF_ANONYMOUS)
		return 0;
	if (nbd == NULL || !nx_bind_match(nbd, cred, key, key_len))
		return -EACCES;
	return 0;
}

/* One owner per {port, ring}. */
int
nx_port_claim(struct kern_nexus *nx, nexus_port_t port, uint64_t rings)
{
	struct nx_port *np = &nx->nx_ports[port];

	if (np->np_rings_busy & rings)
		return -EBUSY;
	np->np_rings_busy |= rings;
	return 0;
}

void
nx_port_release(struct kern_nexus *nx, nexus_port_t port, uint64_t rings)
{
	nx->nx_ports[port].np_rings_busy &= ~rings;
}

void
nx_channel_attach(struct kern_nexus *nx, struct kern_channel *ch)
{
	TAILQ_INSERT_TAIL(&nx->nx_channels, ch, ch_nx_link);
	nx->nx_nchannels++;
}

void
nx_channel_detach(struct kern_nexus *nx, struct kern_channel *ch)
{
	TAILQ_REMOVE(&nx->nx_channels, ch, ch_nx_link);
	nx->nx_nchannels--;
	if (nx->nx_nchannels == 0 && (nx->nx_flags & NXF_INVALIDATED))
		nx_free(nx);
}

/* reject_on_close: every channel of the instance now fails with ENXIO. */
void
nx_reject(struct kern_nexus *nx)
{
	struct kern_channel *ch;

	nx->nx_flags |= NXF_REJECT;
	TAILQ_FOREACH(ch, &nx->nx_channels, ch_nx_link) {
		ch_wakeup(ch);
	}
}

const struct kern_nexus_provider *
nxprov_iter(const struct kern_nexus_provider *prev)
{
	return prev == NULL ? TAILQ_FIRST(&nxprov_head) :
	    TAILQ_NEXT(prev, nxprov_link);
}

const struct kern_nexus *
nx_iter(const struct kern_nexus *prev)
{
	return prev == NULL ? TAILQ_FIRST(&nx_head) : TAILQ_NEXT(prev, nx_link);
}

void
nx_stats_get(struct nx_stats *st)
{
	*st = nx_stats;
}

/*
 * Controllers are owned by handles, closed first; the daemon's own (its
 * netifs) go next; report leftovers.
 */
void
nx_fini(void)
{
	struct nxctl *nxctl;

	nx_netif_fini();
	while ((nxctl = TAILQ_FIRST(&nxctl_head)) != NULL) {
		SK_ERR("leaked controller %p", (void *)nxctl);
		nxctl_close(nxctl);
	}
}
