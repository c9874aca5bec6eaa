/*
 * skt_defunct - channels made defunct under a running program.
 *
 * Behaviours §4.7, spec §5.1 "Defunct", XNU "oneslotukd".  The daemon's
 * equivalent of pid_shutdown_sockets (SKC_IOC_CTL_DEFUNCT, "skctl
 * defunct --pid") revokes every eligible channel of a process.  Modes:
 *
 *   self      open both ends of a user pipe (slots in flight), a channel
 *             on the kernel-pipe loopback ($SKCHAN_KPIPE_UUID, when set)
 *             and a netif DEV channel on a daemon-owned loop device (when
 *             the daemon has netifs; a TAP with SKT_DEFUNCT_TAP=1), all
 *             DEFUNCT_OK; park one thread in
 *             poll(POLLIN) on each with nothing to read (all but the
 *             pipe's server); defunct our own pid through the
 *             control SPI: the count is the number of channels, every
 *             parked thread wakes with POLLHUP|POLLIN, and each channel
 *             then behaves as §4.7 says (below).  Asking again: 0.
 *   outside   the same, but print "READY <pid> <channels>" and wait for
 *             someone else (the test script, $SKCHAN_DEFUNCT_CMD) to do
 *             it; the parked threads must wake within SKT_WAIT_MS.
 *   ukd       oneslotukd: the pipe's server end (an echo thread) is not
 *             DEFUNCT_OK, so defuncting ourselves changes nothing -- the
 *             count is 0, the channel stays active and one slot still
 *             goes there and back.
 *   busy N    N rounds: a sender and a receiver thread stream through
 *             a pipe, and a random 0-200 ms later we defunct ourselves:
 *             wherever it lands, nothing traps, the sender's sync fails
 *             ENXIO, the receiver sees POLLHUP or ENXIO.
 *   hold      as outside, then print "CHECKED <netif or ->" and wait to
 *             be killed (the daemon-owned netif outlives us: the script
 *             detaches it).
 *   errors    pid 0 => EINVAL, a pid that does not exist => ESRCH, a
 *             live process with no channel => 0, a reserved field set
 *             => EINVAL.
 *
 * A defunct channel: os_channel_is_defunct() non-zero; syncs and
 * write_attr fail ENXIO, read_attr still works; no slot is available,
 * get_next_slot gives NULL and advance_slot ENXIO (never a trap: no
 * SIGABRT anywhere); poll(POLLIN|POLLOUT) reports exactly POLLHUP|POLLIN
 * and poll(POLLOUT) exactly POLLHUP; the schema keeps its version with
 * CSM_ACTIVE clear, and every byte of the span after the schema -- user
 * rings, buffers, metadata, slot descriptors -- reads zero.  Closing
 * brings the daemon's counts back (checked by the script).
 */
#include <net/if.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <skywalk/skchan_ctl.h>

#include "skt_util.h"

#define DF_MAX  4

struct df_chan {
	const char *dc_what;
	channel_t dc_ch;
	channel_slot_t dc_slot;         /* a TX slot seen before defunct */
	int dc_park;                    /* a thread waits in poll() on it */
	pthread_t dc_thread;
	int dc_parked;
	short dc_revents;
	int dc_nready;
};

struct df_set {
	struct skt_nexus ds_nx;
	int ds_has_pipe;
	char ds_ifname[IFNAMSIZ];
	struct df_chan ds_ch[DF_MAX];
	int ds_n;
};

/* ---- the control requests --------------------------------------------- */

static int df_ctl_call(uint32_t cmd, void *req)
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

/* -1/errno or the number of channels defuncted. */
static int df_defunct_pid(pid_t pid)
{
	struct skc_ctl_defunct df;

	memset(&df, 0, sizeof(df));
	df.df_pid = pid;
	if (df_ctl_call(SKC_IOC_CTL_DEFUNCT, &df) < 0)
		return -1;
	return (int)df.df_count;
}

/*
 * A daemon-owned netif on a loop device, or with SKT_DEFUNCT_TAP=1 on a
 * TAP it creates (then it must work); 0, or -1 when the daemon has none.
 */
