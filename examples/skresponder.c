/*
 * skresponder - answer ARP, ping and ping6 for an address that lives
 * behind a Skywalk netif channel.
 *
 * A Skywalk program as it would be written for macOS: it includes
 * <skywalk/os_skywalk_private.h> only for __os_nexus_ifattach() (the
 * SPI Apple's own netif tests use) and otherwise calls the API tier.
 *
 * Theory of operation.  The program owns the DEV port of a netif nexus,
 * so every frame the interface's peer sends arrives on its RX rings and
 * every frame it puts on a TX ring leaves through the interface.  It
 * plays a tiny host with one MAC address, one IPv4 and/or one IPv6
 * address:
 *
 *   peer (ping, arping, ping -6)        TAP         skresponder
 *   ---------------------------- <-----------> --------------------
 *   ARP who-has A4                     RX ring  -> ARP reply (A4 is-at MAC)
 *   ICMP echo request to A4                     -> ICMP echo reply
 *   ICMPv6 neighbour solicitation for A6        -> neighbour advertisement
 *   ICMPv6 echo request to A6                   -> ICMPv6 echo reply
 *   anything else                               -> ignored (counted)
 *
 * Each reply is built straight into a TX slot's buffer from the request
 * in the RX slot's buffer, so nothing is copied twice.  The loop waits
 * with poll(POLLIN), which also performs the RX sync; after a batch of
 * RX slots it advances the RX ring and syncs TX once.
 *
 * Where the netif comes from:
 *   -u UUID    a netif instance that already exists and is attached
 *              (e.g. `skctl attach tap0` printed it): open its DEV port.
 *   -i IFNAME  register a NET_IF provider, allocate an instance and
 *              attach it to IFNAME with __os_nexus_ifattach(), as
 *              XNU's netif tests do; detached and freed at exit.
 *
 * Exit: after -n COUNT echo replies, after -t SECONDS, or on SIGINT /
 * SIGTERM, with one line of counters; status 0, 1 on errors, 2 on bad
 * usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <skywalk/os_skywalk_private.h>

#define SKR_ETH_HLEN    14
#define SKR_ETH_ALEN    6
#define SKR_ETHERTYPE_IP        0x0800
#define SKR_ETHERTYPE_ARP       0x0806
#define SKR_ETHERTYPE_IPV6      0x86dd
#define SKR_IP6_HLEN    40
#define SKR_ARP_LEN     28
#define SKR_NA_LEN      32      /* ICMPv6 NA with a target LL option */

struct skr_opts {
	const char *o_ifname;
	int o_have_uuid;
	uuid_t o_uuid;
	int o_have4, o_have6;
	struct in_addr o_ip4;
	struct in6_addr o_ip6;
	uint8_t o_mac[SKR_ETH_ALEN];
	uint64_t o_count;       /* 0: forever */
	unsigned o_seconds;     /* 0: forever */
	int o_quiet;
};

struct skr_stats {
	uint64_t s_rx;
	uint64_t s_arp;
	uint64_t s_echo4;
	uint64_t s_ns;
	uint64_t s_echo6;
	uint64_t s_ignored;
	uint64_t s_txfull;      /* replies lost: no TX slot */
};

struct skr {
	const struct skr_opts *r_opts;
	nexus_controller_t r_ctl;
	uuid_t r_prov, r_nx, r_attach;
	int r_own_nexus;
	channel_t r_ch;
	ring_id_t r_first, r_last;
	struct skr_stats r_st;
};

static volatile sig_atomic_t skr_stop;
static const char *skr_prog = "skresponder";

__attribute__((format(printf, 1, 2), noreturn))
static void skr_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", skr_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void skr_on_signal(int sig)
{
	(void)sig;
	skr_stop = 1;
}

/* ---- checksums (RFC 1071) ---------------------------------------------- */

static uint32_t skr_sum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (len)
		sum += (uint32_t)b[0] << 8;
	return sum;
}

