/*
 * nx_netif.h - the netif nexus as the rest of the daemon sees it.
 *
 * The domain itself (struct nxdom nx_netif_dom) is listed in nexus.c;
 * this header adds what other parts call: the event loop it watches
 * device queues in (main.c), the daemon-owned netifs of the control
 * requests SKC_IOC_CTL_NETIF_* (sk_kern.c), the interface name for
 * introspection and the teardown at daemon exit (nexus.c).  Kernel
 * convention: 0 or -errno.  Daemon-internal; see docs/netif.md.
 */
#ifndef NX_NETIF_H
#define NX_NETIF_H

#include "sk_kern.h"

struct evl;
struct kern_nexus;

/*
 * The loop device queues are watched in.  Without one (unit tests that
 * do not set it) frames are read only inside syncs and nothing is
 * dropped for want of a channel.  Set before the first attach.
 */
void nx_netif_set_evloop(struct evl *l);

/* SKC_IOC_CTL_NETIF_ATTACH / _DETACH / _LOOKUP. */
int nx_netif_ctl_attach(const struct sk_cred *cred,
    struct skc_ctl_netif_attach *req);
int nx_netif_ctl_detach(const struct sk_cred *cred,
    struct skc_ctl_netif_detach *req);
int nx_netif_ctl_lookup(struct skc_ctl_netif_lookup *req);
int nx_netif_ctl_attach_reserved(const void *arg);
int nx_netif_ctl_detach_reserved(const void *arg);
int nx_netif_ctl_lookup_reserved(const void *arg);

/* The interface a netif instance is attached to, "" when none (and for
 * instances of other types). */
const char *nx_netif_ifname(const struct kern_nexus *nx);

/* Close every daemon-owned netif (sk_kern_fini, via nx_fini). */
void nx_netif_fini(void);

#endif /* NX_NETIF_H */
