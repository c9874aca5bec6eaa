/*
 * nexus_var.h - nexus controllers, providers, instances and domains.
 *
 * A controller (struct nxctl) is what NEXUS_OPEN turns a handle into.
 * Providers registered through it and the instances allocated from them
 * belong to it and are closed with it.  A nexus domain (struct nxdom) is
 * one nexus type as a const ops table; each type lives in its own file
 * (nx_upipe.c) and is listed in nexus.c.  Daemon-internal.
 */
#ifndef NEXUS_VAR_H
#define NEXUS_VAR_H

#include "sk_var.h"

struct kern_channel;
struct kern_channel_ring;
struct kern_nexus;

/* A provider parameter's default and bounds (spec section 4). */
struct nxdom_range {
	uint32_t nr_def;
	uint32_t nr_min;
	uint32_t nr_max;
};

/* nxdom_flags */
#define NXDOMF_USER_REGISTER    0x1     /* userland may register it */
#define NXDOMF_TXRX_EQUAL       0x2     /* TX rings must equal RX rings */
#define NXDOMF_USER_CHANNEL_REQ 0x4     /* user channels only if requested */

/*
 * One nexus type.  Channel hooks run with the channel half set up:
 * ch_connect picks the kernel rings and the packet pool, ch_disconnect
 * gives them back.  txsync/rxsync are the nexus half of a sync, between
 * the kring prologue and finalize (kring.c).
 */
struct nxdom {
	const char *nxdom_name;
	nexus_type_t nxdom_type;
	uint32_t nxdom_flags;           /* NXDOMF_* */
	nexus_meta_type_t nxdom_md_type;
	nexus_meta_subtype_t nxdom_md_subtype;
	uint32_t nxdom_ports;
	struct nxdom_range nxdom_rings;
	struct nxdom_range nxdom_slots;         /* TX, and RX unless below */
	struct nxdom_range nxdom_rx_slots;      /* nr_def 0: nxdom_slots */
	struct nxdom_range nxdom_buf_size;
	uint32_t nxdom_meta_size;
	uint32_t nxdom_max_frags;

	int (*nxdom_nx_init)(struct kern_nexus *nx);
	void (*nxdom_nx_fini)(struct kern_nexus *nx);
	int (*nxdom_ch_check)(struct kern_nexus *nx, uint32_t mode);
	int (*nxdom_ch_connect)(struct kern_nexus *nx, struct kern_channel *ch);
	void (*nxdom_ch_disconnect)(struct kern_nexus *nx,
	    struct kern_channel *ch);
	int (*nxdom_txsync)(struct kern_channel_ring *kr);
	int (*nxdom_rxsync)(struct kern_channel_ring *kr);
	/*
	 * NXOPT_NEXUS_CONFIG (XNU's nxdom_prov_config); NULL: EPERM.  req
	 * holds len bytes of the command's struct, written back to the
	 * caller afterwards.  0 or -errno.
	 */
	int (*nxdom_config)(struct kern_nexus *nx, nxcfg_cmd_t cmd, void *req,
	    uint32_t len);
};

extern const struct nxdom nx_upipe_dom;
extern const struct nxdom nx_netif_dom;

/* The caller's key/pid a port is bound to (NXOPT_NEXUS_BIND). */
struct nx_bind {
	uint32_t nbd_flags;             /* NBR_MATCH_* */
	pid_t nbd_pid;
	uint32_t nbd_key_len;
	uint8_t *nbd_key;
};

struct nx_port {
	struct nx_bind *np_bind;        /* NULL: unbound */
	uint64_t np_rings_busy;         /* bit r: ring r owned by a channel */
};

struct nxctl {
	struct sk_cred nxctl_cred;
	TAILQ_ENTRY(nxctl) nxctl_link;
};

struct kern_nexus_provider {
	uuid_t nxprov_uuid;
	struct nxctl *nxprov_ctl;       /* owner */
	const struct nxdom *nxprov_dom;
	struct nxprov_params nxprov_params;
	TAILQ_ENTRY(kern_nexus_provider) nxprov_link;
};

/* nx_flags */
#define NXF_INVALIDATED 0x1             /* destroyed; lives on for channels */
#define NXF_REJECT      0x2             /* reject_on_close fired */

struct kern_nexus {
	uuid_t nx_uuid;
	uuid_t nx_prov_uuid;
	struct nxctl *nx_ctl;           /* owner; NULL once invalidated */
	const struct nxdom *nx_dom;
	struct nxprov_params nx_params; /* copied: the provider may go first */
	uint32_t nx_flags;              /* NXF_* */
	struct nx_port *nx_ports;       /* nxdom_ports entries */
	TAILQ_HEAD(nx_ch_head, kern_channel) nx_channels;
	uint32_t nx_nchannels;
	void *nx_arg;                   /* the domain's instance state */
	TAILQ_ENTRY(kern_nexus) nx_link;
};

struct nxctl *nxctl_create(const struct sk_cred *cred);
void nxctl_close(struct nxctl *nxctl);
int nxctl_register(struct nxctl *nxctl, struct skc_nexus_register *req);
int nxctl_deregister(struct nxctl *nxctl, const uuid_t prov_uuid);
int nxctl_nexus_create(struct nxctl *nxctl, struct skc_nexus_create *req);
int nxctl_nexus_destroy(struct nxctl *nxctl, const uuid_t nx_uuid);
int nxctl_get_opt(struct nxctl *nxctl, struct skc_nexus_opt *req);
int nxctl_set_opt(struct nxctl *nxctl, const struct sk_cred *cred,
    struct skc_nexus_opt *req);

int nx_lookup_for_open(const uuid_t uuid, struct kern_nexus **nxp);
int nx_port_admit(struct kern_nexus *nx, nexus_port_t port,
    const struct sk_cred *cred, const uint8_t *key, uint32_t key_len);
int nx_port_claim(struct kern_nexus *nx, nexus_port_t port,
    uint64_t rings);
void nx_port_release(struct kern_nexus *nx, nexus_port_t port,
    uint64_t rings);
void nx_channel_attach(struct kern_nexus *nx, struct kern_channel *ch);
void nx_channel_detach(struct kern_nexus *nx, struct kern_channel *ch);
void nx_reject(struct kern_nexus *nx);

/* Every provider / instance, invalidated ones too, in list order, for
 * introspection (sk_ctl.c): NULL starts the walk, NULL ends it. */
const struct kern_nexus_provider *nxprov_iter(
    const struct kern_nexus_provider *prev);
const struct kern_nexus *nx_iter(const struct kern_nexus *prev);

struct nx_stats {
	uint32_t nxs_controllers;
	uint32_t nxs_providers;
	uint32_t nxs_instances;
	uint32_t nxs_bindings;
};
void nx_stats_get(struct nx_stats *st);
void nx_fini(void);

#endif /* NEXUS_VAR_H */