static uint16_t skr_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void skr_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t skr_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ICMPv6 checksum over the pseudo header and the message at ip6 + 40. */
static uint16_t skr_icmp6_sum(const uint8_t *ip6, uint32_t len)
{
	uint32_t sum = skr_sum(ip6 + 8, 32, 0);         /* src, dst */

	sum += len + 58;
	return skr_fold(skr_sum(ip6 + SKR_IP6_HLEN, len, sum));
}

/* ---- replies ------------------------------------------------------------- */

/* Ethernet header of a reply to req, from us. */
static void skr_eth_reply(const struct skr *r, uint8_t *out,
    const uint8_t *req, uint16_t type)
{
	memcpy(out, req + SKR_ETH_ALEN, SKR_ETH_ALEN);
	memcpy(out + SKR_ETH_ALEN, r->r_opts->o_mac, SKR_ETH_ALEN);
	skr_put16(out + 12, type);
}

static uint32_t skr_arp(struct skr *r, const uint8_t *in, uint32_t len,
    uint8_t *out)
{
	const uint8_t *a = in + SKR_ETH_HLEN;
	uint8_t *o = out + SKR_ETH_HLEN;

	if (!r->r_opts->o_have4 || len < SKR_ETH_HLEN + SKR_ARP_LEN ||
	    skr_get16(a) != 1 || skr_get16(a + 2) != SKR_ETHERTYPE_IP ||
	    a[4] != 6 || a[5] != 4 || skr_get16(a + 6) != 1 ||
	    memcmp(a + 24, &r->r_opts->o_ip4, 4) != 0)
		return 0;
	skr_eth_reply(r, out, in, SKR_ETHERTYPE_ARP);
	memcpy(o, a, 6);                        /* htype, ptype, hlen, plen */
	skr_put16(o + 6, 2);                    /* reply */
	memcpy(o + 8, r->r_opts->o_mac, 6);
	memcpy(o + 14, &r->r_opts->o_ip4, 4);
	memcpy(o + 18, a + 8, 10);              /* requester's MAC and IP */
	r->r_st.s_arp++;
	return SKR_ETH_HLEN + SKR_ARP_LEN;
}

static uint32_t skr_echo4(struct skr *r, const uint8_t *in, uint32_t len,
    uint8_t *out)
{
	const uint8_t *ip = in + SKR_ETH_HLEN;
	uint32_t ihl, tot;
	uint8_t *o;

	if (!r->r_opts->o_have4 || len < SKR_ETH_HLEN + 20 ||
	    (ip[0] >> 4) != 4)
		return 0;
	ihl = (ip[0] & 0xfu) * 4;
	tot = skr_get16(ip + 2);
	if (ihl < 20 || tot < ihl + 8 || SKR_ETH_HLEN + tot > len ||
	    ip[9] != 1 || ip[ihl] != 8 ||
	    memcmp(ip + 16, &r->r_opts->o_ip4, 4) != 0 ||
	    (skr_get16(ip + 6) & 0x3fff) != 0)  /* fragments: not ours */
		return 0;
	skr_eth_reply(r, out, in, SKR_ETHERTYPE_IP);
	o = out + SKR_ETH_HLEN;
	memcpy(o, ip, tot);
	memcpy(o + 12, ip + 16, 4);
	memcpy(o + 16, ip + 12, 4);
	o[8] = 64;
	skr_put16(o + 10, 0);
	skr_put16(o + 10, skr_fold(skr_sum(o, ihl, 0)));
	o[ihl] = 0;                             /* echo reply */
	skr_put16(o + ihl + 2, 0);
	skr_put16(o + ihl + 2, skr_fold(skr_sum(o + ihl, tot - ihl, 0)));
	r->r_st.s_echo4++;
	return SKR_ETH_HLEN + tot;
}

