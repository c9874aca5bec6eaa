/*
 * skt_syncclose - XNU's close is synchronous, and so is ours.
 *
 * When os_channel_destroy() or os_nexus_controller_destroy() returns,
 * XNU has freed the port, the rings and the controller's providers and
 * instances, so Apple's tests reopen a port, detach an interface or read
 * counts on the very next line.  Here the door's release trails close(2);
 * libskywalk's guarded_close_np therefore sends SKC_IOC_HANDLE_CLOSE
 * first.  Nothing below retries: every expectation must hold at once.
 *
 *   skt_syncclose upipe [-n N]   open a user-pipe port, see a second open
 *                                refused EBUSY, destroy, reopen at once;
 *                                N times on each port
 *   skt_syncclose burst [-n N]   24 channels destroyed back to back: the
 *                                counts are back on the next request
 *   skt_syncclose controller [-n N]
 *                                a controller with a provider, an instance
 *                                and a binding: destroyed, the daemon's
 *                                counts are back on the next request and
 *                                the instance is gone (open: ENOENT)
 *   skt_syncclose loop [-n N]    a daemon-owned loop netif: detach EBUSY
 *                                with the DEV channel open, 0 right after
 *                                its destroy
 *   skt_syncclose tap IFNAME [-n N]
 *                                the same with our own NET_IF provider and
 *                                __os_nexus_ifattach/__os_nexus_ifdetach
 *                                (Apple's netifcompata)
 *   skt_syncclose fork [-n N]    a forked child's close-on-fork (and its
 *                                own os_channel_destroy) must not close
 *                                the parent's channels: after the child
 *                                exits the ports are still held and the
 *                                pipe still carries data
 *   skt_syncclose race [-n N]    a thread syncs the channel's fd while
 *                                another destroys it: each sync returns
 *                                0, EBADF or ENODEV, never anything else,
 *                                and the port reopens at once
 *   skt_syncclose kill [-n N]    children looping open/destroy are
 *                                SIGKILLed at random points: the daemon
 *                                serves on, the port comes back (a dead
 *                                process's close is the release, which is
 *                                asynchronous: that wait is the only one)
 *
 * Exit 0 on success; the first failed expectation exits 1.
 */
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include <skywalk/skchan_ctl.h>

#include "skt_util.h"

static unsigned sc_n = 100;

/* ---- helpers ---------------------------------------------------------------- */

static void sc_upipe(struct skt_nexus *nx, int anonymous)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;

	p.np_anonymous = anonymous;
	skt_upipe_setup(nx, "syncclose", &p);
}

/* One open, no retry: the point is that it works the first time. */
static channel_t sc_open_now(const uuid_t nx, nexus_port_t port,
    unsigned iter)
{
	channel_t ch = os_channel_create(nx, port);

	if (ch == NULL)
		SKT_FAIL("iteration %u: open of port %u right after a close: "
		    "errno %d (%s)", iter, port, errno, strerror(errno));
	return ch;
}

static void sc_stats(struct skchan_ctl *ctl, struct skc_ctl_stats *st)
{
	T_OK(skchan_ctl_stats(ctl, st));
}

/* The counts a close must have brought back (not cs_files: the emptied
 * handle is counted until its release). */
static void sc_same_counts(const struct skc_ctl_stats *a,
    const struct skc_ctl_stats *b, unsigned iter)
{
	if (a->cs_controllers != b->cs_controllers ||
	    a->cs_providers != b->cs_providers ||
	    a->cs_instances != b->cs_instances ||
	    a->cs_channels != b->cs_channels ||
	    a->cs_bindings != b->cs_bindings || a->cs_arenas != b->cs_arenas)
		SKT_FAIL("iteration %u: counts not back at once: controllers "
		    "%u/%u providers %u/%u instances %u/%u channels %u/%u "
		    "bindings %u/%u arenas %u/%u", iter, a->cs_controllers,
		    b->cs_controllers, a->cs_providers, b->cs_providers,
		    a->cs_instances, b->cs_instances, a->cs_channels,
		    b->cs_channels, a->cs_bindings, b->cs_bindings,
		    a->cs_arenas, b->cs_arenas);
}

