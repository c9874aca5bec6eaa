/*
 * bench-netif.c - frames per second through a netif channel over a TAP,
 * next to raw TAP write() and read() measured in the same run.
 *
 * A benchmark, not a test: it judges nothing, it prints numbers.
 *
 * Theory of operation.  The program is an ordinary Skywalk program
 * (it links libskywalk and reaches the daemon through whichever door
 * the environment names).  It makes two TAPs in the network namespace
 * it runs in:
 *
 *   sknb0     netif TAP: registers a NET_IF provider, allocates an
 *             instance and __os_nexus_ifattach()es it here, as XNU's
 *             netif tests do, then opens the DEV port (one ring pair)
 *   sknbraw0  raw TAP: its tun file stays in this process, for the
 *             baselines (bench_tap_raw.h, the code bench-tap uses)
 *
 * and forks a peer, the "wire": a plain Linux process that puts frames
 * on a TAP's Linux side with AF_PACKET (qdisc bypassed: straight into
 * tun's queue).  For each frame length (60 and 1514 bytes) it measures
 * these cells, interleaved, for several rounds:
 *
 *   TX raw write()       write() loop on the raw TAP's tun file
 *   TX channel, B/sync   fill B TX slots, one os_channel_sync(TX), again
 *                        (B = 32 and 128); the daemon writes them to tun
 *   RX raw, stream       the peer blasts (sendmmsg) for the cell's time
 *   RX channel, stream     while we read() / poll()+drain the RX ring
 *   RX raw, drain        the peer fills the TAP's queue while we wait,
 *   RX channel, drain      then we time only emptying it
 *
 * What counts is what Linux counts: TX frames delivered = the TAP's
 * rx_packets (tun counts every frame written to it), and for RX the
 * frames we took; the daemon's counters (CTL_NETIF_LOOKUP) and the
 * TAP's tx_dropped (its queue overflowed) are reported beside them and
 * the accounting is checked (a mismatch is printed, not fatal).  Rates
 * are wall-clock: a channel's work is spread over three processes (us,
 * the daemon, the peer) that share the machine's CPUs; the CPU time of
 * each per frame (our process clock, /proc/PID/schedstat of the daemon
 * and the peer) says where the time went.  Each cell reports the median
 * of its rounds and the range.
 *
 * Network safety: every frame goes to a TAP this program made, in its
 * own network namespace; the frames carry a foreign destination MAC and
 * an experimental ethertype, so Linux drops what it receives.  The
 * program refuses to run in the initial network namespace (compared
 * with PID 1's) unless it is inside uml-run's guest or --any-netns is
 * given.  tools/bench-netif.sh makes the namespace and the daemon.
 *
 * Run as root.  bench-netif --help for the options.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <skywalk/os_skywalk_private.h>
#include <skywalk/skchan_ctl.h>

#include "bench_tap_raw.h"

#define BN_IFNAME "sknb0"
#define BN_RAWNAME "sknbraw0"
#define BN_QLEN 16384 /* TAP queue (txqueuelen), frames */
#define BN_FILL_SPARE 256 /* a drain fill leaves this much queue free */
#define BN_BATCH_MAX 512 /* the TX ring's default size */
#define BN_ROUNDS_MAX 64
#define BN_MMSG 32 /* frames per sendmmsg in a blast */
#define BN_QUIET_MS 50 /* a stream ends this long after the last frame */
#define BN_ETH_HLEN 14

/* ---- options and results ------------------------------------------ */

enum bn_cell {
	BN_TX_RAW,
	BN_TX_CH0, /* channel, first batch size */
	BN_TX_CH1, /* channel, second batch size */
	BN_RXS_RAW,
	BN_RXS_CH,
	BN_RXD_RAW,
	BN_RXD_CH,
	BN_NCELLS
};

#define BN_NLENS 2
static const uint32_t bn_lens[BN_NLENS] = {60, 1514};

struct bn_opts {
	double o_secs;
	unsigned o_rounds;
	unsigned o_batch[2];
	int o_qlen;
	const char *o_ifname;
	const char *o_rawname;
	const char *o_label;
	int o_tsv;
	int o_any_netns;
};

/* One cell, one round. */
struct bn_sample {
	double s_pps;        /* delivered frames per second (wall clock) */
	double s_offered;    /* RX stream: frames per second the peer sent */
	double s_secs;       /* the time the rate is over */
	uint64_t s_frames;   /* delivered: TX Linux's count, RX ours */
	uint64_t s_app;      /* what this program moved */
	uint64_t s_linux;    /* the TAP's rx_packets (TX) / tx_packets (RX) */
	uint64_t s_daemon;   /* the netif's tx / rx packets */
	uint64_t s_sent;     /* RX: frames the peer handed to the TAP */
	uint64_t s_refused;  /* RX: frames the peer's send was refused */
	uint64_t s_drop_tap; /* the TAP's tx_dropped (queue overflow) */
	uint64_t s_drop_nif; /* the netif's drops, every reason */
	uint64_t s_waits;    /* syncs (TX) / waits that took frames (RX) */
	double s_cpu[3];     /* seconds on CPU: bench, daemon, peer */
};

struct bn_result {
	struct bn_sample r_s[BN_ROUNDS_MAX];
	unsigned r_n;
};

/* ---- the peer: the TAPs' Linux side --------------------------------- */

enum bn_pop { BN_P_BLAST = 1, BN_P_FILL, BN_P_QUIT };

struct bn_pcmd {
	uint32_t pc_op;
	uint32_t pc_raw; /* 1: the raw TAP, 0: the netif's */
	uint32_t pc_len;
	uint32_t pc_count; /* FILL: frames */
	double pc_secs;    /* BLAST: seconds */
};

struct bn_prep {
	uint64_t pr_sent;
	uint64_t pr_refused;
	double pr_secs;
};

struct bn_peer {
	pid_t p_pid;
	int p_cmd; /* we write commands */
	int p_rep; /* we read replies */
};

/* ---- the run -------------------------------------------------------- */