static int df_netif_attach(struct df_set *s, uuid_t nx)
{
	struct skc_ctl_netif_attach na;
	int tap = skt_env_long("SKT_DEFUNCT_TAP", 0) != 0;

	memset(&na, 0, sizeof(na));
	snprintf(s->ds_ifname, sizeof(s->ds_ifname), "%s%d",
	    tap ? "skdt" : "skdf", (int)getpid() % 100000);
	snprintf(na.na_ifname, sizeof(na.na_ifname), "%s", s->ds_ifname);
	na.na_flags = SKC_NETIF_CREATE | (tap ? 0 : SKC_NETIF_LOOP);
	if (df_ctl_call(SKC_IOC_CTL_NETIF_ATTACH, &na) < 0) {
		if (tap)
			SKT_FAIL("TAP netif %s: %s", s->ds_ifname,
			    strerror(errno));
		skt_ok("no netif (%s): netif part skipped", strerror(errno));
		s->ds_ifname[0] = '\0';
		return -1;
	}
	uuid_copy(nx, na.na_nx_uuid);
	return 0;
}

/* Right after the channels' destroy: the close is synchronous. */
static void df_netif_detach(struct df_set *s)
{
	struct skc_ctl_netif_detach nd;

	if (s->ds_ifname[0] == '\0')
		return;
	memset(&nd, 0, sizeof(nd));
	snprintf(nd.nd_ifname, sizeof(nd.nd_ifname), "%s", s->ds_ifname);
	if (df_ctl_call(SKC_IOC_CTL_NETIF_DETACH, &nd) != 0)
		SKT_FAIL("netif detach %s: %s", s->ds_ifname,
		    strerror(errno));
}

/* ---- setting up --------------------------------------------------------- */

static struct df_chan *df_add(struct df_set *s, const char *what,
    const uuid_t nx, nexus_port_t port)
{
	struct df_chan *c = &s->ds_ch[s->ds_n++];

	c->dc_what = what;
	c->dc_ch = skt_channel_open_simple(nx, port);
	c->dc_park = 1;
	return c;
}

/* Queue n slots of 100 bytes on the first TX ring and send them. */
static void df_send(channel_t ch, uint32_t n)
{
	channel_ring_t tx = skt_tx(ch);
	channel_slot_t s = NULL, last = NULL;
	slot_prop_t p;
	uint32_t i;

	for (i = 0; i < n; i++) {
		s = os_channel_get_next_slot(tx, s, &p);
		T_NONNULL(s);
		memset((void *)(uintptr_t)p.sp_buf_ptr, 0x55, 100);
		p.sp_len = 100;
		os_channel_set_slot_properties(tx, s, &p);
		last = s;
	}
	T_OK(os_channel_advance_slot(tx, last));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
}

/* Read back what the loopback returned: nothing left to read after. */
static void df_drain(channel_t ch, uint32_t n)
{
	channel_ring_t rx = skt_rx(ch);
	channel_slot_t sl = NULL, last = NULL;
	slot_prop_t p;
	uint32_t got = 0;

	while (got < n) {
		skt_poll_exact(ch, POLLIN);
		while ((sl = os_channel_get_next_slot(rx, last, &p)) != NULL) {
			T_EQ(p.sp_len, 100);
			last = sl;
			got++;
		}
	}
	T_OK(os_channel_advance_slot(rx, last));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
	T_EQ(got, n);
}

static void df_open_all(struct df_set *s)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;
	const char *kp = getenv("SKCHAN_KPIPE_UUID");
	uuid_t u;
	int i;

	memset(s, 0, sizeof(*s));
	p.np_rings = 1;
	p.np_slots = 16;
	skt_upipe_setup(&s->ds_nx, "defunct", &p);
	s->ds_has_pipe = 1;
	df_add(s, "pipe client", s->ds_nx.sn_inst,
	    NEXUS_PORT_USER_PIPE_CLIENT);
	df_add(s, "pipe server", s->ds_nx.sn_inst,
	    NEXUS_PORT_USER_PIPE_SERVER);
	/* In flight: queued for the server, which therefore is readable
	 * and gets no parked poller. */
	df_send(s->ds_ch[0].dc_ch, 5);
	s->ds_ch[1].dc_park = 0;
	if (kp != NULL && uuid_parse(kp, u) == 0) {
		channel_t kc = df_add(s, "kpipe", u,
		    NEXUS_PORT_KERNEL_PIPE_CLIENT)->dc_ch;

		df_send(kc, 3);
		df_drain(kc, 3);
	} else {
		skt_ok("no SKCHAN_KPIPE_UUID: kpipe part skipped");
	}
	if (df_netif_attach(s, u) == 0)
		df_add(s, "netif", u, NEXUS_PORT_NET_IF_DEV);
	for (i = 0; i < s->ds_n; i++) {
		slot_prop_t sp;

		s->ds_ch[i].dc_slot = os_channel_get_next_slot(
		    skt_tx(s->ds_ch[i].dc_ch), NULL, &sp);
		T_NONNULL(s->ds_ch[i].dc_slot);
		T_EQ(os_channel_is_defunct(s->ds_ch[i].dc_ch), 0);
	}
	skt_ok("%d channels open, all DEFUNCT_OK", s->ds_n);
}

