/*
 * check_tap.c - the TAP backend (backend/tap.c) against real Linux.
 *
 * Every test runs in its own forked Check process that first moves into
 * a private network namespace (unshare(CLONE_NEWNET)): the TAPs, the
 * addresses and the traffic exist only there and vanish with the process.
 * Nothing is ever sent to an address outside it.  The peers are the
 * Linux stack itself: an AF_PACKET socket bound to the TAP (sees what the
 * backend transmits, injects what the backend must receive) and UDP
 * sockets on an address of the TAP's subnet with a static neighbour.
 *
 * Covered: ENXIO / EBUSY / ENOTSUP on open, create vs attach (removed on
 * close unless persistent), byte-identical TX and RX, UDP both ways,
 * truncation, bad lengths, link down, two queues, the device deleted
 * under an open backend, MTU / MAC / ifindex / rename, RX discard,
 * readiness through the daemon's event loop.
 *
 * Exits 77 (skip) when /dev/net/tun or network namespaces are unusable.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "../../backend/backend.h"
#include "../../cuse-dev/evloop.h"

#define TT_FRAME_MAX 2048
#define TT_WAIT_MS 2000
#define TT_ETHERTYPE 0x88b5 /* IEEE local experimental */

static uint8_t tt_rxbuf[64][TT_FRAME_MAX];

/* ---- the namespace and its interfaces ---------------------------- */

static void
tt_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return; /* no IPv6: nothing to quiet */
	if (write(fd, val, strlen(val)) < 0)
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
	close(fd);
}

/* Called first in every test: a private, quiet network namespace. */
static void
tt_netns(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s",
		      strerror(errno));
	/* no router solicitations or MLD reports among the test frames */
	tt_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	tt_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
}

static int
tt_ctl(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(s, 0);
	return s;
}

static struct ifreq
tt_ifr(const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	return ifr;
}

static void
tt_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = tt_ctl();

	ck_assert_msg(ioctl(s, req, ifr) == 0, "ioctl %lx on %s: %s", req,
		      ifr->ifr_name, strerror(errno));
	close(s);
}

static void
tt_link_set(const char *name, int up)
{
	struct ifreq ifr = tt_ifr(name);

	tt_ioctl(SIOCGIFFLAGS, &ifr);
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	tt_ioctl(SIOCSIFFLAGS, &ifr);
}

/* A tun file made the way an administrator's tool would; its fd. */
static int
tt_raw_tun(const char *name, short flags)
{
	struct ifreq ifr = tt_ifr(name);
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ifr.ifr_flags = flags;
	ck_assert_msg(ioctl(fd, TUNSETIFF, &ifr) == 0, "TUNSETIFF %s: %s", name,
		      strerror(errno));
	return fd;
}

/* ip tuntap add mode tap NAME (persistent, nobody attached). */
static void
tt_persistent_tap(const char *name, short extra)
{
	int fd = tt_raw_tun(name, IFF_TAP | IFF_NO_PI | extra);

	ck_assert_int_eq(ioctl(fd, TUNSETPERSIST, 1), 0);
	close(fd);
}

/* ip link del NAME, through rtnetlink. */
static int
tt_del_link(const char *name)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
	    .nh = {.nlmsg_len = sizeof(req),
		   .nlmsg_type = RTM_DELLINK,
		   .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK},
	    .ifi = {.ifi_family = AF_UNSPEC,
		    .ifi_index = (int)if_nametoindex(name)},
	};
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(send(fd, &req, sizeof(req), 0), (int)sizeof(req));
	ck_assert_int_ge(recv(fd, &ack, sizeof(ack), 0), (int)sizeof(ack));
	close(fd);
	ck_assert_int_eq(ack.nh.nlmsg_type, NLMSG_ERROR);
	return ack.err.error;
}

static int
tt_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

/* ---- backend helpers --------------------------------------------- */

static int
tt_open_cfg(struct sk_backend **bp, const char *name, unsigned queues,
	    unsigned flags)
{
	struct sk_backend_cfg cfg = {
	    .bc_ifname = name,
	    .bc_queues = queues,
	    .bc_flags = flags,
	};

	*bp = NULL;
	return skb_open(&skb_tap_ops, bp, &cfg);
}

static struct sk_backend *
tt_open(const char *name, unsigned queues, unsigned flags)
{
	struct sk_backend *b;
	int err = tt_open_cfg(&b, name, queues, flags);

	ck_assert_msg(err == 0, "open %s: %s", name, strerror(-err));
	return b;
}

static int
tt_open_err(const char *name, unsigned queues, unsigned flags)
{
	struct sk_backend *b;
	int err = tt_open_cfg(&b, name, queues, flags);

	if (err == 0)
		skb_close(b);
	return err;
}

/* A created, up TAP with nothing else on it. */
static struct sk_backend *
tt_up(const char *name, unsigned queues)
{
	struct sk_backend *b = tt_open(name, queues, SKB_CFG_CREATE);

	tt_link_set(name, 1);
	return b;
}