struct bn_run {
	const struct bn_opts *b_o;
	struct bn_peer b_peer;
	int b_rawfd;
	pid_t b_daemon; /* 0: unknown */
	/* the netif */
	struct skchan_ctl *b_sctl;
	nexus_controller_t b_ctl;
	uuid_t b_prov, b_nx, b_attach;
	channel_t b_ch;
	channel_ring_t b_tx, b_rx;
	int b_chfd;
	uint32_t b_tx_slots, b_rx_slots;
	struct bn_result b_res[BN_NLENS][BN_NCELLS];
	double b_load[2];
	uint64_t b_mismatch; /* accounting mismatches seen */
};

static uint8_t bn_frame[BTR_FRAME_MAX];
static uint8_t bn_buf[BTR_FRAME_MAX];
static volatile uint64_t bn_sink; /* what RX touches, kept */

__attribute__((format(printf, 1, 2), noreturn)) static void
bn_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench-netif: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double
bn_now(void)
{
	return btr_now(CLOCK_MONOTONIC);
}

/* ---- counters: Linux, the daemon, CPU time ----------------------------- */

/* The interface's line of /proc/net/dev (this namespace's view). */
struct bn_ifstat {
	uint64_t i_rx_packets, i_tx_packets, i_tx_dropped;
};

static int
bn_ifstat_line(const char *line, const char *name, struct bn_ifstat *st)
{
	unsigned long long v[16];
	char ifn[32];

	if (sscanf(line, " %31[^:]: %llu %llu %llu %llu %llu %llu %llu %llu "
			 "%llu %llu %llu %llu",
		   ifn, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9], &v[10], &v[11]) != 13 ||
	    strcmp(ifn, name) != 0)
		return 0;
	st->i_rx_packets = v[1];
	st->i_tx_packets = v[9];
	st->i_tx_dropped = v[11];
	return 1;
}

static void
bn_ifstat(const char *name, struct bn_ifstat *st)
{
	FILE *f = fopen("/proc/self/net/dev", "re");
	char line[512];
	int found = 0;

	if (f == NULL)
		bn_die("/proc/self/net/dev: %s", strerror(errno));
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = bn_ifstat_line(line, name, st);
	fclose(f);
	if (!found)
		bn_die("%s: not in /proc/net/dev", name);
}

/* The netif's counters, summed over its rings. */
struct bn_nifstat {
	uint64_t n_rx, n_tx, n_drops;
};

static void
bn_nifstat(struct bn_run *b, struct bn_nifstat *ns)
{
	struct skc_ctl_netif_lookup nl;
	const struct skc_netif_qstats *q;

	memset(&nl, 0, sizeof(nl));
	snprintf(nl.nl_ifname, sizeof(nl.nl_ifname), "%s", b->b_o->o_ifname);
	if (skchan_ctl_call(b->b_sctl, SKC_IOC_CTL_NETIF_LOOKUP, &nl) != 0)
		bn_die("CTL_NETIF_LOOKUP %s: %s", nl.nl_ifname,
		       strerror(errno));
	memset(ns, 0, sizeof(*ns));
	for (uint32_t i = 0; i < nl.nl_rings && i < SKC_NETIF_QUEUES_MAX; i++) {
		q = &nl.nl_q[i];
		ns->n_rx += q->nq_rx_packets;
		ns->n_tx += q->nq_tx_packets;
		for (unsigned d = 0; d < SKC_NETIF_DROP_NREASONS; d++)
			ns->n_drops += q->nq_drops[d];
	}
}

/* Seconds pid has run on a CPU (schedstat); 0 when unknown. */
static double
bn_task_cpu(pid_t pid)
{
	unsigned long long ns = 0;
	char path[64];
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return (double)ns * 1e-9;
}

/* Everything a cell compares before and after. */
struct bn_snap {
	struct bn_ifstat sn_if;
	struct bn_nifstat sn_nif;
	double sn_cpu[3];
};

static void
bn_snap(struct bn_run *b, int raw, struct bn_snap *sn)
{
	const struct bn_opts *o = b->b_o;

	bn_ifstat(raw ? o->o_rawname : o->o_ifname, &sn->sn_if);
	if (raw)
		memset(&sn->sn_nif, 0, sizeof(sn->sn_nif));
	else
		bn_nifstat(b, &sn->sn_nif);
	sn->sn_cpu[0] = btr_now(CLOCK_PROCESS_CPUTIME_ID);
	sn->sn_cpu[1] = bn_task_cpu(b->b_daemon);
	sn->sn_cpu[2] = bn_task_cpu(b->b_peer.p_pid);
}

/* The counters' differences into s (TX: tx 1, RX: tx 0). */
static void
bn_snap_diff(const struct bn_snap *a, const struct bn_snap *z, int tx,
	     struct bn_sample *s)
{
	s->s_linux = tx ? z->sn_if.i_rx_packets - a->sn_if.i_rx_packets
			: z->sn_if.i_tx_packets - a->sn_if.i_tx_packets;
	s->s_drop_tap = z->sn_if.i_tx_dropped - a->sn_if.i_tx_dropped;
	s->s_daemon = tx ? z->sn_nif.n_tx - a->sn_nif.n_tx
			 : z->sn_nif.n_rx - a->sn_nif.n_rx;
	s->s_drop_nif = z->sn_nif.n_drops - a->sn_nif.n_drops;
	for (int i = 0; i < 3; i++)
		s->s_cpu[i] = z->sn_cpu[i] - a->sn_cpu[i];
}

/* ---- the peer ------------------------------------------------------------ */

/* Frames as fast as sendmmsg takes them, for secs. */
static void
bn_peer_blast(int ps, uint32_t len, double secs, struct bn_prep *pr)
{
	struct mmsghdr mm[BN_MMSG];
	struct iovec iov = {bn_frame, len};
	double t0 = bn_now();
	int r;

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < BN_MMSG; i++) {
		mm[i].msg_hdr.msg_iov = &iov;
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	do {
		r = sendmmsg(ps, mm, BN_MMSG, 0);
		if (r > 0)
			pr->pr_sent += (unsigned)r;
		/* the message that failed (queue full: ENOBUFS) was dropped */
		if (r < BN_MMSG)
			pr->pr_refused++;
		pr->pr_secs = bn_now() - t0;
	} while (pr->pr_secs < secs);
}

