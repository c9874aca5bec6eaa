/*
 * skt_netif_upp - a Skywalk program on a netif DEV channel with the user
 * packet pool (behaviours 3.17, the netifdirect exchange over a TAP),
 * and the Linux echo behind the TAP that it talks to.
 *
 *   skt_netif_upp echo IFNAME SECS         (Linux side, AF_PACKET) send
 *                                          back every frame 'c' as 'w'
 *   skt_netif_upp run -u UUID [-n N] [-b B] [-r RING]
 *                                          N frames (20000) in batches of
 *                                          B (8): packet_alloc, fill,
 *                                          finalize, attach, TX sync; wait
 *                                          for the echoes: get, detach,
 *                                          check, packet_free.  0 loss;
 *                                          then purge: every packet of the
 *                                          pool free again
 *   skt_netif_upp observe -u UUID -r RING  hold a channel (no pool) on
 *                                          RING, so the pool lives; print
 *                                          "ready", sleep until killed
 *   skt_netif_upp hold -u UUID -r RING -n N   UPP channel, allocate N
 *                                          packets (+ attach some to TX
 *                                          slots unsent), "holding", sleep
 *   skt_netif_upp chain IFNAME [-n N]      its own netif (MAX_FRAGS 4,
 *                                          LARGE_BUF_SIZE 9000) on TAP
 *                                          IFNAME: N frames each built of
 *                                          three buflets (buflet_alloc,
 *                                          add_buflet), N in large packets
 *                                          (large_packet_alloc), echoed
 *                                          back intact; then the pool,
 *                                          buflets too, is whole again
 *   skt_netif_upp pool IFNAME              pkts= free= bfts= bfree=
 *   skt_netif_upp trap KIND -u UUID        misuse; the caller expects
 *                                          SIGABRT.  KIND: unfinalized
 *                                          (library), rx-attached, foreign,
 *                                          double-free (daemon)
 *   skt_netif_upp events KIND -u UUID [-n N]
 *                                          with an event ring.  KIND:
 *                                          badlen (N runt frames, each a
 *                                          transmit-status event with its
 *                                          packet id), refused (N frames
 *                                          while the link is down), expired
 *                                          (N expiry events, nothing sent),
 *                                          drop (expired, DROP: no event)
 *
 * Frames: skt_netif.h ('c' from the channel, 'w' the echo).  Exit 0 when
 * every check holds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <skywalk/os_skywalk_private.h>
#include <skywalk/skchan_ctl.h>

#include "skt_netif.h"
#include "skt_util.h"

struct up_opts {
	uuid_t nx;
	uint32_t n, batch, ring;
	int have_nx;
};

/* ---- the Linux echo --------------------------------------------------------- */