static void skr_ip6_reply(uint8_t *o, const uint8_t *ip6, uint16_t plen,
    const struct in6_addr *src, const uint8_t *dst, uint8_t hlim)
{
	memset(o, 0, SKR_IP6_HLEN);
	o[0] = 0x60;
	skr_put16(o + 4, plen);
	o[6] = 58;
	o[7] = hlim;
	memcpy(o + 8, src, 16);
	memcpy(o + 24, dst, 16);
	(void)ip6;
}

/* A neighbour solicitation for our address: advertise it (RFC 4861). */
static uint32_t skr_ns(struct skr *r, const uint8_t *in, const uint8_t *ip6,
    uint32_t plen, uint8_t *out)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t unspec[16];
	const uint8_t *icmp = ip6 + SKR_IP6_HLEN;
	uint8_t *o = out + SKR_ETH_HLEN, *na = o + SKR_IP6_HLEN;
	int dad = memcmp(ip6 + 8, unspec, 16) == 0;

	if (plen < 24 || ip6[7] != 255 ||
	    memcmp(icmp + 8, &r->r_opts->o_ip6, 16) != 0)
		return 0;
	skr_eth_reply(r, out, in, SKR_ETHERTYPE_IPV6);
	skr_ip6_reply(o, ip6, SKR_NA_LEN, &r->r_opts->o_ip6,
	    dad ? all_nodes : ip6 + 8, 255);
	memset(na, 0, SKR_NA_LEN);
	na[0] = 136;
	na[4] = dad ? 0x20 : 0x60;              /* (S)olicited, (O)verride */
	memcpy(na + 8, &r->r_opts->o_ip6, 16);
	na[24] = 2;                             /* target link-layer address */
	na[25] = 1;
	memcpy(na + 26, r->r_opts->o_mac, SKR_ETH_ALEN);
	skr_put16(na + 2, skr_icmp6_sum(o, SKR_NA_LEN));
	r->r_st.s_ns++;
	return SKR_ETH_HLEN + SKR_IP6_HLEN + SKR_NA_LEN;
}

static uint32_t skr_echo6(struct skr *r, const uint8_t *in,
    const uint8_t *ip6, uint32_t plen, uint8_t *out)
{
	uint8_t *o = out + SKR_ETH_HLEN, *icmp = o + SKR_IP6_HLEN;

	if (plen < 8 || memcmp(ip6 + 24, &r->r_opts->o_ip6, 16) != 0)
		return 0;
	skr_eth_reply(r, out, in, SKR_ETHERTYPE_IPV6);
	skr_ip6_reply(o, ip6, (uint16_t)plen, &r->r_opts->o_ip6, ip6 + 8, 64);
	memcpy(icmp, ip6 + SKR_IP6_HLEN, plen);
	icmp[0] = 129;
	skr_put16(icmp + 2, 0);
	skr_put16(icmp + 2, skr_icmp6_sum(o, plen));
	r->r_st.s_echo6++;
	return SKR_ETH_HLEN + SKR_IP6_HLEN + plen;
}

static uint32_t skr_ip6(struct skr *r, const uint8_t *in, uint32_t len,
    uint8_t *out)
{
	const uint8_t *ip6 = in + SKR_ETH_HLEN;
	uint32_t plen;

	if (!r->r_opts->o_have6 || len < SKR_ETH_HLEN + SKR_IP6_HLEN + 4 ||
	    (ip6[0] >> 4) != 6 || ip6[6] != 58)
		return 0;
	plen = skr_get16(ip6 + 4);
	if (SKR_ETH_HLEN + SKR_IP6_HLEN + plen > len)
		return 0;
	switch (ip6[SKR_IP6_HLEN]) {
	case 135:
		return skr_ns(r, in, ip6, plen, out);
	case 128:
		return skr_echo6(r, in, ip6, plen, out);
	default:
		return 0;
	}
}