static void
bn_peer_do(const int ps[2], const struct bn_pcmd *pc, struct bn_prep *pr)
{
	double t0 = bn_now();

	memset(pr, 0, sizeof(*pr));
	btr_fill(bn_frame, pc->pc_len);
	if (pc->pc_op == BN_P_BLAST) {
		bn_peer_blast(ps[pc->pc_raw], pc->pc_len, pc->pc_secs, pr);
		return;
	}
	pr->pr_sent = btr_fill_queue(ps[pc->pc_raw], bn_frame, pc->pc_len,
				     pc->pc_count);
	pr->pr_secs = bn_now() - t0;
}

static void __attribute__((noreturn))
bn_peer_main(const struct bn_opts *o, int cmd, int rep)
{
	int ps[2] = {btr_psock(o->o_ifname), btr_psock(o->o_rawname)};
	struct bn_pcmd pc;
	struct bn_prep pr;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (read(cmd, &pc, sizeof(pc)) == (ssize_t)sizeof(pc) &&
	       pc.pc_op != BN_P_QUIT) {
		bn_peer_do(ps, &pc, &pr);
		if (write(rep, &pr, sizeof(pr)) != (ssize_t)sizeof(pr))
			break;
	}
	_exit(0);
}

/* Fork the peer: before any channel exists, so it inherits none. */
static void
bn_peer_start(struct bn_run *b)
{
	int c[2], r[2];

	if (pipe2(c, O_CLOEXEC) != 0 || pipe2(r, O_CLOEXEC) != 0)
		bn_die("pipe: %s", strerror(errno));
	b->b_peer.p_pid = fork();
	if (b->b_peer.p_pid < 0)
		bn_die("fork: %s", strerror(errno));
	if (b->b_peer.p_pid == 0) {
		close(c[1]);
		close(r[0]);
		bn_peer_main(b->b_o, c[0], r[1]);
	}
	close(c[0]);
	close(r[1]);
	b->b_peer.p_cmd = c[1];
	b->b_peer.p_rep = r[0];
}

static void
bn_peer_send(struct bn_run *b, const struct bn_pcmd *pc)
{
	if (write(b->b_peer.p_cmd, pc, sizeof(*pc)) != (ssize_t)sizeof(*pc))
		bn_die("peer: %s", strerror(errno));
}

static void
bn_peer_wait(struct bn_run *b, struct bn_prep *pr)
{
	if (read(b->b_peer.p_rep, pr, sizeof(*pr)) != (ssize_t)sizeof(*pr))
		bn_die("peer died");
}

/* The peer's reply, if it is there yet. */
static int
bn_peer_done(struct bn_run *b, struct bn_prep *pr)
{
	struct pollfd pfd = {.fd = b->b_peer.p_rep, .events = POLLIN};

	if (poll(&pfd, 1, 0) != 1)
		return 0;
	bn_peer_wait(b, pr);
	return 1;
}

static void
bn_peer_stop(struct bn_run *b)
{
	struct bn_pcmd pc = {.pc_op = BN_P_QUIT};

	bn_peer_send(b, &pc);
	close(b->b_peer.p_cmd);
	close(b->b_peer.p_rep);
	waitpid(b->b_peer.p_pid, NULL, 0);
}

/* ---- the netif channel ----------------------------------------------------- */

static void
bn_nif_register(struct bn_run *b)
{
	nexus_attr_t attr = os_nexus_attr_create();
	nexus_name_t name = "bench-netif";

	if (attr == NULL || os_nexus_attr_set(attr, NEXUS_ATTR_ANONYMOUS, 1) ||
	    os_nexus_attr_set(attr, NEXUS_ATTR_USER_CHANNEL, 1))
		bn_die("nexus attributes");
	b->b_ctl = os_nexus_controller_create();
	if (b->b_ctl == NULL)
		bn_die("os_nexus_controller_create: %s", strerror(errno));
	if (os_nexus_controller_register_provider(b->b_ctl, name,
						  NEXUS_TYPE_NET_IF, attr,
						  &b->b_prov) != 0)
		bn_die("register NET_IF provider: %s", strerror(errno));
	os_nexus_attr_destroy(attr);
	if (os_nexus_controller_alloc_provider_instance(b->b_ctl, b->b_prov,
							&b->b_nx) != 0)
		bn_die("alloc netif instance: %s", strerror(errno));
}

static uint32_t
bn_chattr(channel_attr_t ca, channel_attr_type_t type)
{
	uint64_t v = 0;

	if (os_channel_attr_get(ca, type, &v) != 0)
		bn_die("channel attribute %d: %s", (int)type, strerror(errno));
	return (uint32_t)v;
}

static void
bn_nif_open(struct bn_run *b)
{
	channel_attr_t ca = os_channel_attr_create();

	if (__os_nexus_ifattach(b->b_ctl, b->b_nx, b->b_o->o_ifname, NULL,
				false, &b->b_attach) != 0)
		bn_die("attach to %s: %s", b->b_o->o_ifname, strerror(errno));
	b->b_ch = os_channel_create_extended(b->b_nx, NEXUS_PORT_NET_IF_DEV,
					     CHANNEL_DIR_TX_RX,
					     CHANNEL_RING_ID_ANY, NULL);
	if (b->b_ch == NULL || ca == NULL)
		bn_die("open the DEV port: %s", strerror(errno));
	b->b_tx = os_channel_tx_ring(b->b_ch, 0);
	b->b_rx = os_channel_rx_ring(b->b_ch, 0);
	b->b_chfd = os_channel_get_fd(b->b_ch);
	if (os_channel_read_attr(b->b_ch, ca) != 0)
		bn_die("os_channel_read_attr: %s", strerror(errno));
	b->b_tx_slots = bn_chattr(ca, CHANNEL_ATTR_TX_SLOTS);
	b->b_rx_slots = bn_chattr(ca, CHANNEL_ATTR_RX_SLOTS);
	os_channel_attr_destroy(ca);
}

