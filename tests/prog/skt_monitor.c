/*
 * skt_monitor - monitor channels, as a Skywalk program uses them.
 *
 *   skt_monitor rules          open rules and the monitor's own rings
 *   skt_monitor upipe [-n N]   echo traffic watched six ways at once
 *   skt_monitor netif [-n N]   a daemon-owned loop netif, watched
 *   skt_monitor kpipe [-n N]   the kernel-pipe loopback, watched
 *                              (needs SKCHAN_KPIPE_UUID, else exit 77)
 *   skt_monitor watch UUID [copy|nocopy]
 *                              watch port 0 of another process's
 *                              nexus until it rejects (skecho)
 *
 * Monitors are opened the Apple way: CHANNEL_ATTR_MONITOR (COPY or
 * NO_COPY) on the attr, the direction in os_channel_create_extended.
 * upipe: an echo worker on port 1 returns what a client on port 0
 * sends, in windows of W packets of varied length and content; six
 * monitors on port 0 (TX, RX, TX_RX; copy and no-copy) must each show
 * exactly the window -- the client's packets (TX), the echoes (RX), or
 * the client's then the echoes (TX_RX) -- every length and byte, after
 * each window.  rules: the attr reads back the monitor type; monitor +
 * user packet pool EINVAL; no EBUSY against the owner; a no-copy monitor
 * with no pool ENXIO; port 2 EDOM; the monitor's TX ring offers no slot,
 * never polls writable and refuses a sync (EIO); poll wakes a monitor for
 * traffic; the watched channel's close leaves the monitor open and
 * quiet, its reopen brings traffic back.  netif/kpipe: every frame the
 * channel sends and gets back is seen twice by a TX_RX monitor, intact.
 */
#include <skywalk/skchan_ctl.h>

#include "skt_netif.h"
#include "skt_util.h"

#define SM_SLOTS        64
#define SM_BUF          2048
#define SM_WINDOW       24      /* TX_RX shows 2W: fits 63 slots */

/* ---- packets: a pure function of the sequence number --------------------- */

static uint32_t sm_len(uint32_t seq)
{
	return 1 + (seq * 97u) % SM_BUF;
}

static uint8_t sm_byte(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 31u + i * 7u + (i >> 8));
}

static void sm_fill(uint8_t *p, uint32_t seq)
{
	uint32_t i, len = sm_len(seq);

	for (i = 0; i < len; i++)
		p[i] = sm_byte(seq, i);
}

static void sm_check(const char *who, const slot_prop_t *prop, uint32_t seq)
{
	const uint8_t *p = (const void *)(uintptr_t)prop->sp_buf_ptr;
	uint32_t i;

	if (prop->sp_len != sm_len(seq))
		SKT_FAIL("%s: packet %u: length %u, expected %u", who, seq,
		    prop->sp_len, sm_len(seq));
	for (i = 0; i < prop->sp_len; i++) {
		if (p[i] != sm_byte(seq, i))
			SKT_FAIL("%s: packet %u differs at byte %u", who, seq,
			    i);
	}
}

/* ---- monitors -------------------------------------------------------------- */

struct sm_mon {
	const char *m_name;
	ring_dir_t m_dir;
	uint32_t m_type;                /* CHANNEL_MONITOR_COPY / _NO_COPY */
	channel_t m_ch;
	uint64_t m_seen;
};

static channel_t sm_mon_try(const uuid_t nx, nexus_port_t port,
    ring_dir_t dir, uint32_t type, channel_attr_t *attrp)
{
	channel_attr_t attr = os_channel_attr_create();
	channel_t ch;

	T_NONNULL(attr);
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_MONITOR, type));
	ch = os_channel_create_extended(nx, port, dir, CHANNEL_RING_ID_ANY,
	    attr);
	if (attrp != NULL)
		*attrp = attr;
	else
		os_channel_attr_destroy(attr);
	return ch;
}