static int up_packet_socket(const char *ifname)
{
	struct sockaddr_ll sll;
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	if (s < 0)
		SKT_FAIL("AF_PACKET: %s", strerror(errno));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (sll.sll_ifindex == 0 ||
	    bind(s, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		SKT_FAIL("bind %s: %s", ifname, strerror(errno));
	return s;
}

/* Frames the channel sent come back with dir 'w' and every byte kept. */
static int up_echo(const char *ifname, unsigned secs)
{
	int s = up_packet_socket(ifname);
	double end = skt_now() + secs;
	uint8_t buf[2048];
	struct sockaddr_ll from;
	socklen_t fl;
	uint32_t seq;
	ssize_t r;
	uint64_t n = 0;

	printf("ready\n");
	fflush(stdout);
	while (skt_now() < end) {
		struct pollfd pfd = { s, POLLIN, 0 };

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		fl = sizeof(from);
		r = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		    &fl);
		if (r <= 0 || from.sll_pkttype == PACKET_OUTGOING ||
		    !skt_nf_ours(buf, (uint32_t)r, 'c', &seq))
			continue;
		buf[9] = buf[18] = 'w';
		if (send(s, buf, (size_t)r, 0) != r)
			SKT_FAIL("echo send: %s", strerror(errno));
		n++;
	}
	printf("echoed=%" PRIu64 "\n", n);
	return 0;
}

/* ---- control ---------------------------------------------------------------- */

static void up_lookup(const char *ifname, struct skc_ctl_netif_lookup *nl)
{
	struct skchan_ctl *ctl = skchan_ctl_open();

	T_NONNULL(ctl);
	memset(nl, 0, sizeof(*nl));
	snprintf(nl->nl_ifname, sizeof(nl->nl_ifname), "%s", ifname);
	T_OK(skchan_ctl_call(ctl, SKC_IOC_CTL_NETIF_LOOKUP, nl));
	skchan_ctl_close(ctl);
}

static int up_pool(const char *ifname)
{
	struct skc_ctl_netif_lookup nl;

	up_lookup(ifname, &nl);
	printf("pkts=%u free=%u bfts=%u bfree=%u channels=%u\n",
	    nl.nl_pool_pkts, nl.nl_pool_pkts_free, nl.nl_pool_bfts,
	    nl.nl_pool_bfts_free, nl.nl_channels);
	return 0;
}

/* ---- channels --------------------------------------------------------------- */

static channel_t up_open(const struct up_opts *o, int upp, int events,
    ring_id_t ring)
{
	channel_attr_t attr = os_channel_attr_create();
	channel_t ch;
	uint64_t v = 0;

	T_NONNULL(attr);
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_NEXUS_DEFUNCT_OK, 1));
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_USER_PACKET_POOL, upp));
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_EVENT_RING, events));
	ch = os_channel_create_extended(o->nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_DIR_TX_RX, ring, attr);
	if (ch == NULL)
		SKT_FAIL("channel open: %s", strerror(errno));
	T_OK(os_channel_read_attr(ch, attr));
	T_OK(os_channel_attr_get(attr, CHANNEL_ATTR_USER_PACKET_POOL, &v));
	T_EQ(v, (uint64_t)upp);
	os_channel_attr_destroy(attr);
	return ch;
}

static channel_ring_t up_tx(channel_t ch)
{
	return os_channel_tx_ring(ch, os_channel_ring_id(ch,
	    CHANNEL_FIRST_TX_RING));
}

static channel_ring_t up_rx(channel_t ch)
{
	return os_channel_rx_ring(ch, os_channel_ring_id(ch,
	    CHANNEL_FIRST_RX_RING));
}

static void up_set_id(packet_t ph, uint32_t seq)
{
	packet_id_t id;

	memset(&id, 0, sizeof(id));
	id.pktid_version = OS_PACKET_PKTID_VERSION_1;
	id.pktid_sequence_number = (uint16_t)seq;
	id.pktid_stream_identifier = seq;
	T_OK(os_packet_set_packetid(ph, &id));
}

/* A fresh packet holding frame seq (or len bytes of it when len != 0). */
static packet_t up_frame(channel_t ch, uint32_t seq, uint32_t len)
{
	uint8_t tmp[SKT_NF_MAX];
	packet_t ph;
	buflet_t b;
	uint32_t l;

	T_OK(os_channel_packet_alloc(ch, &ph));
	b = os_packet_get_next_buflet(ph, NULL);
	T_NONNULL(b);
	l = skt_nf_fill(tmp, 'c', seq);
	if (len != 0)
		l = len;
	memcpy(os_buflet_get_data_address(b), tmp, l);
	T_OK(os_buflet_set_data_offset(b, 0));
	T_OK(os_buflet_set_data_length(b, l));
	T_OK(os_packet_set_link_header_length(ph, 14));
	up_set_id(ph, seq);
	return ph;
}

