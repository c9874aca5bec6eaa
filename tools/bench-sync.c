/*
 * bench-sync.c - what one sync costs through a door, beside what the
 * machine's plainest round trips cost, measured in the same run.
 *
 * A benchmark, not a test: it prints numbers and judges nothing.  It is
 * an ordinary Skywalk program (the API tier of <skywalk/os_skywalk.h>
 * plus libc) and uses whichever door libskywalk picks; run it beside a
 * daemon with scripts/with-skchan [--cuse], or all doors side by side
 * with `make bench` (tools/bench-sync.sh).
 *
 * Rows.  Baselines first, then the channel's operations:
 *
 *   timer              an empty operation: what the clock itself adds
 *   ioctl              ioctl(FIONREAD) on a pipe: one system call that
 *                      does nothing (in UML: one trapped syscall)
 *   socketpair         a 32-byte request and 32-byte reply to an echo
 *                      process: a socket-door sync's framing, no work
 *   eventfd            ping-pong of two processes blocking on eventfds:
 *                      the cheapest sleep/wakeup round trip
 *   shm                ping-pong through two words of shared memory,
 *                      both sides spinning: no system call at all
 *   sync TX / RX       os_channel_sync() with nothing to move
 *   poll ready         poll(POLLOUT, 0) on a channel with free TX slots
 *   poll idle          poll(POLLIN, 0) on a channel with nothing to read
 *   pingpong B         B slots of 60 bytes to a server process on the
 *                      pipe's other end and back, poll-driven as skecho
 *                      is (TX sync explicit, RX sync by poll)
 *
 * Timing.  Every sample is one operation, bracketed by two reads of the
 * TSC (calibrated against CLOCK_MONOTONIC at start): inside User-Mode
 * Linux clock_gettime() is a trapped system call costing microseconds,
 * while rdtsc runs natively, so the timer row stays in the tens of ns
 * everywhere.  --clock uses clock_gettime() instead, to cross-check.
 * A run is split into rounds that interleave the rows, so a machine
 * that slows down mid-run slows every row alike; each row's samples are
 * pooled and reported as median and 99th percentile (the mean hides the
 * tails this is about).  Each block starts with unmeasured warm-up ops.
 *
 * CPU columns: on-CPU nanoseconds per operation of this process (its
 * thread CPU clock), the daemon (SKCHAN_DAEMON_PID) and the row's peer
 * process (/proc/PID/schedstat, exact for processes that sleep), read
 * around each block.  Wall time well above the sum
 * is time spent asleep, waiting for a wakeup.
 *
 * Peers are forked before any channel is opened (so none inherits a
 * channel), block on a read when idle (so they cost nothing while other
 * rows run), and end when their end of the conversation closes.  The
 * spinning shm peer parks on a pipe between blocks and yields every
 * BS_SPIN_YIELD spins, without which two spinners sharing one CPU (as in
 * UML, or when the scheduler stacks them) would each burn a time slice.
 *
 * Output: a table, the ratios that matter, and packet rates derived from
 * the ping-pong medians; --tsv prints the same as tab-separated lines
 * for tools/bench-sync.sh.  --quick runs a few hundred samples: a smoke
 * test, not a measurement.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <skywalk/os_skywalk.h>

#define BS_PKT_LEN 60	   /* a minimal Ethernet frame, as pkt-gen */
#define BS_SLOTS 256	   /* ring size: room for the largest batch */
#define BS_BATCH_MAX 128   /* largest ping-pong batch */
#define BS_MSG_LEN 32	   /* skc_msg (16) + skc_channel_sync (16) */
#define BS_WAIT_MS 10000   /* a wait this long is a stall: give up */
#define BS_SPIN_YIELD 1024 /* spins before a spinner yields the CPU */
#define BS_EFD_QUIT 2	   /* eventfd value that ends the echo peer */

/* A ring of n slots holds n - 1 in flight: one slot always stays free. */
_Static_assert(BS_BATCH_MAX < BS_SLOTS, "the largest batch fits a ring");

struct bs_opts {
	unsigned o_samples; /* per row, before the row's divisor */
	unsigned o_rounds;
	int o_tsv;
	int o_clock; /* clock_gettime instead of the TSC */
	const char *o_label;
};

/* The shm ring: one word each way, each on its own cache line. */
struct bs_shm {
	_Alignas(64) _Atomic uint64_t sh_ping;
	_Alignas(64) _Atomic uint64_t sh_pong;
	_Alignas(64) _Atomic int sh_stop; /* 1: leave the block; 0: left */
};

struct bs_ctx {
	const struct bs_opts *c_o;
	pid_t c_daemon; /* 0: unknown */
	int c_pipe[2];	/* FIONREAD target */
	int c_sock;	/* socketpair to the echo peer */
	pid_t c_sock_peer;
	int c_efd_ping, c_efd_pong;
	pid_t c_efd_peer;
	struct bs_shm *c_shm;
	int c_shm_gate; /* write end: one byte starts a block */
	pid_t c_shm_peer;
	nexus_controller_t c_nxctl;
	uuid_t c_prov, c_inst;
	pid_t c_sk_peer;
	channel_t c_ch;
	channel_ring_t c_tx, c_rx;
	int c_chfd;
	const char *c_door; /* what the channel's fd turned out to be */
	uint64_t c_seq;	    /* numbers the ping-pong slots */
	uint64_t c_shm_seq;
};

struct bs_row;
typedef void (*bs_op_fn)(struct bs_ctx *c, const struct bs_row *r);