/* Open, and check what the attributes and the TX ring say. */
static void sm_mon_open(struct sm_mon *m, const uuid_t nx, nexus_port_t port)
{
	channel_attr_t attr;
	channel_ring_t tx;

	m->m_ch = sm_mon_try(nx, port, m->m_dir, m->m_type, &attr);
	if (m->m_ch == NULL)
		SKT_FAIL("%s: monitor open: errno %d (%s)", m->m_name, errno,
		    strerror(errno));
	skt_check_door_fd(os_channel_get_fd(m->m_ch), m->m_name);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_MONITOR), m->m_type);
	os_channel_attr_destroy(attr);
	tx = skt_tx(m->m_ch);
	T_EQ(os_channel_available_slot_count(tx), 0);
	T_TRUE(os_channel_get_next_slot(tx, NULL, NULL) == NULL);
	m->m_seen = 0;
}

/* Everything the monitor holds now must be packets want[0..n). */
static void sm_mon_expect(struct sm_mon *m, const uint32_t *want, uint32_t n)
{
	channel_ring_t rx;
	channel_slot_t s, last = NULL;
	slot_prop_t prop;
	uint32_t k = 0;

	T_OK(os_channel_sync(m->m_ch, CHANNEL_SYNC_RX));
	rx = skt_rx(m->m_ch);
	if (os_channel_available_slot_count(rx) != n)
		SKT_FAIL("%s: %u packets shown, expected %u", m->m_name,
		    os_channel_available_slot_count(rx), n);
	while ((s = os_channel_get_next_slot(rx, last, &prop)) != NULL) {
		sm_check(m->m_name, &prop, want[k++]);
		last = s;
	}
	if (last != NULL)
		T_OK(os_channel_advance_slot(rx, last));
	T_OK(os_channel_sync(m->m_ch, CHANNEL_SYNC_RX));
	m->m_seen += n;
}

/* ---- upipe: a client on port 0, an echo on port 1 ------------------------- */

static void sm_send(channel_t ch, uint32_t from, uint32_t n)
{
	channel_ring_t tx = skt_tx(ch);
	channel_slot_t s, last = NULL;
	slot_prop_t prop;
	uint32_t seq;

	for (seq = from; seq < from + n; seq++) {
		s = os_channel_get_next_slot(tx, last, &prop);
		T_NONNULL(s);
		sm_fill((void *)(uintptr_t)prop.sp_buf_ptr, seq);
		prop.sp_len = sm_len(seq);
		os_channel_set_slot_properties(tx, s, &prop);
		last = s;
	}
	T_OK(os_channel_advance_slot(tx, last));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
}

/* Until the n echoes are back (poll does the RX syncs); check them. */
static void sm_recv(channel_t ch, uint32_t from, uint32_t n)
{
	channel_ring_t rx = skt_rx(ch);
	channel_slot_t s;
	slot_prop_t prop;
	uint32_t got = 0;
	double deadline = skt_now() + skt_wait_ms() / 1000.0;

	while (got < n) {
		if (os_channel_available_slot_count(rx) == 0) {
			if (skt_now() > deadline)
				SKT_FAIL("echo: %u of %u back", got, n);
			skt_poll_exact(ch, POLLRDNORM);
			continue;
		}
		s = os_channel_get_next_slot(rx, NULL, &prop);
		sm_check("client", &prop, from + got++);
		T_OK(os_channel_advance_slot(rx, s));
	}
}

static uint32_t sm_n(int argc, char **argv, uint32_t dflt)
{
	if (argc >= 4 && strcmp(argv[2], "-n") == 0)
		return (uint32_t)strtoul(argv[3], NULL, 0);
	return dflt;
}

static void sm_upipe_nexus(struct skt_nexus *nx, const char *tag)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;

	p.np_rings = 1;
	p.np_slots = SM_SLOTS;
	p.np_buf_size = SM_BUF;
	skt_upipe_setup(nx, tag, &p);
}

