/*
 * skt_netif_adv - interface advisories, flow advisories, statistics and
 * the read-only regions of a netif channel, as a Skywalk program sees
 * them over the real daemon (docs/advisories.md).
 *
 *   skt_netif_adv loop        rootless: a daemon-owned loop device, then
 *                             every check that needs no TAP: the regions
 *                             and their versions, the checksum, updates
 *                             on/off, statistics, flow admission through
 *                             a real push-back (ENOBUFS, then 0 once the
 *                             queue drains), every errno of spec 2.4,
 *                             the same calls on a user pipe, and a store
 *                             into each read-only region faulting
 *   skt_netif_adv link -u UUID [-t SECS]
 *                             updates on; print "ready"; wait for the
 *                             link to go down ("down"), then up again
 *                             ("up"); the test script toggles it
 *   skt_netif_adv read -u UUID   print the advisory as key=value lines
 *
 * Exit 0 on success; the first failed expectation exits 1.
 */
#include <net/if.h>
#include <setjmp.h>
#include <signal.h>

#include <skywalk/skchan_ctl.h>

#include "skt_netif.h"
#include "skt_util.h"

#define NA_RAMP_DOWN    0x80000000u     /* (uint32_t)INT32_MIN */
#define NA_FIDX         3

/* ---- control requests --------------------------------------------------------- */

static int na_ctl_call(uint32_t cmd, void *req)
{
	struct skchan_ctl *ctl = skchan_ctl_open();
	int rc, err;

	T_NONNULL(ctl);
	rc = skchan_ctl_call(ctl, cmd, req);
	err = errno;
	skchan_ctl_close(ctl);
	errno = err;
	return rc;
}

static void na_loop_attach(const char *name, uuid_t nx)
{
	struct skc_ctl_netif_attach na;

	memset(&na, 0, sizeof(na));
	snprintf(na.na_ifname, sizeof(na.na_ifname), "%s", name);
	na.na_flags = SKC_NETIF_LOOP | SKC_NETIF_CREATE;
	T_EQ(na_ctl_call(SKC_IOC_CTL_NETIF_ATTACH, &na), 0);
	uuid_copy(nx, na.na_nx_uuid);
}

/* The close reaches the daemon asynchronously: retry EBUSY briefly. */
static void na_loop_detach(const char *name)
{
	struct skc_ctl_netif_detach nd;
	int i, rc = -1;

	memset(&nd, 0, sizeof(nd));
	snprintf(nd.nd_ifname, sizeof(nd.nd_ifname), "%s", name);
	for (i = 0; i < 300; i++) {
		rc = na_ctl_call(SKC_IOC_CTL_NETIF_DETACH, &nd);
		if (rc == 0 || errno != EBUSY)
			break;
		usleep(10000);
	}
	T_EQ(rc, 0);
}

/* ---- the interface advisory ------------------------------------------------- */

/* A consistent copy; EAGAIN (a torn copy) is retried, as programs do. */
static void na_get(channel_t ch, struct ifnet_interface_advisory *adv)
{
	int i, rc = EAGAIN;

	for (i = 0; i < 1000 && rc == EAGAIN; i++)
		rc = os_channel_get_interface_advisory(ch, adv);
	T_EQ(rc, 0);
	T_EQ(adv->version, IF_INTERFACE_ADVISORY_VERSION_1);
	T_EQ(adv->direction, IF_INTERFACE_ADVISORY_DIRECTION_TX);
}

static void na_print(const struct ifnet_interface_advisory *a)
{
	printf("version=%u\ndirection=%u\ninterface_type=%u\n"
	    "rate_trend_suggestion=0x%x\ntimestamp=%" PRIu64 "\n"
	    "max_bandwidth=%" PRIu64 "\ntotal_byte_count=%" PRIu64 "\n"
	    "average_throughput=%" PRIu64 "\nflushable_queue_size=%u\n"
	    "non_flushable_queue_size=%u\naverage_delay=%u\n", a->version,
	    a->direction, a->interface_type, a->rate_trend_suggestion,
	    a->timestamp, a->max_bandwidth, a->total_byte_count,
	    a->average_throughput, a->flushable_queue_size,
	    a->non_flushable_queue_size, a->average_delay);
}