struct bs_row {
	const char *r_key;  /* for --tsv and the driver */
	const char *r_name; /* for people */
	bs_op_fn r_op;
	unsigned r_div;	  /* samples = o_samples / r_div */
	unsigned r_batch; /* slots per operation (ping-pong), else 0 */
	int r_ref;	  /* row whose median this one is compared with */
	int r_daemon;	  /* the daemon takes part */
	pid_t *r_peer;	  /* the peer process that takes part, or NULL */
	uint64_t *r_ticks;
	size_t r_n;
	uint64_t r_self_ns, r_daemon_ns, r_peer_ns;
};

static const char *bs_prog = "bench-sync";
static double bs_ns_per_tick = 1.0;
static int bs_use_clock;

__attribute__((format(printf, 1, 2), noreturn)) static void
bs_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bs_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- time --------------------------------------------------------- */

static uint64_t
bs_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* lfence: the TSC is read after everything before it has finished. */
static inline uint64_t
bs_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t lo, hi;

	if (!bs_use_clock) {
		__asm__ volatile("lfence; rdtsc"
				 : "=a"(lo), "=d"(hi)::"memory");
		return (uint64_t)hi << 32 | lo;
	}
#endif
	return bs_mono_ns();
}

/* TSC ticks per ns over a stretch of wall time; 1:1 with --clock. */
static void
bs_calibrate(unsigned ms)
{
	struct timespec nap = {0, (long)ms * 1000000L};
	uint64_t t0, n0, t1, n1;

#if !defined(__x86_64__) && !defined(__i386__)
	bs_use_clock = 1;
#endif
	if (bs_use_clock)
		return;
	n0 = bs_mono_ns();
	t0 = bs_ticks();
	nanosleep(&nap, NULL);
	n1 = bs_mono_ns();
	t1 = bs_ticks();
	if (t1 <= t0 || n1 <= n0)
		bs_die("the TSC does not advance (try --clock)");
	bs_ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
}

/* On-CPU ns of a process (schedstat's first field); 0 if unknown. */
static uint64_t
bs_cpu_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/schedstat", (long)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

/* ---- small system helpers ---------------------------------------------- */

static void
bs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			bs_die("write: %s", n < 0 ? strerror(errno) : "short");
		p += n;
		len -= (size_t)n;
	}
}

/* Reads exactly len bytes; 0 at end of file, 1 when done. */
static int
bs_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			bs_die("read: %s", strerror(errno));
		if (n == 0)
			return 0;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

/*
 * A peer never outlives us: a spinning orphan would eat a CPU.  The
 * getppid() check closes the race with a parent that died before the
 * child asked to be told.
 */
static pid_t
bs_fork(void)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		bs_die("fork: %s", strerror(errno));
	if (pid == 0 &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent))
		_exit(1);
	return pid;
}

/* Waits for a peer that has been told to go; kills it if it will not. */
static void
bs_reap(pid_t pid, const char *what)
{
	uint64_t until = bs_mono_ns() + 5000000000ull;
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (bs_mono_ns() > until) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			bs_die("the %s peer did not finish", what);
		}
		usleep(1000);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		bs_die("the %s peer failed (%s %d)", what,
		       WIFSIGNALED(st) ? "signal" : "status",
		       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

static inline void
bs_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* ---- baseline peers ------------------------------------------------ */

static void
bs_sock_echo(int s)
{
	char buf[BS_MSG_LEN];

	while (bs_read_all(s, buf, sizeof(buf)))
		bs_write_all(s, buf, sizeof(buf));
	_exit(0);
}

static void
bs_start_sock_peer(struct bs_ctx *c)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		bs_die("socketpair: %s", strerror(errno));
	c->c_sock_peer = bs_fork();
	if (c->c_sock_peer == 0) {
		close(sv[0]);
		bs_sock_echo(sv[1]);
	}
	close(sv[1]);
	c->c_sock = sv[0];
}

static void
bs_efd_echo(int ping, int pong)
{
	uint64_t v;

	while (read(ping, &v, sizeof(v)) == (ssize_t)sizeof(v) && v == 1)
		if (write(pong, &v, sizeof(v)) != (ssize_t)sizeof(v))
			_exit(1);
	_exit(0);
}

static void
bs_start_efd_peer(struct bs_ctx *c)
{
	c->c_efd_ping = eventfd(0, EFD_CLOEXEC);
	c->c_efd_pong = eventfd(0, EFD_CLOEXEC);
	if (c->c_efd_ping < 0 || c->c_efd_pong < 0)
		bs_die("eventfd: %s", strerror(errno));
	c->c_efd_peer = bs_fork();
	if (c->c_efd_peer == 0)
		bs_efd_echo(c->c_efd_ping, c->c_efd_pong);
}

/*
 * Spins before yielding: BS_SPIN_YIELD with CPUs to spare, 1 on a single
 * CPU (UML), where the other side cannot move while we spin.
 */
static unsigned bs_spin_limit = BS_SPIN_YIELD;

/* Spins until the word moves away from old; 0 if told to stop first. */
static int
bs_spin_change(_Atomic uint64_t *w, uint64_t old, _Atomic int *stop)
{
	unsigned spins = 0;

	while (atomic_load_explicit(w, memory_order_acquire) == old) {
		if (stop != NULL && atomic_load(stop))
			return 0;
		bs_cpu_relax();
		if (++spins % bs_spin_limit == 0)
			sched_yield();
	}
	return 1;
}

