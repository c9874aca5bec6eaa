/*
 * os_nexus.c - nexus attributes and the nexus controller (os_nexus.h,
 * os_nexus_private.h).
 *
 * Theory of operation.  A nexus_attr_t is a plain library object: one
 * 64-bit value per attribute plus a "requested" bit set, so registration
 * sends only what the caller set and the kernel picks defaults for the
 * rest.  A nexus_controller_t wraps the guarded fd of __nexus_open; every
 * controller call is one system call on it (syscalls.c).
 *
 * Return conventions, as Apple's library has them:
 *  - errors found here, before any system call, are returned as a
 *    positive errno (attribute errors, register's type checks, NULL
 *    arguments);
 *  - calls that forward a system call return its result: 0, or -1 with
 *    errno set by the kernel;
 *  - os_nexus_attr_create/clone and os_nexus_controller_create return
 *    NULL with errno.
 *
 * Attribute rules: the attributes only the kernel can give (meta size,
 * ifindex, stats size, flow advisories, checksum offload, user packet
 * pool, advisory size) cannot be set from userland (ENOTSUP); unknown
 * types are EINVAL.  Values wider than 32 bits are clamped, not
 * truncated, when registered, so an absurd request still fails as too
 * big (ENOMEM from the kernel) rather than wrapping to a small one.
 *
 * Traffic rules need interface steering the emulation does not have:
 * after their argument checks they return ENOTSUP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <skywalk/os_skywalk_private.h>

#include "door.h"

/* nxa_desc flags */
#define NXAD_KERNEL 0x1	    /* kernel-only: set => ENOTSUP */
#define NXAD_BOOL 0x2	    /* stored as 0/1 */
#define NXAD_NOPARAM 0xffff /* no plain nxprov_params field */

#define NXA_OFF(f) offsetof(struct nexus_attr, f)
#define NXP_OFF(f) offsetof(struct nxprov_params, f)

/* One row per nexus_attr_type_t. */
struct nxa_desc {
	uint16_t nd_attr;  /* offset in struct nexus_attr */
	uint16_t nd_param; /* offset in struct nxprov_params */
	uint32_t nd_flags; /* NXAD_* */
	uint64_t nd_req;   /* NXA_REQ_* */
};

