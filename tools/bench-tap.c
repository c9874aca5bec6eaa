/*
 * bench-tap.c - TAP baselines next to the backend's batch paths.
 *
 * A benchmark, not a test: it prints packets per second for 60-byte and
 * 1514-byte frames through
 *
 *   raw write()        one write() per frame on a tun file
 *   backend tx_batch   skb_tx_batch() (the netif TX path)
 *   raw read()         one read() per frame on a tun file
 *   backend rx_batch   skb_rx_batch() (the netif RX path)
 *   loop echo          skb_tx_batch + skb_rx_batch on the loop backend
 *
 * Everything happens in a private network namespace the tool creates
 * (unshare(CLONE_NEWNET)), on a TAP it creates there; frames go nowhere
 * else.  TX frames carry a foreign destination MAC and an experimental
 * ethertype, so Linux drops them at once: the cost measured is the tun
 * write.  RX is measured by filling the TAP's queue from an AF_PACKET
 * socket (qdisc bypassed), then timing only the drain.
 *
 * The backend is compiled into this program (the tool links only
 * libskywalk, like every tool), hence the #include of its sources.  The
 * raw rows come from bench_tap_raw.h, which bench-netif shares, so both
 * tools' baselines are the same code.
 * Rounds interleave the paths and each cell reports its best round.
 *
 * Time is the measuring thread's CPU time (user + system, which includes
 * the softirq work tun does in our write() context) unless -w asks for
 * wall-clock time: packets per CPU-second is the "per core" rate, and
 * it holds still on a machine other jobs are loading.
 *
 * Run as root.  Usage: bench-tap [-t seconds per cell] [-b batch]
 * [-r rounds] [-w]; defaults 0.5 s, 32, 3, CPU time.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>

#include "../backend/tap.c"
#include "../backend/loop.c"
#include "../cuse-dev/sk_log.c"
#include "bench_tap_raw.h"

#define BT_IFNAME "skbench0"
#define BT_QLEN 65536 /* TAP queue, frames: one RX fill */
#define BT_BATCH_MAX 256
#define BT_FRAME_MAX BTR_FRAME_MAX

struct bt_opts {
	double bo_secs;
	unsigned bo_batch;
	unsigned bo_rounds;
};

static uint8_t bt_frames[BT_BATCH_MAX][BT_FRAME_MAX];
static clockid_t bt_clock = CLOCK_THREAD_CPUTIME_ID;

static double
bt_now(void)
{
	return btr_now(bt_clock);
}

static struct sk_backend *
bt_open(const struct sk_backend_ops *ops, const char *name)
{
	struct sk_backend_cfg cfg = {
	    .bc_ifname = name, .bc_queues = 1, .bc_flags = SKB_CFG_CREATE};
	struct sk_backend *b;
	int err = skb_open(ops, &b, &cfg);

	if (err != 0)
		btr_die(name, -err);
	return b;
}

/* ---- TX --------------------------------------------------------- */

static double
bt_backend_tx(struct sk_backend *b, uint32_t len, unsigned batch, double secs)
{
	struct sk_frame fr[BT_BATCH_MAX];
	uint64_t before = b->b_qstats[0].qs_tx_packets;
	double t0 = bt_now(), t;

	for (unsigned i = 0; i < batch; i++)
		fr[i] = (struct sk_frame){bt_frames[i], len, BT_FRAME_MAX};
	do {
		for (unsigned i = 0; i < 64; i++)
			skb_tx_batch(b, 0, fr, batch);
		t = bt_now() - t0;
	} while (t < secs);
	return (double)(b->b_qstats[0].qs_tx_packets - before) / t;
}

/* ---- RX --------------------------------------------------------- */

typedef unsigned (*bt_drain_fn)(void *ctx, uint32_t len, unsigned batch);

static unsigned
bt_drain_raw(void *ctx, uint32_t len, unsigned batch)
{
	return btr_drain_raw(*(int *)ctx, bt_frames[0]);
}

static unsigned
bt_drain_backend(void *ctx, uint32_t len, unsigned batch)
{
	struct sk_backend *b = ctx;
	struct sk_frame fr[BT_BATCH_MAX];
	unsigned n = 0;
	int r;

	for (unsigned i = 0; i < batch; i++)
		fr[i] = (struct sk_frame){bt_frames[i], 0, BT_FRAME_MAX};
	while ((r = skb_rx_batch(b, 0, fr, batch)) > 0)
		n += (unsigned)r;
	return n;
}

/* Fill, drain, repeat until secs of draining: frames drained per second. */
static double
bt_rx(int ps, bt_drain_fn drain, void *ctx, uint32_t len, unsigned batch,
      double secs)
{
	double spent = 0, t0;
	uint64_t n = 0, filled = 0;

	while (spent < secs) {
		filled += btr_fill_queue(ps, bt_frames[0], len, BT_QLEN - 1024);
		t0 = bt_now();
		n += drain(ctx, len, batch);
		spent += bt_now() - t0;
	}
	/* a drain shorter than the fill means the queue dropped frames */
	if (n != filled)
		fprintf(stderr, "bench-tap: %u B: filled %llu, drained %llu\n",
			len, (unsigned long long)filled, (unsigned long long)n);
	return (double)n / spent;
}

/* ---- loop backend ------------------------------------------------ */