/* Attach, advance: the UPP TX slot comes empty. */
static void up_queue(channel_ring_t tx, packet_t ph)
{
	slot_prop_t prop;
	channel_slot_t s = os_channel_get_next_slot(tx, NULL, &prop);

	T_NONNULL(s);
	T_EQ(prop.sp_buf_ptr, 0);
	T_EQ(prop.sp_len, 0);
	T_OK(os_packet_finalize(ph));
	T_OK(os_channel_slot_attach_packet(tx, s, ph));
	T_OK(os_channel_advance_slot(tx, s));
}

static void up_wait_rx(channel_t ch, int ms)
{
	struct pollfd pfd = { os_channel_get_fd(ch), POLLIN, 0 };

	(void)poll(&pfd, 1, ms);
}

/* Take every RX slot: detach, check, free.  Returns how many were ours. */
static uint32_t up_take_rx(channel_t ch, uint32_t *expect, uint32_t end)
{
	channel_ring_t rx = up_rx(ch);
	channel_slot_t s;
	slot_prop_t prop;
	packet_t ph;
	buflet_t b;
	uint8_t want[SKT_NF_MAX];
	uint32_t n = 0, seq, len;
	const uint8_t *data;

	while ((s = os_channel_get_next_slot(rx, NULL, &prop)) != NULL) {
		ph = os_channel_slot_get_packet(rx, s);
		T_NE(ph, 0);
		T_OK(os_channel_slot_detach_packet(rx, s, ph));
		b = os_packet_get_next_buflet(ph, NULL);
		data = (const uint8_t *)os_buflet_get_data_address(b) +
		    os_buflet_get_data_offset(b);
		T_EQ((uint64_t)(uintptr_t)data, prop.sp_buf_ptr);
		len = os_packet_get_data_length(ph);
		T_EQ(len, prop.sp_len);
		if (skt_nf_ours(data, len, 'w', &seq) && seq < end) {
			T_EQ(seq, *expect);
			T_EQ(os_packet_get_link_header_length(ph), 14);
			T_EQ(skt_nf_fill(want, 'w', seq), len);
			want[9] = 'w';
			if (memcmp(data, want, len) != 0)
				SKT_FAIL("frame %u differs", seq);
			(*expect)++;
			n++;
		}
		T_OK(os_channel_packet_free(ch, ph));
		T_OK(os_channel_advance_slot(rx, s));
	}
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
	return n;
}

/* Everything allocated comes back: purge, then count the pool. */
static void up_check_no_leak(channel_t ch, const char *ifname)
{
	struct skc_ctl_netif_lookup nl;

	T_OK(os_channel_packet_pool_purge(ch));
	if (ifname == NULL)
		return;
	up_lookup(ifname, &nl);
	printf("pool pkts=%u free=%u\n", nl.nl_pool_pkts,
	    nl.nl_pool_pkts_free);
	T_EQ(nl.nl_pool_pkts_free, nl.nl_pool_pkts);
}

static int up_run(const struct up_opts *o, const char *ifname)
{
	channel_t ch = up_open(o, 1, 0, CHANNEL_RING_ID_ANY);
	channel_ring_t tx = up_tx(ch);
	uint32_t sent = 0, got = 0, k, idle;
	double t0 = skt_now();

	while (got < o->n) {
		for (k = 0; k < o->batch && sent < o->n; k++)
			up_queue(tx, up_frame(ch, sent++, 0));
		T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
		for (idle = 0; got < sent; ) {
			up_wait_rx(ch, 100);
			if (up_take_rx(ch, &got, o->n) == 0 && ++idle > 50)
				SKT_FAIL("stalled: sent %u, got %u", sent, got);
		}
	}
	printf("exchanged=%u secs=%.2f\n", got, skt_now() - t0);
	up_check_no_leak(ch, ifname);
	os_channel_destroy(ch);
	return 0;
}

static void up_sleep_forever(void)
{
	for (;;)
		pause();
}

static int up_observe(const struct up_opts *o)
{
	channel_t ch = up_open(o, 0, 0, o->ring);

	(void)ch;
	printf("ready\n");
	fflush(stdout);
	up_sleep_forever();
	return 0;
}