/* The daemon sees a channel's close a moment after destroy returns. */
static void
bn_nif_close(struct bn_run *b)
{
	int tries = 0, rc;

	os_channel_destroy(b->b_ch);
	while ((rc = __os_nexus_ifdetach(b->b_ctl, b->b_nx, b->b_attach)) != 0 &&
	       errno == EBUSY && ++tries < 200)
		usleep(10000);
	if (rc != 0)
		fprintf(stderr, "bench-netif: detach: %s\n", strerror(errno));
	os_nexus_controller_free_provider_instance(b->b_ctl, b->b_nx);
	os_nexus_controller_deregister_provider(b->b_ctl, b->b_prov);
	os_nexus_controller_destroy(b->b_ctl);
}

/* ---- TX ---------------------------------------------------------------------- */

/* One frame into a TX slot, Apple's way: buflet, finalize, slot length. */
static void
bn_tx_slot(channel_ring_t tx, channel_slot_t s, slot_prop_t *prop,
	   uint32_t len)
{
	packet_t ph = os_channel_slot_get_packet(tx, s);
	buflet_t bf = os_packet_get_next_buflet(ph, NULL);

	memcpy(os_buflet_get_object_address(bf), bn_frame, len);
	os_buflet_set_data_offset(bf, 0);
	os_buflet_set_data_length(bf, len);
	os_packet_set_link_header_length(ph, BN_ETH_HLEN);
	if (os_packet_finalize(ph) != 0)
		bn_die("os_packet_finalize: %s", strerror(errno));
	prop->sp_len = (uint16_t)len;
	os_channel_set_slot_properties(tx, s, prop);
}

/* Up to batch frames into free slots, advanced; how many. */
static unsigned
bn_tx_fill(channel_ring_t tx, uint32_t len, unsigned batch)
{
	channel_slot_t s, last = NULL;
	slot_prop_t prop;
	unsigned n = 0;

	while (n < batch &&
	       (s = os_channel_get_next_slot(tx, last, &prop)) != NULL) {
		bn_tx_slot(tx, s, &prop, len);
		last = s;
		n++;
	}
	if (last != NULL && os_channel_advance_slot(tx, last) != 0)
		bn_die("advance TX: %s", strerror(errno));
	return n;
}

/* One batch and its sync; a full ring waits for room (push-back). */
static unsigned
bn_tx_batch(struct bn_run *b, uint32_t len, unsigned batch)
{
	struct pollfd pfd = {.fd = b->b_chfd, .events = POLLOUT};
	unsigned n = bn_tx_fill(b->b_tx, len, batch);

	if (n == 0) {
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			bn_die("poll(POLLOUT): %s", strerror(errno));
		return 0;
	}
	if (os_channel_sync(b->b_ch, CHANNEL_SYNC_TX) != 0)
		bn_die("TX sync: %s", strerror(errno));
	return n;
}

/* Slots the device pushed back go out before the counters are read. */
static void
bn_tx_flush(struct bn_run *b)
{
	struct pollfd pfd = {.fd = b->b_chfd, .events = POLLOUT};

	for (int i = 0; i < 100 && os_channel_pending(b->b_tx); i++)
		if (poll(&pfd, 1, 10) < 0 && errno != EINTR)
			bn_die("poll(POLLOUT): %s", strerror(errno));
}

/* TX through the channel, batch frames per sync, for the cell's time. */
static void
bn_tx_channel(struct bn_run *b, uint32_t len, unsigned batch,
	      struct bn_sample *s)
{
	double t0 = bn_now();

	do {
		for (int i = 0; i < 16; i++, s->s_waits++)
			s->s_app += bn_tx_batch(b, len, batch);
		s->s_secs = bn_now() - t0;
	} while (s->s_secs < b->b_o->o_secs);
	bn_tx_flush(b);
	s->s_secs = bn_now() - t0;
}

static void
bn_tx_raw(struct bn_run *b, uint32_t len, struct bn_sample *s)
{
	s->s_app = btr_raw_write_n(b->b_rawfd, bn_frame, len, b->b_o->o_secs,
				   CLOCK_MONOTONIC, &s->s_secs);
}

/* ---- RX ---------------------------------------------------------------------- */

/* Whatever the RX ring holds: touch each frame's header, release all. */
static unsigned
bn_rx_ring_take(channel_ring_t rx)
{
	channel_slot_t s, last = NULL;
	slot_prop_t prop;
	unsigned n = 0;
	uint64_t sum = 0;

	while ((s = os_channel_get_next_slot(rx, last, &prop)) != NULL) {
		sum += *(const uint8_t *)(uintptr_t)prop.sp_buf_ptr + prop.sp_len;
		last = s;
		n++;
	}
	if (last != NULL && os_channel_advance_slot(rx, last) != 0)
		bn_die("advance RX: %s", strerror(errno));
	bn_sink += sum;
	return n;
}

/* Frames taken by one wait (poll = the RX sync) and drain; 0: none. */
static unsigned
bn_rx_take_channel(struct bn_run *b, int wait_ms)
{
	struct pollfd pfd = {.fd = b->b_chfd, .events = POLLIN};
	int r = poll(&pfd, 1, wait_ms);

	if (r < 0 && errno != EINTR)
		bn_die("poll(POLLIN): %s", strerror(errno));
	if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
		bn_die("channel: revents 0x%x", pfd.revents);
	return r > 0 ? bn_rx_ring_take(b->b_rx) : 0;
}

/* One read() per frame until the queue is empty, waiting if it is. */
static unsigned
bn_rx_take_raw(struct bn_run *b, int wait_ms)
{
	struct pollfd pfd = {.fd = b->b_rawfd, .events = POLLIN};
	unsigned n = btr_drain_raw(b->b_rawfd, bn_buf);

	if (n != 0)
		return n;
	if (poll(&pfd, 1, wait_ms) <= 0)
		return 0;
	return btr_drain_raw(b->b_rawfd, bn_buf);
}

