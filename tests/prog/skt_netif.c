/*
 * skt_netif - the netif nexus as a Skywalk program sees it (behaviours
 * §5 scenarios 19 and 20, XNU netifcompat*, netifdelete, netifdirect
 * core), plus the daemon's netif control requests.
 *
 *   skt_netif lifecycle IFNAME      scenario 19 a, b, c and port binding
 *                                   on an existing TAP
 *   skt_netif delete IFNAME         attach, open DEV, print "ready", wait
 *                                   for the TAP to be deleted: syncs then
 *                                   fail ENXIO, poll says POLLHUP, detach 0
 *   skt_netif tx  (-u UUID|-i IFNAME) -n N     send frames 'c' 0..N-1
 *   skt_netif rx  (-u UUID|-i IFNAME) -n N [-t SECS]
 *                                   print "ready", receive frames 'w'
 *                                   0..N-1 (any order, any ring), each
 *                                   checked byte for byte
 *   skt_netif loop [-n N] [-r RINGS]  rootless: a daemon-owned loop
 *                                   device; N frames out and back
 *   skt_netif ctl attach IFNAME [create] [persist] [loop] [rings=R]
 *   skt_netif ctl detach IFNAME | ctl lookup IFNAME
 *                                   print key=value lines
 *
 * -i registers a NET_IF provider of its own and attaches it with
 * __os_nexus_ifattach() as XNU's tests do; -u opens an instance that is
 * already attached (a daemon-owned one).  Frames: skt_netif.h.
 * Exit 0 on success; the first failed expectation exits 1.
 */
#include <net/if.h>
#include <poll.h>
#include <signal.h>

#include <skywalk/skchan_ctl.h>

#include "skt_netif.h"
#include "skt_util.h"

struct nf_nexus {
	nexus_controller_t nn_ctl;
	uuid_t nn_prov, nn_nx, nn_attach;
	int nn_own;
};

/* ---- nexus ------------------------------------------------------------------ */

static void nf_register(nexus_controller_t ctl, uint32_t rings, int anon,
    uuid_t prov)
{
	nexus_attr_t attr = os_nexus_attr_create();
	nexus_name_t name;

	T_NONNULL(attr);
	skt_name(name, "netif");
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_ANONYMOUS, (uint64_t)anon));
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_USER_CHANNEL, 1));
	if (rings != 0) {
		T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_TX_RINGS, rings));
		T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_RX_RINGS, rings));
	}
	T_OK(os_nexus_controller_register_provider(ctl, name,
	    NEXUS_TYPE_NET_IF, attr, (uuid_t *)prov));
	os_nexus_attr_destroy(attr);
}

static void nf_create(struct nf_nexus *nn, uint32_t rings)
{
	nn->nn_ctl = os_nexus_controller_create();
	T_NONNULL(nn->nn_ctl);
	nf_register(nn->nn_ctl, rings, 1, nn->nn_prov);
	T_OK(os_nexus_controller_alloc_provider_instance(nn->nn_ctl,
	    nn->nn_prov, (uuid_t *)nn->nn_nx));
	nn->nn_own = 1;
}

static void nf_attach(struct nf_nexus *nn, const char *ifname)
{
	T_OK(__os_nexus_ifattach(nn->nn_ctl, nn->nn_nx, ifname, NULL, false,
	    (uuid_t *)nn->nn_attach));
	T_TRUE(!uuid_is_null(nn->nn_attach));
}

static void nf_destroy(struct nf_nexus *nn)
{
	if (!nn->nn_own)
		return;
	T_OK(os_nexus_controller_free_provider_instance(nn->nn_ctl,
	    nn->nn_nx));
	T_OK(os_nexus_controller_deregister_provider(nn->nn_ctl,
	    nn->nn_prov));
	os_nexus_controller_destroy(nn->nn_ctl);
	nn->nn_own = 0;
}