/* The raw region: headers as the library verified them at create. */
static void na_check_headers(channel_t ch)
{
	const volatile struct __kern_nexus_adv_metadata *md = ch->chd_nx_adv;
	const struct __kern_netif_intf_advisory *ia;
	struct ifnet_interface_advisory copy;

	T_NONNULL(md);
	T_EQ(md->knam_version, NX_ADVISORY_MD_CURRENT_VERSION);
	T_EQ(md->knam_type, NEXUS_ADVISORY_TYPE_NETIF);
	T_EQ(CHD_NX_ADV_NETIF(CHD_NX_ADV_MD(ch))->nna_version,
	    NX_NETIF_ADVISORY_CURRENT_VERSION);
	ia = &CHD_NX_ADV_NETIF(CHD_NX_ADV_MD(ch))->__kern_intf_adv;
	/* cksum is the Internet checksum of the 64 bytes, nothing else */
	T_EQ(os_copy_and_inet_checksum(&ia->adv, &copy, sizeof(copy), 0),
	    ia->cksum);
	/* the flow-switch-only region call finds nothing on a netif */
	T_TRUE(os_channel_get_advisory_region(ch) == NULL);
	skt_ok("nexus advisory: metadata v1 NETIF, netif v1, checksum ok");
}

/* Updates on: republished at once and then about twice a second; off:
 * the copy stays as it was. */
static void na_check_updates(channel_t ch)
{
	struct ifnet_interface_advisory a0, a1;

	na_get(ch, &a0);
	T_EQ(os_channel_configure_interface_advisory(ch, TRUE), 0);
	na_get(ch, &a1);
	T_TRUE(a1.timestamp > a0.timestamp);
	usleep(1200000);
	na_get(ch, &a0);
	T_TRUE(a0.timestamp > a1.timestamp);
	T_EQ(os_channel_configure_interface_advisory(ch, FALSE), 0);
	na_get(ch, &a1);
	usleep(1200000);
	na_get(ch, &a0);
	T_EQ(a0.timestamp, a1.timestamp);
	T_EQ(os_channel_configure_interface_advisory(ch, FALSE), 0);
	skt_ok("updates: on republishes and keeps publishing; off stops");
}

/* ---- statistics ---------------------------------------------------------------- */

/* Apple's call reports only a flow switch's; the raw region is there. */
static void na_check_stats(channel_t ch)
{
	const struct __nx_stats_channel_errors *st = CHD_NX_STATS(ch);
	channel_stats_id_t id;

	T_NONNULL(st);
	T_EQ(CHD_SCHEMA(ch)->csm_stats_type, NEXUS_STATS_TYPE_CHAN_ERRORS);
	for (id = CHANNEL_STATS_ID_IP; id <= CHANNEL_STATS_ID_QUIC; id++)
		T_TRUE(os_channel_get_stats_region(ch, id) == NULL);
	T_EQ(st->nxs_cres_sync_errors, 0);
	T_EQ(st->nxs_cres_alloc_errors, 0);
	T_EQ(st->nxs_cres_defunct, 0);
	skt_ok("stats: CHAN_ERRORS region, all zero; get_stats_region NULL");
}

/* ---- flows ------------------------------------------------------------------------ */

static void na_flow_id(uuid_t u, uint8_t tag)
{
	memset(u, 0, sizeof(uuid_t));
	u[0] = 0x5a;
	u[15] = tag;
}