/* One block: answer every ping until told to stop, then say so. */
static void
bs_shm_serve(struct bs_shm *sh)
{
	/* what was last answered, not the ping: one may already be here */
	uint64_t seen = atomic_load(&sh->sh_pong);

	while (bs_spin_change(&sh->sh_ping, seen, &sh->sh_stop)) {
		seen = atomic_load_explicit(&sh->sh_ping, memory_order_acquire);
		atomic_store_explicit(&sh->sh_pong, seen, memory_order_release);
	}
	atomic_store(&sh->sh_stop, 0);
}

static void
bs_shm_echo(struct bs_shm *sh, int gate)
{
	char cmd;

	while (bs_read_all(gate, &cmd, 1) && cmd == 'g')
		bs_shm_serve(sh);
	_exit(0);
}

static void
bs_start_shm_peer(struct bs_ctx *c)
{
	int gate[2];

	c->c_shm = mmap(NULL, sizeof(*c->c_shm), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->c_shm == MAP_FAILED)
		bs_die("mmap: %s", strerror(errno));
	if (pipe2(gate, O_CLOEXEC) != 0)
		bs_die("pipe: %s", strerror(errno));
	c->c_shm_peer = bs_fork();
	if (c->c_shm_peer == 0) {
		close(gate[1]);
		bs_shm_echo(c->c_shm, gate[0]);
	}
	close(gate[0]);
	c->c_shm_gate = gate[1];
}

/* ---- the user pipe ------------------------------------------------------ */

static void
bs_attr(nexus_attr_t a, nexus_attr_type_t t, uint64_t v)
{
	int err = os_nexus_attr_set(a, t, v);

	if (err != 0)
		bs_die("os_nexus_attr_set(%d): %s", (int)t, strerror(err));
}

/* reject_on_close: the server learns the client is gone from POLLHUP. */
static void
bs_nexus_create(struct bs_ctx *c)
{
	nexus_attr_t a = os_nexus_attr_create();
	nexus_name_t name;

	if (a == NULL)
		bs_die("os_nexus_attr_create: %s", strerror(errno));
	bs_attr(a, NEXUS_ATTR_ANONYMOUS, 1);
	bs_attr(a, NEXUS_ATTR_REJECT_ON_CLOSE, 1);
	bs_attr(a, NEXUS_ATTR_TX_SLOTS, BS_SLOTS);
	bs_attr(a, NEXUS_ATTR_RX_SLOTS, BS_SLOTS);
	c->c_nxctl = os_nexus_controller_create();
	if (c->c_nxctl == NULL)
		bs_die("os_nexus_controller_create: %s (is the daemon "
		       "running? try scripts/with-skchan)",
		       strerror(errno));
	memset(name, 0, sizeof(name));
	snprintf((char *)name, sizeof(name), "bench-sync.%ld", (long)getpid());
	if (os_nexus_controller_register_provider(
		c->c_nxctl, name, NEXUS_TYPE_USER_PIPE, a, &c->c_prov) != 0)
		bs_die("register_provider: %s", strerror(errno));
	os_nexus_attr_destroy(a);
	if (os_nexus_controller_alloc_provider_instance(c->c_nxctl, c->c_prov,
							&c->c_inst) != 0)
		bs_die("alloc_provider_instance: %s", strerror(errno));
}

static void
bs_nexus_destroy(struct bs_ctx *c)
{
	if (os_nexus_controller_free_provider_instance(c->c_nxctl, c->c_inst) !=
		0 ||
	    os_nexus_controller_deregister_provider(c->c_nxctl, c->c_prov) != 0)
		bs_die("tearing the nexus down: %s", strerror(errno));
	os_nexus_controller_destroy(c->c_nxctl);
}

static void
bs_open(struct bs_ctx *c, nexus_port_t port)
{
	c->c_ch = os_channel_create(c->c_inst, port);
	if (c->c_ch == NULL)
		bs_die("os_channel_create(port %u): %s", port, strerror(errno));
	c->c_tx = os_channel_tx_ring(
	    c->c_ch, os_channel_ring_id(c->c_ch, CHANNEL_FIRST_TX_RING));
	c->c_rx = os_channel_rx_ring(
	    c->c_ch, os_channel_ring_id(c->c_ch, CHANNEL_FIRST_RX_RING));
	if (c->c_tx == NULL || c->c_rx == NULL)
		bs_die("port %u: no TX or RX ring", port);
	c->c_chfd = os_channel_get_fd(c->c_ch);
}

/* Which door the handle really went through: CUSE gives a device. */
static const char *
bs_door_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return "unknown";
	if (S_ISCHR(st.st_mode))
		return "cuse";
	return S_ISSOCK(st.st_mode) ? "socket" : "unknown";
}

/*
 * Waits for events on the channel; 0 when some arrived, -1 when the
 * channel is dead (the other end closed).  Silence for ms is a stall.
 */