static const struct nxa_desc nxa_descs[] = {
    [NEXUS_ATTR_TX_RINGS] = {NXA_OFF(nxa_tx_rings), NXP_OFF(nxp_tx_rings), 0,
			     NXA_REQ_TX_RINGS},
    [NEXUS_ATTR_RX_RINGS] = {NXA_OFF(nxa_rx_rings), NXP_OFF(nxp_rx_rings), 0,
			     NXA_REQ_RX_RINGS},
    [NEXUS_ATTR_TX_SLOTS] = {NXA_OFF(nxa_tx_slots), NXP_OFF(nxp_tx_slots), 0,
			     NXA_REQ_TX_SLOTS},
    [NEXUS_ATTR_RX_SLOTS] = {NXA_OFF(nxa_rx_slots), NXP_OFF(nxp_rx_slots), 0,
			     NXA_REQ_RX_SLOTS},
    [NEXUS_ATTR_SLOT_BUF_SIZE] = {NXA_OFF(nxa_buf_size), NXP_OFF(nxp_buf_size),
				  0, NXA_REQ_BUF_SIZE},
    [NEXUS_ATTR_SLOT_META_SIZE] = {NXA_OFF(nxa_meta_size),
				   NXP_OFF(nxp_meta_size), NXAD_KERNEL,
				   NXA_REQ_META_SIZE},
    [NEXUS_ATTR_ANONYMOUS] = {NXA_OFF(nxa_anonymous), NXAD_NOPARAM, 0,
			      NXA_REQ_ANONYMOUS},
    [NEXUS_ATTR_MHINTS] = {NXA_OFF(nxa_mhints), NXP_OFF(nxp_mhints), 0,
			   NXA_REQ_MHINTS},
    [NEXUS_ATTR_PIPES] = {NXA_OFF(nxa_pipes), NXP_OFF(nxp_pipes), 0,
			  NXA_REQ_PIPES},
    [NEXUS_ATTR_EXTENSIONS] = {NXA_OFF(nxa_extensions), NXP_OFF(nxp_extensions),
			       0, NXA_REQ_EXTENSIONS},
    [NEXUS_ATTR_IFINDEX] = {NXA_OFF(nxa_ifindex), NXP_OFF(nxp_ifindex),
			    NXAD_KERNEL, NXA_REQ_IFINDEX},
    [NEXUS_ATTR_STATS_SIZE] = {NXA_OFF(nxa_stats_size), NXP_OFF(nxp_stats_size),
			       NXAD_KERNEL, NXA_REQ_STATS_SIZE},
    [NEXUS_ATTR_FLOWADV_MAX] = {NXA_OFF(nxa_flowadv_max),
				NXP_OFF(nxp_flowadv_max), NXAD_KERNEL,
				NXA_REQ_FLOWADV_MAX},
    [NEXUS_ATTR_QMAP] = {NXA_OFF(nxa_qmap), NXP_OFF(nxp_qmap), 0, NXA_REQ_QMAP},
    [NEXUS_ATTR_CHECKSUM_OFFLOAD] = {NXA_OFF(nxa_checksum_offload),
				     NXAD_NOPARAM, NXAD_KERNEL,
				     NXA_REQ_CHECKSUM_OFFLOAD},
    [NEXUS_ATTR_USER_PACKET_POOL] = {NXA_OFF(nxa_user_packet_pool),
				     NXAD_NOPARAM, NXAD_KERNEL,
				     NXA_REQ_USER_PACKET_POOL},
    [NEXUS_ATTR_ADV_SIZE] = {NXA_OFF(nxa_nexusadv_size),
			     NXP_OFF(nxp_nexusadv_size), NXAD_KERNEL,
			     NXA_REQ_NEXUSADV_SIZE},
    [NEXUS_ATTR_USER_CHANNEL] = {NXA_OFF(nxa_user_channel), NXAD_NOPARAM, 0,
				 NXA_REQ_USER_CHANNEL},
    [NEXUS_ATTR_MAX_FRAGS] = {NXA_OFF(nxa_max_frags), NXP_OFF(nxp_max_frags), 0,
			      NXA_REQ_MAX_FRAGS},
    [NEXUS_ATTR_REJECT_ON_CLOSE] = {NXA_OFF(nxa_reject_on_close), NXAD_NOPARAM,
				    NXAD_BOOL, NXA_REQ_REJECT_ON_CLOSE},
    [NEXUS_ATTR_LARGE_BUF_SIZE] = {NXA_OFF(nxa_large_buf_size),
				   NXP_OFF(nxp_large_buf_size), 0,
				   NXA_REQ_LARGE_BUF_SIZE},
};

#define NXA_NTYPES (sizeof(nxa_descs) / sizeof(nxa_descs[0]))

static const struct nxa_desc *
nxa_desc_of(nexus_attr_type_t type)
{
	if ((unsigned)type >= NXA_NTYPES)
		return NULL;
	return &nxa_descs[type];
}

static uint64_t *
nxa_field(struct nexus_attr *nxa, const struct nxa_desc *d)
{
	return (uint64_t *)(void *)((char *)nxa + d->nd_attr);
}

static uint32_t *
nxp_field(struct nxprov_params *p, const struct nxa_desc *d)
{
	return (uint32_t *)(void *)((char *)p + d->nd_param);
}

/* ---- attributes ---------------------------------------------------------- */

nexus_attr_t
os_nexus_attr_create(void)
{
	return calloc(1, sizeof(struct nexus_attr));
}

nexus_attr_t
os_nexus_attr_clone(const nexus_attr_t attr)
{
	struct nexus_attr *nxa = os_nexus_attr_create();

	if (nxa != NULL && attr != NULL)
		*nxa = *attr;
	return nxa;
}