/*
 * os_channel_destroy() is synchronous (HANDLE_CLOSE): after it, nothing
 * here waits.  A channel whose process died is another matter: exit's
 * close is the door's release, which reaches the daemon later, so the
 * "ctl detach" a script runs after killing its reader retries EBUSY
 * briefly.
 */
static int nf_retry_busy(int (*fn)(void *), void *arg)
{
	int i, rc = -1;

	for (i = 0; i < 300; i++) {
		rc = fn(arg);
		if (rc == 0 || errno != EBUSY)
			break;
		usleep(10000);
	}
	return rc;
}

static channel_t nf_dev(const uuid_t nx)
{
	return skt_channel_open_simple(nx, NEXUS_PORT_NET_IF_DEV);
}

static channel_t nf_try(const uuid_t nx, nexus_port_t port)
{
	struct skt_ch_opts o = SKT_CH_OPTS_DEFAULT;
	channel_attr_t attr = skt_ch_attr(&o);
	channel_t ch = os_channel_create_extended(nx, port, o.co_dir,
	    o.co_ring, attr);

	os_channel_attr_destroy(attr);
	return ch;
}

/* ---- scenario 19 ------------------------------------------------------------ */

static void nf_common_checks(struct nf_nexus *nn, const char *ifname)
{
	struct nf_nexus other;
	uuid_t rnd, att;

	T_NULL_ERRNO(nf_try(nn->nn_nx, NEXUS_PORT_NET_IF_HOST), ENOTSUP);
	T_NULL_ERRNO(nf_try(nn->nn_nx, NEXUS_PORT_NET_IF_DEV), ENXIO);
	uuid_generate_random(rnd);
	T_SYSERR(__os_nexus_ifdetach(nn->nn_ctl, nn->nn_nx, rnd), ESRCH);
	T_SYSERR(__os_nexus_ifdetach(nn->nn_ctl, nn->nn_nx, NULL), EINVAL);
	T_SYSERR(__os_nexus_ifattach(nn->nn_ctl, nn->nn_nx, "nosuchif0",
	    NULL, false, &att), ENXIO);
	T_SYSERR(__os_nexus_ifattach(nn->nn_ctl, nn->nn_nx, NULL, nn->nn_nx,
	    false, &att), EINVAL);
	nf_attach(nn, ifname);
	T_SYSERR(__os_nexus_ifattach(nn->nn_ctl, nn->nn_nx, ifname, NULL,
	    false, &att), EBUSY);
	memset(&other, 0, sizeof(other));
	nf_create(&other, 0);
	T_SYSERR(__os_nexus_ifattach(other.nn_ctl, other.nn_nx, ifname, NULL,
	    false, &att), EBUSY);
	nf_destroy(&other);
	skt_ok("common: host port refused, dev needs attach, detach/attach "
	    "errnos, second attach EBUSY");
}

static void nf_variant_a(const char *ifname)
{
	struct nf_nexus nn = { 0 };
	channel_t ch;

	nf_create(&nn, 0);
	nf_common_checks(&nn, ifname);
	ch = nf_dev(nn.nn_nx);
	T_SYSERR(__os_nexus_ifdetach(nn.nn_ctl, nn.nn_nx, nn.nn_attach),
	    EBUSY);
	os_channel_destroy(ch);
	T_OK(__os_nexus_ifdetach(nn.nn_ctl, nn.nn_nx, nn.nn_attach));
	T_SYSERR(__os_nexus_ifdetach(nn.nn_ctl, nn.nn_nx, nn.nn_attach),
	    ESRCH);
	nf_destroy(&nn);
	skt_ok("a: detach EBUSY with a channel, 0 after close, then ESRCH");
}