static void
tt_fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t i;

	memset(p, 0xff, 6);
	p[6] = 0x02;
	for (i = 7; i < 12; i++)
		p[i] = (uint8_t)(seed + i);
	p[12] = TT_ETHERTYPE >> 8;
	p[13] = TT_ETHERTYPE & 0xff;
	for (i = 14; i < len; i++)
		p[i] = (uint8_t)(seed * 7 + i);
}

static void
tt_rxframes(struct sk_frame *fr, unsigned n, uint32_t cap)
{
	for (unsigned i = 0; i < n; i++) {
		fr[i].fr_buf = tt_rxbuf[i];
		fr[i].fr_len = 0;
		fr[i].fr_cap = cap;
	}
}

static int
tt_wait_fd(int fd, short events, int ms)
{
	struct pollfd p = {.fd = fd, .events = events};

	return poll(&p, 1, ms) > 0 ? p.revents : 0;
}

/* RX on queue q until want frames arrived or the wait is over. */
static unsigned
tt_rx_wait(struct sk_backend *b, unsigned q, struct sk_frame *fr, unsigned want)
{
	unsigned got = 0, spins = 0;
	int r;

	while (got < want && spins++ < 200) {
		if (!tt_wait_fd(skb_queue_fd(b, q), POLLIN, TT_WAIT_MS / 200))
			continue;
		r = skb_rx_batch(b, q, &fr[got], want - got);
		ck_assert_int_ge(r, 0);
		got += (unsigned)r;
	}
	return got;
}

static uint64_t
tt_drops(struct sk_backend *b, unsigned q, enum sk_backend_drop why)
{
	return skb_qstats(b, q)->qs_drops[why];
}

/* ---- the AF_PACKET peer ------------------------------------------ */

static int
tt_psock(const char *name)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ALL),
	    .sll_ifindex = (int)if_nametoindex(name),
	};
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return s;
}

/* Wait on the packet socket for a frame with our ethertype. */
static ssize_t
tt_psock_recv(int s, uint8_t *buf, size_t cap)
{
	ssize_t r;

	while (tt_wait_fd(s, POLLIN, TT_WAIT_MS)) {
		r = recv(s, buf, cap, MSG_DONTWAIT);
		if (r >= 14 && buf[12] == (TT_ETHERTYPE >> 8) &&
		    buf[13] == (TT_ETHERTYPE & 0xff))
			return r;
	}
	return -1;
}

/* ---- tests: open semantics --------------------------------------- */

START_TEST(test_missing_name_enxio)
{
	tt_netns();
	ck_assert_int_eq(tt_open_err("sktnone", 1, 0), -ENXIO);
	ck_assert_int_eq(tt_open_err("sktnone", 2, SKB_CFG_PERSIST), -ENXIO);
	ck_assert(!tt_exists("sktnone"));
}
END_TEST

START_TEST(test_bad_cfg)
{
	struct sk_backend *b;

	tt_netns();
	ck_assert_int_eq(skb_open(&skb_tap_ops, &b, NULL), -EINVAL);
	ck_assert_int_eq(tt_open_err("", 1, SKB_CFG_CREATE), -EINVAL);
	ck_assert_int_eq(tt_open_err("tap%d", 1, SKB_CFG_CREATE), -EINVAL);
	ck_assert_int_eq(tt_open_err("0123456789abcdef", 1, SKB_CFG_CREATE),
			 -EINVAL);
	ck_assert_int_eq(
	    tt_open_err("skt0", SKB_QUEUES_MAX + 1, SKB_CFG_CREATE), -EINVAL);
	ck_assert_int_eq(tt_open_err("skt0", 1, 0x100), -EINVAL);
	ck_assert(!tt_exists("skt0"));
}
END_TEST

START_TEST(test_create_removed_on_close)
{
	struct sk_backend *b;

	tt_netns();
	b = tt_open("skt0", 0, SKB_CFG_CREATE);
	ck_assert_uint_eq(b->b_nqueues, 1);
	ck_assert(b->b_state & SKB_STATE_CREATED);
	ck_assert(tt_exists("skt0"));
	ck_assert_int_eq(skb_ifindex(b), (int)if_nametoindex("skt0"));
	skb_close(b);
	ck_assert(!tt_exists("skt0"));
}
END_TEST

START_TEST(test_create_persist)
{
	struct sk_backend *b;

	tt_netns();
	b = tt_open("skt0", 1, SKB_CFG_CREATE | SKB_CFG_PERSIST);
	skb_close(b);
	ck_assert(tt_exists("skt0"));
	b = tt_open("skt0", 1, 0);
	ck_assert(!(b->b_state & SKB_STATE_CREATED));
	skb_close(b);
	ck_assert(tt_exists("skt0"));
}
END_TEST