int
os_nexus_attr_set(nexus_attr_t attr, const nexus_attr_type_t type,
		  const uint64_t value)
{
	const struct nxa_desc *d = nxa_desc_of(type);

	if (attr == NULL || d == NULL)
		return EINVAL;
	if (d->nd_flags & NXAD_KERNEL)
		return ENOTSUP;
	*nxa_field(attr, d) = (d->nd_flags & NXAD_BOOL) ? (value != 0) : value;
	attr->nxa_requested |= d->nd_req;
	return 0;
}

int
os_nexus_attr_get(const nexus_attr_t attr, const nexus_attr_type_t type,
		  uint64_t *value)
{
	const struct nxa_desc *d = nxa_desc_of(type);

	if (attr == NULL || value == NULL || d == NULL)
		return EINVAL;
	*value = *nxa_field(attr, d);
	return 0;
}

void
os_nexus_attr_destroy(nexus_attr_t attr)
{
	free(attr);
}

/* What the kernel reports becomes the attribute, booleans as 0/1. */
static void
nxa_from_params(struct nexus_attr *nxa, const struct nxprov_params *p)
{
	const struct nxa_desc *d;
	unsigned t;

	for (t = 0; t < NXA_NTYPES; t++) {
		d = &nxa_descs[t];
		if (d->nd_param != NXAD_NOPARAM)
			*nxa_field(nxa, d) =
			    *nxp_field((struct nxprov_params *)(uintptr_t)p, d);
	}
	nxa->nxa_anonymous = !!(p->nxp_flags & NXPF_ANONYMOUS);
	nxa->nxa_user_channel = !!(p->nxp_flags & NXPF_USER_CHANNEL);
	nxa->nxa_checksum_offload =
	    !!(p->nxp_capabilities & NXPCAP_CHECKSUM_PARTIAL);
	nxa->nxa_user_packet_pool =
	    !!(p->nxp_capabilities & NXPCAP_USER_PACKET_POOL);
	nxa->nxa_reject_on_close = !!p->nxp_reject_on_close;
}

/* ---- registration -----------------------------------------------------------
 */