/* The reply to one frame, built in out (cap bytes); 0: no reply. */
static uint32_t skr_answer(struct skr *r, const uint8_t *in, uint32_t len,
    uint8_t *out, uint32_t cap)
{
	uint32_t n = 0;

	/* A reply is never longer than its request, except a short NS. */
	if (len < SKR_ETH_HLEN || cap < len ||
	    cap < SKR_ETH_HLEN + SKR_IP6_HLEN + SKR_NA_LEN)
		return 0;
	switch (skr_get16(in + 12)) {
	case SKR_ETHERTYPE_ARP:
		n = skr_arp(r, in, len, out);
		break;
	case SKR_ETHERTYPE_IP:
		n = skr_echo4(r, in, len, out);
		break;
	case SKR_ETHERTYPE_IPV6:
		n = skr_ip6(r, in, len, out);
		break;
	}
	if (n == 0)
		r->r_st.s_ignored++;
	return n;
}

/* ---- the channel ---------------------------------------------------------- */

/* A TX slot, syncing once if the ring is full; NULL: still full. */
static channel_slot_t skr_tx_slot(struct skr *r, channel_ring_t tx,
    slot_prop_t *prop)
{
	channel_slot_t s = os_channel_get_next_slot(tx, NULL, prop);

	if (s != NULL)
		return s;
	if (os_channel_sync(r->r_ch, CHANNEL_SYNC_TX) != 0)
		skr_die("TX sync: %s", strerror(errno));
	return os_channel_get_next_slot(tx, NULL, prop);
}

/* Hand a built frame of len bytes to the ring, Apple's way (RAW). */
static void skr_tx_commit(channel_ring_t tx, channel_slot_t s,
    slot_prop_t *prop, uint32_t len)
{
	packet_t ph = os_channel_slot_get_packet(tx, s);
	buflet_t b = os_packet_get_next_buflet(ph, NULL);

	os_buflet_set_data_offset(b, 0);
	os_buflet_set_data_length(b, len);
	os_packet_set_link_header_length(ph, SKR_ETH_HLEN);
	if (os_packet_finalize(ph) != 0)
		skr_die("os_packet_finalize: %s", strerror(errno));
	prop->sp_len = len;
	os_channel_set_slot_properties(tx, s, prop);
	if (os_channel_advance_slot(tx, s) != 0)
		skr_die("advance TX slot");
}

static int skr_one(struct skr *r, channel_ring_t tx, const uint8_t *in,
    uint32_t len)
{
	slot_prop_t prop;
	channel_slot_t s = skr_tx_slot(r, tx, &prop);
	uint32_t n;

	if (s == NULL) {
		r->r_st.s_txfull++;
		return 0;
	}
	n = skr_answer(r, in, len, (uint8_t *)(uintptr_t)prop.sp_buf_ptr,
	    prop.sp_len);
	if (n != 0)
		skr_tx_commit(tx, s, &prop, n);
	return n != 0;
}

/* Drain one RX ring; replies go out on the TX ring of the same index. */
static int skr_ring(struct skr *r, ring_id_t id)
{
	channel_ring_t rx = os_channel_rx_ring(r->r_ch, id);
	channel_ring_t tx = os_channel_tx_ring(r->r_ch, id);
	channel_slot_t s, last = NULL;
	slot_prop_t prop;
	int sent = 0;

	while ((s = os_channel_get_next_slot(rx, last, &prop)) != NULL) {
		r->r_st.s_rx++;
		sent += skr_one(r, tx, (const uint8_t *)(uintptr_t)
		    prop.sp_buf_ptr, prop.sp_len);
		last = s;
	}
	if (last != NULL && os_channel_advance_slot(rx, last) != 0)
		skr_die("advance RX slot");
	return sent;
}

static uint64_t skr_echoes(const struct skr *r)
{
	return r->r_st.s_echo4 + r->r_st.s_echo6;
}

static int skr_done(const struct skr *r, time_t deadline)
{
	if (skr_stop)
		return 1;
	if (r->r_opts->o_count != 0 && skr_echoes(r) >= r->r_opts->o_count)
		return 1;
	return deadline != 0 && time(NULL) >= deadline;
}