typedef unsigned (*bn_take_fn)(struct bn_run *b, int wait_ms);

/*
 * Stream: the peer blasts for the cell's time; we take frames until it
 * is done and the queue has been quiet a moment.  The rate is over the
 * time from the command to the last frame taken: a reader slower than
 * the peer is still draining the queue after the peer stopped.
 */
static void
bn_rx_stream(struct bn_run *b, int raw, bn_take_fn take, uint32_t len,
	     struct bn_sample *s)
{
	struct bn_pcmd pc = {.pc_op = BN_P_BLAST, .pc_raw = (uint32_t)raw,
			     .pc_len = len, .pc_secs = b->b_o->o_secs};
	struct bn_prep pr = {0};
	double first = bn_now(), last = first;
	int done = 0;
	unsigned n;

	bn_peer_send(b, &pc);
	for (;;) {
		n = take(b, done ? BN_QUIET_MS : 10);
		if (n != 0) {
			last = bn_now();
			s->s_app += n;
			s->s_waits++;
		} else if (done) {
			break;
		}
		done = done || bn_peer_done(b, &pr);
	}
	s->s_secs = last - first;
	s->s_sent = pr.pr_sent;
	s->s_refused = pr.pr_refused;
	s->s_offered = (double)(pr.pr_sent + pr.pr_refused) / pr.pr_secs;
}

/*
 * Drain: the peer fills the queue while we wait; we time the emptying,
 * up to the last frame taken.  It is over when every frame is here or
 * nothing came for a moment: what the daemon dropped meanwhile (its
 * ring_full) never arrives, and the accounting shows where it went.
 */
static void
bn_rx_drain(struct bn_run *b, int raw, bn_take_fn take, uint32_t len,
	    struct bn_sample *s)
{
	struct bn_pcmd pc = {.pc_op = BN_P_FILL, .pc_raw = (uint32_t)raw,
			     .pc_len = len,
			     .pc_count = (uint32_t)(b->b_o->o_qlen -
						    BN_FILL_SPARE)};
	struct bn_prep pr;
	uint64_t got;
	unsigned n;
	double t0, last;

	while (s->s_secs < b->b_o->o_secs) {
		bn_peer_send(b, &pc);
		bn_peer_wait(b, &pr);
		s->s_sent += pr.pr_sent;
		last = t0 = bn_now();
		for (got = 0; got < pr.pr_sent; got += n, s->s_waits++) {
			if ((n = take(b, BN_QUIET_MS)) == 0)
				break;
			last = bn_now();
		}
		s->s_secs += last - t0;
		s->s_app += got;
		if (got == 0)
			bn_die("drain: no frame arrived in %d ms", BN_QUIET_MS);
	}
}

/* ---- cells --------------------------------------------------------------- */

static const char *const bn_cell_names[BN_NCELLS] = {
    "TX raw write()",	   "TX channel, B0/sync", "TX channel, B1/sync",
    "RX raw read(), stream", "RX channel, stream", "RX raw read(), drain",
    "RX channel, drain",
};

static const char *const bn_cell_ids[BN_NCELLS] = {
    "tx_raw",	  "tx_ch0", "tx_ch1", "rxs_raw",
    "rxs_ch", "rxd_raw", "rxd_ch",
};

static int
bn_cell_raw(enum bn_cell c)
{
	return c == BN_TX_RAW || c == BN_RXS_RAW || c == BN_RXD_RAW;
}

static int
bn_cell_tx(enum bn_cell c)
{
	return c <= BN_TX_CH1;
}

static void
bn_cell_do(struct bn_run *b, enum bn_cell c, uint32_t len,
	   struct bn_sample *s)
{
	switch (c) {
	case BN_TX_RAW:
		bn_tx_raw(b, len, s);
		break;
	case BN_TX_CH0:
	case BN_TX_CH1:
		bn_tx_channel(b, len, b->b_o->o_batch[c - BN_TX_CH0], s);
		break;
	case BN_RXS_RAW:
		bn_rx_stream(b, 1, bn_rx_take_raw, len, s);
		break;
	case BN_RXS_CH:
		bn_rx_stream(b, 0, bn_rx_take_channel, len, s);
		break;
	case BN_RXD_RAW:
		bn_rx_drain(b, 1, bn_rx_take_raw, len, s);
		break;
	default:
		bn_rx_drain(b, 0, bn_rx_take_channel, len, s);
		break;
	}
}

/* Every frame is somewhere: say so when one is not. */
static void
bn_cell_check(struct bn_run *b, enum bn_cell c, uint32_t len,
	      const struct bn_sample *s)
{
	int bad;

	if (c == BN_TX_RAW)
		bad = s->s_app != s->s_linux;
	else if (bn_cell_tx(c))
		bad = s->s_app != s->s_daemon || s->s_daemon != s->s_linux;
	else if (bn_cell_raw(c))
		bad = s->s_sent != s->s_app || s->s_linux != s->s_app;
	else
		/* the netif's ring_full count is Linux's own queue drops
		 * (the TAP's tx_dropped), which tx_packets leaves out */
		bad = s->s_sent != s->s_linux || s->s_linux !=
			s->s_daemon + (s->s_drop_nif - s->s_drop_tap) ||
			s->s_daemon != s->s_app;
	if (!bad)
		return;
	b->b_mismatch++;
	fprintf(stderr,
		"bench-netif: %s, %u B: accounting: moved %" PRIu64
		", peer sent %" PRIu64 ", Linux %" PRIu64 ", daemon %" PRIu64
		", netif drops %" PRIu64 ", TAP drops %" PRIu64 "\n",
		bn_cell_names[c], len, s->s_app, s->s_sent, s->s_linux,
		s->s_daemon, s->s_drop_nif, s->s_drop_tap);
}