static uint32_t
nxa_clamp(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Attributes that only make sense for some nexus types. */
static int
nxa_type_check(const struct nexus_attr *nxa, nexus_type_t type)
{
	uint64_t rq = nxa->nxa_requested;

	if ((rq & NXA_REQ_QMAP) && type != NEXUS_TYPE_NET_IF)
		return EINVAL;
	if ((rq & NXA_REQ_QMAP) && nxa->nxa_qmap == NEXUS_QMAP_TYPE_WMM &&
	    nxa->nxa_tx_rings != NEXUS_NUM_WMM_QUEUES)
		return EINVAL;
	if ((rq & NXA_REQ_MAX_FRAGS) && type != NEXUS_TYPE_NET_IF &&
	    type != NEXUS_TYPE_FLOW_SWITCH)
		return EINVAL;
	if ((rq & NXA_REQ_REJECT_ON_CLOSE) && type != NEXUS_TYPE_USER_PIPE)
		return EINVAL;
	return 0;
}

/* The requested attributes into the registration's params. */
static void
nxa_to_params(const struct nexus_attr *nxa, struct nxprov_reg *reg)
{
	struct nxprov_params *p = &reg->nxpreg_params;
	uint64_t rq = nxa->nxa_requested;
	const struct nxa_desc *d;
	unsigned t;

	for (t = 0; t < NXA_NTYPES; t++) {
		d = &nxa_descs[t];
		if (!(rq & d->nd_req) || (d->nd_flags & NXAD_KERNEL))
			continue;
		reg->nxpreg_requested |= (uint32_t)d->nd_req;
		if (d->nd_param != NXAD_NOPARAM)
			*nxp_field(p, d) = nxa_clamp(
			    *nxa_field((struct nexus_attr *)(uintptr_t)nxa, d));
	}
	if ((rq & NXA_REQ_ANONYMOUS) && nxa->nxa_anonymous)
		p->nxp_flags |= NXPF_ANONYMOUS;
	if ((rq & NXA_REQ_USER_CHANNEL) && nxa->nxa_user_channel)
		p->nxp_flags |= NXPF_USER_CHANNEL;
	if (rq & NXA_REQ_REJECT_ON_CLOSE)
		p->nxp_reject_on_close = !!nxa->nxa_reject_on_close;
}

/*
 * The name is a nexus_name_t: at most 64 bytes, NUL-terminated when
 * shorter.  nxp_namelen says how long it was, so an unterminated 64-byte
 * name is kept (truncated to 63 + NUL) and reported as 64.
 */
static int
nx_reg_prepare(struct nxprov_reg *reg, const nexus_name_t name,
	       nexus_type_t type, const struct nexus_attr *nxa)
{
	struct nxprov_params *p = &reg->nxpreg_params;
	size_t len;
	int err;

	memset(reg, 0, sizeof(*reg));
	reg->nxpreg_version = NXPROV_REG_CURRENT_VERSION;
	len = name != NULL ? strnlen((const char *)name, sizeof(nexus_name_t))
			   : 0;
	if (len == 0)
		return EINVAL;
	memcpy(p->nxp_name, name,
	       len < sizeof(nexus_name_t) ? len : sizeof(nexus_name_t) - 1);
	p->nxp_namelen = (uint32_t)len;
	p->nxp_type = type;
	if (nxa == NULL)
		return 0;
	err = nxa_type_check(nxa, type);
	if (err == 0)
		nxa_to_params(nxa, reg);
	return err;
}

/* ---- the controller
 * ------------------------------------------------------------ */

nexus_controller_t
os_nexus_controller_create(void)
{
	struct nxctl_init init = {.ni_version = NEXUSCTL_INIT_CURRENT_VERSION};
	struct nexus_controller *ncd;
	int fd;

	fd = __nexus_open(&init, sizeof(init));
	if (fd < 0)
		return NULL;
	ncd = malloc(sizeof(*ncd));
	if (ncd == NULL) {
		guarded_close_np(fd, &init.ni_guard);
		errno = ENOMEM;
		return NULL;
	}
	ncd->ncd_fd = fd;
	ncd->ncd_guard = init.ni_guard;
	return ncd;
}

int
os_nexus_controller_get_fd(const nexus_controller_t ctl)
{
	return ctl->ncd_fd;
}

void
os_nexus_controller_destroy(nexus_controller_t ctl)
{
	if (ctl == NULL)
		return;
	if (ctl->ncd_fd >= 0)
		(void)guarded_close_np(ctl->ncd_fd, &ctl->ncd_guard);
	free(ctl);
}

int
os_nexus_controller_register_provider(const nexus_controller_t ctl,
				      const nexus_name_t name,
				      const nexus_type_t type,
				      const nexus_attr_t attr,
				      uuid_t *prov_uuid)
{
	struct nxprov_reg reg;
	int err;

	err = nx_reg_prepare(&reg, name, type, attr);
	if (err != 0)
		return err;
	return __nexus_register(ctl->ncd_fd, &reg, sizeof(reg), prov_uuid,
				sizeof(uuid_t));
}

int
os_nexus_controller_deregister_provider(const nexus_controller_t ctl,
					const uuid_t prov_uuid)
{
	return __nexus_deregister(ctl->ncd_fd, prov_uuid, sizeof(uuid_t));
}

int
os_nexus_controller_alloc_provider_instance(const nexus_controller_t ctl,
					    const uuid_t prov_uuid,
					    uuid_t *nx_uuid)
{
	return __nexus_create(ctl->ncd_fd, prov_uuid, sizeof(uuid_t), nx_uuid,
			      sizeof(uuid_t));
}

int
os_nexus_controller_free_provider_instance(const nexus_controller_t ctl,
					   const uuid_t nx_uuid)
{
	return __nexus_destroy(ctl->ncd_fd, nx_uuid, sizeof(uuid_t));
}

static uint32_t
nx_bind_match(uint32_t bind_flags)
{
	return ((bind_flags & NEXUS_BIND_PID) ? NBR_MATCH_PID : 0) |
	       ((bind_flags & NEXUS_BIND_EXEC_UUID) ? NBR_MATCH_EXEC_UUID : 0) |
	       ((bind_flags & NEXUS_BIND_KEY) ? NBR_MATCH_KEY : 0);
}

int
os_nexus_controller_bind_provider_instance(
    const nexus_controller_t ctl, const uuid_t nx_uuid, const nexus_port_t port,
    const pid_t pid, const uuid_t exec_uuid, const void *key,
    const uint32_t key_len, const uint32_t bind_flags)
{
	struct nx_bind_req nbr;

	memset(&nbr, 0, sizeof(nbr));
	if (nx_uuid != NULL)
		uuid_copy(nbr.nb_nx_uuid, nx_uuid);
	nbr.nb_port = port;
	nbr.nb_pid = pid;
	if (exec_uuid != NULL)
		uuid_copy(nbr.nb_exec_uuid, exec_uuid);
	nbr.nb_flags = nx_bind_match(bind_flags);
	if (bind_flags & NEXUS_BIND_KEY) {
		nbr.nb_key = (user_addr_t)(uintptr_t)key;
		nbr.nb_key_len = key_len;
	}
	return __nexus_set_opt(ctl->ncd_fd, NXOPT_NEXUS_BIND, &nbr,
			       sizeof(nbr));
}

int
os_nexus_controller_unbind_provider_instance(const nexus_controller_t ctl,
					     const uuid_t nx_uuid,
					     const nexus_port_t port)
{
	struct nx_unbind_req nur;

	memset(&nur, 0, sizeof(nur));
	if (nx_uuid != NULL)
		uuid_copy(nur.nu_nx_uuid, nx_uuid);
	nur.nu_port = port;
	return __nexus_set_opt(ctl->ncd_fd, NXOPT_NEXUS_UNBIND, &nur,
			       sizeof(nur));
}

int
os_nexus_controller_read_provider_attr(const nexus_controller_t ctl,
				       const uuid_t prov_uuid,
				       nexus_attr_t attr)
{
	struct nxprov_reg_ent nre;
	uint32_t len = sizeof(nre);

	if (attr == NULL)
		return EINVAL;
	memset(&nre, 0, sizeof(nre));
	if (prov_uuid != NULL)
		uuid_copy(nre.npre_prov_uuid, prov_uuid);
	if (__nexus_get_opt(ctl->ncd_fd, NXOPT_NEXUS_PROV_ENTRY, &nre, &len) !=
	    0)
		return -1;
	nxa_from_params(attr, &nre.npre_prov_params);
	return 0;
}

/* ---- traffic rules ----------------------------------------------------------
 */

int
os_nexus_controller_add_traffic_rule(
    const nexus_controller_t ctl, const char *ifname,
    const struct ifnet_traffic_descriptor_common *td,
    const struct ifnet_traffic_rule_action *ra, const uint32_t flags,
    uuid_t *rule_uuid)
{
	if (ctl == NULL || ifname == NULL || td == NULL || ra == NULL ||
	    rule_uuid == NULL)
		return EINVAL;
	if (td->itd_len < sizeof(*td) || ra->ra_len < sizeof(*ra))
		return EINVAL;
	if (td->itd_type != IFNET_TRAFFIC_DESCRIPTOR_TYPE_INET ||
	    ra->ra_type != IFNET_TRAFFIC_RULE_ACTION_STEER)
		return ENOTSUP;
	return ENOTSUP; /* no interface steering in the emulation */
}

int
os_nexus_controller_remove_traffic_rule(const nexus_controller_t ctl,
					const uuid_t rule_uuid)
{
	if (ctl == NULL || rule_uuid == NULL)
		return EINVAL;
	return ENOTSUP;
}

int
os_nexus_controller_iterate_traffic_rules(const nexus_controller_t ctl,
					  nexus_traffic_rule_iterator_t itr,
					  void *itr_arg)
{
	if (ctl == NULL || itr == NULL)
		return EINVAL;
	return ENOTSUP;
}

/* ---- private: NXOPT_NEXUS_CONFIG commands
 * --------------------------------------- */

/* One config command; req is written back by the kernel.  fd may be -1. */
static int
nx_config(int fd, const uuid_t nx_uuid, nxcfg_cmd_t cmd, void *req, size_t len)
{
	struct nx_cfg_req ncr;

	memset(&ncr, 0, sizeof(ncr));
	if (nx_uuid != NULL)
		uuid_copy(ncr.nc_nx_uuid, nx_uuid);
	ncr.nc_cmd = cmd;
	ncr.nc_req_len = (uint32_t)len;
	ncr.nc_req = (user_addr_t)(uintptr_t)req;
	return __nexus_set_opt(fd, NXOPT_NEXUS_CONFIG, &ncr, sizeof(ncr));
}

int
__os_nexus_ifattach(const nexus_controller_t ctl, const uuid_t nx_uuid,
		    const char *ifname, const uuid_t netif_uuid, boolean_t host,
		    uuid_t *nx_if_uuid)
{
	struct nx_spec_req nsr;
	size_t len;
	int rc;

	memset(&nsr, 0, sizeof(nsr));
	if (ifname != NULL) {
		len = strnlen(ifname, NX_SPEC_IF_NAMELEN);
		if (len == 0 || len >= NX_SPEC_IF_NAMELEN)
			return EINVAL;
		memcpy(nsr.nsr_name, ifname, len);
	} else if (netif_uuid != NULL) {
		uuid_copy(nsr.nsr_uuid, netif_uuid);
		nsr.nsr_flags |= NXSPECREQ_UUID;
	} else {
		return EINVAL;
	}
	if (host)
		nsr.nsr_flags |= NXSPECREQ_HOST;
	rc = nx_config(ctl->ncd_fd, nx_uuid, NXCFG_CMD_ATTACH, &nsr,
		       sizeof(nsr));
	if (rc == 0 && nx_if_uuid != NULL)
		uuid_copy(*nx_if_uuid, nsr.nsr_if_uuid);
	return rc;
}

int
__os_nexus_ifdetach(const nexus_controller_t ctl, const uuid_t nx_uuid,
		    const uuid_t nx_if_uuid)
{
	struct nx_spec_req nsr;

	memset(&nsr, 0, sizeof(nsr));
	if (nx_if_uuid != NULL)
		uuid_copy(nsr.nsr_if_uuid, nx_if_uuid);
	return nx_config(ctl->ncd_fd, nx_uuid, NXCFG_CMD_DETACH, &nsr,
			 sizeof(nsr));
}

/* The kernel writes the port, UUID and addresses back into *nfr. */
int
__os_nexus_flow_add(const nexus_controller_t ncd, const uuid_t nx_uuid,
		    const struct nx_flow_req *nfr)
{
	return nx_config(ncd->ncd_fd, nx_uuid, NXCFG_CMD_FLOW_ADD,
			 (void *)(uintptr_t)nfr, sizeof(*nfr));
}

int
__os_nexus_flow_del(const nexus_controller_t ncd, const uuid_t nx_uuid,
		    const struct nx_flow_req *nfr)
{
	return nx_config(ncd->ncd_fd, nx_uuid, NXCFG_CMD_FLOW_DEL,
			 (void *)(uintptr_t)nfr, sizeof(*nfr));
}

int
__os_nexus_get_llink_info(const nexus_controller_t ncd, const uuid_t nx_uuid,
			  const struct nx_llink_info_req *nlir, size_t len)
{
	return nx_config(ncd->ncd_fd, nx_uuid, NXCFG_CMD_GET_LLINK_INFO,
			 (void *)(uintptr_t)nlir, len);
}

/* Through the process's shared controller, as on XNU. */
int
os_nexus_flow_set_wake_from_sleep(const uuid_t nx_uuid, const uuid_t flow_uuid,
				  bool enable)
{
	struct nx_flow_req nfr;

	memset(&nfr, 0, sizeof(nfr));
	if (flow_uuid != NULL)
		uuid_copy(nfr.nfr_flow_uuid, flow_uuid);
	nfr.nfr_flags = enable ? 0 : NXFLOWREQF_NOWAKEFROMSLEEP;
	return nx_config(__OS_NEXUS_SHARED_USER_CONTROLLER_FD, nx_uuid,
			 NXCFG_CMD_FLOW_CONFIG, &nfr, sizeof(nfr));
}
