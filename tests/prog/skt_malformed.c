/*
 * skt_malformed - hostile requests: the daemon answers with an errno or
 * kills the offender, and keeps serving everyone else.
 *
 * The daemon is the kernel and clients are untrusted (design brief §3).
 * This program plays a buggy or malicious client on whichever door
 * SKCHAN_DOOR names and checks each answer:
 *
 *   headers   bad version ENOTSUP; wrong rh_size, reserved flags, a
 *             reserved field EINVAL; unknown commands and numbers whose
 *             size does not match the command ENOTTY or EINVAL -- and
 *             the same handle still works afterwards.
 *   frames    (socket door) bad magic, wrong or huge sm_len, non-zero
 *             sm_error, unknown command, truncated frames, garbage: an
 *             error reply or a hang-up, never a hang or a crash.
 *   requests  Apple's errno for wrong handle kinds (ENODEV), versions
 *             (ENOTSUP/EINVAL), unknown nexus (ENOENT), null UUID and
 *             oversize keys (EINVAL), bad port (EDOM), bad ring
 *             (EINVAL), bad sync mode/flags (EINVAL), unknown options
 *             (ENOPROTOOPT).
 *   rings     a forked child writes an out-of-window ring_head (TX and
 *             RX, via sync and via poll) or tampers with the kernel's
 *             ring_tail, then syncs: the daemon must kill it with
 *             SIGABRT (behaviours §4.5).
 *
 * Finally a fresh pipe must still carry a slot, and the daemon's object
 * counts must be back where they started (no leak from any of it).
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "skt_util.h"
#include "skt_raw.h"

static int mf_errors;

/* ---- helpers ------------------------------------------------------------ */

static const char *mf_err_name(int e)
{
	static char buf[32];

	if (e == SKT_RAW_CLOSED)
		return "hang-up";
	if (e == 0)
		return "success";
	snprintf(buf, sizeof(buf), "%s", strerror(e));
	return buf;
}

/* Counts a failure without stopping: one run reports every wrong answer. */
static void mf_expect(const char *what, int got, int want)
{
	if (got == want) {
		skt_ok("%s: %s", what, mf_err_name(got));
		return;
	}
	fprintf(stderr, "%s: FAIL %s: expected %s, ", skt_prog, what,
	    mf_err_name(want));
	fprintf(stderr, "got %s (%d)\n", mf_err_name(got), got);
	mf_errors++;
}

/* Either of two answers is right (the protocol does not fix which). */
static void mf_expect2(const char *what, int got, int a, int b)
{
	if (got == b) {
		skt_ok("%s: %s", what, mf_err_name(got));
		return;
	}
	mf_expect(what, got, a);
}

static void mf_door(struct skt_door *d)
{
	if (skt_door_open(d) < 0)
		SKT_FAIL("cannot reach the daemon at %s: %s",
		    skt_door_path(skt_door_is_cuse()), strerror(errno));
}

static int mf_stats(struct skt_door *d, struct skc_ctl_stats *st)
{
	memset(st, 0, sizeof(*st));
	skt_req_hdr(&st->cs_hdr, sizeof(*st));
	return skt_raw_req(d, SKC_IOC_CTL_STATS, st, sizeof(*st));
}

static void mf_still_serves(struct skt_door *d, const char *after)
{
	struct skc_ctl_stats st;
	char what[96];

	snprintf(what, sizeof(what), "same handle after %s", after);
	mf_expect(what, mf_stats(d, &st), 0);
}

/* ---- headers ------------------------------------------------------------ */