static void skr_serve(struct skr *r)
{
	const struct skr_opts *o = r->r_opts;
	time_t deadline = o->o_seconds ? time(NULL) + o->o_seconds : 0;
	struct pollfd pfd = { .fd = os_channel_get_fd(r->r_ch),
		.events = POLLIN };
	ring_id_t id;
	int sent, n;

	while (!skr_done(r, deadline)) {
		n = poll(&pfd, 1, 200);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			skr_die("poll: %s", strerror(errno));
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
			skr_die("channel gone (revents 0x%x)", pfd.revents);
		if (n == 0)
			continue;
		sent = 0;
		for (id = r->r_first; id <= r->r_last; id++)
			sent += skr_ring(r, id);
		if (sent && os_channel_sync(r->r_ch, CHANNEL_SYNC_TX) != 0)
			skr_die("TX sync: %s", strerror(errno));
	}
}

/* ---- setup ----------------------------------------------------------------- */

static void skr_own_netif(struct skr *r)
{
	nexus_attr_t attr = os_nexus_attr_create();
	nexus_name_t name = "skresponder";

	if (attr == NULL ||
	    os_nexus_attr_set(attr, NEXUS_ATTR_ANONYMOUS, 1) != 0 ||
	    os_nexus_attr_set(attr, NEXUS_ATTR_USER_CHANNEL, 1) != 0)
		skr_die("nexus attributes");
	r->r_ctl = os_nexus_controller_create();
	if (r->r_ctl == NULL)
		skr_die("os_nexus_controller_create: %s", strerror(errno));
	if (os_nexus_controller_register_provider(r->r_ctl, name,
	    NEXUS_TYPE_NET_IF, attr, &r->r_prov) != 0)
		skr_die("register NET_IF provider: %s", strerror(errno));
	os_nexus_attr_destroy(attr);
	if (os_nexus_controller_alloc_provider_instance(r->r_ctl, r->r_prov,
	    &r->r_nx) != 0)
		skr_die("alloc instance: %s", strerror(errno));
	if (__os_nexus_ifattach(r->r_ctl, r->r_nx, r->r_opts->o_ifname, NULL,
	    false, &r->r_attach) != 0)
		skr_die("attach to %s: %s", r->r_opts->o_ifname,
		    strerror(errno));
	r->r_own_nexus = 1;
}

static void skr_open(struct skr *r)
{
	channel_attr_t ca = os_channel_attr_create();
	uuid_string_t us;

	if (r->r_opts->o_have_uuid)
		uuid_copy(r->r_nx, r->r_opts->o_uuid);
	else
		skr_own_netif(r);
	if (ca == NULL ||
	    os_channel_attr_set(ca, CHANNEL_ATTR_NEXUS_DEFUNCT_OK, 1) != 0)
		skr_die("channel attributes");
	r->r_ch = os_channel_create_extended(r->r_nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_DIR_TX_RX, CHANNEL_RING_ID_ANY, ca);
	if (r->r_ch == NULL)
		skr_die("open DEV port: %s", strerror(errno));
	os_channel_attr_destroy(ca);
	r->r_first = os_channel_ring_id(r->r_ch, CHANNEL_FIRST_RX_RING);
	r->r_last = os_channel_ring_id(r->r_ch, CHANNEL_LAST_RX_RING);
	uuid_unparse_lower(r->r_nx, us);
	if (!r->r_opts->o_quiet)
		printf("%s: ready nexus=%s rings=%u\n", skr_prog, us,
		    r->r_last - r->r_first + 1);
	fflush(stdout);
}

