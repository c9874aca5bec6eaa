/*
 * check_advisory.c - a netif channel's statistics, flow-advisory and
 * interface-advisory regions (cuse-dev/nx_advisory.c and its hooks in
 * nx_netif.c, channel.c and kern_channel.c), in-process on loop devices.
 *
 * The loop backend holds about 280 small frames per queue before it
 * pushes back, which makes flow suspension and resumption deterministic:
 * queue more than that, sync, and the flows of what is left are
 * suspended; drain the RX side and serve the event loop, and the
 * writability refill resumes them.  The event loop the daemon would run
 * is driven by hand (ad_pump, ad_wait).
 */
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kern_harness.h"
#include "../../backend/backend.h"
#include "../../cuse-dev/evloop.h"
#include "../../cuse-dev/kern_channel.h"
#include "../../cuse-dev/nx_advisory.h"
#include "../../cuse-dev/nx_netif.h"

/* Under AddressSanitizer, let the expected SIGSEGVs be signals. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "handle_segv=0";
}

#define AD_DEV          "skadv0"
#define AD_ETHERTYPE    0x88b5          /* local experimental */
#define AD_RAMP_DOWN    0x80000000u

static struct evl *ad_evl;

static void
setup(void)
{
	kh_setup();
	kh_cred = KH_CRED_NOBODY;       /* pid 0: a violation kills nobody */
	ad_evl = evl_new();
	ck_assert_ptr_nonnull(ad_evl);
	nx_netif_set_evloop(ad_evl);
	ck_assert_int_eq(skb_loop_create(AD_DEV, 1500), 0);
}

static void
teardown(void)
{
	kh_teardown();
	ck_assert_uint_eq(evl_count(ad_evl), 0);   /* no timer left behind */
	nx_netif_set_evloop(NULL);
	evl_free(ad_evl);
	skb_loop_destroy(AD_DEV);
}

static void
ad_pump(void)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (evl_run_once(ad_evl, 0) <= 0)
			break;
	}
}

/* Serve the loop for about ms milliseconds (timers fire in there). */
static void
ad_wait(int ms)
{
	uint64_t end = sk_now_ns() + (uint64_t)ms * 1000000u;

	while (sk_now_ns() < end)
		evl_run_once(ad_evl, 50);
}

/* ---- a netif on the loop device -------------------------------------------- */

static void
ad_netif(struct sk_file *ctl, uint32_t tx_slots, uuid_t nx)
{
	struct skc_nexus_register nr;
	struct nxprov_params *p = &nr.nr_reg.nxpreg_params;
	struct skc_nexus_opt o;
	struct nx_cfg_req ncr;
	struct nx_spec_req nsr;

	memset(&nr, 0, sizeof(nr));
	nr.nr_reg.nxpreg_version = NXPROV_REG_CURRENT_VERSION;
	nr.nr_reg.nxpreg_requested = NXPREQ_ANONYMOUS | NXPREQ_USER_CHANNEL |
	    NXPREQ_TX_SLOTS;
	strcpy((char *)p->nxp_name, "ad-netif");
	p->nxp_namelen = 8;
	p->nxp_type = NEXUS_TYPE_NET_IF;
	p->nxp_flags = NXPF_ANONYMOUS | NXPF_USER_CHANNEL;
	p->nxp_tx_slots = tx_slots;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr), 0);
	ck_assert_int_eq(kh_nexus_create(ctl, nr.nr_prov_uuid, nx), 0);
	memset(&o, 0, sizeof(o));
	memset(&ncr, 0, sizeof(ncr));
	memset(&nsr, 0, sizeof(nsr));
	uuid_copy(ncr.nc_nx_uuid, nx);
	ncr.nc_cmd = NXCFG_CMD_ATTACH;
	ncr.nc_req_len = sizeof(nsr);
	strcpy(nsr.nsr_name, AD_DEV);
	o.no_opt = NXOPT_NEXUS_CONFIG;
	o.no_len = sizeof(ncr) + sizeof(nsr);
	memcpy(o.no_data, &ncr, sizeof(ncr));
	memcpy(o.no_data + sizeof(ncr), &nsr, sizeof(nsr));
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_GET_OPT, &o), 0);
}

static void
ad_open(struct sk_file **ctl, uint32_t tx_slots, struct kh_chan *c)
{
	uuid_t nx;

	*ctl = kh_ctl_open();
	ad_netif(*ctl, tx_slots, nx);
	ck_assert_int_eq(kh_chan_open(c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), 0);
}

