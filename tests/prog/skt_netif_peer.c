/*
 * skt_netif_peer - the Linux side of a netif test: the "wire" behind a
 * TAP, seen from the network namespace the TAP lives in.  Not a Skywalk
 * program: plain AF_PACKET and a pcap reader.
 *
 *   skt_netif_peer send IFNAME N [GAP_US]   send frames 'w' 0..N-1
 *   skt_netif_peer recv IFNAME N [SECS]     print "ready", then take
 *                                           frames 'c' 0..N-1 (each once,
 *                                           byte for byte; others ignored)
 *   skt_netif_peer pcap FILE N              a tcpdump -w capture holds
 *                                           frames 'c' 0..N-1 exactly
 *   skt_netif_peer udp IPV4 PORT SECS       flood: 64-byte datagrams as
 *                                           fast as the stack takes them;
 *                                           prints sent=N (accepted ones)
 *
 * Frames: skt_netif.h.  Exit 0 when every frame is right, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "skt_netif.h"

static const char *pr_prog = "skt_netif_peer";

__attribute__((format(printf, 1, 2), noreturn))
static void pr_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: FAIL: ", pr_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/*
 * The channel sends as fast as the TAP takes frames; a receiver that is
 * descheduled on a loaded machine must not lose them in its own socket
 * (that would blame the daemon for the test's queue).  Room for every
 * frame a test sends, and the socket's own drop count on failure.
 */
static void pr_rcvbuf(int s)
{
	int sz = 16 << 20;

	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

static unsigned pr_sock_drops(int s)
{
	struct tpacket_stats st;
	socklen_t l = sizeof(st);

	if (getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &l) != 0)
		return 0;
	return st.tp_drops;
}

static int pr_socket(const char *ifname)
{
	struct sockaddr_ll sll;
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	if (s < 0)
		pr_die("AF_PACKET socket: %s", strerror(errno));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (sll.sll_ifindex == 0)
		pr_die("no interface %s", ifname);
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		pr_die("bind to %s: %s", ifname, strerror(errno));
	pr_rcvbuf(s);
	return s;
}

static int pr_send(const char *ifname, uint32_t n, unsigned gap_us)
{
	uint8_t f[SKT_NF_MAX];
	int s = pr_socket(ifname);
	uint32_t seq, len;

	for (seq = 0; seq < n; seq++) {
		len = skt_nf_fill(f, 'w', seq);
		while (send(s, f, len, 0) != (ssize_t)len) {
			if (errno != ENOBUFS && errno != EAGAIN)
				pr_die("send frame %u: %s", seq,
				    strerror(errno));
			usleep(1000);
		}
		if (gap_us != 0)
			usleep(gap_us);
	}
	printf("%s: sent %u frames on %s\n", pr_prog, n, ifname);
	return 0;
}

/* One received or captured frame: ours?  right?  new? */
static void pr_take(const uint8_t *p, uint32_t len, uint32_t n,
    uint8_t *seen, uint32_t *got)
{
	uint32_t seq, bad;

	if (!skt_nf_ours(p, len, 'c', &seq))
		return;
	if (seq >= n)
		pr_die("frame %u: beyond the %u expected", seq, n);
	bad = skt_nf_check(p, len, 'c', seq);
	if (bad != 0)
		pr_die("frame %u (len %u, want %u): differs at byte %u", seq,
		    len, skt_nf_len(seq), bad - 1);
	if (seen[seq])
		pr_die("frame %u seen twice", seq);
	seen[seq] = 1;
	(*got)++;
}

static int pr_recv(const char *ifname, uint32_t n, unsigned secs)
{
	uint8_t f[65536], *seen = calloc(n ? n : 1, 1);
	int s = pr_socket(ifname);
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	time_t end = time(NULL) + secs;
	uint32_t got = 0;
	ssize_t len;

	if (seen == NULL)
		pr_die("out of memory");
	printf("%s: ready\n", pr_prog);
	fflush(stdout);
	while (got < n) {
		if (time(NULL) > end)
			pr_die("got %u of %u frames in %us (socket dropped %u)",
			    got, n, secs, pr_sock_drops(s));
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		len = recv(s, f, sizeof(f), MSG_DONTWAIT);
		if (len > 0)
			pr_take(f, (uint32_t)len, n, seen, &got);
	}
	printf("%s: received %u frames intact on %s\n", pr_prog, n, ifname);
	free(seen);
	return 0;
}

/* ---- pcap (the classic format tcpdump -w writes) -------------------------- */

static uint32_t pr_u32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static int pr_pcap(const char *path, uint32_t n)
{
	uint8_t hdr[24], rec[16], f[65536], *seen = calloc(n ? n : 1, 1);
	FILE *fp = fopen(path, "rb");
	uint32_t magic, incl, orig, got = 0, frames = 0;
	int swap;

	if (fp == NULL || seen == NULL || fread(hdr, 1, 24, fp) != 24)
		pr_die("%s: not a readable capture", path);
	memcpy(&magic, hdr, 4);
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d)
		pr_die("%s: not a pcap file (magic %08x)", path, magic);
	while (fread(rec, 1, 16, fp) == 16) {
		incl = pr_u32(rec + 8, swap);
		orig = pr_u32(rec + 12, swap);
		if (incl > sizeof(f) || fread(f, 1, incl, fp) != incl)
			pr_die("%s: truncated record", path);
		if (incl != orig)
			pr_die("%s: capture cut frames (snaplen)", path);
		frames++;
		pr_take(f, incl, n, seen, &got);
	}
	fclose(fp);
	if (got != n) {
		for (incl = 0; incl < n && seen[incl]; incl++)
			;
		pr_die("%s: %u of %u frames captured (first missing: %u)",
		    path, got, n, incl);
	}
	printf("%s: capture holds all %u frames byte for byte (%u records)\n",
	    pr_prog, n, frames);
	free(seen);
	return 0;
}

static int pr_udp(const char *ip, unsigned port, unsigned secs)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port) };
	uint8_t payload[64];
	uint64_t sent = 0, refused = 0;
	time_t end = time(NULL) + secs;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned i;

	if (s < 0 || inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		pr_die("udp socket to %s", ip);
	memset(payload, 0x5a, sizeof(payload));
	while (time(NULL) < end) {
		for (i = 0; i < 256; i++) {
			if (sendto(s, payload, sizeof(payload), MSG_DONTWAIT,
			    (struct sockaddr *)&sin, sizeof(sin)) > 0)
				sent++;
			else
				refused++;
		}
	}
	close(s);
	printf("sent=%llu refused=%llu\n", (unsigned long long)sent,
	    (unsigned long long)refused);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && strcmp(argv[1], "send") == 0)
		return pr_send(argv[2], (uint32_t)strtoul(argv[3], NULL, 0),
		    argc > 4 ? (unsigned)strtoul(argv[4], NULL, 0) : 0);
	if (argc >= 4 && strcmp(argv[1], "recv") == 0)
		return pr_recv(argv[2], (uint32_t)strtoul(argv[3], NULL, 0),
		    argc > 4 ? (unsigned)strtoul(argv[4], NULL, 0) : 20);
	if (argc == 5 && strcmp(argv[1], "udp") == 0)
		return pr_udp(argv[2], (unsigned)strtoul(argv[3], NULL, 0),
		    (unsigned)strtoul(argv[4], NULL, 0));
	if (argc == 4 && strcmp(argv[1], "pcap") == 0)
		return pr_pcap(argv[2], (uint32_t)strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: %s send|recv IFNAME N [..] | pcap FILE N\n",
	    pr_prog);
	return 2;
}
