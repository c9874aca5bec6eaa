/*
 * bench_tap_raw.h - the raw TAP measurements bench-tap and bench-netif
 * share: one write() per frame on a tun file, one read() per frame, and
 * an AF_PACKET sender that puts frames on a TAP's Linux side.
 *
 * Theory of operation.  A raw TAP number is only a baseline if it is
 * measured exactly as the path it is compared with is fed and counted,
 * so both benchmarks take these few functions from one place instead of
 * keeping two copies that drift apart.  Header-only (static functions):
 * every tool is one .c file built on its own (Makefile: tools/%.c).
 *
 * The frames (btr_fill) carry a foreign unicast destination and an
 * experimental ethertype: whatever Linux receives from the TAP it drops
 * at once, so a TX measurement costs the tun write and nothing more,
 * and nothing leaves the namespace the tools run in.
 *
 * The sender (btr_psock) is an AF_PACKET socket of protocol 0 (it
 * receives nothing, so it adds no packet-tap clone to frames other rows
 * write) with PACKET_QDISC_BYPASS: its frames go straight into the
 * TAP's queue (tun's ring, txqueuelen frames), where tun counts what
 * overflows in the interface's tx_dropped.
 *
 * Time: each caller picks its clock (the measuring thread's CPU time
 * gives a per-core rate; wall-clock time a throughput).
 */
#ifndef SKCHAN_TOOLS_BENCH_TAP_RAW_H
#define SKCHAN_TOOLS_BENCH_TAP_RAW_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define BTR_FRAME_MAX 2048 /* read buffer; frames stay below */
#define BTR_WRITE_CHUNK 1024 /* writes between two clock reads */

static inline double
btr_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void
btr_die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		strerror(err));
	exit(1);
}

/* Best effort: a missing knob (no IPv6 in this kernel) is no error. */
static inline void
btr_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0)
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name,
			path, strerror(errno));
	close(fd);
}

/* Foreign unicast destination, experimental ethertype: Linux drops it. */
static inline void
btr_fill(uint8_t *p, uint32_t len)
{
	static const uint8_t hdr[14] = {0x02, 0xbe, 0xef, 0, 0, 1,    0x02,
					0xbe, 0xef, 0,	  0, 2, 0x88, 0xb5};

	memcpy(p, hdr, sizeof(hdr));
	memset(p + sizeof(hdr), 0x5a, len - sizeof(hdr));
}

static inline void
btr_ifreq(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
}

static inline void
btr_ifreq_set(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0 || ioctl(s, req, ifr) != 0)
		btr_die(ifr->ifr_name, errno);
	close(s);
}

/* Up, with a queue of qlen frames (tun resizes its ring to match). */
static inline void
btr_link_up(const char *name, int qlen)
{
	struct ifreq ifr;

	btr_ifreq(&ifr, name);
	ifr.ifr_qlen = qlen;
	btr_ifreq_set(SIOCSIFTXQLEN, &ifr);
	btr_ifreq(&ifr, name);
	btr_ifreq_set(SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	btr_ifreq_set(SIOCSIFFLAGS, &ifr);
}

/*
 * A TAP of our own, one queue, non-blocking; persist leaves the device
 * behind when the fd closes (for a daemon to attach), until
 * btr_tap_remove.
 */
static inline int
btr_tap_open(const char *name, int persist)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		btr_die("/dev/net/tun", errno);
	btr_ifreq(&ifr, name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) != 0)
		btr_die(name, errno);
	if (persist && ioctl(fd, TUNSETPERSIST, 1) != 0)
		btr_die("TUNSETPERSIST", errno);
	return fd;
}

/*
 * Undo persist: the device goes when its last file closes.  Best effort
 * (a tool's cleanup): a device still held elsewhere is only reported.
 */
static inline void
btr_tap_remove(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	btr_ifreq(&ifr, name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0 ||
	    ioctl(fd, TUNSETPERSIST, 0) != 0)
		fprintf(stderr, "%s: %s: cannot remove: %s\n",
			program_invocation_short_name, name, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* The AF_PACKET sender described on top. */
static inline int
btr_psock(const char *name)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_ifindex = (int)if_nametoindex(name)};
	int one = 1, s;

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		btr_die("AF_PACKET", errno);
	if (setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		btr_die("PACKET_QDISC_BYPASS", errno);
	return s;
}

/* One write() per frame for secs of clk: frames written, *tp seconds. */
static inline uint64_t
btr_raw_write_n(int fd, const uint8_t *frame, uint32_t len, double secs,
		clockid_t clk, double *tp)
{
	double t0 = btr_now(clk);
	uint64_t n = 0;

	do {
		for (unsigned i = 0; i < BTR_WRITE_CHUNK; i++)
			if (write(fd, frame, len) == (ssize_t)len)
				n++;
		*tp = btr_now(clk) - t0;
	} while (*tp < secs);
	return n;
}

/* The same, as frames per second. */
static inline double
btr_raw_write(int fd, const uint8_t *frame, uint32_t len, double secs,
	      clockid_t clk)
{
	double t;
	uint64_t n = btr_raw_write_n(fd, frame, len, secs, clk, &t);

	return (double)n / t;
}

/* Put up to count frames in the TAP's queue; how many went in. */
static inline unsigned
btr_fill_queue(int ps, const uint8_t *frame, uint32_t len, unsigned count)
{
	unsigned n = 0;

	while (n < count && send(ps, frame, len, 0) == (ssize_t)len)
		n++;
	return n;
}

/* One read() per frame until the (non-blocking) queue is empty. */
static inline unsigned
btr_drain_raw(int fd, uint8_t *buf)
{
	unsigned n = 0;

	while (read(fd, buf, BTR_FRAME_MAX) > 0)
		n++;
	return n;
}

#endif /* SKCHAN_TOOLS_BENCH_TAP_RAW_H */