static void skr_close(struct skr *r)
{
	os_channel_destroy(r->r_ch);
	if (!r->r_own_nexus)
		return;
	if (__os_nexus_ifdetach(r->r_ctl, r->r_nx, r->r_attach) != 0)
		fprintf(stderr, "%s: detach: %s\n", skr_prog, strerror(errno));
	os_nexus_controller_free_provider_instance(r->r_ctl, r->r_nx);
	os_nexus_controller_deregister_provider(r->r_ctl, r->r_prov);
	os_nexus_controller_destroy(r->r_ctl);
}

/* ---- options ---------------------------------------------------------------- */

static void skr_usage(FILE *f)
{
	fprintf(f,
	    "usage: %s (-i IFNAME | -u NEXUS_UUID) [-4 IPV4] [-6 IPV6]\n"
	    "       [-m MAC] [-n COUNT] [-t SECONDS] [-q]\n"
	    "  -i IFNAME   attach a netif of our own to IFNAME\n"
	    "  -u UUID     use an attached netif instance\n"
	    "  -4/-6 ADDR  the addresses we answer for (at least one)\n"
	    "  -m MAC      our MAC (default 02:53:4b:00:00:01)\n"
	    "  -n COUNT    exit after COUNT echo replies\n"
	    "  -t SECONDS  exit after SECONDS\n", skr_prog);
}

static int skr_parse_mac(const char *s, uint8_t mac[SKR_ETH_ALEN])
{
	unsigned v[SKR_ETH_ALEN];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3],
	    &v[4], &v[5]) != SKR_ETH_ALEN)
		return -1;
	for (i = 0; i < SKR_ETH_ALEN; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static int skr_opt(struct skr_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'i':
		o->o_ifname = arg;
		return 0;
	case 'u':
		o->o_have_uuid = 1;
		return uuid_parse(arg, o->o_uuid);
	case '4':
		o->o_have4 = 1;
		return inet_pton(AF_INET, arg, &o->o_ip4) == 1 ? 0 : -1;
	case '6':
		o->o_have6 = 1;
		return inet_pton(AF_INET6, arg, &o->o_ip6) == 1 ? 0 : -1;
	case 'm':
		return skr_parse_mac(arg, o->o_mac);
	case 'n':
		o->o_count = strtoull(arg, NULL, 0);
		return 0;
	case 't':
		o->o_seconds = (unsigned)strtoul(arg, NULL, 0);
		return 0;
	case 'q':
		o->o_quiet = 1;
		return 0;
	default:
		return -1;
	}
}

static void skr_parse(struct skr_opts *o, int argc, char **argv)
{
	static const uint8_t def_mac[SKR_ETH_ALEN] =
	    { 0x02, 0x53, 0x4b, 0x00, 0x00, 0x01 };
	int c;

	memcpy(o->o_mac, def_mac, sizeof(def_mac));
	while ((c = getopt(argc, argv, "i:u:4:6:m:n:t:qh")) != -1) {
		if (c == 'h') {
			skr_usage(stdout);
			exit(0);
		}
		if (skr_opt(o, c, optarg) != 0) {
			skr_usage(stderr);
			exit(2);
		}
	}
	if (optind != argc || (o->o_ifname == NULL) == !o->o_have_uuid ||
	    (!o->o_have4 && !o->o_have6)) {
		skr_usage(stderr);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct skr_opts o;
	struct skr r;
	struct sigaction sa;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	memset(&sa, 0, sizeof(sa));
	skr_parse(&o, argc, argv);
	r.r_opts = &o;
	sa.sa_handler = skr_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	skr_open(&r);
	skr_serve(&r);
	printf("%s: rx=%" PRIu64 " arp=%" PRIu64 " echo4=%" PRIu64
	    " ns=%" PRIu64 " echo6=%" PRIu64 " ignored=%" PRIu64
	    " txfull=%" PRIu64 "\n", skr_prog, r.r_st.s_rx, r.r_st.s_arp,
	    r.r_st.s_echo4, r.r_st.s_ns, r.r_st.s_echo6, r.r_st.s_ignored,
	    r.r_st.s_txfull);
	skr_close(&r);
	return 0;
}