static void mf_headers(void)
{
	struct skc_ctl_stats st;
	struct skc_arena_fetch af;
	struct skt_door d;

	mf_door(&d);
	mf_stats(&d, &st);
	st.cs_hdr.rh_version = SKCHAN_ABI_VERSION + 1;
	mf_expect("rh_version + 1", skt_raw_req(&d, SKC_IOC_CTL_STATS, &st,
	    sizeof(st)), ENOTSUP);
	mf_stats(&d, &st);
	st.cs_hdr.rh_version = 0;
	mf_expect("rh_version 0", skt_raw_req(&d, SKC_IOC_CTL_STATS, &st,
	    sizeof(st)), ENOTSUP);
	mf_stats(&d, &st);
	st.cs_hdr.rh_size = sizeof(st) - 8;
	mf_expect("rh_size short", skt_raw_req(&d, SKC_IOC_CTL_STATS, &st,
	    sizeof(st)), EINVAL);
	mf_stats(&d, &st);
	st.cs_hdr.rh_flags = 0x80000000u;
	mf_expect("rh_flags reserved bit", skt_raw_req(&d, SKC_IOC_CTL_STATS,
	    &st, sizeof(st)), EINVAL);
	memset(&af, 0, sizeof(af));
	skt_req_hdr(&af.af_hdr, sizeof(af));
	af.af_reserved = 1;
	mf_expect("arena_fetch af_reserved", skt_raw_req(&d,
	    SKC_IOC_ARENA_FETCH, &af, sizeof(af)), EINVAL);
	mf_still_serves(&d, "bad headers");
	skt_door_close(&d);
}

static void mf_commands(void)
{
	struct skc_ctl_stats st;
	struct skt_door d;

	mf_door(&d);
	mf_stats(&d, &st);
	mf_expect2("unknown command 99", skt_raw_req(&d,
	    _IOWR(SKC_IOC_MAGIC, 99, struct skc_ctl_stats), &st, sizeof(st)),
	    ENOTTY, EINVAL);
	mf_stats(&d, &st);
	mf_expect2("command 0", skt_raw_req(&d,
	    _IOWR(SKC_IOC_MAGIC, 0, struct skc_ctl_stats), &st, sizeof(st)),
	    ENOTTY, EINVAL);
	mf_stats(&d, &st);
	mf_expect2("stats number with a smaller size", skt_raw_req(&d,
	    _IOWR(SKC_IOC_MAGIC, 15, struct skc_req_hdr), &st,
	    sizeof(struct skc_req_hdr)), ENOTTY, EINVAL);
	mf_stats(&d, &st);
	mf_expect2("stats number, write-only direction", skt_raw_req(&d,
	    _IOW(SKC_IOC_MAGIC, 15, struct skc_ctl_stats), &st, sizeof(st)),
	    ENOTTY, EINVAL);
	mf_stats(&d, &st);
	mf_expect2("foreign ioctl type", skt_raw_req(&d,
	    _IOWR('X', 15, struct skc_ctl_stats), &st, sizeof(st)),
	    ENOTTY, EINVAL);
	mf_still_serves(&d, "unknown commands");
	skt_door_close(&d);
}

/* ---- socket frames ------------------------------------------------------ */