static void df_close_all(struct df_set *s)
{
	int i;

	for (i = 0; i < s->ds_n; i++)
		os_channel_destroy(s->ds_ch[i].dc_ch);
	df_netif_detach(s);
	if (s->ds_has_pipe)
		skt_nexus_teardown(&s->ds_nx);
}

/* ---- parked pollers ------------------------------------------------------- */

static void *df_park_main(void *arg)
{
	struct df_chan *c = arg;
	struct pollfd pfd = { os_channel_get_fd(c->dc_ch), POLLIN, 0 };

	__atomic_store_n(&c->dc_parked, 1, __ATOMIC_RELEASE);
	do {
		c->dc_nready = poll(&pfd, 1, skt_wait_ms());
	} while (c->dc_nready < 0 && errno == EINTR);
	c->dc_revents = pfd.revents;
	return NULL;
}

/* Nothing to read yet on any channel: each thread blocks in poll(). */
static void df_park_all(struct df_set *s)
{
	int i;

	for (i = 0; i < s->ds_n; i++) {
		struct df_chan *c = &s->ds_ch[i];

		if (!c->dc_park)
			continue;
		T_EQ(pthread_create(&c->dc_thread, NULL, df_park_main, c), 0);
		while (!__atomic_load_n(&c->dc_parked, __ATOMIC_ACQUIRE))
			usleep(1000);
	}
	usleep(300000);         /* into poll() and armed in the daemon */
}

static void df_unpark_all(struct df_set *s)
{
	int i;

	for (i = 0; i < s->ds_n; i++) {
		struct df_chan *c = &s->ds_ch[i];

		if (!c->dc_park)
			continue;
		T_EQ(pthread_join(c->dc_thread, NULL), 0);
		if (c->dc_nready != 1 || c->dc_revents != (POLLHUP | POLLIN))
			SKT_FAIL("%s: parked poll returned %d, revents 0x%x "
			    "(want 1, POLLHUP|POLLIN 0x%x)", c->dc_what,
			    c->dc_nready, c->dc_revents, POLLHUP | POLLIN);
	}
	skt_ok("every thread parked in poll() woke with POLLHUP|POLLIN");
}

/* ---- what a defunct channel looks like ------------------------------------ */

static void df_poll_exact(channel_t ch, short events, short want)
{
	struct pollfd pfd = { os_channel_get_fd(ch), events, 0 };

	T_EQ(poll(&pfd, 1, skt_wait_ms()), 1);
	if (pfd.revents != want)
		SKT_FAIL("poll(0x%x) on a defunct channel: revents 0x%x, "
		    "want 0x%x", events, pfd.revents, want);
}

/* Everything after the schema's pages reads zero. */
static void df_check_zero(const struct df_chan *c)
{
	const struct ch_info *ci = c->dc_ch->chd_info;
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t base = (uintptr_t)ci->cinfo_mem_base;
	uintptr_t end = base + ci->cinfo_mem_map_size;
	uintptr_t from = (uintptr_t)skt_tx(c->dc_ch)->chrd_ring & ~(pg - 1);
	const uint64_t *w;

	T_TRUE(from > base && from < end);
	for (w = (const uint64_t *)from; (uintptr_t)w < end; w++) {
		if (*w != 0)
			SKT_FAIL("%s: span offset 0x%lx reads 0x%llx after "
			    "defunct", c->dc_what,
			    (unsigned long)((uintptr_t)w - base),
			    (unsigned long long)*w);
	}
	T_EQ(c->dc_ch->chd_schema->csm_ver, CSM_CURRENT_VERSION);
	T_EQ(c->dc_ch->chd_schema->csm_flags & CSM_ACTIVE, 0);
}