static int sm_upipe(uint32_t n)
{
	struct sm_mon mons[] = {
		{ "tx/copy", CHANNEL_DIR_TX, CHANNEL_MONITOR_COPY, NULL, 0 },
		{ "rx/copy", CHANNEL_DIR_RX, CHANNEL_MONITOR_COPY, NULL, 0 },
		{ "txrx/copy", CHANNEL_DIR_TX_RX, CHANNEL_MONITOR_COPY, NULL, 0 },
		{ "tx/nocopy", CHANNEL_DIR_TX, CHANNEL_MONITOR_NO_COPY, NULL, 0 },
		{ "rx/nocopy", CHANNEL_DIR_RX, CHANNEL_MONITOR_NO_COPY, NULL, 0 },
		{ "txrx/nocopy", CHANNEL_DIR_TX_RX, CHANNEL_MONITOR_NO_COPY,
		  NULL, 0 },
	};
	const size_t nmons = sizeof(mons) / sizeof(mons[0]);
	uint32_t want[2 * SM_WINDOW], from, w, k;
	struct skt_nexus nx;
	struct skt_echo echo;
	channel_t client;
	size_t i;

	sm_upipe_nexus(&nx, "mon.upipe");
	skt_echo_start(&echo, nx.sn_inst, 1);
	client = skt_channel_open_simple(nx.sn_inst, 0);
	for (i = 0; i < nmons; i++)
		sm_mon_open(&mons[i], nx.sn_inst, 0);
	for (from = 0; from < n; from += w) {
		w = n - from < SM_WINDOW ? n - from : SM_WINDOW;
		sm_send(client, from, w);
		sm_recv(client, from, w);
		for (k = 0; k < w; k++)
			want[k] = want[w + k] = from + k;
		for (i = 0; i < nmons; i++)
			sm_mon_expect(&mons[i], want, mons[i].m_dir ==
			    CHANNEL_DIR_TX_RX ? 2 * w : w);
	}
	for (i = 0; i < nmons; i++) {
		T_EQ(mons[i].m_seen, mons[i].m_dir == CHANNEL_DIR_TX_RX ?
		    2 * (uint64_t)n : n);
		os_channel_destroy(mons[i].m_ch);
	}
	os_channel_destroy(client);
	skt_echo_stop(&echo);
	skt_nexus_teardown(&nx);
	skt_ok("upipe: %u packets echoed, each seen by six monitors "
	    "(TX, RX, TX_RX; copy and no-copy), every byte", n);
	return 0;
}

/* ---- rules ----------------------------------------------------------------- */

static void sm_rules_open(const struct skt_nexus *nx)
{
	channel_attr_t attr = os_channel_attr_create();
	struct sm_mon m = { "early", CHANNEL_DIR_TX_RX, CHANNEL_MONITOR_COPY,
		NULL, 0 };
	channel_t a, b;

	T_NONNULL(attr);
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_MONITOR,
	    CHANNEL_MONITOR_COPY));
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_USER_PACKET_POOL, 1));
	T_NULL_ERRNO(os_channel_create_extended(nx->sn_inst, 0,
	    CHANNEL_DIR_TX, CHANNEL_RING_ID_ANY, attr), EINVAL);
	os_channel_attr_destroy(attr);
	T_NULL_ERRNO(sm_mon_try(nx->sn_inst, 2, CHANNEL_DIR_TX_RX,
	    CHANNEL_MONITOR_COPY, NULL), EDOM);
	/* No pool before a channel: nothing a no-copy monitor could map. */
	T_NULL_ERRNO(sm_mon_try(nx->sn_inst, 0, CHANNEL_DIR_TX_RX,
	    CHANNEL_MONITOR_NO_COPY, NULL), ENXIO);
	/* A monitor first; the owner still opens, a second owner not. */
	sm_mon_open(&m, nx->sn_inst, 0);
	a = skt_channel_open_simple(nx->sn_inst, 0);
	T_NULL_ERRNO(sm_mon_try(nx->sn_inst, 0, CHANNEL_DIR_TX_RX,
	    CHANNEL_MONITOR_OFF, NULL), EBUSY);
	b = skt_channel_open_simple(nx->sn_inst, 1);
	skt_ok("rules: UPP EINVAL, port EDOM, no-copy without pool ENXIO, "
	    "no EBUSY against the owner");

	/* The monitor's TX side: no slot, never writable, sync refused. */
	T_SYSERR(os_channel_sync(m.m_ch, CHANNEL_SYNC_TX), EIO);
	{
		struct pollfd pfd = { os_channel_get_fd(m.m_ch), POLLOUT, 0 };

		T_EQ(poll(&pfd, 1, 0), 0);
	}
	skt_ok("rules: monitor TX ring empty, no POLLOUT, TX sync EIO");

	/* poll wakes it for traffic. */
	sm_send(a, 0, 3);
	skt_poll_exact(m.m_ch, POLLRDNORM);
	{
		uint32_t want[3] = { 0, 1, 2 };

		sm_mon_expect(&m, want, 3);
	}
	/* Watched channel closed: open, quiet; reopened: traffic again. */
	os_channel_destroy(a);
	sm_send(b, 10, 2);
	sm_mon_expect(&m, NULL, 0);
	a = skt_channel_open_simple(nx->sn_inst, 0);
	sm_recv(a, 10, 2);
	{
		uint32_t want[2] = { 10, 11 };

		sm_mon_expect(&m, want, 2);
	}
	skt_ok("rules: poll wakes the monitor; it outlives the watched "
	    "channel and watches the port's next one");
	os_channel_destroy(m.m_ch);
	os_channel_destroy(a);
	os_channel_destroy(b);
}