/* A create that fails half-way (MTU refused) leaves no device behind. */
START_TEST(test_failed_create_leaves_nothing)
{
	struct sk_backend_cfg cfg = {
	    .bc_ifname = "skt0",
	    .bc_queues = 2,
	    .bc_flags = SKB_CFG_CREATE | SKB_CFG_PERSIST,
	    .bc_mtu = 1, /* below Ethernet's minimum */
	};
	struct sk_backend *b = NULL;

	tt_netns();
	ck_assert_int_eq(skb_open(&skb_tap_ops, &b, &cfg), -EINVAL);
	ck_assert_ptr_null(b);
	ck_assert(!tt_exists("skt0"));
}
END_TEST

/* An administrator's persistent TAP: attached, used, left in place. */
START_TEST(test_attach_existing_persistent)
{
	struct sk_backend *b;

	tt_netns();
	tt_persistent_tap("skt1", 0);
	b = tt_open("skt1", 1, 0);
	ck_assert(!(b->b_state & SKB_STATE_CREATED));
	skb_close(b);
	ck_assert(tt_exists("skt1"));
	/* CREATE on an existing name attaches, and still leaves it */
	b = tt_open("skt1", 1, SKB_CFG_CREATE);
	ck_assert(!(b->b_state & SKB_STATE_CREATED));
	skb_close(b);
	ck_assert(tt_exists("skt1"));
}
END_TEST

/*
 * A multi-queue TAP would let tun attach more files: the -EBUSY comes
 * from the backend's own bookkeeping (the netif "already attached").
 */
START_TEST(test_second_attach_ebusy)
{
	struct sk_backend *b;

	tt_netns();
	b = tt_open("skt0", 2, SKB_CFG_CREATE);
	ck_assert_int_eq(tt_open_err("skt0", 2, 0), -EBUSY);
	ck_assert_int_eq(tt_open_err("skt0", 1, SKB_CFG_CREATE), -EBUSY);
	skb_close(b);
	ck_assert_int_eq(tt_open_err("skt0", 2, SKB_CFG_CREATE), 0);
}
END_TEST

/* Someone else holds a single-queue TAP: tun itself says busy. */
START_TEST(test_foreign_holder_ebusy)
{
	int fd;

	tt_netns();
	fd = tt_raw_tun("skt2", IFF_TAP | IFF_NO_PI);
	ck_assert_int_eq(tt_open_err("skt2", 1, 0), -EBUSY);
	close(fd);
}
END_TEST

START_TEST(test_not_a_tap_enotsup)
{
	int fd;

	tt_netns();
	ck_assert_int_eq(tt_open_err("lo", 1, 0), -ENOTSUP);
	ck_assert_int_eq(tt_open_err("lo", 1, SKB_CFG_CREATE), -ENOTSUP);
	fd = tt_raw_tun("sktun", IFF_TUN | IFF_NO_PI);
	ck_assert_int_eq(ioctl(fd, TUNSETPERSIST, 1), 0);
	close(fd);
	ck_assert_int_eq(tt_open_err("sktun", 1, 0), -ENOTSUP);
}
END_TEST

/* ---- tests: traffic ---------------------------------------------- */

START_TEST(test_tx_seen_by_af_packet)
{
	static const uint32_t lens[] = {14, 60, 1514};
	uint8_t buf[3][TT_FRAME_MAX], got[TT_FRAME_MAX];
	struct sk_frame tx[3];
	struct sk_backend *b;
	uint64_t bytes = 0;
	int ps;

	tt_netns();
	b = tt_up("skt0", 1);
	ps = tt_psock("skt0");
	for (unsigned i = 0; i < 3; i++) {
		tt_fill(buf[i], lens[i], i + 1);
		tx[i] = (struct sk_frame){buf[i], lens[i], TT_FRAME_MAX};
		bytes += lens[i];
	}
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 3), 3);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_int_eq(tt_psock_recv(ps, got, sizeof(got)),
				 (int)lens[i]);
		ck_assert_mem_eq(got, buf[i], lens[i]);
	}
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_packets, 3);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_bytes, bytes);
	close(ps);
	skb_close(b);
}
END_TEST

START_TEST(test_rx_from_af_packet)
{
	static const uint32_t lens[] = {60, 61, 1514};
	uint8_t buf[3][TT_FRAME_MAX];
	struct sk_frame rx[3];
	struct sk_backend *b;
	int ps;

	tt_netns();
	b = tt_up("skt0", 1);
	ps = tt_psock("skt0");
	for (unsigned i = 0; i < 3; i++) {
		tt_fill(buf[i], lens[i], i + 9);
		ck_assert_int_eq(send(ps, buf[i], lens[i], 0), (int)lens[i]);
	}
	tt_rxframes(rx, 3, TT_FRAME_MAX);
	ck_assert_uint_eq(tt_rx_wait(b, 0, rx, 3), 3);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(rx[i].fr_len, lens[i]);
		ck_assert_mem_eq(rx[i].fr_buf, buf[i], lens[i]);
	}
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_rx_packets, 3);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_rx_bytes, 60 + 61 + 1514);
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 3), 0);
	close(ps);
	skb_close(b);
}
END_TEST