static void
bn_cell(struct bn_run *b, enum bn_cell c, uint32_t len, struct bn_sample *s)
{
	struct bn_snap a, z;
	int raw = bn_cell_raw(c);

	memset(s, 0, sizeof(*s));
	btr_fill(bn_frame, len);
	bn_snap(b, raw, &a);
	bn_cell_do(b, c, len, s);
	bn_snap(b, raw, &z);
	bn_snap_diff(&a, &z, bn_cell_tx(c), s);
	/* TX: what Linux received; RX: what we took */
	s->s_frames = bn_cell_tx(c) ? s->s_linux : s->s_app;
	s->s_pps = s->s_secs > 0 ? (double)s->s_frames / s->s_secs : 0;
	bn_cell_check(b, c, len, s);
}

/*
 * Rounds interleave every cell and both lengths, so a disturbance in
 * the middle of a run hits all cells alike; a raw cell and its channel
 * cell are always measured moments apart.
 */
static void
bn_measure(struct bn_run *b)
{
	struct bn_result *res;

	for (unsigned r = 0; r < b->b_o->o_rounds; r++)
		for (unsigned k = 0; k < BN_NLENS; k++)
			for (int c = 0; c < BN_NCELLS; c++) {
				res = &b->b_res[k][c];
				bn_cell(b, (enum bn_cell)c, bn_lens[k],
					&res->r_s[res->r_n++]);
			}
}

/* ---- report --------------------------------------------------------------- */

static int
bn_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, minimum and maximum of the rounds' rates. */
static void
bn_stats(const struct bn_result *res, double out[3])
{
	double v[BN_ROUNDS_MAX] = {0};
	unsigned n = res->r_n;

	if (n == 0) {
		out[0] = out[1] = out[2] = 0;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		v[i] = res->r_s[i].s_pps;
	qsort(v, n, sizeof(v[0]), bn_cmp_double);
	out[0] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	out[1] = v[0];
	out[2] = v[n - 1];
}

/* Sums over the rounds: frames, drops, CPU seconds. */
static void
bn_sum(const struct bn_result *res, struct bn_sample *t)
{
	const struct bn_sample *s;

	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < res->r_n; i++) {
		s = &res->r_s[i];
		t->s_frames += s->s_frames;
		t->s_sent += s->s_sent;
		t->s_refused += s->s_refused;
		t->s_drop_tap += s->s_drop_tap;
		t->s_drop_nif += s->s_drop_nif;
		t->s_waits += s->s_waits;
		t->s_offered += s->s_offered / res->r_n;
		for (int k = 0; k < 3; k++)
			t->s_cpu[k] += s->s_cpu[k];
	}
}

/* Frames lost of those offered, percent (RX stream cells). */
static double
bn_drop_pct(const struct bn_sample *t)
{
	uint64_t offered = t->s_sent + t->s_refused;

	return offered ? 100.0 * (double)(offered - t->s_frames) /
			     (double)offered
		       : 0;
}

static double
bn_cpu_us(const struct bn_sample *t, int who)
{
	return t->s_frames ? t->s_cpu[who] * 1e6 / (double)t->s_frames : 0;
}

static const char *
bn_cell_name(const struct bn_run *b, enum bn_cell c, char *buf, size_t sz)
{
	if (c != BN_TX_CH0 && c != BN_TX_CH1)
		return bn_cell_names[c];
	snprintf(buf, sz, "TX channel, %u/sync", b->b_o->o_batch[c - BN_TX_CH0]);
	return buf;
}

/* channel / raw, medians: the result. */
static double
bn_ratio(struct bn_run *b, unsigned k, enum bn_cell ch, enum bn_cell raw)
{
	double m[3], r[3];

	bn_stats(&b->b_res[k][ch], m);
	bn_stats(&b->b_res[k][raw], r);
	return r[0] > 0 ? m[0] / r[0] : 0;
}

static const struct {
	const char *id;
	enum bn_cell ch, raw;
} bn_ratios[] = {
    {"tx_ch0", BN_TX_CH0, BN_TX_RAW},
    {"tx_ch1", BN_TX_CH1, BN_TX_RAW},
    {"rx_stream", BN_RXS_CH, BN_RXS_RAW},
    {"rx_drain", BN_RXD_CH, BN_RXD_RAW},
};

#define BN_NRATIOS (sizeof(bn_ratios) / sizeof(bn_ratios[0]))

/* ---- the environment, as the report states it ---------------------------- */

static void
bn_affinity(pid_t pid, char *buf, size_t sz)
{
	cpu_set_t set;
	size_t off = 0;
	int first = 1;

	snprintf(buf, sz, "?");
	if (pid <= 0 || sched_getaffinity(pid, sizeof(set), &set) != 0)
		return;
	for (int i = 0; i < CPU_SETSIZE && off + 8 < sz; i++) {
		if (!CPU_ISSET(i, &set))
			continue;
		off += (size_t)snprintf(buf + off, sz - off, "%s%d",
					first ? "" : ",", i);
		first = 0;
	}
}

static double
bn_loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "re");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lf", &l) != 1)
		l = -1;
	fclose(f);
	return l;
}

static const char *
bn_door(const struct bn_run *b)
{
	return skchan_ctl_door(b->b_sctl) == SKC_CTL_DOOR_CUSE ? "cuse"
							       : "socket";
}

static void
bn_print_tsv_info(const struct bn_run *b)
{
	const struct bn_opts *o = b->b_o;
	char cpus[3][256];

	bn_affinity(getpid(), cpus[0], sizeof(cpus[0]));
	bn_affinity(b->b_daemon, cpus[1], sizeof(cpus[1]));
	bn_affinity(b->b_peer.p_pid, cpus[2], sizeof(cpus[2]));
	printf("info\tlabel\t%s\ninfo\tdoor\t%s\ninfo\tncpu\t%ld\n",
	       o->o_label, bn_door(b), sysconf(_SC_NPROCESSORS_ONLN));
	printf("info\tcpus\tbench %s, daemon %s, peer %s\n", cpus[0],
	       cpus[1], cpus[2]);
	printf("info\trounds\t%u x %.2f s\ninfo\tqueue\t%d\n", o->o_rounds,
	       o->o_secs, o->o_qlen);
	printf("info\tslots\t%u TX / %u RX\n", b->b_tx_slots, b->b_rx_slots);
	printf("info\tload\t%.2f -> %.2f\ninfo\tmismatches\t%" PRIu64 "\n",
	       b->b_load[0], b->b_load[1], b->b_mismatch);
}

