/*
 * main.c - cuse-dev, the skchan daemon: process shell around the kernel.
 *
 * Theory of operation.  One process, one thread, one event loop:
 *
 *   parse options -> block SIGTERM/SIGINT/SIGHUP (they arrive through a
 *   signalfd in the loop) -> sk_kern_init -> socket door listens ->
 *   CUSE door opens /dev/cuse (unless --no-cuse) -> loop ... the kernel's
 *   CUSE_INIT is answered inside the loop, the device appears, and then
 *   --ready-file is written -> a signal stops the loop -> every handle is
 *   closed (sk_file_close) -> sk_kern_fini -> the CUSE session is torn
 *   down (the device disappears) -> the socket is unlinked -> exit 0.
 *
 * Exit status: 0 after an orderly shutdown, 1 when the daemon cannot
 * start or a door dies under it, 2 on a bad command line.
 *
 * Access control is not by device or socket mode (both default to 0666,
 * as any process may use Skywalk on macOS) but by credentials: the
 * kernel checks the caller's pid/uid on every request that binds or
 * claims something, and the arena handoff needs the opener's process
 * and a one-time ticket.  --dev-mode and --socket-mode narrow it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "door.h"
#include "evloop.h"
#include "nx_netif.h"
#include "nx_kpipe.h"
#include "sk_kern.h"
#include "sk_log.h"

#ifndef SKCHAN_VERSION
#define SKCHAN_VERSION		"0.1.0"
#endif

#define CD_EXIT_OK		0
#define CD_EXIT_FAIL		1
#define CD_EXIT_USAGE		2
#define CD_DEVNAME_MAX		64

#define CD_INFO(fmt, ...)	sk_log("main", fmt, ##__VA_ARGS__)

struct cd_opts {
	int o_no_cuse;
	int o_no_kpipe_lo;		/* no kernel-pipe loopback nexus */
	const char *o_devname;
	const char *o_socket;
	mode_t o_sock_mode;
	mode_t o_dev_mode;
	const char *o_ready;
};

struct cd {
	struct cd_opts c_opt;
	struct evl *c_loop;
	struct door_sock *c_sock;
	struct door_cuse *c_cuse;
	struct evl_watch *c_sigw;
	int c_sigfd;
	int c_kern;			/* sk_kern_init succeeded */
	int c_exit;
};

/* ---- command line ---------------------------------------------------------- */

static void cd_usage(FILE *f)
{
	fprintf(f,
	    "Usage: cuse-dev [OPTIONS]\n"
	    "Serve Skywalk channels: the CUSE device /dev/NAME and a Unix socket.\n"
	    "\n"
	    "  --no-cuse            serve the socket door only (no /dev/cuse needed)\n"
	    "  --devname NAME       device name (default skchan: /dev/skchan)\n"
	    "  --socket PATH        socket path (default $SKCHAN_SOCKET or\n"
	    "                       " SKCHAN_DEFAULT_SOCKET ")\n"
	    "  --socket-mode OCTAL  socket permissions (default 0666)\n"
	    "  --dev-mode OCTAL     device permissions (default 0666)\n"
	    "  --ready-file PATH    create PATH once every door is open\n"
	    "  --no-kpipe-loopback  do not create the kernel-pipe loopback nexus\n"
	    "                       (its UUID is logged as 'kpipe loopback nexus')\n"
	    "  --verbose[=MASK]     debug log mask (default: all)\n"
	    "  --help               this text\n"
	    "  --version            version and ABI version\n"
	    "\n"
	    "Stops cleanly on SIGTERM, SIGINT or SIGHUP.  See cuse-dev(8).\n");
}

static void cd_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "cuse-dev: %s%s%s%s\n", what, arg ? " '" : "",
	    arg ? arg : "", arg ? "'" : "");
	cd_usage(stderr);
	exit(CD_EXIT_USAGE);
}

static mode_t cd_parse_mode(const char *s, const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > 07777 ||
	    s[0] == '-')
		cd_usage_error(what, s);
	return (mode_t)v;
}

static uint32_t cd_parse_mask(const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > UINT32_MAX ||
	    s[0] == '-')
		cd_usage_error("bad --verbose mask", s);
	return (uint32_t)v;
}

/* A device name is a path below /dev: no "..", no leading '/'. */
static void cd_check_devname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CD_DEVNAME_MAX || s[0] == '/' || s[n - 1] == '/' ||
	    strstr(s, "..") != NULL || strstr(s, "//") != NULL ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-/") != n)
		cd_usage_error("bad --devname", s);
}

enum {
	OPT_NO_CUSE = 256, OPT_DEVNAME, OPT_SOCKET, OPT_SOCK_MODE,
	OPT_DEV_MODE, OPT_READY, OPT_VERBOSE, OPT_HELP, OPT_VERSION,
	OPT_NO_KPIPE_LO,
};