/* Die holding: N packets in hand, some queued on TX but never synced. */
static int up_hold(const struct up_opts *o)
{
	channel_t ch = up_open(o, 1, 0, o->ring);
	channel_ring_t tx = up_tx(ch);
	uint32_t i;
	packet_t ph;

	for (i = 0; i < o->n; i++)
		T_OK(os_channel_packet_alloc(ch, &ph));
	for (i = 0; i < 8; i++)
		up_queue(tx, up_frame(ch, i, 0));
	printf("holding\n");
	fflush(stdout);
	up_sleep_forever();
	return 0;
}

/* ---- misuse -------------------------------------------------------------------- */

static int up_trap(const char *kind, const struct up_opts *o)
{
	channel_t ch = up_open(o, 1, 0, CHANNEL_RING_ID_ANY);
	channel_ring_t tx = up_tx(ch), rx = up_rx(ch);
	channel_slot_t s;
	packet_t ph;

	if (strcmp(kind, "unfinalized") == 0) {
		T_OK(os_channel_packet_alloc(ch, &ph));
		s = os_channel_get_next_slot(tx, NULL, NULL);
		(void)os_channel_slot_attach_packet(tx, s, ph);
	} else if (strcmp(kind, "rx-attached") == 0) {
		up_queue(tx, up_frame(ch, 0, 0));
		T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
		while ((s = os_channel_get_next_slot(rx, NULL, NULL)) == NULL)
			up_wait_rx(ch, 100);
		T_OK(os_channel_advance_slot(rx, s));   /* not detached */
		(void)os_channel_sync(ch, CHANNEL_SYNC_RX);
	} else if (strcmp(kind, "foreign") == 0) {
		s = os_channel_get_next_slot(tx, NULL, NULL);
		/* what a buggy program could write: an index never given */
		((struct __user_slot_desc *)(void *)s)->sd_md_idx = 4000;
		((struct __user_slot_desc *)(void *)s)->sd_flags =
		    SD_IDX_VALID;
		T_OK(os_channel_advance_slot(tx, s));
		(void)os_channel_sync(ch, CHANNEL_SYNC_TX);
	} else if (strcmp(kind, "double-free") == 0) {
		T_OK(os_channel_packet_alloc(ch, &ph));
		T_OK(os_channel_packet_free(ch, ph));
		T_OK(os_channel_packet_free(ch, ph));
		(void)os_channel_sync(ch, CHANNEL_SYNC_RX);
	} else {
		SKT_FAIL("unknown trap %s", kind);
	}
	sleep(2);               /* a kill may be on its way */
	printf("survived %s\n", kind);
	return 1;
}

/* ---- events ---------------------------------------------------------------------- */

struct up_ev_want {
	os_channel_event_type_t type;
	int32_t status;         /* transmit status */
	uint32_t n;
	uint32_t seen;
	uint8_t *ids;           /* seen per sequence number */
};

static void up_ev_one(struct up_ev_want *w, const struct os_channel_event_data *d)
{
	os_channel_event_packet_transmit_status_t ts;
	os_channel_event_packet_transmit_expired_t ex;
	uint32_t id;

	/* Copy the payload out: records sit back to back, so a payload is
	 * only 4-byte aligned and the expiry one holds 64-bit fields. */
	T_EQ(d->event_type, w->type);
	if (w->type == CHANNEL_EVENT_PACKET_TRANSMIT_STATUS) {
		T_EQ(d->event_data_length, sizeof(ts));
		memcpy(&ts, d->event_data, sizeof(ts));
		T_EQ(ts.packet_status, w->status);
		id = ts.packet_id.pktid_stream_identifier;
	} else {
		T_EQ(d->event_data_length, sizeof(ex));
		memcpy(&ex, d->event_data, sizeof(ex));
		T_EQ(ex.packet_tx_expiration_status,
		    CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_DROPPED);
		T_NE(ex.packet_tx_expiration_deadline, 0);
		id = ex.packet_id.pktid_stream_identifier;
	}
	T_TRUE(id < w->n && !w->ids[id]);
	w->ids[id] = 1;
	w->seen++;
}