/* One frame on a fresh connection; answers within 10 s or fails. */
static int mf_frame(uint32_t magic, uint32_t cmd, int32_t err, uint32_t len,
    const void *payload, size_t plen)
{
	struct skc_msg m = { magic, cmd, err, len };
	struct timeval tv = { 10, 0 };
	struct skc_ctl_stats reply;
	struct skt_door d;
	int r;

	mf_door(&d);
	setsockopt(d.sd_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = skt_sock_frame(d.sd_fd, &m, payload, plen, &reply, sizeof(reply));
	if (r == SKT_RAW_CLOSED && (errno == EAGAIN || errno == EWOULDBLOCK))
		SKT_FAIL("frame magic %#x cmd %#x len %u: no answer in 10 s",
		    magic, cmd, len);
	skt_door_close(&d);
	return r;
}

static void mf_frame_expect(const char *what, int got)
{
	mf_expect2(what, got, EINVAL, SKT_RAW_CLOSED);
}

static void mf_frames(void)
{
	struct skc_ctl_stats st;
	struct skt_door d;
	uint8_t junk[512];
	size_t i;

	memset(&st, 0, sizeof(st));
	skt_req_hdr(&st.cs_hdr, sizeof(st));
	mf_frame_expect("frame with bad magic (EINVAL or hang-up)",
	    mf_frame(0xdeadbeef, SKC_IOC_CTL_STATS, 0, sizeof(st), &st,
	    sizeof(st)));
	mf_frame_expect("frame sm_len short of the command (EINVAL or hang-up)",
	    mf_frame(SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 0, 8, &st, 8));
	mf_frame_expect("frame sm_len 1 GiB (EINVAL or hang-up)",
	    mf_frame(SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 0, 1u << 30, &st,
	    sizeof(st)));
	mf_frame_expect("frame sm_error set (EINVAL or hang-up)",
	    mf_frame(SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 5, sizeof(st), &st,
	    sizeof(st)));
	mf_expect2("frame with unknown command", mf_frame(SKC_MSG_MAGIC,
	    _IOWR(SKC_IOC_MAGIC, 77, struct skc_ctl_stats), 0, sizeof(st), &st,
	    sizeof(st)), ENOTTY, EINVAL);

	/* Truncated frames and garbage, then hang up: nothing to answer. */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 151 + 7);
	for (i = 1; i < 16 + sizeof(st); i += 13) {
		struct skc_msg m = { SKC_MSG_MAGIC, SKC_IOC_CTL_STATS, 0,
			sizeof(st) };
		uint8_t buf[sizeof(m) + sizeof(st)];

		memcpy(buf, &m, sizeof(m));
		memcpy(buf + sizeof(m), &st, sizeof(st));
		mf_door(&d);
		(void)skt_write_all(d.sd_fd, buf, i);
		skt_door_close(&d);
	}
	mf_door(&d);
	(void)skt_write_all(d.sd_fd, junk, sizeof(junk));
	skt_door_close(&d);
	mf_door(&d);
	mf_still_serves(&d, "truncated frames and garbage");
	skt_door_close(&d);
}

/* ---- requests ------------------------------------------------------------ */

static int mf_nexus_open(struct skt_door *d, uint32_t version)
{
	struct skc_nexus_open no;

	memset(&no, 0, sizeof(no));
	skt_req_hdr(&no.no_hdr, sizeof(no));
	no.no_init.ni_version = version;
	return skt_raw_req(d, SKC_IOC_NEXUS_OPEN, &no, sizeof(no));
}

static void mf_chopen_init(struct skc_channel_open *co, const uuid_t nx,
    nexus_port_t port)
{
	memset(co, 0, sizeof(*co));
	skt_req_hdr(&co->co_hdr, sizeof(*co));
	co->co_init.ci_version = CHANNEL_INIT_CURRENT_VERSION;
	co->co_init.ci_ch_ring_id = CHANNEL_RING_ID_ANY;
	co->co_init.ci_nx_port = port;
	uuid_copy(co->co_init.ci_nx_uuid, nx);
}

/* A channel open on a fresh handle, with one field spoiled by fn. */
static int mf_chopen(const uuid_t nx, nexus_port_t port,
    void (*spoil)(struct skc_channel_open *))
{
	struct skc_channel_open co;
	struct skt_door d;
	int r;

	mf_door(&d);
	mf_chopen_init(&co, nx, port);
	if (spoil != NULL)
		spoil(&co);
	r = skt_raw_req(&d, SKC_IOC_CHANNEL_OPEN, &co, sizeof(co));
	skt_door_close(&d);
	return r;
}

static void mf_spoil_version(struct skc_channel_open *co)
{
	co->co_init.ci_version = 2;
}

static void mf_spoil_key(struct skc_channel_open *co)
{
	co->co_init.ci_key_len = NEXUS_MAX_KEY_LEN + 1;
}

static void mf_spoil_ring(struct skc_channel_open *co)
{
	co->co_init.ci_ch_ring_id = 9;
}

static void mf_spoil_lowat(struct skc_channel_open *co)
{
	co->co_init.ci_tx_lowat.cet_unit = (channel_threshold_unit_t)5;
}