static const struct option cd_longopts[] = {
	{ "no-cuse", no_argument, NULL, OPT_NO_CUSE },
	{ "devname", required_argument, NULL, OPT_DEVNAME },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "socket-mode", required_argument, NULL, OPT_SOCK_MODE },
	{ "dev-mode", required_argument, NULL, OPT_DEV_MODE },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "no-kpipe-loopback", no_argument, NULL, OPT_NO_KPIPE_LO },
	{ "verbose", optional_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void cd_defaults(struct cd_opts *o)
{
	const char *env = getenv("SKCHAN_SOCKET");

	memset(o, 0, sizeof(*o));
	o->o_devname = "skchan";
	o->o_socket = env != NULL && env[0] != '\0' ? env :
	    SKCHAN_DEFAULT_SOCKET;
	o->o_sock_mode = 0666;
	o->o_dev_mode = 0666;
}

static void cd_option(struct cd_opts *o, int c)
{
	switch (c) {
	case OPT_NO_CUSE:
		o->o_no_cuse = 1;
		break;
	case OPT_DEVNAME:
		cd_check_devname(optarg);
		o->o_devname = optarg;
		break;
	case OPT_SOCKET:
		o->o_socket = optarg;
		break;
	case OPT_SOCK_MODE:
		o->o_sock_mode = cd_parse_mode(optarg,
		    "bad --socket-mode (octal, at most 07777):");
		break;
	case OPT_DEV_MODE:
		o->o_dev_mode = cd_parse_mode(optarg,
		    "bad --dev-mode (octal, at most 07777):");
		break;
	case OPT_READY:
		o->o_ready = optarg;
		break;
	case OPT_NO_KPIPE_LO:
		o->o_no_kpipe_lo = 1;
		break;
	case OPT_VERBOSE:
		sk_verbose = optarg != NULL ? cd_parse_mask(optarg) : ~0u;
		break;
	case OPT_HELP:
		cd_usage(stdout);
		exit(CD_EXIT_OK);
	case OPT_VERSION:
		printf("cuse-dev (skchan) %s, request ABI %d\n",
		    SKCHAN_VERSION, SKCHAN_ABI_VERSION);
		exit(CD_EXIT_OK);
	default:	/* getopt already said what is wrong */
		cd_usage(stderr);
		exit(CD_EXIT_USAGE);
	}
}

static void cd_parse(struct cd_opts *o, int argc, char **argv)
{
	int c;

	cd_defaults(o);
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", cd_longopts, NULL)) != -1)
		cd_option(o, c);
	if (optind < argc)
		cd_usage_error("unexpected argument", argv[optind]);
	if (o->o_socket[0] == '\0')
		cd_usage_error("empty socket path", NULL);
	if (o->o_ready != NULL && o->o_ready[0] == '\0')
		cd_usage_error("empty --ready-file path", NULL);
}

/* ---- readiness and signals ---------------------------------------------- */

/* Everything listens: tell whoever waits (scripts poll for the file). */
static void cd_ready(void *arg)
{
	struct cd *cd = arg;
	char line[32];
	int fd, n;

	if (cd->c_opt.o_no_cuse)
		CD_INFO("ready: socket %s (no CUSE)", cd->c_opt.o_socket);
	else
		CD_INFO("ready: /dev/%s and socket %s", cd->c_opt.o_devname,
		    cd->c_opt.o_socket);
	if (cd->c_opt.o_ready == NULL)
		return;
	fd = open(cd->c_opt.o_ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (fd < 0) {
		SK_ERR("--ready-file %s: %s", cd->c_opt.o_ready,
		    strerror(errno));
		return;
	}
	n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (write(fd, line, (size_t)n) != n)
		SK_ERR("--ready-file %s: short write", cd->c_opt.o_ready);
	close(fd);
}

/* The CUSE door died (device refused or connection aborted). */
static void cd_door_failed(void *arg)
{
	struct cd *cd = arg;

	cd->c_exit = CD_EXIT_FAIL;
	evl_stop(cd->c_loop);
}

static void cd_signal(struct evl_watch *w, int fd, uint32_t events, void *arg)
{
	struct cd *cd = arg;
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	CD_INFO("%s: shutting down", strsignal((int)si.ssi_signo));
	evl_stop(cd->c_loop);
}

/* SIGTERM/SIGINT/SIGHUP become readable events; SIGPIPE is ignored
 * (every send uses MSG_NOSIGNAL, this is a second belt). */
static int cd_signals(struct cd *cd)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	cd->c_sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (cd->c_sigfd < 0)
		return -errno;
	cd->c_sigw = evl_add(cd->c_loop, cd->c_sigfd, EPOLLIN, cd_signal, cd);
	return cd->c_sigw != NULL ? 0 : -errno;
}

/* Many clients, each with a few fds (connection, memfds, eventfd). */
static void cd_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ---- start and stop ---------------------------------------------------------- */

static int cd_open_socket(struct cd *cd)
{
	int err;

	cd->c_sock = door_sock_new(cd->c_loop);
	if (cd->c_sock == NULL)
		return -ENOMEM;
	err = door_sock_listen(cd->c_sock, cd->c_opt.o_socket,
	    cd->c_opt.o_sock_mode);
	if (err == -EADDRINUSE)
		SK_ERR("%s: another cuse-dev is listening there",
		    cd->c_opt.o_socket);
	else if (err == -EEXIST)
		SK_ERR("%s exists and is not a socket; not touching it",
		    cd->c_opt.o_socket);
	else if (err != 0)
		SK_ERR("socket %s: %s", cd->c_opt.o_socket, strerror(-err));
	return err;
}

static int cd_open_cuse(struct cd *cd)
{
	int err = 0;

	cd->c_cuse = door_cuse_new(cd->c_loop, cd->c_opt.o_devname,
	    cd->c_opt.o_dev_mode, cd_ready, cd_door_failed, cd, &err);
	if (cd->c_cuse != NULL)
		return 0;
	SK_ERR("cannot open /dev/cuse: %s", strerror(-err));
	if (err == -ENOENT || err == -ENODEV || err == -ENXIO)
		SK_ERR("this system has no CUSE (try 'modprobe cuse'); "
		    "run with --no-cuse to serve the socket door only");
	return err;
}

static int cd_start(struct cd *cd)
{
	int err;

	if (cd->c_opt.o_ready != NULL)
		unlink(cd->c_opt.o_ready);	/* stale from a previous run */
	cd->c_loop = evl_new();
	if (cd->c_loop == NULL)
		return -ENOMEM;
	nx_netif_set_evloop(cd->c_loop);	/* netif device queues live here */
	if ((err = cd_signals(cd)) != 0) {
		SK_ERR("signals: %s", strerror(-err));
		return err;
	}
	if ((err = sk_kern_init()) != 0) {
		SK_ERR("kernel init: %s", strerror(-err));
		return err;
	}
	cd->c_kern = 1;
	/* XNU kern.skywalk.kpipe.loopback.enabled, on by default here. */
	if (!cd->c_opt.o_no_kpipe_lo && (err = nx_kpipe_loopback_start()) != 0)
		return err;
	if ((err = cd_open_socket(cd)) != 0)
		return err;
	if (cd->c_opt.o_no_cuse)
		cd_ready(cd);
	else if ((err = cd_open_cuse(cd)) != 0)
		return err;
	return 0;
}

static void cd_log_stats(struct cd *cd)
{
	struct door_sock_stats st;

	if (cd->c_sock == NULL)
		return;
	door_sock_get_stats(cd->c_sock, &st);
	if (st.ss_closed_slow == 0 && st.ss_closed_bad == 0 &&
	    !(sk_verbose & SK_VERB_DOOR))
		return;
	CD_INFO("socket door: %llu connections, %llu requests, %llu refused "
	    "frames, %llu dropped (bad framing), %llu dropped (not reading)",
	    (unsigned long long)st.ss_accepted,
	    (unsigned long long)st.ss_requests,
	    (unsigned long long)st.ss_bad_frames,
	    (unsigned long long)st.ss_closed_bad,
	    (unsigned long long)st.ss_closed_slow);
}

/* Order matters: handles before the kernel, the kernel before the
 * device goes away, so no client ever sees a half-torn kernel. */
static void cd_stop(struct cd *cd)
{
	cd_log_stats(cd);
	if (cd->c_cuse != NULL)
		door_cuse_close_all(cd->c_cuse);
	if (cd->c_sock != NULL)
		door_sock_close_all(cd->c_sock);
	if (cd->c_kern) {
		nx_kpipe_loopback_stop();	/* every channel is closed */
		sk_kern_fini();
	}
	door_cuse_free(cd->c_cuse);
	door_sock_free(cd->c_sock);
	evl_del(cd->c_sigw);
	if (cd->c_sigfd >= 0)
		close(cd->c_sigfd);
	evl_free(cd->c_loop);
}

int main(int argc, char **argv)
{
	struct cd cd = { .c_sigfd = -1, .c_exit = CD_EXIT_OK };
	int err;

	cd_parse(&cd.c_opt, argc, argv);
	cd_raise_nofile();
	err = cd_start(&cd);
	if (err != 0) {
		cd_stop(&cd);
		return CD_EXIT_FAIL;
	}
	err = evl_run(cd.c_loop);
	if (err != 0) {
		SK_ERR("event loop: %s", strerror(-err));
		cd.c_exit = CD_EXIT_FAIL;
	}
	cd_stop(&cd);
	return cd.c_exit;
}