static int sm_rules(void)
{
	struct skt_nexus nx;

	sm_upipe_nexus(&nx, "mon.rules");
	sm_rules_open(&nx);
	skt_nexus_teardown(&nx);
	return 0;
}

/* ---- netif and kpipe: frames out and back, seen twice ------------------------ */

static void sm_nf_send(channel_t ch, uint32_t from, uint32_t n)
{
	channel_ring_t tx = skt_tx(ch);
	channel_slot_t s, last = NULL;
	slot_prop_t prop;
	packet_t ph;
	buflet_t b;
	uint32_t seq, len;

	for (seq = from; seq < from + n; seq++) {
		s = os_channel_get_next_slot(tx, last, &prop);
		T_NONNULL(s);
		ph = os_channel_slot_get_packet(tx, s);
		b = os_packet_get_next_buflet(ph, NULL);
		len = skt_nf_fill(os_buflet_get_object_address(b), 'c', seq);
		T_OK(os_buflet_set_data_offset(b, 0));
		T_OK(os_buflet_set_data_length(b, len));
		T_OK(os_packet_set_link_header_length(ph, 14));
		T_OK(os_packet_finalize(ph));
		prop.sp_len = len;
		os_channel_set_slot_properties(tx, s, &prop);
		last = s;
	}
	T_OK(os_channel_advance_slot(tx, last));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
}

/* Frame seq, exactly, in the slot. */
static void sm_nf_check(const char *who, const slot_prop_t *prop,
    uint32_t seq)
{
	uint32_t bad = skt_nf_check((const void *)(uintptr_t)prop->sp_buf_ptr,
	    prop->sp_len, 'c', seq);

	if (bad != 0)
		SKT_FAIL("%s: frame %u (len %u) differs at byte %u", who, seq,
		    prop->sp_len, bad - 1);
}

static void sm_nf_recv(channel_t ch, uint32_t from, uint32_t n)
{
	channel_ring_t rx = skt_rx(ch);
	channel_slot_t s;
	slot_prop_t prop;
	uint32_t got = 0;
	double deadline = skt_now() + skt_wait_ms() / 1000.0;

	while (got < n) {
		if (os_channel_available_slot_count(rx) == 0) {
			if (skt_now() > deadline)
				SKT_FAIL("loop: %u of %u back", got, n);
			skt_poll_exact(ch, POLLRDNORM);
			continue;
		}
		s = os_channel_get_next_slot(rx, NULL, &prop);
		sm_nf_check("channel", &prop, from + got++);
		T_OK(os_channel_advance_slot(rx, s));
	}
}

/* Frames from..from+n-1 out, then the same back: 2n slots. */
static void sm_nf_mon_expect(struct sm_mon *m, uint32_t from, uint32_t n)
{
	channel_ring_t rx;
	channel_slot_t s, last = NULL;
	slot_prop_t prop;
	uint32_t k = 0;

	T_OK(os_channel_sync(m->m_ch, CHANNEL_SYNC_RX));
	rx = skt_rx(m->m_ch);
	if (os_channel_available_slot_count(rx) != 2 * n)
		SKT_FAIL("%s: %u frames shown, expected %u", m->m_name,
		    os_channel_available_slot_count(rx), 2 * n);
	while ((s = os_channel_get_next_slot(rx, last, &prop)) != NULL) {
		sm_nf_check(m->m_name, &prop, from + k % n);
		k++;
		last = s;
	}
	T_OK(os_channel_advance_slot(rx, last));
	T_OK(os_channel_sync(m->m_ch, CHANNEL_SYNC_RX));
	m->m_seen += 2 * n;
}