#define TT_HOST_IP "10.77.0.1" /* Linux's address on the TAP */
#define TT_PEER_IP "10.77.0.2" /* the "wire" side, our frames */

static const uint8_t tt_peer_mac[6] = {0x02, 0, 0, 0x77, 0, 0x02};

static struct sockaddr_in
tt_sin(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port)};

	ck_assert_int_eq(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	return sin;
}

/* 10.77.0.1/24 on the TAP and a static neighbour for 10.77.0.2. */
static void
tt_ipv4_setup(const char *name)
{
	struct sockaddr_in sin = tt_sin(TT_HOST_IP, 0);
	struct ifreq ifr = tt_ifr(name);
	struct arpreq ar;
	int s = tt_ctl();

	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	tt_ioctl(SIOCSIFADDR, &ifr);
	sin = tt_sin("255.255.255.0", 0);
	memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
	tt_ioctl(SIOCSIFNETMASK, &ifr);
	memset(&ar, 0, sizeof(ar));
	sin = tt_sin(TT_PEER_IP, 0);
	memcpy(&ar.arp_pa, &sin, sizeof(sin));
	ar.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(ar.arp_ha.sa_data, tt_peer_mac, 6);
	ar.arp_flags = ATF_COM | ATF_PERM;
	strncpy(ar.arp_dev, name, sizeof(ar.arp_dev) - 1);
	ck_assert_msg(ioctl(s, SIOCSARP, &ar) == 0, "SIOCSARP: %s",
		      strerror(errno));
	close(s);
}

static uint16_t
tt_ip_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + IPv4 + UDP (checksum 0: none) from the peer to Linux. */
static uint32_t
tt_udp_frame(uint8_t *p, const uint8_t *dst_mac, const char *msg)
{
	uint16_t plen = (uint16_t)strlen(msg), iplen = 20 + 8 + plen;
	struct sockaddr_in src = tt_sin(TT_PEER_IP, 5555);
	struct sockaddr_in dst = tt_sin(TT_HOST_IP, 9998);
	uint8_t *ip = p + 14, *udp = ip + 20;
	uint16_t ck;

	memcpy(p, dst_mac, 6);
	memcpy(p + 6, tt_peer_mac, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &src.sin_addr, 4);
	memcpy(ip + 16, &dst.sin_addr, 4);
	ck = tt_ip_cksum(ip, 20);
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
	memcpy(udp, &src.sin_port, 2);
	memcpy(udp + 2, &dst.sin_port, 2);
	udp[4] = (uint8_t)((8 + plen) >> 8);
	udp[5] = (uint8_t)(8 + plen);
	udp[6] = udp[7] = 0;
	memcpy(udp + 8, msg, plen);
	return 14u + iplen;
}

static int
tt_udp_sock(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = tt_sin(ip, port);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return s;
}

/* A UDP datagram Linux sends to the neighbour leaves through the TAP. */
START_TEST(test_udp_linux_to_backend)
{
	static const char msg[] = "skchan-udp-out";
	struct sockaddr_in to;
	struct sk_frame rx[8];
	struct sk_backend *b;
	uint8_t mac[6];
	const uint8_t *f;
	unsigned n, i;
	int s;

	tt_netns();
	b = tt_up("skt0", 1);
	tt_ipv4_setup("skt0");
	ck_assert_int_eq(skb_hwaddr(b, mac), 0);
	s = tt_udp_sock(TT_HOST_IP, 0);
	to = tt_sin(TT_PEER_IP, 9999);
	ck_assert_int_eq(
	    sendto(s, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)),
	    (int)sizeof(msg));
	tt_rxframes(rx, 8, TT_FRAME_MAX);
	n = tt_rx_wait(b, 0, rx, 1);
	ck_assert_uint_eq(n, 1);
	for (i = 0; i < n; i++) {
		f = rx[i].fr_buf;
		ck_assert_mem_eq(f, tt_peer_mac, 6);
		ck_assert_mem_eq(f + 6, mac, 6);
		ck_assert_uint_eq(f[12] << 8 | f[13], 0x0800);
		ck_assert_uint_eq(f[14 + 9], IPPROTO_UDP);
		ck_assert_uint_eq(f[14 + 20 + 2] << 8 | f[14 + 20 + 3], 9999);
		ck_assert_uint_eq(rx[i].fr_len, 14 + 20 + 8 + sizeof(msg));
		ck_assert_mem_eq(f + 14 + 28, msg, sizeof(msg));
	}
	close(s);
	skb_close(b);
}
END_TEST