static void
bn_print_tsv(struct bn_run *b)
{
	struct bn_sample t;
	double m[3];
	char nb[64];

	bn_print_tsv_info(b);
	for (unsigned k = 0; k < BN_NLENS; k++)
		for (int c = 0; c < BN_NCELLS; c++) {
			bn_stats(&b->b_res[k][c], m);
			bn_sum(&b->b_res[k][c], &t);
			printf("cell\t%s\t%u\t%.0f\t%.0f\t%.0f\t%.0f\t%.2f\t"
			       "%.3f\t%.3f\t%.3f\t%" PRIu64 "\t%" PRIu64
			       "\t%" PRIu64 "\t%.1f\t%s\n",
			       bn_cell_ids[c], bn_lens[k], m[0], m[1], m[2],
			       t.s_offered, bn_drop_pct(&t), bn_cpu_us(&t, 0),
			       bn_cpu_us(&t, 1), bn_cpu_us(&t, 2), t.s_frames,
			       t.s_drop_tap, t.s_drop_nif,
			       t.s_waits ? (double)t.s_frames / t.s_waits : 0,
			       bn_cell_name(b, (enum bn_cell)c, nb, sizeof(nb)));
		}
	for (unsigned k = 0; k < BN_NLENS; k++)
		for (unsigned i = 0; i < BN_NRATIOS; i++)
			printf("ratio\t%s\t%u\t%.3f\n", bn_ratios[i].id,
			       bn_lens[k],
			       bn_ratio(b, k, bn_ratios[i].ch,
					bn_ratios[i].raw));
}

static void
bn_print_header(struct bn_run *b)
{
	const struct bn_opts *o = b->b_o;
	char cpus[3][256];

	bn_affinity(getpid(), cpus[0], sizeof(cpus[0]));
	bn_affinity(b->b_daemon, cpus[1], sizeof(cpus[1]));
	bn_affinity(b->b_peer.p_pid, cpus[2], sizeof(cpus[2]));
	printf("bench-netif: %s door; netif %s (1 ring pair, %u TX / %u RX "
	       "slots) vs raw TAP %s; TAP queue %d\n",
	       bn_door(b), o->o_ifname, b->b_tx_slots, b->b_rx_slots,
	       o->o_rawname, o->o_qlen);
	printf("  %u rounds x %.2f s per cell, wall clock, median [min .. "
	       "max]; %ld CPUs online; CPUs allowed: bench %s, daemon %s, "
	       "peer %s; load %.2f -> %.2f\n",
	       o->o_rounds, o->o_secs, sysconf(_SC_NPROCESSORS_ONLN), cpus[0],
	       cpus[1], cpus[2], b->b_load[0], b->b_load[1]);
	printf("%-6s %-24s %8s %19s %9s %7s  %s\n", "frame", "path", "Mpps",
	       "[min .. max]", "offered", "lost%",
	       "CPU us/frame bench/daemon/peer");
}

static void
bn_print_row(struct bn_run *b, unsigned k, enum bn_cell c)
{
	struct bn_sample t;
	double m[3];
	char nb[64], off[16] = "-", lost[16] = "-";

	bn_stats(&b->b_res[k][c], m);
	bn_sum(&b->b_res[k][c], &t);
	if (c == BN_RXS_RAW || c == BN_RXS_CH)
		snprintf(off, sizeof(off), "%.3f", t.s_offered / 1e6);
	if (!bn_cell_tx(c))
		snprintf(lost, sizeof(lost), "%.1f", bn_drop_pct(&t));
	printf("%-6u %-24s %8.3f [%7.3f .. %7.3f] %9s %7s  %.2f / %.2f / "
	       "%.2f\n",
	       bn_lens[k], bn_cell_name(b, c, nb, sizeof(nb)), m[0] / 1e6,
	       m[1] / 1e6, m[2] / 1e6, off, lost, bn_cpu_us(&t, 0),
	       bn_cpu_us(&t, 1), bn_cpu_us(&t, 2));
}

static void
bn_print(struct bn_run *b)
{
	bn_print_header(b);
	for (unsigned k = 0; k < BN_NLENS; k++)
		for (int c = 0; c < BN_NCELLS; c++)
			bn_print_row(b, k, (enum bn_cell)c);
	printf("channel / raw (medians):");
	for (unsigned k = 0; k < BN_NLENS; k++)
		for (unsigned i = 0; i < BN_NRATIOS; i++)
			printf(" %s@%u %.2f", bn_ratios[i].id, bn_lens[k],
			       bn_ratio(b, k, bn_ratios[i].ch, bn_ratios[i].raw));
	printf("\n");
	if (b->b_mismatch)
		printf("accounting mismatches: %" PRIu64 " (see stderr)\n",
		       b->b_mismatch);
}

/* ---- setup ------------------------------------------------------------------ */

/* A namespace `ip netns add` made: one of /run/netns's entries. */
static int
bn_netns_named(ino_t ino)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	struct stat st;
	int found = 0;

	while (d != NULL && !found && (e = readdir(d)) != NULL)
		found = fstatat(dirfd(d), e->d_name, &st, 0) == 0 &&
			st.st_ino == ino && e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return found;
}

/*
 * Ours to fill with frames: a UML guest (the whole guest is private), a
 * namespace other than PID 1's, or (where PID 1's is not ours to look
 * at, in a container) a namespace made by `ip netns add`.
 */
static void
bn_netns_check(const struct bn_opts *o)
{
	const char *guest = getenv("UML_RUN_GUEST");
	struct stat self, init;

	if (o->o_any_netns || (guest != NULL && strcmp(guest, "1") == 0))
		return;
	if (stat("/proc/self/ns/net", &self) != 0)
		bn_die("/proc/self/ns/net: %s", strerror(errno));
	if (stat("/proc/1/ns/net", &init) == 0 && init.st_ino != self.st_ino)
		return;
	if (bn_netns_named(self.st_ino))
		return;
	bn_die("refusing to run outside a network namespace of its own: run "
	       "tools/bench-netif.sh, or `ip netns exec NS ...` "
	       "(--any-netns to insist)");
}