/* Queue up to n frames of flow (tag, fidx); returns how many. */
static uint32_t na_tx_flow(channel_ring_t tx, uint32_t n, uint8_t tag,
    uint32_t fidx)
{
	channel_slot_t s, last = NULL;
	slot_prop_t prop;
	packet_t ph;
	buflet_t b;
	uuid_t id;
	uint32_t k = 0;

	na_flow_id(id, tag);
	while (k < n && (s = os_channel_get_next_slot(tx, last, &prop)) !=
	    NULL) {
		ph = os_channel_slot_get_packet(tx, s);
		b = os_packet_get_next_buflet(ph, NULL);
		prop.sp_len = (uint16_t)skt_nf_fill(
		    os_buflet_get_object_address(b), 'c', k);
		T_OK(os_buflet_set_data_offset(b, 0));
		T_OK(os_buflet_set_data_length(b, prop.sp_len));
		T_OK(os_packet_set_link_header_length(ph, 14));
		os_packet_set_flow_uuid(ph, id);
		T_OK(os_packet_set_compression_generation_count(ph, fidx));
		T_OK(os_packet_finalize(ph));
		os_channel_set_slot_properties(tx, s, &prop);
		last = s;
		k++;
	}
	if (last != NULL)
		T_OK(os_channel_advance_slot(tx, last));
	return k;
}

/* Take everything that arrived; returns how many. */
static uint32_t na_rx_drain(channel_t ch, channel_ring_t rx)
{
	channel_slot_t s, last = NULL;
	slot_prop_t prop;
	uint32_t n = 0;

	T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
	while ((s = os_channel_get_next_slot(rx, last, &prop)) != NULL) {
		last = s;
		n++;
	}
	if (last != NULL)
		T_OK(os_channel_advance_slot(rx, last));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
	return n;
}

/* Spec 2.4's errnos before any flow exists. */
static void na_flow_errnos(channel_t ch, channel_ring_t tx, channel_ring_t rx)
{
	channel_attr_t attr = os_channel_attr_create();
	uint32_t ce, pk;
	uint64_t max = 0;
	uuid_t a;

	T_NONNULL(attr);
	T_OK(os_channel_read_attr(ch, attr));
	T_OK(os_channel_attr_get(attr, CHANNEL_ATTR_NEXUS_FLOWADV_MAX, &max));
	T_EQ(max, 512);
	os_channel_attr_destroy(attr);
	na_flow_id(a, 0xa);
	T_RET(os_channel_flow_admissible(rx, a, NA_FIDX), EINVAL);
	T_RET(os_channel_flow_admissible(tx, a, (flowadv_idx_t)max), EINVAL);
	T_RET(os_channel_flow_admissible(tx, a, FLOWADV_IDX_NONE), EINVAL);
	T_RET(os_channel_flow_admissible(tx, a, NA_FIDX), ENOENT);
	T_RET(os_channel_flow_adv_get_ce_count(tx, a, NA_FIDX, &ce, &pk),
	    ENOENT);
	T_RET(os_channel_flow_adv_get_ce_count(rx, a, NA_FIDX, &ce, &pk),
	    EINVAL);
	skt_ok("flow: EINVAL (RX ring, index >= %" PRIu64 "), ENOENT (unused)",
	    max);
}

/*
 * A flow that the device takes whole is admissible; one it pushes back
 * on is suspended (ENOBUFS) until the queue drains again.  The loop
 * device holds about 280 frames before it pushes back.
 */