static void df_check_attr(channel_t ch)
{
	channel_attr_t attr = os_channel_attr_create();
	uint64_t v = 0;

	T_NONNULL(attr);
	T_OK(os_channel_read_attr(ch, attr));
	T_OK(os_channel_attr_get(attr, CHANNEL_ATTR_TX_LOWAT_VALUE, &v));
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_TX_LOWAT_VALUE, v + 1));
	T_SYSERR(os_channel_write_attr(ch, attr), ENXIO);
	os_channel_attr_destroy(attr);
}

static void df_check_dead(const struct df_chan *c)
{
	channel_t ch = c->dc_ch;
	channel_ring_t tx = skt_tx(ch), rx = skt_rx(ch);
	slot_prop_t p;

	T_NE(os_channel_is_defunct(ch), 0);
	T_SYSERR(os_channel_sync(ch, CHANNEL_SYNC_TX), ENXIO);
	T_SYSERR(os_channel_sync(ch, CHANNEL_SYNC_RX), ENXIO);
	T_EQ(os_channel_available_slot_count(tx), 0);
	T_EQ(os_channel_available_slot_count(rx), 0);
	T_TRUE(os_channel_get_next_slot(tx, NULL, &p) == NULL);
	T_TRUE(os_channel_get_next_slot(rx, NULL, &p) == NULL);
	T_TRUE(os_channel_get_next_slot(tx, c->dc_slot, &p) == NULL);
	T_RET(os_channel_advance_slot(tx, c->dc_slot), ENXIO);
	/* a slot from before: no trap, nothing attached */
	memset(&p, 0, sizeof(p));
	p.sp_len = 10;
	os_channel_set_slot_properties(tx, c->dc_slot, &p);
	T_EQ(os_channel_slot_get_packet(tx, c->dc_slot), 0);
	T_EQ(os_channel_ring_sync_time(tx), 0);
	T_EQ(os_channel_ring_notify_time(rx), 0);
	df_poll_exact(ch, POLLIN | POLLOUT, POLLHUP | POLLIN);
	df_poll_exact(ch, POLLOUT, POLLHUP);
	df_check_attr(ch);
	df_check_zero(c);
	skt_ok("%s: defunct: ENXIO, no slots, POLLHUP, span zero", c->dc_what);
}

/* ---- modes ------------------------------------------------------------------ */

static int df_self(void)
{
	struct df_set s;
	int i;

	df_open_all(&s);
	df_park_all(&s);
	T_EQ(df_defunct_pid(getpid()), s.ds_n);
	skt_ok("defunct our own pid: %d channels", s.ds_n);
	df_unpark_all(&s);
	for (i = 0; i < s.ds_n; i++)
		df_check_dead(&s.ds_ch[i]);
	T_EQ(df_defunct_pid(getpid()), 0);
	skt_ok("again: nothing left to defunct");
	df_close_all(&s);
	return 0;
}

static int df_outside(void)
{
	struct df_set s;
	int i;

	df_open_all(&s);
	df_park_all(&s);
	printf("READY %d %d\n", (int)getpid(), s.ds_n);
	fflush(stdout);
	df_unpark_all(&s);
	for (i = 0; i < s.ds_n; i++)
		df_check_dead(&s.ds_ch[i]);
	df_close_all(&s);
	return 0;
}

/*
 * Like outside, then "CHECKED" and wait to be killed: the script's
 * kill -9 must leave nothing behind a defunct channel either.
 */
__attribute__((noreturn)) static void df_hold(void)
{
	struct df_set s;
	int i;

	df_open_all(&s);
	df_park_all(&s);
	printf("READY %d %d\n", (int)getpid(), s.ds_n);
	fflush(stdout);
	df_unpark_all(&s);
	for (i = 0; i < s.ds_n; i++)
		df_check_dead(&s.ds_ch[i]);
	printf("CHECKED %s\n", s.ds_ifname[0] != '\0' ? s.ds_ifname : "-");
	fflush(stdout);
	for (;;)
		pause();
}

static const char df_msg[] =
    "Time flies like an arrow;  fruit flies like a banana.";