static int
ad_set_opt(struct kh_chan *c, uint32_t opt, const void *val, uint32_t len)
{
	struct skc_channel_opt o;

	memset(&o, 0, sizeof(o));
	o.co_opt = opt;
	o.co_len = len;
	memcpy(o.co_data, val, len);
	return kh_ioctl(c->f, SKC_IOC_CHANNEL_SET_OPT, &o);
}

static int
ad_if_adv_conf(struct kh_chan *c, uint32_t enable)
{
	return ad_set_opt(c, CHOPT_IF_ADV_CONF, &enable, sizeof(enable));
}

/* ---- the regions, as the library finds them ------------------------------------ */

static void *
ad_at(struct kh_chan *c, uint64_t span_off)
{
	ck_assert_uint_ne(span_off, 0);
	ck_assert_uint_lt(span_off, c->span_size);
	return c->span + span_off;
}

static struct __kern_nexus_adv_metadata *
ad_md(struct kh_chan *c)
{
	return ad_at(c, c->schema->csm_nexusadv_ofs);
}

static struct __kern_netif_intf_advisory *
ad_ia(struct kh_chan *c)
{
	return &((struct netif_nexus_advisory *)(void *)(ad_md(c) + 1))->
	    __kern_intf_adv;
}

static struct __flowadv_entry *
ad_fae(struct kh_chan *c, uint32_t fidx)
{
	return (struct __flowadv_entry *)ad_at(c, c->schema->csm_flowadv_ofs) +
	    fidx;
}

static struct __nx_stats_channel_errors *
ad_stats(struct kh_chan *c)
{
	return ad_at(c, c->schema->csm_stats_ofs);
}

/* os_channel_get_interface_advisory(), on our side of the span. */
static int
ad_read_adv(struct kh_chan *c, struct ifnet_interface_advisory *adv)
{
	const struct __kern_netif_intf_advisory *ia = ad_ia(c);
	uint32_t sum = os_copy_and_inet_checksum(&ia->adv, adv, sizeof(*adv),
	    0);

	return sum == ia->cksum ? 0 : EAGAIN;
}

/* ---- frames with flows ------------------------------------------------------- */

static void
ad_flow_uuid(uuid_t u, uint8_t tag)
{
	memset(u, 0, sizeof(uuid_t));
	u[0] = 0xad;
	u[15] = tag;
}

/* One frame on TX ring 0, of flow (tag, fidx); tag 0: no flow. */
static void
ad_tx(struct kh_chan *c, uint8_t tag, uint32_t fidx)
{
	struct __user_channel_ring *ring = kh_tx(c, 0);
	uint32_t s = ring->ring_head;
	struct __user_packet *up = (void *)kh_slot_md(c, ring, s);
	uint8_t *p = kh_slot_buf(c, ring, s);

	memset(p, 0xff, 6);
	memset(p + 6, 0x02, 6);
	p[12] = AD_ETHERTYPE >> 8;
	p[13] = AD_ETHERTYPE & 0xff;
	memset(p + 14, tag, 46);
	up->pkt_length = 60;
	up->pkt_qum_buf.buf_doff = 0;
	up->pkt_qum_buf.buf_dlen = 60;
	up->pkt_headroom = 0;
	up->pkt_l2_len = 14;
	if (tag != 0)
		ad_flow_uuid(up->pkt_flow_id, tag);
	else
		memset(up->pkt_flow_id, 0, sizeof(uuid_t));
	up->pkt_comp_gencnt = fidx;
	ring->ring_head = kh_next(ring, s);
}

/* Take whatever arrived on RX ring 0; returns how many. */
static uint32_t
ad_rx_drain(struct kh_chan *c)
{
	struct __user_channel_ring *rx = kh_rx(c, 0);
	uint32_t n = 0;

	ck_assert_int_eq(kh_sync(c, CHANNEL_SYNC_RX), 0);
	while (kh_avail(rx) != 0) {
		rx->ring_head = kh_next(rx, rx->ring_head);
		n++;
	}
	ck_assert_int_eq(kh_sync(c, CHANNEL_SYNC_RX), 0);
	return n;
}

static bool
ad_fae_is(struct kh_chan *c, uint32_t fidx, uint8_t tag, uint32_t flags)
{
	struct __flowadv_entry *fe = ad_fae(c, fidx);
	uuid_t u;

	ad_flow_uuid(u, tag);
	return fe->fae_flags == flags && uuid_compare(fe->fae_id, u) == 0;
}