static void mf_fresh_handle(void)
{
	struct skc_channel_sync cs;
	struct skc_channel_info ci;
	struct skc_nexus_register nr;
	struct skt_door d;

	mf_door(&d);
	memset(&ci, 0, sizeof(ci));
	skt_req_hdr(&ci.ci_hdr, sizeof(ci));
	mf_expect("channel info on a fresh handle", skt_raw_req(&d,
	    SKC_IOC_CHANNEL_INFO, &ci, sizeof(ci)), ENODEV);
	memset(&cs, 0, sizeof(cs));
	skt_req_hdr(&cs.cs_hdr, sizeof(cs));
	mf_expect("channel sync on a fresh handle", skt_raw_req(&d,
	    SKC_IOC_CHANNEL_SYNC, &cs, sizeof(cs)), ENODEV);
	memset(&nr, 0, sizeof(nr));
	skt_req_hdr(&nr.nr_hdr, sizeof(nr));
	nr.nr_reg.nxpreg_version = NXPROV_REG_CURRENT_VERSION;
	mf_expect("register on a fresh handle", skt_raw_req(&d,
	    SKC_IOC_NEXUS_REGISTER, &nr, sizeof(nr)), ENODEV);
	mf_expect("nexus open version 2", mf_nexus_open(&d, 2), ENOTSUP);
	mf_still_serves(&d, "wrong handle kinds");
	skt_door_close(&d);
}

static void mf_controller(void)
{
	struct skc_nexus_register nr;
	struct skc_nexus_uuid nu;
	struct skc_nexus_opt *no;
	struct skt_door d;

	mf_door(&d);
	mf_expect("nexus open", mf_nexus_open(&d, NEXUSCTL_INIT_CURRENT_VERSION),
	    0);
	memset(&nr, 0, sizeof(nr));
	skt_req_hdr(&nr.nr_hdr, sizeof(nr));
	nr.nr_reg.nxpreg_version = 2;
	mf_expect("register nxpreg_version 2", skt_raw_req(&d,
	    SKC_IOC_NEXUS_REGISTER, &nr, sizeof(nr)), EINVAL);
	memset(&nu, 0, sizeof(nu));
	skt_req_hdr(&nu.nu_hdr, sizeof(nu));
	uuid_generate_random(nu.nu_uuid);
	mf_expect("destroy an unknown instance", skt_raw_req(&d,
	    SKC_IOC_NEXUS_DESTROY, &nu, sizeof(nu)), ENOENT);
	mf_expect("deregister an unknown provider", skt_raw_req(&d,
	    SKC_IOC_NEXUS_DEREGISTER, &nu, sizeof(nu)), ENOENT);
	no = calloc(1, sizeof(*no));
	T_NONNULL(no);
	skt_req_hdr(&no->no_hdr, sizeof(*no));
	no->no_opt = 999;
	no->no_len = 16;
	mf_expect("get_opt 999", skt_raw_req(&d, SKC_IOC_NEXUS_GET_OPT, no,
	    sizeof(*no)), ENOPROTOOPT);
	no->no_opt = NXOPT_NEXUS_PROV_ENTRY;
	no->no_len = SKC_OPT_DATA_MAX + 1;
	mf_expect("get_opt no_len beyond no_data", skt_raw_req(&d,
	    SKC_IOC_NEXUS_GET_OPT, no, sizeof(*no)), EINVAL);
	free(no);
	mf_still_serves(&d, "bad controller requests");
	skt_door_close(&d);
}

static void mf_channel_opens(const uuid_t nx)
{
	uuid_t bogus, nil;

	uuid_generate_random(bogus);
	uuid_clear(nil);
	mf_expect("channel open: unknown nexus", mf_chopen(bogus, 0, NULL),
	    ENOENT);
	mf_expect("channel open: null nexus UUID", mf_chopen(nil, 0, NULL),
	    EINVAL);
	mf_expect("channel open: port 5 of a pipe", mf_chopen(nx, 5, NULL),
	    EDOM);
	mf_expect("channel open: ci_version 2", mf_chopen(nx, 0,
	    mf_spoil_version), ENOTSUP);
	mf_expect("channel open: key length 1025", mf_chopen(nx, 0,
	    mf_spoil_key), EINVAL);
	mf_expect("channel open: ring 9 of 1", mf_chopen(nx, 0, mf_spoil_ring),
	    EINVAL);
	mf_expect("channel open: lowat unit 5", mf_chopen(nx, 0,
	    mf_spoil_lowat), EINVAL);
}