static void
bn_tap_prepare(const char *name, int qlen)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 name);
	btr_sysctl(path, "1"); /* Linux adds no frames of its own */
	btr_link_up(name, qlen);
}

static void
bn_setup(struct bn_run *b)
{
	const struct bn_opts *o = b->b_o;
	const char *dp = getenv("SKCHAN_DAEMON_PID");

	b->b_daemon = dp != NULL ? (pid_t)atoi(dp) : 0;
	/* no daemon: say so before any device is made */
	b->b_sctl = skchan_ctl_open();
	if (b->b_sctl == NULL)
		bn_die("no daemon: %s", strerror(errno));
	close(btr_tap_open(o->o_ifname, 1)); /* the daemon opens it */
	bn_tap_prepare(o->o_ifname, o->o_qlen);
	b->b_rawfd = btr_tap_open(o->o_rawname, 0);
	bn_tap_prepare(o->o_rawname, o->o_qlen);
	bn_peer_start(b);
	bn_nif_register(b);
	bn_nif_open(b);
}

static void
bn_teardown(struct bn_run *b)
{
	bn_nif_close(b);
	skchan_ctl_close(b->b_sctl);
	bn_peer_stop(b);
	close(b->b_rawfd);
	btr_tap_remove(b->b_o->o_ifname);
}

/* ---- options ----------------------------------------------------------------- */

static void
bn_usage(FILE *f)
{
	fprintf(f,
		"usage: bench-netif [-t SECS] [-r ROUNDS] [-b B0,B1] [-q QLEN]\n"
		"                   [--quick] [--tsv] [--label NAME]\n"
		"                   [-i IFNAME] [--raw IFNAME] [--any-netns]\n"
		"  -t SECS      time per cell and round (default 1)\n"
		"  -r ROUNDS    rounds; cells report the median (default 5)\n"
		"  -b B0,B1     TX slots per sync, two sizes (default 32,128)\n"
		"  -q QLEN      the TAPs' queue length (default %d)\n"
		"  --quick      one round of 0.25 s per cell (a smoke run)\n"
		"  --tsv        machine-readable output (tools/bench-netif.sh)\n"
		"  -i, --raw    TAP names (default %s, %s); both are created\n"
		"  --any-netns  run even in the initial network namespace\n"
		"Root, inside a network namespace of its own, beside a daemon\n"
		"(scripts/with-skchan); tools/bench-netif.sh does all that.\n",
		BN_QLEN, BN_IFNAME, BN_RAWNAME);
}

static const struct option bn_longopts[] = {
    {"quick", no_argument, NULL, 'Q'},	  {"tsv", no_argument, NULL, 'T'},
    {"label", required_argument, NULL, 'L'},
    {"raw", required_argument, NULL, 'R'},
    {"any-netns", no_argument, NULL, 'A'}, {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int
bn_opt(struct bn_opts *o, int c, const char *arg, int *quick)
{
	switch (c) {
	case 't':
		o->o_secs = atof(arg);
		return o->o_secs > 0 && o->o_secs <= 60 ? 0 : -1;
	case 'r':
		o->o_rounds = (unsigned)atoi(arg);
		return o->o_rounds >= 1 && o->o_rounds <= BN_ROUNDS_MAX ? 0 : -1;
	case 'b':
		return sscanf(arg, "%u,%u", &o->o_batch[0], &o->o_batch[1]) == 2
			   ? 0 : -1;
	case 'q':
		o->o_qlen = atoi(arg);
		return o->o_qlen >= 2 * BN_FILL_SPARE ? 0 : -1;
	case 'i':
		o->o_ifname = arg;
		return strlen(arg) < IFNAMSIZ ? 0 : -1;
	case 'R':
		o->o_rawname = arg;
		return strlen(arg) < IFNAMSIZ ? 0 : -1;
	case 'Q':
		*quick = 1;
		return 0;
	case 'T':
		o->o_tsv = 1;
		return 0;
	case 'L':
		o->o_label = arg;
		return 0;
	case 'A':
		o->o_any_netns = 1;
		return 0;
	}
	return -1;
}

static void
bn_parse(struct bn_opts *o, int argc, char **argv)
{
	int c, quick = 0, timed = 0, rounded = 0;

	while ((c = getopt_long(argc, argv, "t:r:b:q:i:h", bn_longopts,
				NULL)) != -1) {
		if (c == 'h') {
			bn_usage(stdout);
			exit(0);
		}
		timed |= c == 't';
		rounded |= c == 'r';
		if (bn_opt(o, c, optarg, &quick) != 0)
			goto bad;
	}
	if (quick && !timed)
		o->o_secs = 0.25;
	if (quick && !rounded)
		o->o_rounds = 1;
	for (int i = 0; i < 2; i++)
		if (o->o_batch[i] == 0 || o->o_batch[i] > BN_BATCH_MAX)
			goto bad;
	if (optind == argc && strcmp(o->o_ifname, o->o_rawname) != 0)
		return;
bad:
	bn_usage(stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bn_opts o = {.o_secs = 1.0, .o_rounds = 5,
			    .o_batch = {32, 128}, .o_qlen = BN_QLEN,
			    .o_ifname = BN_IFNAME, .o_rawname = BN_RAWNAME,
			    .o_label = "run"};
	static struct bn_run b;

	bn_parse(&o, argc, argv);
	bn_netns_check(&o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	b.b_o = &o;
	bn_setup(&b);
	b.b_load[0] = bn_loadavg();
	bn_measure(&b);
	b.b_load[1] = bn_loadavg();
	if (o.o_tsv)
		bn_print_tsv(&b);
	else
		bn_print(&b);
	bn_teardown(&b);
	return 0;
}