static void nf_variant_b(const char *ifname)
{
	struct nf_nexus nn = { 0 };
	channel_t ch;

	nf_create(&nn, 0);
	nf_attach(&nn, ifname);
	ch = nf_dev(nn.nn_nx);
	T_OK(os_nexus_controller_free_provider_instance(nn.nn_ctl, nn.nn_nx));
	T_OK(os_nexus_controller_deregister_provider(nn.nn_ctl, nn.nn_prov));
	os_nexus_controller_destroy(nn.nn_ctl);
	os_channel_destroy(ch);
	skt_ok("b: nexus cleaned up before the channel closed");
}

static void nf_variant_c(const char *ifname)
{
	struct nf_nexus nn = { 0 };
	channel_t ch;

	nf_create(&nn, 0);
	nf_attach(&nn, ifname);
	ch = nf_dev(nn.nn_nx);
	T_OK(os_nexus_controller_free_provider_instance(nn.nn_ctl, nn.nn_nx));
	T_SYSERR(__os_nexus_ifdetach(nn.nn_ctl, nn.nn_nx, nn.nn_attach),
	    ENOENT);
	T_OK(os_nexus_controller_deregister_provider(nn.nn_ctl, nn.nn_prov));
	os_nexus_controller_destroy(nn.nn_ctl);
	os_channel_destroy(ch);
	skt_ok("c: instance freed with a channel open, detach ENOENT");
}

/* bindnetifkey: client ports 2..127 bind, 128 does not. */
static void nf_bind_ports(void)
{
	nexus_controller_t ctl = os_nexus_controller_create();
	uuid_t prov, nx, key;
	nexus_port_t p;

	T_NONNULL(ctl);
	nf_register(ctl, 0, 0, prov);
	T_OK(os_nexus_controller_alloc_provider_instance(ctl, prov, &nx));
	uuid_generate_random(key);
	for (p = NEXUS_PORT_NET_IF_CLIENT; p < 128; p++)
		T_OK(os_nexus_controller_bind_provider_instance(ctl, nx, p,
		    getpid(), NULL, key, sizeof(key),
		    NEXUS_BIND_PID | NEXUS_BIND_KEY));
	T_SYSERR(os_nexus_controller_bind_provider_instance(ctl, nx, 128,
	    getpid(), NULL, key, sizeof(key), NEXUS_BIND_KEY), EDOM);
	for (p = NEXUS_PORT_NET_IF_CLIENT; p < 128; p++)
		T_OK(os_nexus_controller_unbind_provider_instance(ctl, nx, p));
	os_nexus_controller_destroy(ctl);
	skt_ok("ports 2..127 bound and unbound, 128 refused (EDOM)");
}

static int nf_lifecycle(const char *ifname)
{
	nf_variant_a(ifname);
	nf_variant_b(ifname);
	nf_variant_c(ifname);
	nf_bind_ports();
	return 0;
}

/* Give back every RX slot, unread. */
static void nf_drain(channel_t ch)
{
	ring_id_t r = os_channel_ring_id(ch, CHANNEL_FIRST_RX_RING);
	ring_id_t last = os_channel_ring_id(ch, CHANNEL_LAST_RX_RING);
	channel_ring_t ring;
	channel_slot_t s, prev;

	for (; r <= last; r++) {
		ring = os_channel_rx_ring(ch, r);
		prev = NULL;
		while ((s = os_channel_get_next_slot(ring, prev, NULL)) != NULL)
			prev = s;
		if (prev != NULL)
			T_OK(os_channel_advance_slot(ring, prev));
	}
}