static void na_flow_pushback(channel_t ch, channel_ring_t tx,
    channel_ring_t rx)
{
	uint32_t ce = 1, pk = 1, got = 0, queued, i;
	uuid_t a, b;

	na_flow_id(a, 0xa);
	na_flow_id(b, 0xb);
	T_EQ(na_tx_flow(tx, 10, 0xa, NA_FIDX), 10);
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
	T_RET(os_channel_flow_admissible(tx, a, NA_FIDX), 0);
	T_RET(os_channel_flow_admissible(tx, b, NA_FIDX), ENOENT);
	T_RET(os_channel_flow_adv_get_ce_count(tx, a, NA_FIDX, &ce, &pk), 0);
	T_EQ(ce, 0);
	T_EQ(pk, 0);
	for (i = 0; i < 500 && got < 10; i++)
		got += na_rx_drain(ch, rx), usleep(1000);
	T_EQ(got, 10);
	queued = na_tx_flow(tx, 500, 0xa, NA_FIDX);
	T_EQ(queued, 500);
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
	T_TRUE(os_channel_pending(tx));
	T_RET(os_channel_flow_admissible(tx, a, NA_FIDX), ENOBUFS);
	skt_ok("flow: admissible, then ENOBUFS under push-back (%u queued)",
	    queued);
	for (got = 0, i = 0; i < 5000 && got < queued; i++) {
		got += na_rx_drain(ch, rx);
		usleep(1000);
	}
	T_EQ(got, queued);
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
	T_TRUE(!os_channel_pending(tx));
	T_RET(os_channel_flow_admissible(tx, a, NA_FIDX), 0);
	skt_ok("flow: admissible again once the queue drained");
}

/* ---- read-only regions ------------------------------------------------------------ */

static sigjmp_buf na_jmp;
static volatile int na_code;

static void na_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	na_code = si->si_code;
	siglongjmp(na_jmp, 1);
}

/*
 * Store into p (its own value, so a writable region is left as it was):
 * SEGV_ACCERR (mapped, not writable), SEGV_MAPERR, or 0 if it worked.
 */
static int na_store(volatile uint8_t *p)
{
	struct sigaction sa, old;
	volatile int code = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = na_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	T_EQ(sigaction(SIGSEGV, &sa, &old), 0);
	na_code = 0;
	if (sigsetjmp(na_jmp, 1) == 0)
		*p = *p;
	else
		code = na_code;
	T_EQ(sigaction(SIGSEGV, &old, NULL), 0);
	return code;
}

static void na_ro(const char *what, const volatile void *p)
{
	T_NONNULL(p);
	if (na_store((volatile uint8_t *)(uintptr_t)p) != SEGV_ACCERR)
		SKT_FAIL("%s: a store did not fault as read-only", what);
}

static void na_check_ro(channel_t ch, int netif)
{
	const struct channel_ring_desc *tx = &ch->chd_rings[0];
	const struct channel_ring_desc *rx =
	    &ch->chd_rings[CHD_SCHEMA(ch)->csm_tx_rings];

	na_ro("schema", ch->chd_schema);
	na_ro("TX slot descriptors", (const void *)tx->chrd_slot_desc);
	na_ro("RX slot descriptors", (const void *)rx->chrd_slot_desc);
	if (netif) {
		na_ro("stats", ch->chd_nx_stats);
		na_ro("flow advisories", ch->chd_nx_flowadv);
		na_ro("nexus advisory", ch->chd_nx_adv);
	}
	if (na_store((volatile uint8_t *)(uintptr_t)tx->chrd_ring) != 0)
		SKT_FAIL("the user ring is not writable");
	skt_ok("%s: every read-only region faults on a store (SIGSEGV, "
	    "SEGV_ACCERR); the ring does not", netif ? "netif" : "pipe");
}

/* ---- a user pipe: none of it ------------------------------------------------------ */

static void na_pipe(void)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;
	struct ifnet_interface_advisory adv;
	struct skt_nexus nx;
	channel_t ch;
	uint32_t ce, pk;
	uuid_t a;

	skt_upipe_setup(&nx, "adv", &p);
	ch = skt_channel_open_simple(nx.sn_inst, 0);
	na_flow_id(a, 0xa);
	T_RET(os_channel_flow_admissible(skt_tx(ch), a, 0), ENXIO);
	T_RET(os_channel_flow_adv_get_ce_count(skt_tx(ch), a, 0, &ce, &pk),
	    ENXIO);
	T_RET(os_channel_get_interface_advisory(ch, &adv), ENOENT);
	T_SYSERR(os_channel_configure_interface_advisory(ch, TRUE), ENOTSUP);
	T_TRUE(os_channel_get_stats_region(ch, CHANNEL_STATS_ID_IP) == NULL);
	T_TRUE(os_channel_get_advisory_region(ch) == NULL);
	na_check_ro(ch, 0);
	os_channel_destroy(ch);
	skt_nexus_teardown(&nx);
	skt_ok("pipe: ENXIO, ENOENT, ENOTSUP, NULL: no advisories there");
}