static int
bs_wait(struct bs_ctx *c, short events, int ms)
{
	struct pollfd pfd = {c->c_chfd, events, 0};
	int n;

	do
		n = poll(&pfd, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		bs_die("poll: %s", strerror(errno));
	if (n == 0)
		bs_die("no event on the channel for %d ms", ms);
	return pfd.revents & (POLLERR | POLLHUP | POLLNVAL) ? -1 : 0;
}

static int
bs_sync(struct bs_ctx *c, sync_mode_t mode)
{
	if (os_channel_sync(c->c_ch, mode) == 0)
		return 0;
	if (errno == ENXIO)
		return -1;
	bs_die("os_channel_sync(%s): %s", mode == CHANNEL_SYNC_TX ? "TX" : "RX",
	       strerror(errno));
}

/* Copies every RX slot on offer into a TX slot; TX sync; RX to poll. */
static uint32_t
bs_echo_batch(struct bs_ctx *c)
{
	channel_slot_t rs = NULL, ts = NULL, nrs, nts;
	slot_prop_t rp, tp;
	uint32_t n = 0;

	while ((nrs = os_channel_get_next_slot(c->c_rx, rs, &rp)) != NULL) {
		nts = os_channel_get_next_slot(c->c_tx, ts, &tp);
		if (nts == NULL)
			break;
		memcpy((void *)(uintptr_t)tp.sp_buf_ptr,
		       (const void *)(uintptr_t)rp.sp_buf_ptr, rp.sp_len);
		tp.sp_len = rp.sp_len;
		os_channel_set_slot_properties(c->c_tx, nts, &tp);
		rs = nrs;
		ts = nts;
		n++;
	}
	if (n == 0)
		return 0;
	if (os_channel_advance_slot(c->c_tx, ts) != 0 ||
	    os_channel_advance_slot(c->c_rx, rs) != 0)
		bs_die("server: advance: %s", strerror(errno));
	return bs_sync(c, CHANNEL_SYNC_TX) == 0 ? n : 0;
}

/* The pipe's port 1, in its own process, until the client closes. */
static void
bs_sk_server(struct bs_ctx *c, int ready)
{
	short ev;

	bs_prog = "bench-sync(server)";
	bs_open(c, NEXUS_PORT_USER_PIPE_SERVER);
	bs_write_all(ready, "R", 1);
	close(ready);
	for (;;) {
		if (bs_echo_batch(c) > 0)
			continue;
		ev = os_channel_available_slot_count(c->c_rx) > 0 ? POLLOUT
								  : POLLIN;
		if (bs_wait(c, ev, -1) < 0) /* idle while other rows run */
			break;
	}
	os_channel_destroy(c->c_ch);
	_exit(0);
}

static void
bs_start_sk_peer(struct bs_ctx *c)
{
	int ready[2];
	char r;

	if (pipe2(ready, O_CLOEXEC) != 0)
		bs_die("pipe: %s", strerror(errno));
	c->c_sk_peer = bs_fork();
	if (c->c_sk_peer == 0) {
		close(ready[0]);
		bs_sk_server(c, ready[1]);
	}
	close(ready[1]);
	if (bs_read_all(ready[0], &r, 1) != 1)
		bs_die("the pipe server did not open its channel");
	close(ready[0]);
}

/* ---- operations: one sample each --------------------------------------- */

static void
bs_op_timer(struct bs_ctx *c, const struct bs_row *r)
{
}

static void
bs_op_ioctl(struct bs_ctx *c, const struct bs_row *r)
{
	int n;

	if (ioctl(c->c_pipe[0], FIONREAD, &n) != 0)
		bs_die("ioctl(FIONREAD): %s", strerror(errno));
}

static void
bs_op_sock(struct bs_ctx *c, const struct bs_row *r)
{
	char buf[BS_MSG_LEN] = {0};

	bs_write_all(c->c_sock, buf, sizeof(buf));
	if (!bs_read_all(c->c_sock, buf, sizeof(buf)))
		bs_die("the socketpair peer went away");
}

static void
bs_op_efd(struct bs_ctx *c, const struct bs_row *r)
{
	uint64_t v = 1;

	bs_write_all(c->c_efd_ping, &v, sizeof(v));
	if (!bs_read_all(c->c_efd_pong, &v, sizeof(v)))
		bs_die("eventfd: end of file");
}

static void
bs_op_shm(struct bs_ctx *c, const struct bs_row *r)
{
	uint64_t v = ++c->c_shm_seq;

	atomic_store_explicit(&c->c_shm->sh_ping, v, memory_order_release);
	while (atomic_load_explicit(&c->c_shm->sh_pong, memory_order_acquire) !=
	       v)
		bs_spin_change(&c->c_shm->sh_pong, v - 1, NULL);
}

static void
bs_op_sync_tx(struct bs_ctx *c, const struct bs_row *r)
{
	if (bs_sync(c, CHANNEL_SYNC_TX) != 0)
		bs_die("sync TX: the pipe was closed");
}

static void
bs_op_sync_rx(struct bs_ctx *c, const struct bs_row *r)
{
	if (bs_sync(c, CHANNEL_SYNC_RX) != 0)
		bs_die("sync RX: the pipe was closed");
}

static void
bs_op_poll_ready(struct bs_ctx *c, const struct bs_row *r)
{
	struct pollfd pfd = {c->c_chfd, POLLOUT, 0};

	if (poll(&pfd, 1, 0) != 1 || pfd.revents != POLLOUT)
		bs_die("poll(POLLOUT): not ready (revents 0x%x): %s",
		       pfd.revents, strerror(errno));
}

static void
bs_op_poll_idle(struct bs_ctx *c, const struct bs_row *r)
{
	struct pollfd pfd = {c->c_chfd, POLLIN, 0};

	if (poll(&pfd, 1, 0) != 0)
		bs_die("poll(POLLIN) on an idle channel: revents 0x%x: %s",
		       pfd.revents, strerror(errno));
}

/* Queues n slots of BS_PKT_LEN bytes, numbered, and syncs TX. */
static void
bs_send(struct bs_ctx *c, unsigned n)
{
	channel_slot_t s = NULL, last = NULL;
	slot_prop_t p;
	unsigned i = 0;

	while (i < n) {
		s = os_channel_get_next_slot(c->c_tx, last, &p);
		if (s == NULL)
			bs_die("TX ring full (%u of %u queued)", i, n);
		memset((void *)(uintptr_t)p.sp_buf_ptr, 0x5a, BS_PKT_LEN);
		memcpy((void *)(uintptr_t)p.sp_buf_ptr, &c->c_seq,
		       sizeof(c->c_seq));
		p.sp_len = BS_PKT_LEN;
		os_channel_set_slot_properties(c->c_tx, s, &p);
		c->c_seq++;
		last = s;
		i++;
	}
	if (os_channel_advance_slot(c->c_tx, last) != 0)
		bs_die("advance TX: %s", strerror(errno));
	if (bs_sync(c, CHANNEL_SYNC_TX) != 0)
		bs_die("the pipe server went away");
}

/* Takes what RX offers (each slot must be one of ours, intact). */
static unsigned
bs_take(struct bs_ctx *c)
{
	channel_slot_t s = NULL, last = NULL;
	slot_prop_t p;
	unsigned n = 0;

	while ((s = os_channel_get_next_slot(c->c_rx, last, &p)) != NULL) {
		if (p.sp_len != BS_PKT_LEN)
			bs_die("RX slot of %u bytes, sent %d", p.sp_len,
			       BS_PKT_LEN);
		last = s;
		n++;
	}
	if (last != NULL && os_channel_advance_slot(c->c_rx, last) != 0)
		bs_die("advance RX: %s", strerror(errno));
	return n;
}

static void
bs_op_pingpong(struct bs_ctx *c, const struct bs_row *r)
{
	unsigned got = 0;

	bs_send(c, r->r_batch);
	for (;;) {
		got += bs_take(c);
		if (got >= r->r_batch)
			break;
		if (bs_wait(c, POLLIN, BS_WAIT_MS) < 0)
			bs_die("the pipe closed mid ping-pong");
	}
	if (got != r->r_batch)
		bs_die("sent %u slots, %u came back", r->r_batch, got);
}

/* ---- the table of rows --------------------------------------------------- */

enum {
	BS_R_TIMER,
	BS_R_IOCTL,
	BS_R_SOCK,
	BS_R_EFD,
	BS_R_SHM,
	BS_R_SYNC_TX,
	BS_R_SYNC_RX,
	BS_R_POLL_READY,
	BS_R_POLL_IDLE,
	BS_R_PP1,
	BS_R_PP32,
	BS_R_PP128,
	BS_NROWS
};

static struct bs_row bs_rows[BS_NROWS] = {
    [BS_R_TIMER] = {"timer", "timer only (empty op)", bs_op_timer, 1, 0, -1},
    [BS_R_IOCTL] = {"ioctl", "ioctl(FIONREAD) on a pipe", bs_op_ioctl, 1, 0,
		    BS_R_TIMER},
    [BS_R_SOCK] = {"sockpair", "socketpair 32 B request/reply", bs_op_sock, 1,
		   0, BS_R_IOCTL},
    [BS_R_EFD] = {"eventfd", "eventfd ping-pong, 2 procs", bs_op_efd, 1, 0,
		  BS_R_SOCK},
    [BS_R_SHM] = {"shm", "shm ring ping-pong, spinning", bs_op_shm, 1, 0,
		  BS_R_EFD},
    [BS_R_SYNC_TX] = {"sync_tx", "os_channel_sync(TX), idle", bs_op_sync_tx, 1,
		      0, BS_R_SOCK, 1},
    [BS_R_SYNC_RX] = {"sync_rx", "os_channel_sync(RX), idle", bs_op_sync_rx, 1,
		      0, BS_R_SOCK, 1},
    [BS_R_POLL_READY] = {"poll_ready", "poll(POLLOUT) ready channel",
			 bs_op_poll_ready, 1, 0, BS_R_SYNC_TX, 1},
    [BS_R_POLL_IDLE] = {"poll_idle", "poll(POLLIN, 0) idle channel",
			bs_op_poll_idle, 1, 0, BS_R_SYNC_RX, 1},
    [BS_R_PP1] = {"pp1", "upipe ping-pong, 1 slot", bs_op_pingpong, 4, 1,
		  BS_R_EFD, 1},
    [BS_R_PP32] = {"pp32", "upipe ping-pong, 32 slots", bs_op_pingpong, 16, 32,
		   BS_R_PP1, 1},
    [BS_R_PP128] = {"pp128", "upipe ping-pong, 128 slots", bs_op_pingpong, 32,
		    BS_BATCH_MAX, BS_R_PP1, 1},
};

static void
bs_rows_bind(struct bs_ctx *c)
{
	bs_rows[BS_R_SOCK].r_peer = &c->c_sock_peer;
	bs_rows[BS_R_EFD].r_peer = &c->c_efd_peer;
	bs_rows[BS_R_SHM].r_peer = &c->c_shm_peer;
	for (int i = BS_R_PP1; i <= BS_R_PP128; i++)
		bs_rows[i].r_peer = &c->c_sk_peer;
}

static unsigned
bs_row_samples(const struct bs_ctx *c, const struct bs_row *r)
{
	unsigned n = c->c_o->o_samples / r->r_div;
	unsigned min = 4 * c->c_o->o_rounds;

	return n < min ? min : n;
}

static void
bs_rows_alloc(struct bs_ctx *c)
{
	for (int i = 0; i < BS_NROWS; i++) {
		bs_rows[i].r_ticks =
		    calloc(bs_row_samples(c, &bs_rows[i]), sizeof(uint64_t));
		if (bs_rows[i].r_ticks == NULL)
			bs_die("out of memory");
	}
}

/* The shm peer spins only inside its own blocks. */
static void
bs_block_begin(struct bs_ctx *c, int row)
{
	if (row == BS_R_SHM)
		bs_write_all(c->c_shm_gate, "g", 1);
}

static void
bs_block_end(struct bs_ctx *c, int row)
{
	if (row != BS_R_SHM)
		return;
	atomic_store(&c->c_shm->sh_stop, 1);
	while (atomic_load(&c->c_shm->sh_stop) != 0)
		sched_yield();
}

struct bs_cpu {
	uint64_t u_self, u_daemon, u_peer;
};

/* Our own clock, not schedstat: that one lags while we are running. */
static uint64_t
bs_self_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
bs_cpu_read(const struct bs_ctx *c, const struct bs_row *r, struct bs_cpu *u)
{
	u->u_self = bs_self_cpu_ns();
	u->u_daemon = r->r_daemon ? bs_cpu_ns(c->c_daemon) : 0;
	u->u_peer = r->r_peer != NULL ? bs_cpu_ns(*r->r_peer) : 0;
}

static void
bs_cpu_add(struct bs_row *r, const struct bs_cpu *a, const struct bs_cpu *b)
{
	r->r_self_ns += b->u_self - a->u_self;
	r->r_daemon_ns += b->u_daemon - a->u_daemon;
	r->r_peer_ns += b->u_peer - a->u_peer;
}

/* One block of row i: warm up, then n timed operations. */
static void
bs_block(struct bs_ctx *c, int i, unsigned n)
{
	struct bs_row *r = &bs_rows[i];
	struct bs_cpu a, b;
	uint64_t t0, t1;
	unsigned k, warm = n / 10 < 50 ? n / 10 + 1 : 50;

	bs_block_begin(c, i);
	for (k = 0; k < warm; k++)
		r->r_op(c, r);
	bs_cpu_read(c, r, &a);
	for (k = 0; k < n; k++) {
		t0 = bs_ticks();
		r->r_op(c, r);
		t1 = bs_ticks();
		r->r_ticks[r->r_n++] = t1 - t0;
	}
	bs_cpu_read(c, r, &b);
	bs_cpu_add(r, &a, &b);
	bs_block_end(c, i);
}

static void
bs_run(struct bs_ctx *c)
{
	const struct bs_opts *o = c->c_o;
	unsigned total, done;

	for (unsigned round = 0; round < o->o_rounds; round++)
		for (int i = 0; i < BS_NROWS; i++) {
			total = bs_row_samples(c, &bs_rows[i]);
			done = total * round / o->o_rounds;
			bs_block(c, i,
				 total * (round + 1) / o->o_rounds - done);
		}
}

/* ---- statistics and output ----------------------------------------------- */

struct bs_stat {
	double s_med, s_p99, s_mean;	 /* ns */
	double s_self, s_daemon, s_peer; /* on-CPU ns per operation */
};

static int
bs_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
bs_stat(struct bs_row *r, struct bs_stat *s)
{
	double sum = 0, n = (double)r->r_n;
	size_t mid = r->r_n / 2, p99 = r->r_n * 99 / 100;

	qsort(r->r_ticks, r->r_n, sizeof(uint64_t), bs_cmp_u64);
	for (size_t i = 0; i < r->r_n; i++)
		sum += (double)r->r_ticks[i];
	s->s_med = (double)r->r_ticks[mid] * bs_ns_per_tick;
	s->s_p99 = (double)r->r_ticks[p99 < r->r_n ? p99 : r->r_n - 1] *
		   bs_ns_per_tick;
	s->s_mean = sum / n * bs_ns_per_tick;
	s->s_self = (double)r->r_self_ns / n;
	s->s_daemon = (double)r->r_daemon_ns / n;
	s->s_peer = (double)r->r_peer_ns / n;
}

static struct bs_stat bs_stats[BS_NROWS];

static double
bs_ratio(int a, int b)
{
	return bs_stats[b].s_med > 0 ? bs_stats[a].s_med / bs_stats[b].s_med
				     : 0;
}

static void
bs_print_info(const struct bs_ctx *c, const char *key, const char *val)
{
	if (c->c_o->o_tsv)
		printf("info\t%s\t%s\n", key, val);
}

static void
bs_cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256], *v;

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "model name", 10) == 0 &&
		    (v = strchr(line, ':')) != NULL) {
			v += strspn(v, ": \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(buf, len, "%s", v);
			break;
		}
	fclose(f);
}