/* ---- regions and their contents --------------------------------------------- */

/* A netif channel has all three, where and as the library expects. */
START_TEST(test_regions)
{
	struct __user_channel_schema *csm;
	struct ifnet_interface_advisory adv;
	struct __kern_nexus_adv_metadata *md;
	struct sk_file *ctl;
	struct kh_chan c;
	uint32_t i;

	ad_open(&ctl, 0, &c);
	csm = c.schema;
	ck_assert_uint_eq(csm->csm_stats_type, NEXUS_STATS_TYPE_CHAN_ERRORS);
	ck_assert_uint_eq(csm->csm_flowadv_max, NXADV_FLOWADV_MAX_DEFAULT);
	ck_assert_uint_eq(c.info.ci_info.cinfo_nxprov_params.nxp_flowadv_max,
	    NXADV_FLOWADV_MAX_DEFAULT);
	ck_assert_uint_eq(c.info.ci_info.cinfo_nxprov_params.nxp_stats_size,
	    sizeof(struct __nx_stats_channel_errors));
	ck_assert_uint_eq(c.info.ci_info.cinfo_nxprov_params.nxp_nexusadv_size,
	    sizeof(*md) + sizeof(struct netif_nexus_advisory));
	/* spec order inside the area; the table fits before the advisory */
	ck_assert_uint_lt(csm->csm_stats_ofs, csm->csm_flowadv_ofs);
	ck_assert_uint_le(csm->csm_flowadv_ofs + NXADV_FLOWADV_MAX_DEFAULT *
	    sizeof(struct __flowadv_entry), csm->csm_nexusadv_ofs);
	ck_assert_uint_eq(csm->csm_flowadv_ofs % 8, 0);
	md = ad_md(&c);
	ck_assert_uint_eq(md->knam_version, NX_ADVISORY_MD_CURRENT_VERSION);
	ck_assert_uint_eq(md->knam_type, NEXUS_ADVISORY_TYPE_NETIF);
	ck_assert_uint_eq(((struct netif_nexus_advisory *)(void *)(md + 1))->
	    nna_version, NX_NETIF_ADVISORY_CURRENT_VERSION);
	/* an advisory is there from the start, with a valid checksum */
	ck_assert_int_eq(ad_read_adv(&c, &adv), 0);
	ck_assert_uint_eq(adv.version, IF_INTERFACE_ADVISORY_VERSION_1);
	ck_assert_uint_eq(adv.direction, IF_INTERFACE_ADVISORY_DIRECTION_TX);
	ck_assert_uint_eq(adv.rate_trend_suggestion, 0);    /* link usable */
	ck_assert_uint_eq(adv.max_bandwidth, 0);    /* a loop has no speed */
	ck_assert_uint_ne(adv.timestamp, 0);
	ck_assert_uint_le(adv.timestamp, sk_now_ns());
	/* nothing registered, nothing counted */
	for (i = 0; i < NXADV_FLOWADV_MAX_DEFAULT; i++)
		ck_assert_uint_eq(ad_fae(&c, i)->fae_flags, 0);
	ck_assert_uint_eq(ad_stats(&c)->nxs_cres_sync_errors, 0);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* Pipes have none of them; the option says ENOTSUP (EINVAL if short). */
START_TEST(test_pipe_has_none)
{
	struct sk_file *ctl = kh_ctl_open();
	struct kh_chan c;
	uint16_t half = 1;
	uuid_t nx;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_uint_eq(c.schema->csm_stats_ofs, 0);
	ck_assert_uint_eq(c.schema->csm_stats_type, NEXUS_STATS_TYPE_INVALID);
	ck_assert_uint_eq(c.schema->csm_flowadv_ofs, 0);
	ck_assert_uint_eq(c.schema->csm_flowadv_max, 0);
	ck_assert_uint_eq(c.schema->csm_nexusadv_ofs, 0);
	ck_assert_int_eq(ad_if_adv_conf(&c, 1), -ENOTSUP);
	ck_assert_int_eq(ad_if_adv_conf(&c, 0), -ENOTSUP);
	ck_assert_int_eq(ad_set_opt(&c, CHOPT_IF_ADV_CONF, &half, 2), -EINVAL);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* The daemon's checksum is the library's, for any length. */
START_TEST(test_cksum_matches_library)
{
	uint8_t buf[97], tmp[97];
	uint32_t len, i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	for (len = 0; len <= sizeof(buf); len++)
		ck_assert_uint_eq(nxadv_cksum(buf, len),
		    os_copy_and_inet_checksum(buf, tmp, len, 0));
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(nxadv_cksum(buf, 64),
	    os_copy_and_inet_checksum(buf, tmp, 64, 0));
}
END_TEST

/*
 * Updates on: a timer watch polls the device; the link going down shows
 * as a ramp-down suggestion.  Updates off: the timer goes and the copy
 * stays as it was.  A torn copy (cksum BUSY or stale) reads as EAGAIN.
 */
START_TEST(test_updates_follow_link)
{
	struct ifnet_interface_advisory adv, adv0;
	struct __kern_netif_intf_advisory *ia;
	struct sk_file *ctl;
	struct kh_chan c;
	unsigned base;
	int i;

	ad_open(&ctl, 0, &c);
	base = evl_count(ad_evl);
	ck_assert_int_eq(ad_read_adv(&c, &adv0), 0);
	ck_assert_int_eq(ad_if_adv_conf(&c, 1), 0);
	ck_assert_uint_eq(evl_count(ad_evl), base + 1);
	ck_assert_int_eq(ad_if_adv_conf(&c, 1), 0);     /* idempotent */
	ck_assert_uint_eq(evl_count(ad_evl), base + 1);
	ck_assert_int_eq(ad_read_adv(&c, &adv), 0);
	ck_assert_uint_gt(adv.timestamp, adv0.timestamp); /* republished */
	ck_assert_int_eq(skb_loop_set_link(AD_DEV, 0), 0);
	for (i = 0; i < 30; i++) {
		ad_wait(100);
		ck_assert_int_eq(ad_read_adv(&c, &adv), 0);
		if (adv.rate_trend_suggestion == AD_RAMP_DOWN)
			break;
	}
	ck_assert_uint_eq(adv.rate_trend_suggestion, AD_RAMP_DOWN);
	ck_assert_uint_eq(adv.max_bandwidth, 0);
	ck_assert_int_eq(skb_loop_set_link(AD_DEV, 1), 0);
	for (i = 0; i < 30; i++) {
		ad_wait(100);
		ck_assert_int_eq(ad_read_adv(&c, &adv), 0);
		if (adv.rate_trend_suggestion == 0)
			break;
	}
	ck_assert_uint_eq(adv.rate_trend_suggestion, 0);
	/* off: no timer, and a link change is not published any more */
	ck_assert_int_eq(ad_if_adv_conf(&c, 0), 0);
	ck_assert_uint_eq(evl_count(ad_evl), base);
	ck_assert_int_eq(skb_loop_set_link(AD_DEV, 0), 0);
	ad_wait(700);
	ck_assert_int_eq(ad_read_adv(&c, &adv0), 0);
	ck_assert_uint_eq(adv0.rate_trend_suggestion, 0);
	ck_assert_uint_eq(adv0.timestamp, adv.timestamp);
	/* what a reader racing the writer would see */
	ia = ad_ia(&c);
	ck_assert_uint_le(ia->cksum, 0xffff);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* The timer is per netif and lives while any channel wants updates. */
START_TEST(test_timer_refcount)
{
	struct sk_file *ctl;
	struct kh_chan c;
	unsigned base;

	ad_open(&ctl, 0, &c);
	base = evl_count(ad_evl);
	ck_assert_int_eq(ad_if_adv_conf(&c, 1), 0);
	ck_assert_uint_eq(evl_count(ad_evl), base + 1);
	kh_chan_close(&c);              /* close with updates on: timer goes */
	ck_assert_uint_eq(evl_count(ad_evl), base);
	sk_file_close(ctl);
}
END_TEST

/* The device vanishing is published at once to who listens. */
START_TEST(test_gone_published)
{
	struct ifnet_interface_advisory adv;
	struct sk_file *ctl;
	struct kh_chan c;

	ad_open(&ctl, 0, &c);
	ck_assert_int_eq(ad_if_adv_conf(&c, 1), 0);
	ck_assert_int_eq(skb_loop_destroy(AD_DEV), 0);
	ad_pump();
	ck_assert_int_eq(ad_read_adv(&c, &adv), 0);
	ck_assert_uint_eq(adv.rate_trend_suggestion, AD_RAMP_DOWN);
	/* the refused requests of the rejecting instance are counted */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), -ENXIO);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), -ENXIO);
	ck_assert_uint_eq(ad_stats(&c)->nxs_cres_defunct, 2);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* TX bytes and a queue that does not drain show in the advisory. */