/* One slot from a to b: both channels are alive end to end. */
static void sc_pass_one(channel_t a, channel_t b, uint32_t tag)
{
	channel_ring_t tx = skt_tx(a), rx = skt_rx(b);
	channel_slot_t s;
	slot_prop_t p;

	s = os_channel_get_next_slot(tx, NULL, &p);
	T_NONNULL(s);
	memcpy((void *)(uintptr_t)p.sp_buf_ptr, &tag, sizeof(tag));
	p.sp_len = sizeof(tag);
	os_channel_set_slot_properties(tx, s, &p);
	T_OK(os_channel_advance_slot(tx, s));
	T_OK(os_channel_sync(a, CHANNEL_SYNC_TX));
	T_OK(os_channel_sync(b, CHANNEL_SYNC_RX));
	s = os_channel_get_next_slot(rx, NULL, &p);
	T_NONNULL(s);
	T_EQ(p.sp_len, sizeof(tag));
	T_TRUE(memcmp((void *)(uintptr_t)p.sp_buf_ptr, &tag,
	    sizeof(tag)) == 0);
	T_OK(os_channel_advance_slot(rx, s));
	T_OK(os_channel_sync(b, CHANNEL_SYNC_RX));
}

/* ---- upipe -------------------------------------------------------------------- */

/*
 * The counts are read through a handle that has just been busy: the
 * daemon serves it before the release of a handle closed meanwhile (a
 * level-triggered epoll puts a reported fd back at the head of its
 * ready list), so only a synchronous close makes them come back at once.
 */
static int sc_cmd_upipe(void)
{
	struct skt_nexus nx;
	struct skchan_ctl *ctl = skchan_ctl_open();
	struct skc_ctl_stats base, now;
	channel_t ch;
	unsigned i;

	T_NONNULL(ctl);
	sc_upipe(&nx, 1);
	sc_stats(ctl, &base);
	for (i = 0; i < 2 * sc_n; i++) {
		ch = sc_open_now(nx.sn_inst, i & 1, i);
		T_NULL_ERRNO(os_channel_create(nx.sn_inst, i & 1), EBUSY);
		sc_stats(ctl, &now);
		T_EQ(now.cs_channels, base.cs_channels + 1);
		os_channel_destroy(ch);
		sc_stats(ctl, &now);
		sc_same_counts(&base, &now, i);
	}
	skt_ok("upipe: %u destroy + reopen of the same port, none EBUSY; "
	    "counts back at once", 2 * sc_n);
	skt_nexus_teardown(&nx);
	skchan_ctl_close(ctl);
	return 0;
}

/*
 * Many closes back to back.  FUSE has at most max_background (12)
 * releases in flight and may queue the rest behind requests that follow
 * them, so through CUSE a burst is where an asynchronous close shows.
 */
#define SC_BURST 24

static int sc_cmd_burst(void)
{
	struct skchan_ctl *ctl = skchan_ctl_open();
	struct skc_ctl_stats base, now;
	struct skt_nexus nx[SC_BURST / 2];
	channel_t ch[SC_BURST];
	unsigned i, k;

	T_NONNULL(ctl);
	for (k = 0; k < SC_BURST / 2; k++)
		sc_upipe(&nx[k], 1);
	sc_stats(ctl, &base);
	for (i = 0; i < sc_n; i++) {
		for (k = 0; k < SC_BURST; k++)
			ch[k] = sc_open_now(nx[k / 2].sn_inst, k & 1, i);
		for (k = 0; k < SC_BURST; k++)
			os_channel_destroy(ch[k]);
		sc_stats(ctl, &now);
		sc_same_counts(&base, &now, i);
	}
	for (k = 0; k < SC_BURST / 2; k++)
		skt_nexus_teardown(&nx[k]);
	skt_ok("burst: %u x %d channels destroyed back to back, all gone at "
	    "once", sc_n, SC_BURST);
	skchan_ctl_close(ctl);
	return 0;
}

/* ---- controller --------------------------------------------------------------- */

static void sc_bind_key(const struct skt_nexus *nx)
{
	static const char key[] = "syncclose";

	T_OK(os_nexus_controller_bind_provider_instance(nx->sn_ctl,
	    nx->sn_inst, 1, 0, NULL, key, sizeof(key), NEXUS_BIND_KEY));
}