/* A UDP frame the backend transmits reaches a Linux socket. */
START_TEST(test_udp_backend_to_linux)
{
	static const char msg[] = "skchan-udp-in";
	uint8_t frame[128], mac[6], got[64];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	struct sk_frame tx;
	struct sk_backend *b;
	int s;

	tt_netns();
	b = tt_up("skt0", 1);
	tt_ipv4_setup("skt0");
	ck_assert_int_eq(skb_hwaddr(b, mac), 0);
	s = tt_udp_sock(TT_HOST_IP, 9998);
	tx = (struct sk_frame){frame, tt_udp_frame(frame, mac, msg),
			       sizeof(frame)};
	ck_assert_int_eq(skb_tx_batch(b, 0, &tx, 1), 1);
	ck_assert(tt_wait_fd(s, POLLIN, TT_WAIT_MS) & POLLIN);
	ck_assert_int_eq(recvfrom(s, got, sizeof(got), MSG_DONTWAIT,
				  (struct sockaddr *)&from, &flen),
			 (int)strlen(msg));
	ck_assert_mem_eq(got, msg, strlen(msg));
	ck_assert_uint_eq(ntohs(from.sin_port), 5555);
	ck_assert_uint_eq(from.sin_addr.s_addr,
			  tt_sin(TT_PEER_IP, 0).sin_addr.s_addr);
	close(s);
	skb_close(b);
}
END_TEST

START_TEST(test_truncated_dropped_and_counted)
{
	uint8_t big[1000], fit[100], small[60];
	struct sk_frame rx[2];
	struct sk_backend *b;
	int ps;

	tt_netns();
	b = tt_up("skt0", 1);
	ps = tt_psock("skt0");
	tt_fill(big, sizeof(big), 1);
	tt_fill(fit, sizeof(fit), 2);
	tt_fill(small, sizeof(small), 3);
	ck_assert_int_eq(send(ps, big, sizeof(big), 0), (int)sizeof(big));
	ck_assert_int_eq(send(ps, fit, sizeof(fit), 0), (int)sizeof(fit));
	ck_assert_int_eq(send(ps, small, sizeof(small), 0), (int)sizeof(small));
	tt_rxframes(rx, 2, 100);
	/* the 100-byte frame fits exactly; the 1000-byte one does not */
	ck_assert_uint_eq(tt_rx_wait(b, 0, rx, 2), 2);
	ck_assert_uint_eq(rx[0].fr_len, 100);
	ck_assert_mem_eq(rx[0].fr_buf, fit, 100);
	ck_assert_uint_eq(rx[1].fr_len, 60);
	ck_assert_mem_eq(rx[1].fr_buf, small, 60);
	ck_assert_uint_eq(tt_drops(b, 0, SKB_DROP_TRUNCATED), 1);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_rx_packets, 2);
	close(ps);
	skb_close(b);
}
END_TEST

START_TEST(test_tx_bad_length)
{
	uint8_t buf[64];
	struct sk_frame tx[3] = {
	    {buf, 13, sizeof(buf)},
	    {buf, 65, sizeof(buf)},
	    {buf, 60, sizeof(buf)},
	};
	struct sk_backend *b;

	tt_netns();
	b = tt_up("skt0", 1);
	tt_fill(buf, sizeof(buf), 3);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 3), 3);
	ck_assert_uint_eq(tt_drops(b, 0, SKB_DROP_BADLEN), 2);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_packets, 1);
	skb_close(b);
}
END_TEST

START_TEST(test_link_down)
{
	uint8_t buf[60];
	struct sk_frame tx[2] = {{buf, 60, 60}, {buf, 60, 60}};
	struct sk_backend *b;

	tt_netns();
	b = tt_open("skt0", 1, SKB_CFG_CREATE);
	tt_fill(buf, sizeof(buf), 4);
	ck_assert_int_eq(skb_link_state(b) & SKB_LINK_UP, 0);
	/* tun refuses writes while down: consumed, counted */
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 2), 2);
	ck_assert_uint_eq(tt_drops(b, 0, SKB_DROP_LINK_DOWN), 2);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_packets, 0);
	tt_link_set("skt0", 1);
	ck_assert_int_eq(skb_link_state(b), SKB_LINK_UP | SKB_LINK_RUNNING);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 2), 2);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_packets, 2);
	tt_link_set("skt0", 0);
	ck_assert_int_eq(skb_link_state(b) & SKB_LINK_UP, 0);
	skb_close(b);
}
END_TEST