/* One slot there and back through the echo peer. */
static void df_oneslot(channel_t ch)
{
	channel_ring_t tx = skt_tx(ch), rx = skt_rx(ch);
	channel_slot_t s;
	slot_prop_t p;

	skt_poll_exact(ch, POLLWRNORM);
	s = os_channel_get_next_slot(tx, NULL, &p);
	T_NONNULL(s);
	memcpy((void *)(uintptr_t)p.sp_buf_ptr, df_msg, sizeof(df_msg));
	p.sp_len = sizeof(df_msg);
	os_channel_set_slot_properties(tx, s, &p);
	T_OK(os_channel_advance_slot(tx, s));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
	skt_poll_exact(ch, POLLRDNORM);
	s = os_channel_get_next_slot(rx, NULL, &p);
	T_NONNULL(s);
	T_EQ(p.sp_len, sizeof(df_msg));
	T_EQ(memcmp((const void *)(uintptr_t)p.sp_buf_ptr, df_msg,
	    sizeof(df_msg)), 0);
	T_OK(os_channel_advance_slot(rx, s));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
}

/* The echo worker opens port 1 without DEFUNCT_OK (XNU's ukd worker). */
static void df_echo_start_not_ok(struct skt_echo *se, const uuid_t nx)
{
	struct skt_ch_opts o = SKT_CH_OPTS_DEFAULT;

	memset(se, 0, sizeof(*se));
	o.co_defunct_ok = 0;
	se->se_ch = skt_channel_open(nx, NEXUS_PORT_USER_PIPE_SERVER, &o);
	T_EQ(pipe(se->se_stop), 0);
	T_EQ(pthread_create(&se->se_thread, NULL, skt_echo_main, se), 0);
}

static int df_ukd(void)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;
	struct skt_nexus nx;
	struct skt_echo echo;
	channel_t ch;

	p.np_rings = 1;
	p.np_slots = 128;
	skt_upipe_setup(&nx, "defunct-ukd", &p);
	df_echo_start_not_ok(&echo, nx.sn_inst);
	ch = skt_channel_open_simple(nx.sn_inst, NEXUS_PORT_USER_PIPE_CLIENT);
	T_EQ(df_defunct_pid(getpid()), 0);
	T_EQ(os_channel_is_defunct(ch), 0);
	skt_ok("peer not DEFUNCT_OK: defunct of our pid changed nothing");
	df_oneslot(ch);
	T_EQ(os_channel_is_defunct(ch), 0);
	skt_ok("traffic continues: one slot there and back");
	os_channel_destroy(ch);
	skt_echo_stop(&echo);
	skt_nexus_teardown(&nx);
	return 0;
}

/* A pid that is certainly not running: a child we reaped. */
static pid_t df_dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	T_TRUE(pid > 0);
	T_EQ(waitpid(pid, NULL, 0), pid);
	return pid;
}

static int df_errors(void)
{
	struct skc_ctl_defunct df;

	T_SYSERR(df_defunct_pid(0), EINVAL);
	T_SYSERR(df_defunct_pid(-5), EINVAL);
	T_SYSERR(df_defunct_pid(df_dead_pid()), ESRCH);
	T_EQ(df_defunct_pid(getppid()), 0);
	T_EQ(df_defunct_pid(getpid()), 0);
	memset(&df, 0, sizeof(df));
	df.df_pid = getpid();
	df.df_reserved[1] = 1;
	T_SYSERR(df_ctl_call(SKC_IOC_CTL_DEFUNCT, &df), EINVAL);
	skt_ok("errors: EINVAL, ESRCH, 0 for a process without channels");
	return 0;
}

/* ---- busy: defunct lands in the middle of streaming ------------------------ */

struct df_busy {
	channel_t db_ch;
	int db_tx;                      /* sender, else receiver */
	uint64_t db_slots;
	int db_err;                     /* errno that ended it, 0: POLLHUP */
};