/* netifdelete: the TAP goes away under an open channel. */
static int nf_delete(const char *ifname)
{
	struct nf_nexus nn = { 0 };
	struct pollfd pfd;
	channel_t ch;
	int i, n = 0;

	nf_create(&nn, 0);
	nf_attach(&nn, ifname);
	ch = nf_dev(nn.nn_nx);
	printf("%s: ready\n", skt_prog);
	fflush(stdout);
	pfd.fd = os_channel_get_fd(ch);
	pfd.events = POLLIN;
	/* Linux's own chatter (IPv6 router solicitations...) may come first */
	for (i = 0; i < 100; i++) {
		pfd.revents = 0;
		n = poll(&pfd, 1, 100);
		if (n > 0 && (pfd.revents & POLLHUP))
			break;
		if (n > 0)
			nf_drain(ch);
	}
	T_TRUE(n > 0 && (pfd.revents & POLLHUP));
	T_EQ(pfd.revents, POLLHUP | POLLIN);
	T_SYSERR(os_channel_sync(ch, CHANNEL_SYNC_RX), ENXIO);
	T_SYSERR(os_channel_sync(ch, CHANNEL_SYNC_TX), ENXIO);
	T_OK(__os_nexus_ifdetach(nn.nn_ctl, nn.nn_nx, nn.nn_attach));
	os_channel_destroy(ch);
	nf_destroy(&nn);
	skt_ok("delete: POLLHUP|POLLIN, syncs ENXIO, detach 0");
	return 0;
}

/* ---- scenario 20: frames ------------------------------------------------------ */

/* One frame into the TX slot at s, the way Apple's netif tests do it. */
static void nf_tx_one(channel_ring_t tx, channel_slot_t s, slot_prop_t *prop,
    uint32_t seq)
{
	packet_t ph = os_channel_slot_get_packet(tx, s);
	buflet_t b = os_packet_get_next_buflet(ph, NULL);
	uint8_t *obj = os_buflet_get_object_address(b);
	uint32_t len;

	T_NE(ph, 0);
	T_EQ(ph & 0xf, 0xa);            /* PACKET / RAW */
	T_EQ(prop->sp_buf_ptr, (uintptr_t)obj + os_buflet_get_data_offset(b));
	T_EQ(prop->sp_len, os_buflet_get_data_limit(b));
	len = skt_nf_fill(obj, 'c', seq);
	T_OK(os_buflet_set_data_offset(b, 0));
	T_OK(os_buflet_set_data_length(b, len));
	T_OK(os_packet_set_link_header_length(ph, 14));
	T_OK(os_packet_finalize(ph));
	prop->sp_len = len;
	os_channel_set_slot_properties(tx, s, prop);
}

/* Fill what ring offers from *seq on, up to n; advance; how many. */
static uint32_t nf_tx_fill(channel_ring_t tx, uint32_t *seq, uint32_t n)
{
	channel_slot_t s, last = NULL;
	slot_prop_t prop;
	uint32_t k = 0;

	while (*seq < n && (s = os_channel_get_next_slot(tx, last,
	    &prop)) != NULL) {
		nf_tx_one(tx, s, &prop, (*seq)++);
		last = s;
		k++;
	}
	if (last != NULL)
		T_OK(os_channel_advance_slot(tx, last));
	return k;
}