START_TEST(test_rx_discard)
{
	uint8_t buf[200];
	struct sk_frame rx[3];
	struct sk_backend *b;
	int ps;

	tt_netns();
	b = tt_up("skt0", 1);
	ps = tt_psock("skt0");
	for (unsigned i = 0; i < 3; i++) {
		tt_fill(buf, sizeof(buf), i);
		ck_assert_int_eq(send(ps, buf, sizeof(buf), 0),
				 (int)sizeof(buf));
	}
	ck_assert(tt_wait_fd(skb_queue_fd(b, 0), POLLIN, TT_WAIT_MS));
	ck_assert_int_eq(skb_rx_discard(b, 0, 2), 2);
	ck_assert_uint_eq(tt_drops(b, 0, SKB_DROP_RING_FULL), 2);
	tt_rxframes(rx, 3, TT_FRAME_MAX);
	ck_assert_uint_eq(tt_rx_wait(b, 0, rx, 1), 1);
	ck_assert_mem_eq(rx[0].fr_buf, buf, sizeof(buf));
	ck_assert_int_eq(skb_rx_discard(b, 0, 2), 0);
	ck_assert_int_eq(skb_rx_discard(b, 1, 2), -EINVAL);
	close(ps);
	skb_close(b);
}
END_TEST

/* ---- tests: two queues ------------------------------------------- */

START_TEST(test_two_queues)
{
	uint8_t buf[2][128], got[TT_FRAME_MAX], frame[128], mac[6];
	unsigned per_q[2] = {0, 0}, q, i;
	struct sk_frame tx, rx[64];
	struct sk_backend *b;
	struct ifreq ifr;
	int ps;

	tt_netns();
	b = tt_up("skt0", 2);
	ck_assert_uint_eq(b->b_nqueues, 2);
	ck_assert_int_ne(skb_queue_fd(b, 0), skb_queue_fd(b, 1));
	ck_assert_int_eq(skb_queue_fd(b, 2), -EINVAL);
	memset(&ifr, 0, sizeof(ifr));
	ck_assert_int_eq(ioctl(skb_queue_fd(b, 1), TUNGETIFF, &ifr), 0);
	ck_assert(ifr.ifr_flags & IFF_MULTI_QUEUE);
	ps = tt_psock("skt0");
	/* TX on each queue reaches Linux */
	for (q = 0; q < 2; q++) {
		tt_fill(buf[q], sizeof(buf[q]), 40 + q);
		tx = (struct sk_frame){buf[q], sizeof(buf[q]), sizeof(buf[q])};
		ck_assert_int_eq(skb_tx_batch(b, q, &tx, 1), 1);
		ck_assert_int_eq(tt_psock_recv(ps, got, sizeof(got)),
				 (int)sizeof(buf[q]));
		ck_assert_mem_eq(got, buf[q], sizeof(buf[q]));
		ck_assert_uint_eq(skb_qstats(b, q)->qs_tx_packets, 1);
	}
	/* RX: tun spreads flows over the queues by hash */
	ck_assert_int_eq(skb_hwaddr(b, mac), 0);
	for (i = 0; i < 64; i++) {
		uint32_t len = tt_udp_frame(frame, mac, "spread");

		frame[14 + 20 + 0] = (uint8_t)(i + 1); /* source port */
		ck_assert_int_eq(send(ps, frame, len, 0), (int)len);
	}
	usleep(50000);
	for (q = 0; q < 2; q++) {
		int r;

		tt_rxframes(rx, 64, TT_FRAME_MAX);
		while ((r = skb_rx_batch(b, q, rx, 64)) > 0)
			per_q[q] += (unsigned)r;
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(skb_qstats(b, q)->qs_rx_packets, per_q[q]);
	}
	ck_assert_uint_eq(per_q[0] + per_q[1], 64);
	ck_assert_msg(per_q[0] > 0 && per_q[1] > 0, "spread %u/%u", per_q[0],
		      per_q[1]);
	close(ps);
	skb_close(b);
	ck_assert(!tt_exists("skt0"));
}
END_TEST

/* An existing multi-queue TAP attached with one queue, and the reverse. */
START_TEST(test_queue_mode_of_existing)
{
	struct sk_backend *b;

	tt_netns();
	tt_persistent_tap("sktmq", IFF_MULTI_QUEUE);
	b = tt_open("sktmq", 1, 0);
	skb_close(b);
	b = tt_open("sktmq", 3, 0);
	skb_close(b);
	tt_persistent_tap("sktsq", 0);
	ck_assert_int_eq(tt_open_err("sktsq", 2, 0), -EINVAL);
	ck_assert(tt_exists("sktmq") && tt_exists("sktsq"));
}
END_TEST

/* ---- tests: the device vanishes ---------------------------------- */

static void
tt_check_gone(struct sk_backend *b)
{
	uint8_t buf[60], mac[6];
	struct sk_frame tx[2] = {{buf, 60, 60}, {buf, 60, 60}}, rx[2];
	uint32_t mtu;

	tt_fill(buf, sizeof(buf), 5);
	/* the event loop learns through EPOLLERR on the queue fd */
	ck_assert(tt_wait_fd(skb_queue_fd(b, 0), POLLIN, 0) & POLLERR);
	tt_rxframes(rx, 2, TT_FRAME_MAX);
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 2), -ENODEV);
	ck_assert(skb_gone(b));
	ck_assert_int_eq(skb_rx_discard(b, 0, 2), -ENODEV);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 2), 2);
	ck_assert_uint_eq(tt_drops(b, 0, SKB_DROP_GONE), 2);
	ck_assert_int_eq(skb_link_state(b), SKB_LINK_GONE);
	ck_assert_int_eq(skb_mtu(b, &mtu), -ENODEV);
	ck_assert_int_eq(skb_hwaddr(b, mac), -ENODEV);
	ck_assert_int_eq(skb_ifindex(b), -ENODEV);
}