/* Walk every event buffer on the ring; free each. */
static void up_ev_drain(channel_t ch, struct up_ev_want *w)
{
	os_channel_event_handle_t eh;
	os_channel_event_type_t et;
	os_channel_event_t ev;
	struct os_channel_event_data d;
	uint32_t nev, k;

	while (os_channel_get_next_event_handle(ch, &eh, &et, &nev) == 0) {
		T_EQ(et, w->type);
		ev = 0;
		for (k = 0; k < nev; k++) {
			T_OK(os_channel_event_get_next_event(eh, ev, &ev));
			T_OK(os_channel_event_get_event_data(ev, &d));
			T_EQ(d.event_more, k + 1 < nev);
			up_ev_one(w, &d);
		}
		T_RET(os_channel_event_get_next_event(eh, ev, &ev), ENODATA);
		T_OK(os_channel_event_free(ch, eh));
	}
}

static void up_ev_send(channel_t ch, const char *kind, uint32_t n)
{
	channel_ring_t tx = up_tx(ch);
	uint32_t i, len = strcmp(kind, "badlen") == 0 ? 10 : 0;
	packet_t ph;

	for (i = 0; i < n; i++) {
		ph = up_frame(ch, i, len);
		if (strcmp(kind, "expired") == 0 || strcmp(kind, "drop") == 0) {
			T_OK(os_packet_set_expire_time(ph, 1));  /* long past */
			T_OK(os_packet_set_expiry_action(ph,
			    strcmp(kind, "drop") == 0 ?
			    PACKET_EXPIRY_ACTION_DROP :
			    PACKET_EXPIRY_ACTION_NOTIFY));
		}
		up_queue(tx, ph);
		if (i % 32 == 31)
			T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
	}
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
}

static int up_events(const char *kind, const struct up_opts *o,
    const char *ifname)
{
	channel_t ch = up_open(o, 1, 1, CHANNEL_RING_ID_ANY);
	struct up_ev_want w = { CHANNEL_EVENT_PACKET_TRANSMIT_STATUS, 0,
	    o->n, 0, calloc(o->n, 1) };
	uint32_t tries;
	uint64_t v = 0;
	channel_attr_t attr = os_channel_attr_create();

	T_OK(os_channel_read_attr(ch, attr));
	T_OK(os_channel_attr_get(attr, CHANNEL_ATTR_EVENT_RING, &v));
	T_EQ(v, 1);
	os_channel_attr_destroy(attr);
	if (strcmp(kind, "badlen") == 0)
		w.status = CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_RETRY_FAILED;
	else if (strcmp(kind, "refused") == 0)
		w.status = CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_FLUSH;
	else
		w.type = CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED;
	up_ev_send(ch, kind, o->n);
	for (tries = 0; tries < 50 && w.seen < o->n; tries++) {
		T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
		up_ev_drain(ch, &w);
		if (w.seen < o->n)
			usleep(20000);
	}
	if (strcmp(kind, "drop") == 0)
		T_EQ(w.seen, 0);
	else
		T_EQ(w.seen, o->n);
	printf("events=%u\n", w.seen);
	up_check_no_leak(ch, NULL);
	free(w.ids);
	(void)ifname;
	os_channel_destroy(ch);
	return 0;
}

/* ---- buflet chains and large buffers ------------------------------------------ */

struct up_nexus {
	nexus_controller_t un_ctl;
	uuid_t un_prov, un_nx, un_attach;
};