static void nf_wait(channel_t ch, short ev)
{
	struct pollfd pfd = { .fd = os_channel_get_fd(ch), .events = ev };
	int n = poll(&pfd, 1, 5000);

	if (n < 0 && errno == EINTR)
		return;
	T_TRUE(n >= 0);
	if (n > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
		SKT_FAIL("channel revents 0x%x", pfd.revents);
}

/* Frames from..n-1 spread over the rings in turn; every ring drained. */
static void nf_send(channel_t ch, uint32_t from, uint32_t n)
{
	ring_id_t first = os_channel_ring_id(ch, CHANNEL_FIRST_TX_RING);
	ring_id_t last = os_channel_ring_id(ch, CHANNEL_LAST_TX_RING);
	uint32_t seq = from, stalls = 0;
	ring_id_t r = first;

	while (seq < n) {
		if (nf_tx_fill(os_channel_tx_ring(ch, r), &seq,
		    seq + 16 < n ? seq + 16 : n) == 0) {
			T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
			nf_wait(ch, POLLOUT);
			T_TRUE(++stalls < 10000);
			continue;
		}
		T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
		r = r == last ? first : r + 1;
	}
	for (r = first; r <= last; r++) {
		while (os_channel_pending(os_channel_tx_ring(ch, r))) {
			T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
			nf_wait(ch, POLLOUT);
			T_TRUE(++stalls < 10000);
		}
	}
}

struct nf_rx {
	char nr_dir;            /* 'w': from the wire; 'c': our own, looped */
	uint32_t nr_n;
	uint32_t nr_got;
	uint32_t nr_other;      /* frames not ours (Linux's chatter) */
	uint8_t *nr_seen;
};

static void nf_rx_slot(struct nf_rx *rx, channel_ring_t ring,
    channel_slot_t s, const slot_prop_t *prop)
{
	packet_t ph = os_channel_slot_get_packet(ring, s);
	buflet_t b = os_packet_get_next_buflet(ph, NULL);
	const uint8_t *p = (const void *)(uintptr_t)prop->sp_buf_ptr;
	uint32_t seq, bad;

	T_EQ(ph & 0xf, 0xa);
	T_EQ((uintptr_t)os_buflet_get_object_address(b) +
	    os_buflet_get_data_offset(b), prop->sp_buf_ptr);
	T_EQ(os_packet_get_data_length(ph), prop->sp_len);
	T_EQ(os_packet_get_link_header_length(ph), 14);
	if (!skt_nf_ours(p, prop->sp_len, rx->nr_dir, &seq)) {
		rx->nr_other++;
		return;
	}
	T_TRUE(seq < rx->nr_n);
	bad = skt_nf_check(p, prop->sp_len, rx->nr_dir, seq);
	if (bad != 0)
		SKT_FAIL("frame %u (len %u): differs at byte %u", seq,
		    prop->sp_len, bad - 1);
	if (rx->nr_seen[seq])
		SKT_FAIL("frame %u received twice", seq);
	rx->nr_seen[seq] = 1;
	rx->nr_got++;
}

static void nf_rx_ring(struct nf_rx *rx, channel_ring_t ring)
{
	channel_slot_t s, last = NULL;
	slot_prop_t prop;

	while ((s = os_channel_get_next_slot(ring, last, &prop)) != NULL) {
		nf_rx_slot(rx, ring, s, &prop);
		last = s;
	}
	if (last != NULL)
		T_OK(os_channel_advance_slot(ring, last));
}

/* Until want frames arrived (poll does the RX syncs). */
static void nf_receive_upto(channel_t ch, struct nf_rx *rx, uint32_t want,
    unsigned secs)
{
	ring_id_t first = os_channel_ring_id(ch, CHANNEL_FIRST_RX_RING);
	ring_id_t last = os_channel_ring_id(ch, CHANNEL_LAST_RX_RING);
	double deadline = skt_now() + secs;
	ring_id_t r;

	while (rx->nr_got < want) {
		if (skt_now() > deadline)
			SKT_FAIL("received %u of %u frames in %us",
			    rx->nr_got, want, secs);
		nf_wait(ch, POLLIN);
		for (r = first; r <= last; r++)
			nf_rx_ring(rx, os_channel_rx_ring(ch, r));
	}
}

static void nf_receive(channel_t ch, char dir, uint32_t n, unsigned secs)
{
	struct nf_rx rx = { dir, n, 0, 0, calloc(n ? n : 1, 1) };

	T_NONNULL(rx.nr_seen);
	nf_receive_upto(ch, &rx, n, secs);
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
	free(rx.nr_seen);
	skt_ok("received %u frames intact (%u others ignored)", n,
	    rx.nr_other);
}

/* ---- control requests (skchan_ctl.h) ------------------------------------------ */

static int nf_ctl_call(uint32_t cmd, void *req)
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

static int nf_ctl_attach(const char *ifname, uint32_t flags, uint32_t rings,
    uuid_t nx)
{
	struct skc_ctl_netif_attach na;

	memset(&na, 0, sizeof(na));
	snprintf(na.na_ifname, sizeof(na.na_ifname), "%s", ifname);
	na.na_flags = flags;
	na.na_rings = rings;
	if (nf_ctl_call(SKC_IOC_CTL_NETIF_ATTACH, &na) != 0)
		return -1;
	uuid_copy(nx, na.na_nx_uuid);
	return 0;
}

static int nf_ctl_detach_fn(void *arg)
{
	struct skc_ctl_netif_detach nd;

	memset(&nd, 0, sizeof(nd));
	snprintf(nd.nd_ifname, sizeof(nd.nd_ifname), "%s", (char *)arg);
	return nf_ctl_call(SKC_IOC_CTL_NETIF_DETACH, &nd);
}

static int nf_ctl_detach(const char *ifname)
{
	return nf_ctl_detach_fn((void *)(uintptr_t)ifname);
}

static int nf_ctl_lookup(const char *ifname, struct skc_ctl_netif_lookup *nl)
{
	memset(nl, 0, sizeof(*nl));
	snprintf(nl->nl_ifname, sizeof(nl->nl_ifname), "%s", ifname);
	return nf_ctl_call(SKC_IOC_CTL_NETIF_LOOKUP, nl);
}

static const char *const nf_drop_names[SKC_NETIF_DROP_NREASONS] = {
	"no_channel", "ring_full", "truncated", "error", "badlen",
	"link_down", "gone", "no_packet",
};

static void nf_print_lookup(const struct skc_ctl_netif_lookup *nl)
{
	uint64_t rx = 0, tx = 0, push = 0, drops[SKC_NETIF_DROP_NREASONS];
	char us[37];
	uint32_t q, d;

	memset(drops, 0, sizeof(drops));
	for (q = 0; q < nl->nl_rings && q < SKC_NETIF_QUEUES_MAX; q++) {
		rx += nl->nl_q[q].nq_rx_packets;
		tx += nl->nl_q[q].nq_tx_packets;
		push += nl->nl_q[q].nq_tx_pushback;
		for (d = 0; d < SKC_NETIF_DROP_NREASONS; d++)
			drops[d] += nl->nl_q[q].nq_drops[d];
	}
	printf("ifname=%s\nnexus=%s\nflags=0x%x\nifindex=%u\nmtu=%u\n"
	    "rings=%u\nchannels=%u\nrx_packets=%" PRIu64 "\ntx_packets=%"
	    PRIu64 "\ntx_pushback=%" PRIu64 "\n", nl->nl_ifname,
	    skt_uuid_str(nl->nl_nx_uuid, us), nl->nl_flags, nl->nl_ifindex,
	    nl->nl_mtu, nl->nl_rings, nl->nl_channels, rx, tx, push);
	for (d = 0; d < SKC_NETIF_DROP_NREASONS; d++)
		printf("drop_%s=%" PRIu64 "\n", nf_drop_names[d], drops[d]);
	for (q = 0; q < nl->nl_rings && q < SKC_NETIF_QUEUES_MAX; q++)
		printf("q%u_rx_packets=%" PRIu64 "\nq%u_tx_packets=%" PRIu64
		    "\n", q, nl->nl_q[q].nq_rx_packets, q,
		    nl->nl_q[q].nq_tx_packets);
}

static uint32_t nf_flag_word(const char *w, uint32_t *rings)
{
	if (strcmp(w, "create") == 0)
		return SKC_NETIF_CREATE;
	if (strcmp(w, "persist") == 0)
		return SKC_NETIF_PERSIST;
	if (strcmp(w, "loop") == 0)
		return SKC_NETIF_LOOP;
	if (strncmp(w, "rings=", 6) == 0) {
		*rings = (uint32_t)strtoul(w + 6, NULL, 0);
		return 0;
	}
	SKT_FAIL("unknown attach word %s", w);
	return 0;
}

static int nf_ctl(int argc, char **argv)
{
	struct skc_ctl_netif_lookup nl;
	uint32_t flags = 0, rings = 0;
	char us[37];
	uuid_t nx;
	int i;

	if (argc < 2)
		SKT_FAIL("usage: ctl attach|detach|lookup IFNAME ...");
	if (strcmp(argv[0], "attach") == 0) {
		for (i = 2; i < argc; i++)
			flags |= nf_flag_word(argv[i], &rings);
		if (nf_ctl_attach(argv[1], flags, rings, nx) != 0)
			SKT_FAIL("attach %s: %s", argv[1], strerror(errno));
		printf("nexus=%s\n", skt_uuid_str(nx, us));
		return 0;
	}
	if (strcmp(argv[0], "detach") == 0) {
		if (nf_retry_busy(nf_ctl_detach_fn, argv[1]) != 0)
			SKT_FAIL("detach %s: %s", argv[1], strerror(errno));
		return 0;
	}
	if (nf_ctl_lookup(argv[1], &nl) != 0)
		SKT_FAIL("lookup %s: %s", argv[1], strerror(errno));
	nf_print_lookup(&nl);
	return 0;
}

/* Rootless data path: a daemon-owned loop device echoes what we send. */
static int nf_loop(uint32_t n, uint32_t rings)
{
	struct skc_ctl_netif_lookup nl;
	struct nf_rx rx = { 'c', n, 0, 0, calloc(n ? n : 1, 1) };
	char name[IFNAMSIZ];
	channel_t ch;
	uint32_t i, chunk;
	uuid_t nx;

	snprintf(name, sizeof(name), "sklp%d", (int)getpid() % 100000);
	T_EQ(nf_ctl_attach(name, SKC_NETIF_LOOP | SKC_NETIF_CREATE, rings, nx),
	    0);
	T_SYSERR(nf_ctl_attach(name, SKC_NETIF_LOOP, rings, nx), EBUSY);
	ch = nf_dev(nx);
	T_SYSERR(nf_ctl_detach(name), EBUSY);
	/* what we send comes back: chunks out, then the same chunk in */
	T_NONNULL(rx.nr_seen);
	for (i = 0; i < n; i += chunk) {
		chunk = n - i < 64 ? n - i : 64;
		nf_send(ch, i, i + chunk);
		nf_receive_upto(ch, &rx, i + chunk, 10);
	}
	free(rx.nr_seen);
	T_EQ(nf_ctl_lookup(name, &nl), 0);
	T_EQ(nl.nl_rings, rings ? rings : 1);
	T_EQ(nl.nl_q[0].nq_tx_packets + nl.nl_q[1].nq_tx_packets, n);
	T_EQ(nl.nl_q[0].nq_rx_packets + nl.nl_q[1].nq_rx_packets, n);
	os_channel_destroy(ch);
	T_EQ(nf_ctl_detach(name), 0);
	T_SYSERR(nf_ctl_lookup(name, &nl), ENXIO);
	skt_ok("loop: %u frames sent through a daemon-owned loop netif", n);
	return 0;
}

/* ---- main ------------------------------------------------------------------------ */

struct nf_opts {
	const char *o_ifname;
	int o_have_uuid;
	uuid_t o_uuid;
	uint32_t o_n;
	uint32_t o_rings;
	unsigned o_secs;
};

static void nf_parse(struct nf_opts *o, int argc, char **argv)
{
	int c;

	o->o_n = 100;
	o->o_secs = 20;
	while ((c = getopt(argc, argv, "i:u:n:r:t:")) != -1) {
		switch (c) {
		case 'i':
			o->o_ifname = optarg;
			break;
		case 'u':
			o->o_have_uuid = uuid_parse(optarg, o->o_uuid) == 0;
			break;
		case 'n':
			o->o_n = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			o->o_rings = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 't':
			o->o_secs = (unsigned)strtoul(optarg, NULL, 0);
			break;
		default:
			SKT_FAIL("bad option");
		}
	}
}

/* What a netif DEV channel reports (os_channel_read_attr). */
static void nf_check_attrs(channel_t ch, const char *ifname)
{
	channel_attr_t a = os_channel_attr_create();

	T_NONNULL(a);
	T_OK(os_channel_read_attr(ch, a));
	T_EQ(skt_ch_attr_get(a, CHANNEL_ATTR_NEXUS_TYPE), NEXUS_TYPE_NET_IF);
	T_EQ(skt_ch_attr_get(a, CHANNEL_ATTR_NEXUS_META_TYPE),
	    CHANNEL_NEXUS_META_TYPE_PACKET);
	T_EQ(skt_ch_attr_get(a, CHANNEL_ATTR_NEXUS_META_SUBTYPE),
	    CHANNEL_NEXUS_META_SUBTYPE_RAW);
	T_EQ(skt_ch_attr_get(a, CHANNEL_ATTR_TX_SLOTS), NX_NETIF_TX_SLOTS_DEF);
	T_EQ(skt_ch_attr_get(a, CHANNEL_ATTR_RX_SLOTS), NX_NETIF_RX_SLOTS_DEF);
	T_EQ(skt_ch_attr_get(a, CHANNEL_ATTR_SLOT_BUF_SIZE),
	    NX_NETIF_BUFSIZE_DEF);
	if (ifname != NULL)
		T_EQ(skt_ch_attr_get(a, CHANNEL_ATTR_NEXUS_IFINDEX),
		    if_nametoindex(ifname));
	os_channel_attr_destroy(a);
}

/* The channel of tx/rx: an attached instance, or one of our own. */
static channel_t nf_open(const struct nf_opts *o, struct nf_nexus *nn)
{
	channel_t ch;

	memset(nn, 0, sizeof(*nn));
	if (o->o_have_uuid) {
		uuid_copy(nn->nn_nx, o->o_uuid);
	} else {
		if (o->o_ifname == NULL)
			SKT_FAIL("need -u UUID or -i IFNAME");
		nf_create(nn, o->o_rings);
		nf_attach(nn, o->o_ifname);
	}
	ch = nf_dev(nn->nn_nx);
	nf_check_attrs(ch, o->o_ifname);
	return ch;
}

static void nf_close(struct nf_nexus *nn, channel_t ch)
{
	os_channel_destroy(ch);
	if (nn->nn_own) {
		T_OK(__os_nexus_ifdetach(nn->nn_ctl, nn->nn_nx,
		    nn->nn_attach));
		nf_destroy(nn);
	}
}

static int nf_data(const char *cmd, const struct nf_opts *o)
{
	struct nf_nexus nn;
	channel_t ch = nf_open(o, &nn);

	if (strcmp(cmd, "tx") == 0) {
		nf_send(ch, 0, o->o_n);
		skt_ok("sent %u frames", o->o_n);
	} else {
		printf("%s: ready\n", skt_prog);
		fflush(stdout);
		nf_receive(ch, 'w', o->o_n, o->o_secs);
	}
	nf_close(&nn, ch);
	return 0;
}

int main(int argc, char **argv)
{
	struct nf_opts o;
	const char *cmd;

	skt_set_prog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		SKT_FAIL("usage: see the comment at the top of skt_netif.c");
	cmd = argv[1];
	if (strcmp(cmd, "ctl") == 0)
		return nf_ctl(argc - 2, argv + 2);
	if (strcmp(cmd, "lifecycle") == 0 && argc == 3)
		return nf_lifecycle(argv[2]);
	if (strcmp(cmd, "delete") == 0 && argc == 3)
		return nf_delete(argv[2]);
	memset(&o, 0, sizeof(o));
	nf_parse(&o, argc - 1, argv + 1);
	if (strcmp(cmd, "loop") == 0)
		return nf_loop(o.o_n, o.o_rings);
	if (strcmp(cmd, "tx") == 0 || strcmp(cmd, "rx") == 0)
		return nf_data(cmd, &o);
	SKT_FAIL("unknown command %s", cmd);
	return 2;
}