static int sc_cmd_controller(void)
{
	struct skchan_ctl *ctl = skchan_ctl_open();
	struct skc_ctl_stats base, mid, now;
	struct skt_nexus nx;
	unsigned i;

	T_NONNULL(ctl);
	sc_stats(ctl, &base);
	for (i = 0; i < sc_n; i++) {
		sc_upipe(&nx, 0);
		sc_bind_key(&nx);
		sc_stats(ctl, &mid);
		T_EQ(mid.cs_providers, base.cs_providers + 1);
		T_EQ(mid.cs_instances, base.cs_instances + 1);
		T_EQ(mid.cs_bindings, base.cs_bindings + 1);
		os_nexus_controller_destroy(nx.sn_ctl);
		sc_stats(ctl, &now);
		sc_same_counts(&base, &now, i);
		T_NULL_ERRNO(os_channel_create(nx.sn_inst, 0), ENOENT);
	}
	skt_ok("controller: %u destroys, providers/instances/bindings gone "
	    "by the next request", sc_n);
	skchan_ctl_close(ctl);
	return 0;
}

/* ---- netif: a daemon-owned loop device ----------------------------------------- */

static void sc_loop_attach(struct skchan_ctl *ctl, const char *name,
    uuid_t nx)
{
	struct skc_ctl_netif_attach na;

	memset(&na, 0, sizeof(na));
	snprintf(na.na_ifname, sizeof(na.na_ifname), "%s", name);
	na.na_flags = SKC_NETIF_LOOP | SKC_NETIF_CREATE;
	T_OK(skchan_ctl_call(ctl, SKC_IOC_CTL_NETIF_ATTACH, &na));
	uuid_copy(nx, na.na_nx_uuid);
}

static int sc_loop_detach(struct skchan_ctl *ctl, const char *name)
{
	struct skc_ctl_netif_detach nd;

	memset(&nd, 0, sizeof(nd));
	snprintf(nd.nd_ifname, sizeof(nd.nd_ifname), "%s", name);
	return skchan_ctl_call(ctl, SKC_IOC_CTL_NETIF_DETACH, &nd);
}

/* One control handle throughout: busy just before the destroy (see
 * sc_cmd_upipe), like the controller an Apple test detaches with. */
static int sc_cmd_loop(void)
{
	struct skchan_ctl *ctl = skchan_ctl_open();
	char name[SKC_NETIF_IFNAMSIZ];
	channel_t ch;
	unsigned i;
	uuid_t nx;

	T_NONNULL(ctl);
	snprintf(name, sizeof(name), "skcl%d", (int)getpid() % 100000);
	for (i = 0; i < sc_n; i++) {
		sc_loop_attach(ctl, name, nx);
		ch = sc_open_now(nx, NEXUS_PORT_NET_IF_DEV, i);
		T_SYSERR(sc_loop_detach(ctl, name), EBUSY);
		os_channel_destroy(ch);
		if (sc_loop_detach(ctl, name) != 0)
			SKT_FAIL("iteration %u: detach right after the channel's "
			    "destroy: errno %d (%s)", i, errno,
			    strerror(errno));
	}
	skt_ok("loop: %u x detach EBUSY with the channel, 0 right after its "
	    "destroy", sc_n);
	skchan_ctl_close(ctl);
	return 0;
}

/* ---- netif: our own provider on a TAP (netifcompata) ---------------------------- */

static void sc_netif_register(nexus_controller_t ctl, uuid_t prov)
{
	nexus_attr_t attr = os_nexus_attr_create();
	nexus_name_t name;

	T_NONNULL(attr);
	skt_name(name, "syncclose-netif");
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_ANONYMOUS, 1));
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_USER_CHANNEL, 1));
	T_OK(os_nexus_controller_register_provider(ctl, name,
	    NEXUS_TYPE_NET_IF, attr, (uuid_t *)prov));
	os_nexus_attr_destroy(attr);
}

static int sc_cmd_tap(const char *ifname)
{
	nexus_controller_t ctl = os_nexus_controller_create();
	uuid_t prov, nx, att;
	channel_t ch;
	unsigned i;

	T_NONNULL(ctl);
	sc_netif_register(ctl, prov);
	T_OK(os_nexus_controller_alloc_provider_instance(ctl, prov, &nx));
	for (i = 0; i < sc_n; i++) {
		T_OK(__os_nexus_ifattach(ctl, nx, ifname, NULL, false, &att));
		ch = sc_open_now(nx, NEXUS_PORT_NET_IF_DEV, i);
		T_SYSERR(__os_nexus_ifdetach(ctl, nx, att), EBUSY);
		os_channel_destroy(ch);
		if (__os_nexus_ifdetach(ctl, nx, att) != 0)
			SKT_FAIL("iteration %u: ifdetach right after the "
			    "channel's destroy: errno %d (%s)", i, errno,
			    strerror(errno));
		T_SYSERR(__os_nexus_ifdetach(ctl, nx, att), ESRCH);
	}
	T_OK(os_nexus_controller_free_provider_instance(ctl, nx));
	T_OK(os_nexus_controller_deregister_provider(ctl, prov));
	os_nexus_controller_destroy(ctl);
	skt_ok("tap %s: %u x close channel, ifdetach 0 at once, then ESRCH",
	    ifname, sc_n);
	return 0;
}