static double
bt_loop_echo(struct sk_backend *b, uint32_t len, unsigned batch, double secs)
{
	struct sk_frame tx[BT_BATCH_MAX], rx[BT_BATCH_MAX];
	double t0 = bt_now(), t;
	uint64_t n = 0;
	int r;

	for (unsigned i = 0; i < batch; i++) {
		tx[i] = (struct sk_frame){bt_frames[i], len, BT_FRAME_MAX};
		rx[i] = (struct sk_frame){bt_frames[i], 0, BT_FRAME_MAX};
	}
	do {
		for (unsigned i = 0; i < 64; i++) {
			skb_tx_batch(b, 0, tx, batch);
			while ((r = skb_rx_batch(b, 0, rx, batch)) > 0)
				n += (unsigned)r;
		}
		t = bt_now() - t0;
	} while (t < secs);
	return (double)n / t;
}

/* ---- driver ------------------------------------------------------ */

struct bt_row {
	const char *br_name;
	double br_pps[2];
};

static void
bt_print(const struct bt_row *rows, unsigned n, const struct bt_opts *o)
{
	printf("bench-tap: private netns, TAP %s, 1 queue, batch %u, "
	       "best of %u x %.1f s per cell, %s time, CPU %d\n",
	       BT_IFNAME, o->bo_batch, o->bo_rounds, o->bo_secs,
	       bt_clock == CLOCK_MONOTONIC ? "wall" : "thread CPU",
	       sched_getcpu());
	printf("%-22s %14s %14s\n", "path", "60 B Mpps", "1514 B Mpps");
	for (unsigned i = 0; i < n; i++)
		printf("%-22s %14.3f %14.3f\n", rows[i].br_name,
		       rows[i].br_pps[0] / 1e6, rows[i].br_pps[1] / 1e6);
}

struct bt_ctx {
	const struct bt_opts *bc_o;
	struct sk_backend *bc_tap, *bc_loop;
	int bc_fd, bc_ps;
};

/* One cell: row r at frame length len, packets per second. */
static double
bt_cell(struct bt_ctx *c, unsigned r, uint32_t len)
{
	const struct bt_opts *o = c->bc_o;

	for (unsigned i = 0; i < BT_BATCH_MAX; i++)
		btr_fill(bt_frames[i], len);
	switch (r) {
	case 0:
		return btr_raw_write(c->bc_fd, bt_frames[0], len, o->bo_secs,
				     bt_clock);
	case 1:
		return bt_backend_tx(c->bc_tap, len, o->bo_batch, o->bo_secs);
	case 2:
		return bt_rx(c->bc_ps, bt_drain_raw, &c->bc_fd, len,
			     o->bo_batch, o->bo_secs);
	case 3:
		return bt_rx(c->bc_ps, bt_drain_backend, c->bc_tap, len,
			     o->bo_batch, o->bo_secs);
	}
	return bt_loop_echo(c->bc_loop, len, o->bo_batch, o->bo_secs);
}

/*
 * Rounds interleave the rows, and each cell keeps its best round: on a
 * shared machine the best is the least disturbed run, and a raw row and
 * its backend row are always measured moments apart.
 */
static void
bt_run(const struct bt_opts *o)
{
	static const uint32_t lens[2] = {60, 1514};
	struct bt_row rows[5] = {
	    {"raw write()", {0}},	{"backend tx_batch", {0}},
	    {"raw read()", {0}},	{"backend rx_batch", {0}},
	    {"loop echo (tx+rx)", {0}},
	};
	struct bt_ctx c = {.bc_o = o};
	double pps;

	c.bc_tap = bt_open(&skb_tap_ops, BT_IFNAME);
	c.bc_loop = bt_open(&skb_loop_ops, "lbbench0");
	c.bc_fd = skb_queue_fd(c.bc_tap, 0);
	btr_link_up(BT_IFNAME, BT_QLEN);
	c.bc_ps = btr_psock(BT_IFNAME);
	for (unsigned round = 0; round < o->bo_rounds; round++)
		for (unsigned k = 0; k < 2; k++)
			for (unsigned r = 0; r < 5; r++) {
				pps = bt_cell(&c, r, lens[k]);
				if (pps > rows[r].br_pps[k])
					rows[r].br_pps[k] = pps;
			}
	bt_print(rows, 5, o);
	close(c.bc_ps);
	skb_close(c.bc_loop);
	skb_close(c.bc_tap);
}

static void
bt_usage(void)
{
	fprintf(stderr,
		"usage: bench-tap [-t seconds per cell] "
		"[-b batch (1..%d)] [-r rounds] [-w (wall clock)]\n",
		BT_BATCH_MAX);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bt_opts o = {.bo_secs = 0.5, .bo_batch = 32, .bo_rounds = 3};
	int c;

	while ((c = getopt(argc, argv, "t:b:r:wh")) != -1) {
		if (c == 't')
			o.bo_secs = atof(optarg);
		else if (c == 'b')
			o.bo_batch = (unsigned)atoi(optarg);
		else if (c == 'r')
			o.bo_rounds = (unsigned)atoi(optarg);
		else if (c == 'w')
			bt_clock = CLOCK_MONOTONIC;
		else
			bt_usage();
	}
	if (o.bo_secs <= 0 || o.bo_batch == 0 || o.bo_batch > BT_BATCH_MAX ||
	    o.bo_rounds == 0)
		bt_usage();
	if (unshare(CLONE_NEWNET) != 0)
		btr_die("unshare(CLONE_NEWNET) (run as root)", errno);
	btr_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	bt_run(&o);
	return 0;
}