/* A real channel opened raw, whose arena is never claimed: bad syncs and
 * options, then a close that must drop the unclaimed ticket too. */
static void mf_raw_channel(const uuid_t nx)
{
	struct skc_channel_open co;
	struct skc_channel_sync cs;
	struct skc_channel_opt opt;
	struct skt_door d;

	mf_door(&d);
	mf_chopen_init(&co, nx, 0);
	mf_expect("raw channel open", skt_raw_req(&d, SKC_IOC_CHANNEL_OPEN,
	    &co, sizeof(co)), 0);
	memset(&cs, 0, sizeof(cs));
	skt_req_hdr(&cs.cs_hdr, sizeof(cs));
	cs.cs_mode = 7;
	mf_expect("sync mode 7", skt_raw_req(&d, SKC_IOC_CHANNEL_SYNC, &cs,
	    sizeof(cs)), EINVAL);
	cs.cs_mode = CHANNEL_SYNC_TX;
	cs.cs_flags = CHANNEL_SYNCF_ALLOC;
	mf_expect("sync TX with ALLOC, no packet pool", skt_raw_req(&d,
	    SKC_IOC_CHANNEL_SYNC, &cs, sizeof(cs)), EINVAL);
	memset(&opt, 0, sizeof(opt));
	skt_req_hdr(&opt.co_hdr, sizeof(opt));
	opt.co_opt = 99;
	opt.co_len = 8;
	mf_expect("channel get_opt 99", skt_raw_req(&d,
	    SKC_IOC_CHANNEL_GET_OPT, &opt, sizeof(opt)), ENOPROTOOPT);
	opt.co_opt = CHOPT_TX_LOWAT_THRESH;
	opt.co_len = sizeof(struct ch_ev_thresh);
	((struct ch_ev_thresh *)(void *)opt.co_data)->cet_unit =
	    (channel_threshold_unit_t)9;
	mf_expect("channel set_opt lowat unit 9", skt_raw_req(&d,
	    SKC_IOC_CHANNEL_SET_OPT, &opt, sizeof(opt)), EINVAL);
	mf_chopen_init(&co, nx, 1);
	mf_expect2("second open on a channel handle", skt_raw_req(&d,
	    SKC_IOC_CHANNEL_OPEN, &co, sizeof(co)), EBUSY, EINVAL);
	mf_still_serves(&d, "bad channel requests");
	skt_door_close(&d);
}

/* ---- rings -------------------------------------------------------------- */

enum mf_ring_case {
	MF_TX_HEAD_SYNC,        /* TX head beyond the ring, explicit sync */
	MF_TX_HEAD_POLL,        /* same, found by poll(POLLOUT) */
	MF_RX_HEAD_SYNC,        /* RX head ahead of tail, explicit sync */
	MF_RX_HEAD_POLL,        /* RX head beyond the ring, poll(POLLIN) */
	MF_TX_TAIL_SYNC,        /* kernel-owned TX tail rewritten */
	MF_RING_CASES
};

static const char *const mf_case_name[MF_RING_CASES] = {
	"TX ring_head beyond the ring, then sync",
	"TX ring_head beyond the ring, then poll(POLLOUT)",
	"RX ring_head ahead of ring_tail, then sync",
	"RX ring_head beyond the ring, then poll(POLLIN)",
	"TX ring_tail rewritten by the user, then sync",
};

static struct __user_channel_ring *mf_uring(channel_ring_t r)
{
	return (struct __user_channel_ring *)(uintptr_t)r->chrd_ring;
}

/* Writes the bad index and makes the daemon look at it.  Returns what
 * the call returned, for the report if we are not killed. */