START_TEST(test_counters_in_advisory)
{
	struct ifnet_interface_advisory adv;
	struct sk_file *ctl;
	struct kh_chan c;
	uint32_t i;

	ad_open(&ctl, 512, &c);
	for (i = 0; i < 10; i++)
		ad_tx(&c, 0, 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(ad_if_adv_conf(&c, 1), 0);
	ck_assert_int_eq(ad_read_adv(&c, &adv), 0);
	ck_assert_uint_eq(adv.total_byte_count, 600);
	ck_assert_uint_eq(adv.flushable_queue_size, 0);
	ad_rx_drain(&c);
	for (i = 0; i < 500; i++)
		ad_tx(&c, 0, 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);   /* push-back */
	ad_wait(600);
	ck_assert_int_eq(ad_read_adv(&c, &adv), 0);
	ck_assert_uint_gt(adv.flushable_queue_size, 0);
	ck_assert_uint_eq(adv.rate_trend_suggestion, AD_RAMP_DOWN);
	ck_assert_uint_gt(adv.total_byte_count, 600);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* ---- flow advisories ----------------------------------------------------------- */

/*
 * A flow whose packets all went out stays admissible; one with packets
 * left behind by the device's push-back is suspended; once the queue
 * drains (the writability refill), it is admissible again.
 */
START_TEST(test_flow_suspend_resume)
{
	struct __user_channel_ring *tx;
	struct sk_file *ctl;
	struct kh_chan c;
	uint32_t i, got = 0;

	ad_open(&ctl, 512, &c);
	tx = kh_tx(&c, 0);
	for (i = 0; i < 10; i++)
		ad_tx(&c, 0xb, 5);
	for (i = 0; i < 490; i++)
		ad_tx(&c, 0xa, 3);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_ne(tx->ring_khead, tx->ring_head);   /* pushed back */
	ck_assert(ad_fae_is(&c, 5, 0xb, FLOWADVF_VALID));
	ck_assert(ad_fae_is(&c, 3, 0xa, FLOWADVF_VALID | FLOWADVF_SUSPENDED));
	ck_assert_uint_ne(ad_fae(&c, 3)->fae_flowid, 0);
	/* still refused at the next TX sync: still suspended */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert(ad_fae_is(&c, 3, 0xa, FLOWADVF_VALID | FLOWADVF_SUSPENDED));
	for (i = 0; i < 20 && got < 500; i++) {
		got += ad_rx_drain(&c);
		ad_pump();              /* writable: the refill sends more */
	}
	ck_assert_uint_eq(got, 500);
	/* resumed by the refill that drained the ring, before any sync */
	ck_assert(ad_fae_is(&c, 3, 0xa, FLOWADVF_VALID));
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(tx->ring_khead, tx->ring_head);
	ck_assert(ad_fae_is(&c, 5, 0xb, FLOWADVF_VALID));
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* No flow UUID, an index past the table, a dropped slot: not registered;
 * another UUID at a used index replaces the entry. */
START_TEST(test_flow_register_rules)
{
	struct __user_channel_ring *tx;
	struct sk_file *ctl;
	struct kh_chan c;

	ad_open(&ctl, 0, &c);
	tx = kh_tx(&c, 0);
	ad_tx(&c, 0, 7);                                        /* no UUID */
	ad_tx(&c, 0xc, NXADV_FLOWADV_MAX_DEFAULT);              /* too far */
	ad_tx(&c, 0xd, 9);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(ad_fae(&c, 7)->fae_flags, 0);
	ck_assert(ad_fae_is(&c, 9, 0xd, FLOWADVF_VALID));
	ad_tx(&c, 0xe, 9);                              /* replaces 0xd */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert(ad_fae_is(&c, 9, 0xe, FLOWADVF_VALID));
	/* a slot the process dropped registers nothing */
	ad_tx(&c, 0xf, 11);
	kh_slot_md(&c, tx, tx->ring_head == 0 ? tx->ring_num_slots - 1 :
	    tx->ring_head - 1)->qum_qflags = QUM_F_DROPPED;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(ad_fae(&c, 11)->fae_flags, 0);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* The KPI: a CE report counts on the entry it names, nowhere else; a
 * clear resumes it; a stale flow id or unknown token changes nothing. */
START_TEST(test_flow_kpi)
{
	struct ifnet ifp = { .if_xname = "ad", .if_attached = true };
	struct flowadv_fcentry fce;
	struct __flowadv_entry *fe;
	struct sk_file *ctl;
	struct kh_chan c;

	ad_open(&ctl, 0, &c);
	ad_tx(&c, 0xa, 2);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	fe = ad_fae(&c, 2);
	memset(&fce, 0, sizeof(fce));
	fce.fce_flowsrc_token = c.info.ci_info.cinfo_ch_id_32[0];
	fce.fce_flowsrc_fidx = 2;
	fce.fce_flowid = fe->fae_flowid;
	fce.fce_ifp = &ifp;
	kern_channel_flowadv_report_ce_event(&fce, 3, 40);
	kern_channel_flowadv_report_ce_event(&fce, 1, 10);
	ck_assert_uint_eq(fe->fae_ce_cnt, 4);
	ck_assert_uint_eq(fe->fae_pkt_cnt, 50);
	fce.fce_flowid ^= 1;                            /* stale */
	kern_channel_flowadv_report_ce_event(&fce, 1, 1);
	fce.fce_flowid ^= 1;
	fce.fce_flowsrc_token ^= 0x80000000u;           /* nobody's */
	kern_channel_flowadv_report_ce_event(&fce, 1, 1);
	fce.fce_flowsrc_token ^= 0x80000000u;
	ifp.if_attached = false;                        /* XNU: ignored */
	kern_channel_flowadv_report_ce_event(&fce, 1, 1);
	kern_channel_flowadv_report_ce_event(NULL, 1, 1);
	ck_assert_uint_eq(fe->fae_ce_cnt, 4);
	ck_assert_uint_eq(fe->fae_pkt_cnt, 50);
	ck_assert_uint_eq(fe->fae_flags, FLOWADVF_VALID);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* ---- statistics and protections ---------------------------------------------- */

/* A ring violation is counted in the channel's error statistics. */
START_TEST(test_stats_sync_error)
{
	struct sk_file *ctl;
	struct kh_chan c;

	ad_open(&ctl, 0, &c);
	kh_tx(&c, 0)->ring_head = NX_NETIF_TX_SLOTS_DEF;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), -EFAULT);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), -EFAULT);
	ck_assert_uint_eq(ad_stats(&c)->nxs_cres_sync_errors, 2);
	ck_assert_uint_eq(ad_stats(&c)->nxs_cres_defunct, 0);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/*
 * Defunct: the regions read zeros from then on (the library then says
 * ENXIO), the channel's updates stop (its timer goes) and the option is
 * refused like every request of a defunct channel.
 */
START_TEST(test_defunct_zeroes)
{
	struct skc_ctl_defunct df;
	struct sk_file *ctl;
	struct kh_chan c;
	unsigned base;
	uint64_t ofs[3];
	size_t i, j;

	kh_cred = KH_CRED_SELF;         /* defunct matches the opener's pid */
	ad_open(&ctl, 0, &c);
	base = evl_count(ad_evl);
	ad_tx(&c, 0xa, 1);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(ad_if_adv_conf(&c, 1), 0);
	ck_assert_uint_eq(evl_count(ad_evl), base + 1);
	ofs[0] = c.schema->csm_stats_ofs;
	ofs[1] = c.schema->csm_flowadv_ofs;
	ofs[2] = c.schema->csm_nexusadv_ofs;
	memset(&df, 0, sizeof(df));
	df.df_pid = getpid();
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_CTL_DEFUNCT, &df), 0);
	ck_assert_uint_eq(df.df_count, 1);
	ck_assert_uint_eq(evl_count(ad_evl), base);
	/* the schema stays (offsets intact), what it points at is zeros */
	ck_assert_uint_eq(c.schema->csm_nexusadv_ofs, ofs[2]);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 64; j++)
			ck_assert_uint_eq(c.span[ofs[i] + j], 0);
	ck_assert_uint_eq(ad_fae(&c, 1)->fae_flags, 0);
	ck_assert_int_eq(ad_if_adv_conf(&c, 0), -ENXIO);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* A store into p in a child: the signal that killed it, or 0. */