/* Fill what TX has, send it; until a sync fails. */
static void df_busy_send(struct df_busy *b)
{
	channel_ring_t tx = skt_tx(b->db_ch);
	channel_slot_t s = NULL, last = NULL;
	slot_prop_t p;

	for (;;) {
		while ((s = os_channel_get_next_slot(tx, s, &p)) != NULL) {
			if (p.sp_buf_ptr != 0)
				memset((void *)(uintptr_t)p.sp_buf_ptr, 0x42,
				    64);
			p.sp_len = 64;
			os_channel_set_slot_properties(tx, s, &p);
			last = s;
			b->db_slots++;
		}
		if (last != NULL && os_channel_advance_slot(tx, last) != 0 &&
		    !os_channel_is_defunct(b->db_ch))
			SKT_FAIL("advance failed on a live channel");
		last = NULL;
		if (os_channel_sync(b->db_ch, CHANNEL_SYNC_TX) != 0) {
			b->db_err = errno;
			return;
		}
	}
}

/* Wait, take what arrived, release it; until POLLHUP or a failed sync. */
static void df_busy_recv(struct df_busy *b)
{
	channel_ring_t rx = skt_rx(b->db_ch);
	struct pollfd pfd = { os_channel_get_fd(b->db_ch), POLLIN, 0 };
	channel_slot_t s, last;
	slot_prop_t p;

	for (;;) {
		if (poll(&pfd, 1, skt_wait_ms()) != 1)
			SKT_FAIL("busy receiver: poll timed out or failed");
		if (pfd.revents & POLLHUP) {
			b->db_err = 0;
			return;
		}
		for (s = NULL, last = NULL;
		    (s = os_channel_get_next_slot(rx, s, &p)) != NULL;
		    last = s)
			b->db_slots++;
		if (last != NULL)
			(void)os_channel_advance_slot(rx, last);
		if (os_channel_sync(b->db_ch, CHANNEL_SYNC_RX) != 0) {
			b->db_err = errno;
			return;
		}
	}
}

static void *df_busy_main(void *arg)
{
	struct df_busy *b = arg;

	if (b->db_tx)
		df_busy_send(b);
	else
		df_busy_recv(b);
	return NULL;
}

/*
 * Rounds of: a sender thread and a receiver thread stream through a
 * pipe; after a random 0-200 ms we defunct ourselves.  Wherever the
 * revocation catches them -- inside a slot walk, between advance and
 * sync, in poll -- nothing traps, the sender ends with ENXIO, the
 * receiver with POLLHUP or ENXIO.
 */
static int df_busy(int rounds)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;
	struct df_busy b[2];
	pthread_t t[2];
	struct skt_nexus nx;
	int r, i;

	srandom((unsigned)getpid());
	p.np_rings = 1;
	p.np_slots = 64;
	for (r = 0; r < rounds; r++) {
		skt_upipe_setup(&nx, "defunct-busy", &p);
		memset(b, 0, sizeof(b));
		b[0].db_ch = skt_channel_open_simple(nx.sn_inst, 0);
		b[0].db_tx = 1;
		b[1].db_ch = skt_channel_open_simple(nx.sn_inst, 1);
		for (i = 0; i < 2; i++)
			T_EQ(pthread_create(&t[i], NULL, df_busy_main, &b[i]),
			    0);
		usleep((useconds_t)(random() % 200000));
		T_EQ(df_defunct_pid(getpid()), 2);
		for (i = 0; i < 2; i++)
			T_EQ(pthread_join(t[i], NULL), 0);
		T_EQ(b[0].db_err, ENXIO);
		T_TRUE(b[1].db_err == 0 || b[1].db_err == ENXIO);
		for (i = 0; i < 2; i++) {
			T_NE(os_channel_is_defunct(b[i].db_ch), 0);
			os_channel_destroy(b[i].db_ch);
		}
		skt_nexus_teardown(&nx);
		skt_ok("round %d: defunct mid-stream after %" PRIu64 " sent, %"
		    PRIu64 " received: no trap", r, b[0].db_slots,
		    b[1].db_slots);
	}
	return 0;
}

int main(int argc, char **argv)
{
	skt_set_prog(argv[0]);
	if (argc == 2 && strcmp(argv[1], "self") == 0)
		return df_self();
	if (argc == 2 && strcmp(argv[1], "outside") == 0)
		return df_outside();
	if (argc == 2 && strcmp(argv[1], "ukd") == 0)
		return df_ukd();
	if (argc == 2 && strcmp(argv[1], "errors") == 0)
		return df_errors();
	if (argc == 3 && strcmp(argv[1], "busy") == 0)
		return df_busy(atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "hold") == 0)
		df_hold();
	SKT_FAIL("usage: %s self|outside|ukd|errors|busy N|hold", argv[0]);
}