static void up_nexus_make(struct up_nexus *un, const char *ifname)
{
	nexus_attr_t attr = os_nexus_attr_create();
	nexus_name_t name;

	un->un_ctl = os_nexus_controller_create();
	T_NONNULL(un->un_ctl);
	skt_name(name, "netif-upp");
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_ANONYMOUS, 1));
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_USER_CHANNEL, 1));
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_MAX_FRAGS, 4));
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_LARGE_BUF_SIZE, 9000));
	T_OK(os_nexus_controller_register_provider(un->un_ctl, name,
	    NEXUS_TYPE_NET_IF, attr, &un->un_prov));
	os_nexus_attr_destroy(attr);
	T_OK(os_nexus_controller_alloc_provider_instance(un->un_ctl,
	    un->un_prov, &un->un_nx));
	T_OK(__os_nexus_ifattach(un->un_ctl, un->un_nx, ifname, NULL, false,
	    &un->un_attach));
}

static void up_nexus_free(struct up_nexus *un)
{
	T_OK(__os_nexus_ifdetach(un->un_ctl, un->un_nx, un->un_attach));
	T_OK(os_nexus_controller_free_provider_instance(un->un_ctl,
	    un->un_nx));
	T_OK(os_nexus_controller_deregister_provider(un->un_ctl,
	    un->un_prov));
	os_nexus_controller_destroy(un->un_ctl);
}

/* Frame seq split over the packet's own buflet and two more. */
static packet_t up_chain_frame(channel_t ch, uint32_t seq)
{
	uint8_t tmp[SKT_NF_MAX];
	uint32_t len = skt_nf_fill(tmp, 'c', seq), cut[3], off = 0, k;
	buflet_t b[3];
	packet_t ph;

	T_OK(os_channel_packet_alloc(ch, &ph));
	b[0] = os_packet_get_next_buflet(ph, NULL);
	T_OK(os_channel_buflet_alloc(ch, &b[1]));
	T_OK(os_channel_buflet_alloc(ch, &b[2]));
	T_OK(os_packet_add_buflet(ph, b[0], b[1]));
	T_OK(os_packet_add_buflet(ph, b[1], b[2]));
	T_EQ(os_packet_get_buflet_count(ph), 3);
	cut[0] = len / 3;
	cut[1] = len / 3;
	cut[2] = len - 2 * (len / 3);
	for (k = 0; k < 3; k++) {
		T_EQ(os_packet_get_next_buflet(ph, k ? b[k - 1] : NULL), b[k]);
		memcpy(os_buflet_get_data_address(b[k]), tmp + off, cut[k]);
		T_OK(os_buflet_set_data_offset(b[k], 0));
		T_OK(os_buflet_set_data_length(b[k], cut[k]));
		off += cut[k];
	}
	T_OK(os_packet_set_link_header_length(ph, 14));
	return ph;
}

static packet_t up_large_frame(channel_t ch, uint32_t seq)
{
	uint8_t tmp[SKT_NF_MAX];
	uint32_t len = skt_nf_fill(tmp, 'c', seq);
	packet_t ph;
	buflet_t b;

	T_OK(os_channel_large_packet_alloc(ch, &ph));
	b = os_packet_get_next_buflet(ph, NULL);
	T_EQ(os_buflet_get_data_limit(b), 9000);
	memcpy(os_buflet_get_data_address(b), tmp, len);
	T_OK(os_buflet_set_data_offset(b, 0));
	T_OK(os_buflet_set_data_length(b, len));
	T_OK(os_packet_set_link_header_length(ph, 14));
	return ph;
}

/* Send n frames of one kind, one at a time, and take each echo. */
static void up_chain_round(channel_t ch, uint32_t *seq, uint32_t n,
    int large)
{
	channel_ring_t tx = up_tx(ch);
	uint32_t end = *seq + n, got = *seq, idle;

	while (*seq < end) {
		up_queue(tx, large ? up_large_frame(ch, *seq) :
		    up_chain_frame(ch, *seq));
		(*seq)++;
		T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
		for (idle = 0; got < *seq; ) {
			up_wait_rx(ch, 100);
			if (up_take_rx(ch, &got, end) == 0 && ++idle > 50)
				SKT_FAIL("stalled at %u", got);
		}
	}
}