static int
ad_store_signal(volatile uint8_t *p)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		*p = 1;
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

/*
 * Every read-only region faults on a store, and cannot be made writable:
 * the schema, both slot-descriptor regions, stats, flow advisories and
 * the nexus advisory (behaviours 4.9).
 */
START_TEST(test_regions_read_only)
{
	struct __user_channel_schema *csm;
	uint8_t *ro[6];
	struct sk_file *ctl;
	struct kh_chan c;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned i;

	ad_open(&ctl, 0, &c);
	csm = c.schema;
	ro[0] = (uint8_t *)csm;
	ro[1] = (uint8_t *)csm + csm->csm_ring_ofs[0].sd_off;   /* TX sds */
	ro[2] = (uint8_t *)csm + csm->csm_ring_ofs[1].sd_off;   /* RX sds */
	ro[3] = ad_at(&c, csm->csm_stats_ofs);
	ro[4] = ad_at(&c, csm->csm_flowadv_ofs);
	ro[5] = ad_at(&c, csm->csm_nexusadv_ofs);
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(ad_store_signal(ro[i]), SIGSEGV);
		ck_assert_int_ne(mprotect((void *)((uintptr_t)ro[i] &
		    ~(uintptr_t)(pg - 1)), pg, PROT_READ | PROT_WRITE), 0);
	}
	/* and the user ring is writable, for contrast */
	ck_assert_int_eq(ad_store_signal((uint8_t *)&kh_tx(&c, 0)->ring_head +
	    3), 0);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* ---- the event loop's timers (evloop.c) ------------------------------------------- */