/* The load average: on a shared machine, the context of every number. */
static void
bs_loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "re");
	double a = -1, b = -1, d = -1;

	if (f != NULL) {
		if (fscanf(f, "%lf %lf %lf", &a, &b, &d) != 3)
			a = b = d = -1;
		fclose(f);
	}
	snprintf(buf, len, "%.2f %.2f %.2f", a, b, d);
}

static char bs_load_start[64];

static void
bs_header(const struct bs_ctx *c)
{
	char model[128], ncpu[16], tick[32], samples[32], load[64];
	struct utsname u;

	uname(&u);
	bs_cpu_model(model, sizeof(model));
	bs_loadavg(load, sizeof(load));
	snprintf(ncpu, sizeof(ncpu), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	snprintf(tick, sizeof(tick), bs_use_clock ? "clock_gettime" : "tsc");
	snprintf(samples, sizeof(samples), "%u", c->c_o->o_samples);
	bs_print_info(c, "label", c->c_o->o_label);
	bs_print_info(c, "door", c->c_door);
	bs_print_info(c, "kernel", u.release);
	bs_print_info(c, "cpu", model);
	bs_print_info(c, "ncpu", ncpu);
	bs_print_info(c, "timer", tick);
	bs_print_info(c, "samples", samples);
	bs_print_info(c, "load_start", bs_load_start);
	bs_print_info(c, "load_end", load);
	if (c->c_o->o_tsv)
		return;
	printf("%s: %s (door %s); Linux %s, %s CPU(s) %s; timer %s "
	       "(%.3f ns/tick); %u samples per row, %u rounds; load %s -> "
	       "%s\n",
	       bs_prog, c->c_o->o_label, c->c_door, u.release, ncpu, model,
	       tick, bs_ns_per_tick, c->c_o->o_samples, c->c_o->o_rounds,
	       bs_load_start, load);
}

static void
bs_print_row_tsv(int i)
{
	const struct bs_row *r = &bs_rows[i];
	const struct bs_stat *s = &bs_stats[i];

	printf("row\t%s\t%.0f\t%.0f\t%.0f\t%zu\t%.0f\t%.0f\t%.0f\t%u\t%s\n",
	       r->r_key, s->s_med, s->s_p99, s->s_mean, r->r_n, s->s_self,
	       s->s_daemon, s->s_peer, r->r_batch, r->r_name);
}

static void
bs_print_row(int i)
{
	const struct bs_row *r = &bs_rows[i];
	const struct bs_stat *s = &bs_stats[i];

	printf("%-30s %9.0f %9.0f %9.0f %8.0f %8.0f %8.0f", r->r_name, s->s_med,
	       s->s_p99, s->s_mean, s->s_self, s->s_daemon, s->s_peer);
	if (r->r_ref >= 0)
		printf("  %6.2fx %s", bs_ratio(i, r->r_ref),
		       bs_rows[r->r_ref].r_key);
	putchar('\n');
}

static void
bs_print_table(void)
{
	printf("%-30s %9s %9s %9s %8s %8s %8s  %s\n", "operation (ns)",
	       "median", "p99", "mean", "cpu:me", "daemon", "peer",
	       "median vs");
	for (int i = 0; i < BS_NROWS; i++)
		bs_print_row(i);
}

/* The comparisons docs/performance.md discusses, from this run. */
static const struct bs_cmp {
	const char *k_key, *k_what;
	int k_a, k_b;
} bs_cmps[] = {
    {"sync_tx/ioctl", "a sync is N bare system calls", BS_R_SYNC_TX,
     BS_R_IOCTL},
    {"sync_tx/sockpair", "a sync is N plain socket round trips", BS_R_SYNC_TX,
     BS_R_SOCK},
    {"poll_ready/sync_tx", "a ready poll is N syncs", BS_R_POLL_READY,
     BS_R_SYNC_TX},
    {"pp1/eventfd", "a 1-slot round trip is N eventfd round trips", BS_R_PP1,
     BS_R_EFD},
    {"pp1/shm", "a 1-slot round trip is N spinning shm round trips", BS_R_PP1,
     BS_R_SHM},
    {"pp1/sync_tx", "a 1-slot round trip is N idle syncs", BS_R_PP1,
     BS_R_SYNC_TX},
};

static void
bs_print_ratios(int tsv)
{
	const struct bs_cmp *k;
	size_t i;

	if (!tsv)
		printf("ratios of medians:\n");
	for (i = 0; i < sizeof(bs_cmps) / sizeof(bs_cmps[0]); i++) {
		k = &bs_cmps[i];
		if (tsv)
			printf("ratio\t%s\t%.2f\t%s\n", k->k_key,
			       bs_ratio(k->k_a, k->k_b), k->k_what);
		else
			printf("  %-20s %8.2f  (%s)\n", k->k_key,
			       bs_ratio(k->k_a, k->k_b), k->k_what);
	}
}

/*
 * Packet rates for skecho-like batches.  Measured: B slots per round
 * trip over the median ping-pong.  Bound: a one-way stream whose every
 * batch costs one TX sync at the sender and one ready poll (its RX
 * sync) at the receiver, in parallel: B per the slower of the two.
 */
static void
bs_print_rates(int tsv)
{
	static const int pp[] = {BS_R_PP1, BS_R_PP32, BS_R_PP128};
	double tx = bs_stats[BS_R_SYNC_TX].s_med;
	double rx = bs_stats[BS_R_POLL_READY].s_med, worst = tx > rx ? tx : rx;
	double b, rtt;

	if (!tsv)
		printf("packet rates (pps), B slots per sync:\n"
		       "  %5s %14s %14s\n",
		       "B", "ping-pong", "stream bound");
	for (size_t i = 0; i < sizeof(pp) / sizeof(pp[0]); i++) {
		b = bs_rows[pp[i]].r_batch;
		rtt = bs_stats[pp[i]].s_med;
		if (tsv)
			printf("rate\t%.0f\t%.0f\t%.0f\n", b, b * 1e9 / rtt,
			       b * 1e9 / worst);
		else
			printf("  %5.0f %14.0f %14.0f\n", b, b * 1e9 / rtt,
			       b * 1e9 / worst);
	}
}

static void
bs_report(const struct bs_ctx *c)
{
	for (int i = 0; i < BS_NROWS; i++)
		bs_stat(&bs_rows[i], &bs_stats[i]);
	bs_header(c);
	if (c->c_o->o_tsv) {
		for (int i = 0; i < BS_NROWS; i++)
			bs_print_row_tsv(i);
	} else {
		bs_print_table();
	}
	bs_print_ratios(c->c_o->o_tsv);
	bs_print_rates(c->c_o->o_tsv);
}

/* ---- set-up, tear-down, options -------------------------------------------
 */

static void
bs_setup(struct bs_ctx *c)
{
	const char *d = getenv("SKCHAN_DAEMON_PID");

	c->c_daemon = d != NULL ? (pid_t)atol(d) : 0;
	if (pipe2(c->c_pipe, O_CLOEXEC) != 0)
		bs_die("pipe: %s", strerror(errno));
	/* peers first: none of them may inherit a channel */
	bs_start_sock_peer(c);
	bs_start_efd_peer(c);
	bs_start_shm_peer(c);
	bs_nexus_create(c);
	bs_start_sk_peer(c);
	bs_open(c, NEXUS_PORT_USER_PIPE_CLIENT);
	c->c_door = bs_door_of(c->c_chfd);
	bs_rows_bind(c);
	bs_rows_alloc(c);
}

/*
 * Every peer is told to go before any is waited for: later peers hold
 * copies of earlier peers' descriptors (the socketpair's end reaches EOF
 * only when all of them have exited).
 */
static void
bs_teardown(struct bs_ctx *c)
{
	uint64_t quit = BS_EFD_QUIT;

	os_channel_destroy(c->c_ch); /* reject_on_close: server sees HUP */
	close(c->c_sock);
	bs_write_all(c->c_efd_ping, &quit, sizeof(quit));
	bs_write_all(c->c_shm_gate, "q", 1);
	bs_reap(c->c_sk_peer, "pipe server");
	bs_reap(c->c_efd_peer, "eventfd");
	bs_reap(c->c_shm_peer, "shm");
	bs_reap(c->c_sock_peer, "socketpair");
	bs_nexus_destroy(c);
}

static void
bs_usage(FILE *f, int status)
{
	fprintf(
	    f, "usage: bench-sync [--quick] [-n SAMPLES] [-r ROUNDS] [--tsv] "
	       "[--clock] [--label TEXT]\n"
	       "  -n SAMPLES   samples per row (default 10000; ping-pong "
	       "rows take fewer)\n"
	       "  -r ROUNDS    rounds interleaving the rows (default 5)\n"
	       "  --quick      400 samples, 2 rounds: runs in about a second\n"
	       "  --tsv        tab-separated output (for tools/bench-sync.sh)\n"
	       "  --clock      time with clock_gettime, not the TSC\n"
	       "  --label TEXT names the run (default: the door)\n"
	       "Run beside a daemon: scripts/with-skchan [--cuse] -- "
	       "bench-sync\n");
	exit(status);
}

static unsigned
bs_num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *s == '\0' || v == 0 || v > 1u << 24)
		bs_usage(stderr, 2);
	return (unsigned)v;
}