START_TEST(test_deleted_under_open_backend)
{
	struct sk_backend *b;

	tt_netns();
	b = tt_up("skt0", 2);
	ck_assert_int_eq(tt_del_link("skt0"), 0);
	ck_assert(!tt_exists("skt0"));
	tt_check_gone(b);
	/* every queue shares the verdict */
	ck_assert(tt_wait_fd(skb_queue_fd(b, 1), POLLIN, 0) & POLLERR);
	ck_assert_int_eq(skb_rx_batch(b, 1, NULL, 0), -ENODEV);
	/* the name is free for a new device while the old one is open */
	ck_assert_int_eq(tt_open_err("skt0", 1, 0), -ENXIO);
	ck_assert_int_eq(tt_open_err("skt0", 2, SKB_CFG_CREATE), 0);
	skb_close(b);
	ck_assert(!tt_exists("skt0"));
}
END_TEST

/* The link state is the first thing to notice, before any traffic. */
START_TEST(test_deleted_persistent_seen_by_link_state)
{
	struct sk_backend *b;

	tt_netns();
	tt_persistent_tap("skt1", 0);
	b = tt_open("skt1", 1, 0);
	ck_assert_int_eq(tt_del_link("skt1"), 0);
	ck_assert_int_eq(skb_link_state(b), SKB_LINK_GONE);
	ck_assert(skb_gone(b));
	tt_check_gone(b);
	skb_close(b);
	ck_assert_int_eq(tt_open_err("skt1", 1, 0), -ENXIO);
}
END_TEST

/* ---- tests: properties ------------------------------------------- */

START_TEST(test_mtu_hwaddr_ifindex)
{
	struct sk_backend_cfg cfg = {
	    .bc_ifname = "skt0",
	    .bc_queues = 1,
	    .bc_flags = SKB_CFG_CREATE,
	    .bc_mtu = 9000,
	    .bc_hwaddr = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55},
	};
	struct ifreq ifr = tt_ifr("skt0");
	struct sk_backend *b;
	uint8_t mac[6];
	uint32_t mtu = 0;

	tt_netns();
	ck_assert_int_eq(skb_open(&skb_tap_ops, &b, &cfg), 0);
	ck_assert_int_eq(skb_mtu(b, &mtu), 0);
	ck_assert_uint_eq(mtu, 9000);
	ck_assert_int_eq(skb_hwaddr(b, mac), 0);
	ck_assert_mem_eq(mac, cfg.bc_hwaddr, 6);
	tt_ioctl(SIOCGIFHWADDR, &ifr);
	ck_assert_mem_eq(ifr.ifr_hwaddr.sa_data, mac, 6);
	ifr = tt_ifr("skt0");
	ifr.ifr_mtu = 1400;
	tt_ioctl(SIOCSIFMTU, &ifr);
	ck_assert_int_eq(skb_mtu(b, &mtu), 0);
	ck_assert_uint_eq(mtu, 1400);
	ck_assert_int_eq(skb_ifindex(b), (int)if_nametoindex("skt0"));
	skb_close(b);
	/* defaults: Linux's MTU and a random local unicast MAC */
	b = tt_open("skt0", 1, SKB_CFG_CREATE);
	ck_assert_int_eq(skb_mtu(b, &mtu), 0);
	ck_assert_uint_eq(mtu, 1500);
	ck_assert_int_eq(skb_hwaddr(b, mac), 0);
	ck_assert_uint_eq(mac[0] & 1, 0);
	skb_close(b);
}
END_TEST

/* A renamed interface keeps working: names are asked, not remembered. */
START_TEST(test_renamed_interface)
{
	struct ifreq ifr = tt_ifr("skt0");
	struct sk_backend *b;
	uint32_t mtu;
	int idx;

	tt_netns();
	b = tt_open("skt0", 1, SKB_CFG_CREATE);
	idx = skb_ifindex(b);
	strcpy(ifr.ifr_newname, "sktrenamed");
	tt_ioctl(SIOCSIFNAME, &ifr);
	tt_link_set("sktrenamed", 1);
	ck_assert_int_eq(skb_link_state(b), SKB_LINK_UP | SKB_LINK_RUNNING);
	ck_assert_int_eq(skb_mtu(b, &mtu), 0);
	ck_assert_int_eq(skb_ifindex(b), idx);
	/* still ours under its new name */
	ck_assert_int_eq(tt_open_err("sktrenamed", 1, 0), -EBUSY);
	skb_close(b);
	ck_assert(!tt_exists("sktrenamed"));
}
END_TEST