struct ad_tick {
	unsigned at_n;
	unsigned at_stop;               /* delete itself at this count */
	struct evl_timer *at_t;
};

static void
ad_tick_cb(struct evl_timer *t, void *arg)
{
	struct ad_tick *at = arg;

	ck_assert_ptr_eq(t, at->at_t);
	if (++at->at_n == at->at_stop) {
		evl_timer_del(t);       /* from inside its own callback */
		at->at_t = NULL;
	}
}

/* Periodic, one watch each, deletable inside its callback; 0 is EINVAL. */
START_TEST(test_evl_timer)
{
	struct evl *l = evl_new();
	struct ad_tick a = { 0, 3, NULL }, b = { 0, 0, NULL };
	int i;

	ck_assert_ptr_nonnull(l);
	errno = 0;
	ck_assert_ptr_null(evl_timer_add(l, 0, ad_tick_cb, &a));
	ck_assert_int_eq(errno, EINVAL);
	a.at_t = evl_timer_add(l, 20, ad_tick_cb, &a);
	b.at_t = evl_timer_add(l, 20, ad_tick_cb, &b);
	ck_assert_ptr_nonnull(a.at_t);
	ck_assert_ptr_nonnull(b.at_t);
	ck_assert_uint_eq(evl_count(l), 2);
	for (i = 0; i < 200 && a.at_t != NULL; i++)
		evl_run_once(l, 50);
	ck_assert_ptr_null(a.at_t);
	ck_assert_uint_eq(a.at_n, 3);
	ck_assert_uint_ge(b.at_n, 2);
	ck_assert_uint_eq(evl_count(l), 1);
	evl_timer_del(b.at_t);
	evl_timer_del(NULL);
	ck_assert_uint_eq(evl_count(l), 0);
	ck_assert_int_eq(evl_run_once(l, 60), 0);      /* nothing fires */
	evl_free(l);
}
END_TEST

static Suite *
advisory_suite(void)
{
	Suite *s = suite_create("advisory");
	TCase *tc = tcase_create("loop");
	TCase *tt = tcase_create("timer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_regions);
	tcase_add_test(tc, test_pipe_has_none);
	tcase_add_test(tc, test_cksum_matches_library);
	tcase_add_test(tc, test_updates_follow_link);
	tcase_add_test(tc, test_timer_refcount);
	tcase_add_test(tc, test_gone_published);
	tcase_add_test(tc, test_counters_in_advisory);
	tcase_add_test(tc, test_flow_suspend_resume);
	tcase_add_test(tc, test_flow_register_rules);
	tcase_add_test(tc, test_flow_kpi);
	tcase_add_test(tc, test_stats_sync_error);
	tcase_add_test(tc, test_defunct_zeroes);
	tcase_add_test(tc, test_regions_read_only);
	suite_add_tcase(s, tc);
	tcase_add_test(tt, test_evl_timer);
	suite_add_tcase(s, tt);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(advisory_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