/* ---- fork ------------------------------------------------------------------------ */

/*
 * The child inherited the parent's channel fds; the library closed them
 * at fork (close-on-fork).  Both ports must still be held by the parent,
 * whatever the child does with its stale channel_t.
 */
__attribute__((noreturn))
static void sc_fork_child(const struct skt_nexus *nx, channel_t a,
    channel_t b, unsigned iter)
{
	skt_prog = "skt_syncclose(child)";
	T_NULL_ERRNO(os_channel_create(nx->sn_inst, 0), EBUSY);
	T_NULL_ERRNO(os_channel_create(nx->sn_inst, 1), EBUSY);
	if (iter & 1) {
		/* not its channel any more: the close must not reach it */
		os_channel_destroy(a);
		os_channel_destroy(b);
		exit(0);
	}
	_exit(0);
}

static void sc_fork_once(const struct skt_nexus *nx, channel_t a,
    channel_t b, unsigned iter)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	T_TRUE(pid >= 0);
	if (pid == 0)
		sc_fork_child(nx, a, b, iter);
	T_EQ(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		SKT_FAIL("iteration %u: child status %#x", iter, st);
	T_NULL_ERRNO(os_channel_create(nx->sn_inst, 0), EBUSY);
	sc_pass_one(a, b, iter);
	sc_pass_one(b, a, ~iter);
}

static int sc_cmd_fork(void)
{
	struct skt_nexus nx;
	channel_t a, b;
	unsigned i, n = sc_n < 40 ? sc_n : 40;

	sc_upipe(&nx, 1);
	a = sc_open_now(nx.sn_inst, 0, 0);
	b = sc_open_now(nx.sn_inst, 1, 0);
	for (i = 0; i < n; i++)
		sc_fork_once(&nx, a, b, i);
	os_channel_destroy(a);
	os_channel_destroy(b);
	os_channel_destroy(sc_open_now(nx.sn_inst, 0, n));
	skt_ok("fork: %u children exited (half after destroying their stale "
	    "channels); the parent's channels kept working", n);
	skt_nexus_teardown(&nx);
	return 0;
}

/* ---- race ------------------------------------------------------------------------ */

struct sc_racer {
	int r_fd;
	atomic_int r_stop;
	unsigned r_ok, r_badf, r_nodev, r_calls;
	int r_other;            /* first unexpected errno, 0 if none */
};

static void *sc_racer_main(void *arg)
{
	struct sc_racer *r = arg;

	while (!atomic_load(&r->r_stop)) {
		r->r_calls++;
		if (__channel_sync(r->r_fd, CHANNEL_SYNC_TX, 0) == 0)
			r->r_ok++;
		else if (errno == EBADF)
			r->r_badf++;
		else if (errno == ENODEV)
			r->r_nodev++;
		else if (r->r_other == 0)
			r->r_other = errno;
	}
	return NULL;
}

static void sc_race_once(const struct skt_nexus *nx, unsigned iter,
    struct sc_racer *tot)
{
	struct sc_racer r = { .r_other = 0 };
	channel_t ch = sc_open_now(nx->sn_inst, 0, iter);
	pthread_t t;

	r.r_fd = os_channel_get_fd(ch);
	T_EQ(pthread_create(&t, NULL, sc_racer_main, &r), 0);
	usleep((useconds_t)(rand() % 500));
	os_channel_destroy(ch);
	usleep((useconds_t)(rand() % 200));
	atomic_store(&r.r_stop, 1);
	T_EQ(pthread_join(t, NULL), 0);
	if (r.r_other != 0)
		SKT_FAIL("iteration %u: a sync racing with the close failed "
		    "with errno %d (%s)", iter, r.r_other, strerror(r.r_other));
	tot->r_ok += r.r_ok;
	tot->r_badf += r.r_badf;
	tot->r_nodev += r.r_nodev;
	tot->r_calls += r.r_calls;
	os_channel_destroy(sc_open_now(nx->sn_inst, 0, iter));
}