static void
bs_parse(int argc, char **argv, struct bs_opts *o)
{
	static const struct option lo[] = {
	    {"quick", no_argument, NULL, 'q'},
	    {"tsv", no_argument, NULL, 't'},
	    {"clock", no_argument, NULL, 'c'},
	    {"label", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "n:r:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o->o_samples = bs_num(optarg);
			break;
		case 'r':
			o->o_rounds = bs_num(optarg);
			break;
		case 'q':
			o->o_samples = 400;
			o->o_rounds = 2;
			break;
		case 't':
			o->o_tsv = 1;
			break;
		case 'c':
			o->o_clock = 1;
			break;
		case 'l':
			o->o_label = optarg;
			break;
		case 'h':
			bs_usage(stdout, 0);
			break;
		default:
			bs_usage(stderr, 2);
		}
	}
	if (optind != argc)
		bs_usage(stderr, 2);
}

static void
bs_on_alarm(int sig)
{
	static const char msg[] = "bench-sync: run time limit reached\n";

	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/* Whatever hangs (a lost wakeup, a dead spinner), the run ends. */
static void
bs_watchdog(const struct bs_opts *o)
{
	signal(SIGALRM, bs_on_alarm);
	alarm(o->o_samples <= 400 ? 120 : 3600);
}

int
main(int argc, char **argv)
{
	struct bs_opts o = {.o_samples = 10000, .o_rounds = 5};
	struct bs_ctx c = {.c_o = &o};

	setvbuf(stdout, NULL, _IOLBF, 0);
	bs_parse(argc, argv, &o);
	bs_use_clock = o.o_clock;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		bs_spin_limit = 1;
	bs_watchdog(&o);
	bs_loadavg(bs_load_start, sizeof(bs_load_start));
	bs_calibrate(o.o_samples < 2000 ? 20 : 200);
	bs_setup(&c);
	if (o.o_label == NULL)
		o.o_label = c.c_door;
	bs_run(&c);
	bs_teardown(&c);
	bs_report(&c);
	return 0;
}