static int up_chain(const char *ifname, uint32_t n)
{
	struct up_nexus un;
	struct up_opts o;
	struct skc_ctl_netif_lookup nl;
	channel_t ch;
	buflet_t spare;
	uint32_t seq = 0;

	up_nexus_make(&un, ifname);
	memset(&o, 0, sizeof(o));
	uuid_copy(o.nx, un.un_nx);
	ch = up_open(&o, 1, 0, CHANNEL_RING_ID_ANY);
	/* one buflet taken and given straight back */
	T_OK(os_channel_buflet_alloc(ch, &spare));
	T_OK(os_channel_buflet_free(ch, spare));
	up_chain_round(ch, &seq, n, 0);
	up_chain_round(ch, &seq, n, 1);
	T_OK(os_channel_packet_pool_purge(ch));
	up_lookup(ifname, &nl);
	printf("chained=%u large=%u pool pkts=%u free=%u bfts=%u bfree=%u\n",
	    n, n, nl.nl_pool_pkts, nl.nl_pool_pkts_free, nl.nl_pool_bfts,
	    nl.nl_pool_bfts_free);
	T_NE(nl.nl_pool_bfts, 0);
	T_EQ(nl.nl_pool_pkts_free, nl.nl_pool_pkts);
	T_EQ(nl.nl_pool_bfts_free, nl.nl_pool_bfts);
	os_channel_destroy(ch);
	up_nexus_free(&un);
	return 0;
}

/* ---- main -------------------------------------------------------------------- */

static void up_parse(struct up_opts *o, int argc, char **argv)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->n = 20000;
	o->batch = 8;
	o->ring = CHANNEL_RING_ID_ANY;
	optind = 1;
	while ((c = getopt(argc, argv, "u:n:b:r:")) != -1) {
		switch (c) {
		case 'u':
			if (uuid_parse(optarg, o->nx) != 0)
				SKT_FAIL("bad uuid %s", optarg);
			o->have_nx = 1;
			break;
		case 'n':
			o->n = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'b':
			o->batch = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			o->ring = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		default:
			SKT_FAIL("bad option");
		}
	}
	if (!o->have_nx)
		SKT_FAIL("-u UUID needed");
}

int main(int argc, char **argv)
{
	struct up_opts o;
	const char *ifname = getenv("SKT_UPP_IFNAME");

	skt_set_prog(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && strcmp(argv[1], "echo") == 0)
		return up_echo(argv[2], argc > 3 ? (unsigned)atoi(argv[3]) : 60);
	if (argc >= 3 && strcmp(argv[1], "pool") == 0)
		return up_pool(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "chain") == 0)
		return up_chain(argv[2], argc >= 5 && strcmp(argv[3], "-n") == 0 ?
		    (uint32_t)strtoul(argv[4], NULL, 0) : 200);
	if (argc >= 2 && strcmp(argv[1], "run") == 0) {
		up_parse(&o, argc - 1, argv + 1);
		return up_run(&o, ifname);
	}
	if (argc >= 2 && strcmp(argv[1], "observe") == 0) {
		up_parse(&o, argc - 1, argv + 1);
		return up_observe(&o);
	}
	if (argc >= 2 && strcmp(argv[1], "hold") == 0) {
		up_parse(&o, argc - 1, argv + 1);
		return up_hold(&o);
	}
	if (argc >= 3 && strcmp(argv[1], "trap") == 0) {
		up_parse(&o, argc - 2, argv + 2);
		return up_trap(argv[2], &o);
	}
	if (argc >= 3 && strcmp(argv[1], "events") == 0) {
		up_parse(&o, argc - 2, argv + 2);
		return up_events(argv[2], &o, ifname);
	}
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