static int mf_corrupt(channel_t ch, enum mf_ring_case c)
{
	struct __user_channel_ring *tx = mf_uring(skt_tx(ch));
	struct __user_channel_ring *rx = mf_uring(skt_rx(ch));
	struct pollfd pfd = { os_channel_get_fd(ch), 0, 0 };

	switch (c) {
	case MF_TX_HEAD_SYNC:
		tx->ring_head = tx->ring_num_slots + 3;
		return os_channel_sync(ch, CHANNEL_SYNC_TX);
	case MF_TX_HEAD_POLL:
		tx->ring_head = tx->ring_num_slots * 2;
		pfd.events = POLLOUT;
		return poll(&pfd, 1, 2000);
	case MF_RX_HEAD_SYNC:
		rx->ring_head = 5;      /* tail is 0: nothing was received */
		return os_channel_sync(ch, CHANNEL_SYNC_RX);
	case MF_RX_HEAD_POLL:
		rx->ring_head = rx->ring_num_slots + 1;
		pfd.events = POLLIN;
		return poll(&pfd, 1, 2000);
	case MF_TX_TAIL_SYNC:
	default:
		*(volatile slot_idx_t *)(uintptr_t)&tx->ring_tail = 1;
		return os_channel_sync(ch, CHANNEL_SYNC_TX);
	}
}

__attribute__((noreturn))
static void mf_ring_child(const uuid_t nx, enum mf_ring_case c)
{
	struct rlimit nocore = { 0, 0 };
	channel_t ch;
	int r, e, i;

	setrlimit(RLIMIT_CORE, &nocore);        /* SIGABRT expected */
	skt_prog = "skt_malformed(child)";
	ch = skt_channel_open_simple(nx, NEXUS_PORT_USER_PIPE_CLIENT);
	r = mf_corrupt(ch, c);
	e = errno;
	for (i = 0; i < 100; i++)       /* the signal may trail the reply */
		usleep(100000);
	fprintf(stderr, "%s: not killed: the call returned %d (errno %d %s)\n",
	    skt_prog, r, e, strerror(e));
	_exit(3);
}

