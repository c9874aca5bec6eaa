/*
 * nx_advisory.h - a channel's auxiliary regions: statistics, the
 * flow-advisory table and the nexus (interface) advisory.
 *
 * channel.c sizes and maps the regions (they live in the channel's
 * schema memfd, read-only to the process, after the schema itself);
 * this module fills them and keeps the daemon's private state that goes
 * with them.  The netif nexus produces the interface advisory and tells
 * the flow table what its device did (nx_netif.c); kern_channel.c's
 * flow-advisory KPI lands here.  docs/advisories.md has the whole
 * picture.  Kernel convention: 0 or -errno.  Daemon-internal.
 */
#ifndef NX_ADVISORY_H
#define NX_ADVISORY_H

#include <stddef.h>
#include <stdint.h>

#include "sk_var.h"

struct kern_channel;
struct kern_channel_ring;
struct kern_nexus;
struct flowadv_fcentry;

/* nxp_flowadv_max of a netif (XNU's flowswitch default). */
#define NXADV_FLOWADV_MAX_DEFAULT       512

/* Rings a channel may have per direction that flows are tracked on. */
#define NXADV_RINGS_MAX                 16

/*
 * Open: nxadv_prepare() decides whether the channel gets the regions
 * (netif user channels, not monitors: cinfo_ch_mode must be set by then)
 * and how large they are; nxadv_schema_len() is then the size of the
 * channel's schema memfd (the regions follow the schema's pages there,
 * and the schema's mapping covers them); nxadv_attach(), once the schema
 * is mapped and filled, points the schema at them and fills them.
 * nxadv_detach() at close, nxadv_revoke() at defunct (both NULL-safe).
 */
int nxadv_prepare(struct kern_channel *ch);
size_t nxadv_schema_len(struct kern_channel *ch, size_t schema_len);
void nxadv_attach(struct kern_channel *ch, uint64_t schema_span_off);
void nxadv_detach(struct kern_channel *ch);
void nxadv_revoke(struct kern_channel *ch);

/* CHOPT_IF_ADV_CONF: a uint32_t, non-zero enables updates. */
int nxadv_configure(struct kern_channel *ch, const void *data,
    uint32_t len);

/* Interface advisory: publish adv to every channel of nx that wants
 * updates (and to ch alone, updates or not, with the _ch variant). */
void nxadv_publish_nexus(struct kern_nexus *nx,
    const struct ifnet_interface_advisory *adv);
void nxadv_publish_ch(struct kern_channel *ch,
    const struct ifnet_interface_advisory *adv);
uint16_t nxadv_cksum(const void *p, size_t len);

/*
 * Flow advisories on a TX ring, called by the nexus around its sync:
 * register the flows of newly queued packets before the device sees
 * them; afterwards, blocked says whether the device pushed back (the
 * flows of the slots still queued are suspended) or took everything
 * (those suspended on this ring resume, through the KPI's
 * kern_channel_flowadv_clear()).
 */
void nxadv_flow_register(struct kern_channel_ring *kr);
void nxadv_flow_after_tx(struct kern_channel_ring *kr, bool blocked);

/* The KPI's side (kern_channel.c): 0, or -ENOENT when fce names no
 * channel, entry or flow of ours. */
int nxadv_fce_clear(const struct flowadv_fcentry *fce);
int nxadv_fce_ce_event(const struct flowadv_fcentry *fce, uint32_t ce_cnt,
    uint32_t pkt_cnt);
/* The flow-source token of a channel (0: it has no flow table). */
uint32_t nxadv_token(const struct kern_channel *ch);

/* Channel error statistics (NEXUS_STATS_TYPE_CHAN_ERRORS). */
void nxadv_stat_sync_error(struct kern_channel *ch);
void nxadv_stat_refused(struct kern_channel *ch);

/*
 * Provided by the netif nexus (nx_netif.c): the interface advisory as of
 * now, and how many channels of nx want updates (delta +1/-1; the netif
 * polls its device on a timer while that is non-zero).
 */
void nx_netif_adv_snapshot(struct kern_nexus *nx,
    struct ifnet_interface_advisory *adv);
void nx_netif_adv_users(struct kern_nexus *nx, int delta);

#endif /* NX_ADVISORY_H */