struct tt_evctx {
	struct sk_backend *ec_b;
	unsigned ec_got;
	uint32_t ec_events;
};

static void
tt_ev_rx(struct evl_watch *w, int fd, uint32_t events, void *arg)
{
	struct tt_evctx *ec = arg;
	struct sk_frame rx[8];
	int n;

	ec->ec_events |= events;
	tt_rxframes(rx, 8, TT_FRAME_MAX);
	n = skb_rx_batch(ec->ec_b, 0, rx, 8);
	if (n < 0)
		evl_del(w); /* gone: stop watching, as netif will */
	else
		ec->ec_got += (unsigned)n;
}

START_TEST(test_evloop_watch)
{
	struct tt_evctx ec = {NULL, 0, 0};
	struct evl_watch *w;
	uint8_t buf[60];
	struct evl *l;
	int ps, spins = 0;

	tt_netns();
	ec.ec_b = tt_up("skt0", 1);
	ps = tt_psock("skt0");
	l = evl_new();
	ck_assert_ptr_nonnull(l);
	w = evl_add(l, skb_queue_fd(ec.ec_b, 0), EPOLLIN, tt_ev_rx, &ec);
	ck_assert_ptr_nonnull(w);
	tt_fill(buf, sizeof(buf), 6);
	ck_assert_int_eq(send(ps, buf, sizeof(buf), 0), (int)sizeof(buf));
	while (ec.ec_got < 1 && spins++ < 20)
		evl_run_once(l, 100);
	ck_assert_uint_eq(ec.ec_got, 1);
	/* deletion wakes the loop; the callback unhooks the watch */
	ck_assert_int_eq(tt_del_link("skt0"), 0);
	ck_assert_int_eq(evl_run_once(l, 1000), 1);
	ck_assert(ec.ec_events & EPOLLERR);
	ck_assert_uint_eq(evl_count(l), 0);
	evl_free(l);
	close(ps);
	skb_close(ec.ec_b);
}
END_TEST

/* ---- runner ------------------------------------------------------ */

static void
tt_skip_exit(const char *what, int err)
{
	printf("skip: %s: %s (needs root, TUN and network namespaces)\n", what,
	       strerror(err));
	fflush(stdout);
	_exit(77);
}

/* Can this process make a TAP in a namespace of its own?  In a child. */
static int
tt_probe(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (unshare(CLONE_NEWNET) != 0)
			tt_skip_exit("unshare(CLONE_NEWNET)", errno);
		if (access("/dev/net/tun", R_OK | W_OK) != 0)
			tt_skip_exit("/dev/net/tun", errno);
		st = tt_open_err("sktprobe", 1, SKB_CFG_CREATE);
		if (st != 0)
			tt_skip_exit("creating a TAP in a private namespace",
				     -st);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		printf("skip: the probe process failed\n");
		return 77;
	}
	return WEXITSTATUS(st) == 0 ? 0 : 77;
}

static Suite *
tap_suite(void)
{
	Suite *s = suite_create("tap");
	TCase *tc = tcase_create("tap");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_missing_name_enxio);
	tcase_add_test(tc, test_bad_cfg);
	tcase_add_test(tc, test_create_removed_on_close);
	tcase_add_test(tc, test_create_persist);
	tcase_add_test(tc, test_failed_create_leaves_nothing);
	tcase_add_test(tc, test_attach_existing_persistent);
	tcase_add_test(tc, test_second_attach_ebusy);
	tcase_add_test(tc, test_foreign_holder_ebusy);
	tcase_add_test(tc, test_not_a_tap_enotsup);
	tcase_add_test(tc, test_tx_seen_by_af_packet);
	tcase_add_test(tc, test_rx_from_af_packet);
	tcase_add_test(tc, test_udp_linux_to_backend);
	tcase_add_test(tc, test_udp_backend_to_linux);
	tcase_add_test(tc, test_truncated_dropped_and_counted);
	tcase_add_test(tc, test_tx_bad_length);
	tcase_add_test(tc, test_link_down);
	tcase_add_test(tc, test_rx_discard);
	tcase_add_test(tc, test_two_queues);
	tcase_add_test(tc, test_queue_mode_of_existing);
	tcase_add_test(tc, test_deleted_under_open_backend);
	tcase_add_test(tc, test_deleted_persistent_seen_by_link_state);
	tcase_add_test(tc, test_mtu_hwaddr_ifindex);
	tcase_add_test(tc, test_renamed_interface);
	tcase_add_test(tc, test_evloop_watch);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	fflush(stdout);
	if (tt_probe() != 0)
		return 77;
	if (getenv("CK_FORK") != NULL && strcmp(getenv("CK_FORK"), "no") == 0) {
		/* each test moves into a namespace of its own: needs a fork */
		printf("skip: CK_FORK=no; this suite needs fork mode\n");
		return 77;
	}
	sr = srunner_create(tap_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