/* A window out and back: Ethernet frames (netif) or plain packets. */
static void sm_round(channel_t ch, struct sm_mon *mons, uint32_t from,
    uint32_t w, int frames)
{
	uint32_t want[2 * SM_WINDOW], k;
	size_t i;

	if (frames) {
		sm_nf_send(ch, from, w);
		sm_nf_recv(ch, from, w);
		for (i = 0; i < 2; i++)
			sm_nf_mon_expect(&mons[i], from, w);
		return;
	}
	sm_send(ch, from, w);
	sm_recv(ch, from, w);
	for (k = 0; k < w; k++)
		want[k] = want[w + k] = from + k;
	for (i = 0; i < 2; i++)
		sm_mon_expect(&mons[i], want, 2 * w);
}

/* ch gets back what it sends; two TX_RX monitors watch port 0. */
static void sm_loopback(const uuid_t nx, channel_t ch, uint32_t n,
    int frames, const char *what)
{
	struct sm_mon mons[] = {
		{ "txrx/copy", CHANNEL_DIR_TX_RX, CHANNEL_MONITOR_COPY, NULL, 0 },
		{ "txrx/nocopy", CHANNEL_DIR_TX_RX, CHANNEL_MONITOR_NO_COPY,
		  NULL, 0 },
	};
	uint32_t from, w;
	size_t i;

	for (i = 0; i < 2; i++)
		sm_mon_open(&mons[i], nx, 0);
	for (from = 0; from < n; from += w) {
		w = n - from < 16 ? n - from : 16;
		sm_round(ch, mons, from, w, frames);
	}
	for (i = 0; i < 2; i++)
		os_channel_destroy(mons[i].m_ch);
	skt_ok("%s: %u packets out and back, each seen twice by a copy and "
	    "a no-copy monitor, intact", what, n);
}

static int sm_ctl(uint32_t cmd, void *req)
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

static int sm_netif(uint32_t n)
{
	struct skc_ctl_netif_attach na;
	struct skc_ctl_netif_detach nd;
	struct sm_mon mon;
	channel_t ch;
	int i;

	memset(&na, 0, sizeof(na));
	snprintf(na.na_ifname, sizeof(na.na_ifname), "skmn%d",
	    (int)getpid() % 100000);
	na.na_flags = SKC_NETIF_LOOP | SKC_NETIF_CREATE;
	na.na_rings = 1;
	T_EQ(sm_ctl(SKC_IOC_CTL_NETIF_ATTACH, &na), 0);
	ch = skt_channel_open_simple(na.na_nx_uuid, NEXUS_PORT_NET_IF_DEV);
	/* Monitors hold the nexus like channels: a detach waits. */
	mon.m_name = "netif";
	mon.m_dir = CHANNEL_DIR_TX_RX;
	mon.m_type = CHANNEL_MONITOR_COPY;
	sm_mon_open(&mon, na.na_nx_uuid, NEXUS_PORT_NET_IF_DEV);
	memset(&nd, 0, sizeof(nd));
	snprintf(nd.nd_ifname, sizeof(nd.nd_ifname), "%s", na.na_ifname);
	os_channel_destroy(ch);
	T_SYSERR(sm_ctl(SKC_IOC_CTL_NETIF_DETACH, &nd), EBUSY);
	os_channel_destroy(mon.m_ch);
	ch = skt_channel_open_simple(na.na_nx_uuid, NEXUS_PORT_NET_IF_DEV);
	sm_loopback(na.na_nx_uuid, ch, n, 1, "netif");
	os_channel_destroy(ch);
	for (i = 0; i < 100; i++) {
		if (sm_ctl(SKC_IOC_CTL_NETIF_DETACH, &nd) == 0 ||
		    errno != EBUSY)
			break;
		usleep(50000);
	}
	T_EQ(i < 100, 1);
	return 0;
}