static void mf_ring_case(const struct skt_nexus *nx, enum mf_ring_case c)
{
	uuid_t inst;
	pid_t pid;
	int st;

	T_OK(os_nexus_controller_alloc_provider_instance(nx->sn_ctl,
	    nx->sn_prov, &inst));
	fflush(stdout);
	pid = fork();
	T_TRUE(pid >= 0);
	if (pid == 0)
		mf_ring_child(inst, c);
	T_EQ(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT) {
		skt_ok("%s: offender killed by SIGABRT", mf_case_name[c]);
	} else {
		fprintf(stderr, "%s: FAIL %s: expected death by SIGABRT, got "
		    "%s %d\n", skt_prog, mf_case_name[c],
		    WIFSIGNALED(st) ? "signal" : "exit status",
		    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		mf_errors++;
	}
	T_OK(os_nexus_controller_free_provider_instance(nx->sn_ctl, inst));
}

/* ---- afterwards ----------------------------------------------------------- */

/* The daemon still moves data: one slot from port 0 to port 1. */
static void mf_pipe_works(const uuid_t nx)
{
	channel_t a = skt_channel_open_simple(nx, 0);
	channel_t b = skt_channel_open_simple(nx, 1);
	channel_ring_t tx = skt_tx(a), rx = skt_rx(b);
	channel_slot_t s;
	slot_prop_t p;

	s = os_channel_get_next_slot(tx, NULL, &p);
	T_NONNULL(s);
	memcpy((void *)(uintptr_t)p.sp_buf_ptr, "still alive", 12);
	p.sp_len = 12;
	os_channel_set_slot_properties(tx, s, &p);
	T_OK(os_channel_advance_slot(tx, s));
	T_OK(os_channel_sync(a, CHANNEL_SYNC_TX));
	T_OK(os_channel_sync(b, CHANNEL_SYNC_RX));
	s = os_channel_get_next_slot(rx, NULL, &p);
	T_NONNULL(s);
	T_EQ(p.sp_len, 12);
	T_TRUE(memcmp((void *)(uintptr_t)p.sp_buf_ptr, "still alive", 12) == 0);
	T_OK(os_channel_advance_slot(rx, s));
	os_channel_destroy(a);
	os_channel_destroy(b);
	skt_ok("a fresh pipe still carries data");
}

#define MF_SAME(a, b, f) ((a)->f == (b)->f)

static int mf_stats_equal(const struct skc_ctl_stats *a,
    const struct skc_ctl_stats *b)
{
	return MF_SAME(a, b, cs_files) && MF_SAME(a, b, cs_controllers) &&
	    MF_SAME(a, b, cs_providers) && MF_SAME(a, b, cs_instances) &&
	    MF_SAME(a, b, cs_channels) && MF_SAME(a, b, cs_arenas) &&
	    MF_SAME(a, b, cs_memfds) && MF_SAME(a, b, cs_bindings) &&
	    MF_SAME(a, b, cs_tickets) && MF_SAME(a, b, cs_arena_bytes);
}

static void mf_print_stats(const char *tag, const struct skc_ctl_stats *s)
{
	fprintf(stderr, "  %s: files %u controllers %u providers %u instances "
	    "%u channels %u arenas %u memfds %u bindings %u tickets %u "
	    "arena_bytes %" PRIu64 "\n", tag, s->cs_files, s->cs_controllers,
	    s->cs_providers, s->cs_instances, s->cs_channels, s->cs_arenas,
	    s->cs_memfds, s->cs_bindings, s->cs_tickets, s->cs_arena_bytes);
}

/* Dead clients are noticed asynchronously: wait up to 20 s. */
static void mf_no_leaks(struct skt_door *d, const struct skc_ctl_stats *base)
{
	struct skc_ctl_stats now;
	int i;

	for (i = 0; i < 200; i++) {
		T_EQ(mf_stats(d, &now), 0);
		if (mf_stats_equal(base, &now))
			break;
		usleep(100000);
	}
	if (!mf_stats_equal(base, &now)) {
		fprintf(stderr, "%s: FAIL daemon counts did not return to the "
		    "baseline:\n", skt_prog);
		mf_print_stats("before", base);
		mf_print_stats("after ", &now);
		mf_errors++;
		return;
	}
	skt_ok("daemon counts back at baseline; %" PRIu64 " kills recorded",
	    now.cs_kills - base->cs_kills);
	if (now.cs_kills - base->cs_kills < MF_RING_CASES) {
		fprintf(stderr, "%s: FAIL cs_kills grew by %" PRIu64
		    ", expected at least %d\n", skt_prog,
		    now.cs_kills - base->cs_kills, MF_RING_CASES);
		mf_errors++;
	}
}

int main(int argc, char **argv)
{
	struct skt_nx_params p = { 1, 64, -1, 1, -1 };
	struct skc_ctl_stats base;
	struct skt_nexus nx;
	struct skt_door sd;
	int c;

	(void)argc;
	skt_set_prog(argv[0]);
	mf_door(&sd);
	T_EQ(mf_stats(&sd, &base), 0);
	mf_headers();
	mf_commands();
	if (!sd.sd_cuse)
		mf_frames();
	mf_fresh_handle();
	mf_controller();
	skt_upipe_setup(&nx, "malformed", &p);
	mf_channel_opens(nx.sn_inst);
	mf_raw_channel(nx.sn_inst);
	for (c = 0; c < MF_RING_CASES; c++)
		mf_ring_case(&nx, (enum mf_ring_case)c);
	mf_pipe_works(nx.sn_inst);
	skt_nexus_teardown(&nx);
	mf_no_leaks(&sd, &base);
	skt_door_close(&sd);
	if (mf_errors > 0) {
		fprintf(stderr, "%s: %d check(s) failed\n", skt_prog, mf_errors);
		return 1;
	}
	printf("%s: PASS (%s door)\n", skt_prog, sd.sd_cuse ? "cuse" :
	    "socket");
	return 0;
}
