/*
 * nx_kpipe.h - kernel pipes: nexus instances owned by the kernel, whose
 * far end is a provider inside the daemon (NEXUS_TYPE_KERNEL_PIPE).
 *
 * A process opens port 0 (NEXUS_PORT_KERNEL_PIPE_CLIENT) of one like any
 * channel; the provider moves its packets through the KPI
 * (kern_channel.h).  Userland cannot register this type (EINVAL, as on
 * XNU): kernel pipes exist only through nx_kpipe_create(), and they are
 * not listed by any controller.  Daemon-internal.
 */
#ifndef NX_KPIPE_H
#define NX_KPIPE_H

#include "kern_channel.h"
#include "nexus_var.h"

extern const struct nxdom nx_kpipe_dom;

/* Sizes a kernel pipe may ask for; 0 means the domain default. */
struct nx_kpipe_params {
	uint32_t kpp_rings;
	uint32_t kpp_slots;
	uint32_t kpp_buf_size;
};

/*
 * Create an anonymous kernel pipe served by init (which must outlive
 * it).  params may be NULL (defaults: 1 ring, 128 slots, 2048 bytes).
 * Returns 0 or -errno: -EINVAL for a bad provider or sizes.
 */
int nx_kpipe_create(const struct kern_nexus_provider_init *init,
    const char *name, const struct nx_kpipe_params *params,
    struct kern_nexus **nxp);

/* -EBUSY while channels are open on it; 0 once freed. */
int nx_kpipe_destroy(struct kern_nexus *nx);

/* For channel opens: -ENOENT unless uuid names a kernel pipe. */
int nx_kpipe_lookup(const uuid_t uuid, struct kern_nexus **nxp);
uint32_t nx_kpipe_count(void);

/* Every kernel pipe, for introspection (sk_ctl.c): NULL starts the
 * walk, NULL ends it. */
const struct kern_nexus *nx_kpipe_iter(const struct kern_nexus *prev);

/*
 * The loopback (XNU kern.skywalk.kpipe.loopback.*): every packet a
 * process sends on it comes back on its RX ring, length and bytes intact.
 * cuse-dev starts it at boot (unless --no-kpipe-loopback) and logs
 * "kpipe loopback nexus <uuid>".  nx_kpipe_loopback_uuid() gives -ENXIO
 * while it is not running (XNU: loopback not enabled).
 */
int nx_kpipe_loopback_start(void);
void nx_kpipe_loopback_stop(void);
int nx_kpipe_loopback_uuid(uuid_t out);

#endif /* NX_KPIPE_H */