static int sm_kpipe(uint32_t n)
{
	const char *s = getenv("SKCHAN_KPIPE_UUID");
	channel_t ch;
	uuid_t nx;

	if (s == NULL || uuid_parse(s, nx) != 0) {
		printf("%s: skip: SKCHAN_KPIPE_UUID not set\n", skt_prog);
		return 77;
	}
	ch = skt_channel_open_simple(nx, 0);
	sm_loopback(nx, ch, n, 0, "kpipe");
	os_channel_destroy(ch);
	return 0;
}

/* ---- watch: an outside observer of someone else's nexus ---------------------- */

struct sm_watch {
	uint64_t w_packets;
	uint64_t w_bytes;
};

/* Take what is there; 0 when the nexus went away under us. */
static int sm_watch_drain(channel_t ch, struct sm_watch *w)
{
	channel_ring_t rx = skt_rx(ch);
	uint32_t bufsize = rx->chrd_ring->ring_def_buf_size;
	channel_slot_t s, last = NULL;
	slot_prop_t prop;

	if (os_channel_sync(ch, CHANNEL_SYNC_RX) != 0) {
		T_EQ(errno, ENXIO);
		return 0;
	}
	while ((s = os_channel_get_next_slot(rx, last, &prop)) != NULL) {
		if (prop.sp_len == 0 || prop.sp_len > bufsize)
			SKT_FAIL("watch: slot length %u (buffer %u)",
			    prop.sp_len, bufsize);
		w->w_packets++;
		w->w_bytes += prop.sp_len;
		last = s;
	}
	if (last != NULL)
		T_OK(os_channel_advance_slot(rx, last));
	return 1;
}

/*
 * skt_monitor watch UUID [copy|nocopy]: a TX_RX monitor on port 0 of a
 * nexus another process made; prints "watching", then counts until the
 * nexus rejects (skecho's reject_on_close) and prints the count.
 */
static int sm_watch(int argc, char **argv)
{
	uint32_t type = argc >= 4 && strcmp(argv[3], "nocopy") == 0 ?
	    CHANNEL_MONITOR_NO_COPY : CHANNEL_MONITOR_COPY;
	struct sm_watch w = { 0, 0 };
	struct pollfd pfd;
	channel_t ch;
	uuid_t nx;
	int n;

	if (argc < 3 || uuid_parse(argv[2], nx) != 0)
		SKT_FAIL("watch: need a nexus UUID");
	ch = sm_mon_try(nx, 0, CHANNEL_DIR_TX_RX, type, NULL);
	if (ch == NULL)
		SKT_FAIL("watch: monitor open: %s", strerror(errno));
	printf("%s: watching\n", skt_prog);
	for (;;) {
		pfd = (struct pollfd){ os_channel_get_fd(ch), POLLIN, 0 };
		n = poll(&pfd, 1, skt_wait_ms());
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			SKT_FAIL("watch: nothing for %d ms (%" PRIu64 " seen)",
			    skt_wait_ms(), w.w_packets);
		if (!sm_watch_drain(ch, &w) || (pfd.revents & POLLHUP))
			break;
	}
	os_channel_destroy(ch);
	T_TRUE(w.w_packets > 0);
	skt_ok("watch (%s): %" PRIu64 " packets, %" PRIu64 " bytes",
	    type == CHANNEL_MONITOR_COPY ? "copy" : "no-copy", w.w_packets,
	    w.w_bytes);
	return 0;
}

int main(int argc, char **argv)
{
	skt_set_prog(argv[0]);
	if (argc < 2)
		goto usage;
	if (strcmp(argv[1], "rules") == 0)
		return sm_rules();
	if (strcmp(argv[1], "upipe") == 0)
		return sm_upipe(sm_n(argc, argv, 2000));
	if (strcmp(argv[1], "netif") == 0)
		return sm_netif(sm_n(argc, argv, 500));
	if (strcmp(argv[1], "kpipe") == 0)
		return sm_kpipe(sm_n(argc, argv, 500));
	if (strcmp(argv[1], "watch") == 0)
		return sm_watch(argc, argv);
usage:
	fprintf(stderr, "usage: skt_monitor rules|upipe|netif|kpipe [-n N]\n"
	    "       skt_monitor watch UUID [copy|nocopy]\n");
	return 2;
}