static int sc_cmd_race(void)
{
	struct sc_racer tot = { .r_other = 0 };
	struct skt_nexus nx;
	unsigned i;

	srand((unsigned)getpid());
	sc_upipe(&nx, 1);
	for (i = 0; i < sc_n; i++)
		sc_race_once(&nx, i, &tot);
	skt_ok("race: %u closes under a syncing thread (%u syncs: %u ok, %u "
	    "EBADF, %u ENODEV); the port reopened at once each time", sc_n,
	    tot.r_calls, tot.r_ok, tot.r_badf, tot.r_nodev);
	skt_nexus_teardown(&nx);
	return 0;
}

/* ---- kill ------------------------------------------------------------------------ */

/* Open/destroy forever; EBUSY is the previous victim's pending release. */
__attribute__((noreturn))
static void sc_kill_child(const uuid_t inst)
{
	channel_t ch;

	for (;;) {
		ch = os_channel_create(inst, 0);
		if (ch != NULL)
			os_channel_destroy(ch);
		else if (errno != EBUSY)
			_exit(2);
	}
}

/* A killed process's close is its release: wait for it, boundedly. */
static channel_t sc_open_eventually(const uuid_t inst)
{
	channel_t ch = NULL;
	int i;

	for (i = 0; i < 500 && ch == NULL; i++) {
		ch = os_channel_create(inst, 0);
		if (ch == NULL && errno != EBUSY)
			SKT_FAIL("open after the kills: errno %d (%s)", errno,
			    strerror(errno));
		if (ch == NULL)
			usleep(20000);
	}
	if (ch == NULL)
		SKT_FAIL("port 0 still held 10 s after its owner was killed");
	return ch;
}

static int sc_cmd_kill(void)
{
	struct skt_nexus nx;
	unsigned i, n = sc_n < 30 ? sc_n : 30;
	pid_t pid;
	int st;

	srand((unsigned)getpid());
	sc_upipe(&nx, 1);
	for (i = 0; i < n; i++) {
		fflush(stdout);
		pid = fork();
		T_TRUE(pid >= 0);
		if (pid == 0)
			sc_kill_child(nx.sn_inst);
		usleep((useconds_t)(1000 + rand() % 20000));
		T_EQ(kill(pid, SIGKILL), 0);
		T_EQ(waitpid(pid, &st, 0), pid);
		if (!WIFSIGNALED(st))
			SKT_FAIL("iteration %u: child exited %d instead of "
			    "being killed", i, WEXITSTATUS(st));
	}
	os_channel_destroy(sc_open_eventually(nx.sn_inst));
	os_channel_destroy(sc_open_now(nx.sn_inst, 0, n));
	skt_ok("kill: %u children killed amid open/destroy; the daemon "
	    "serves on and the port came back", n);
	skt_nexus_teardown(&nx);
	return 0;
}

/* ---- main ------------------------------------------------------------------------ */

static void sc_usage(void)
{
	fprintf(stderr, "usage: %s upipe|burst|controller|loop|fork|race|kill"
	    " [-n N]"
	    "\n       %s tap IFNAME [-n N]\n", skt_prog, skt_prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cmd;
	int c;

	skt_set_prog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		sc_usage();
	cmd = argv[1];
	argc--;
	argv++;
	if (strcmp(cmd, "tap") == 0 && argc < 2)
		sc_usage();
	if (strcmp(cmd, "tap") == 0) {
		argc--;
		argv++;
	}
	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n')
			sc_usage();
		sc_n = (unsigned)strtoul(optarg, NULL, 0);
	}
	if (strcmp(cmd, "upipe") == 0)
		return sc_cmd_upipe();
	if (strcmp(cmd, "burst") == 0)
		return sc_cmd_burst();
	if (strcmp(cmd, "controller") == 0)
		return sc_cmd_controller();
	if (strcmp(cmd, "loop") == 0)
		return sc_cmd_loop();
	if (strcmp(cmd, "tap") == 0)
		return sc_cmd_tap(argv[0]);
	if (strcmp(cmd, "fork") == 0)
		return sc_cmd_fork();
	if (strcmp(cmd, "race") == 0)
		return sc_cmd_race();
	if (strcmp(cmd, "kill") == 0)
		return sc_cmd_kill();
	sc_usage();
}