static int na_loop(void)
{
	struct ifnet_interface_advisory adv;
	char name[IFNAMSIZ];
	channel_t ch;
	uuid_t nx;

	snprintf(name, sizeof(name), "skad%d", (int)getpid() % 100000);
	na_loop_attach(name, nx);
	ch = skt_channel_open_simple(nx, NEXUS_PORT_NET_IF_DEV);
	na_check_headers(ch);
	na_get(ch, &adv);
	T_EQ(adv.rate_trend_suggestion, 0);     /* a loop device is up */
	na_check_stats(ch);
	na_check_updates(ch);
	na_flow_errnos(ch, skt_tx(ch), skt_rx(ch));
	na_flow_pushback(ch, skt_tx(ch), skt_rx(ch));
	na_check_ro(ch, 1);
	os_channel_destroy(ch);
	na_loop_detach(name);
	na_pipe();
	return 0;
}

/* ---- link changes on a TAP ------------------------------------------------------------ */

static void na_wait_link(channel_t ch, int up, unsigned secs)
{
	struct ifnet_interface_advisory a;
	double deadline = skt_now() + secs;

	for (;;) {
		na_get(ch, &a);
		if (up ? (a.rate_trend_suggestion == 0 && a.max_bandwidth != 0) :
		    (a.rate_trend_suggestion == NA_RAMP_DOWN &&
		    a.max_bandwidth == 0))
			break;
		if (skt_now() > deadline)
			SKT_FAIL("link %s not advised within %us", up ? "up" :
			    "down", secs);
		usleep(50000);
	}
	printf("%s max_bandwidth=%" PRIu64 "\n", up ? "up" : "down",
	    a.max_bandwidth);
}

static int na_link(const uuid_t nx, unsigned secs)
{
	channel_t ch = skt_channel_open_simple(nx, NEXUS_PORT_NET_IF_DEV);

	na_check_headers(ch);
	T_EQ(os_channel_configure_interface_advisory(ch, TRUE), 0);
	na_wait_link(ch, 1, secs);
	printf("ready\n");
	na_wait_link(ch, 0, secs);
	na_wait_link(ch, 1, secs);
	os_channel_destroy(ch);
	skt_ok("link: up, down, up again, each seen in the advisory");
	return 0;
}

static int na_read(const uuid_t nx)
{
	channel_t ch = skt_channel_open_simple(nx, NEXUS_PORT_NET_IF_DEV);
	struct ifnet_interface_advisory a;

	na_check_headers(ch);
	na_get(ch, &a);
	na_print(&a);
	os_channel_destroy(ch);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned secs = 20;
	uuid_t nx;
	int c, have = 0;

	skt_set_prog(argv[0]);
	if (argc < 2)
		SKT_FAIL("usage: loop | link -u UUID [-t SECS] | read -u UUID");
	optind = 2;
	while ((c = getopt(argc, argv, "u:t:")) != -1) {
		if (c == 'u' && uuid_parse(optarg, nx) == 0)
			have = 1;
		else if (c == 't')
			secs = (unsigned)strtoul(optarg, NULL, 0);
		else
			SKT_FAIL("bad option -%c", c);
	}
	if (strcmp(argv[1], "loop") == 0)
		return na_loop();
	if (!have)
		SKT_FAIL("%s needs -u UUID", argv[1]);
	if (strcmp(argv[1], "link") == 0)
		return na_link(nx, secs);
	if (strcmp(argv[1], "read") == 0)
		return na_read(nx);
	SKT_FAIL("unknown command %s", argv[1]);
	return 1;
}
