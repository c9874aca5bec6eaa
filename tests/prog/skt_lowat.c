/*
 * skt_lowat - channel low-watermarks through Apple's API.
 *
 * Issue part 5 (XNU ch_ev_thresh_validate, os_channel_read_attr /
 * os_channel_write_attr).  On a user pipe (1 ring, 64 slots, 2048-byte
 * buffers), or with "kpipe" on the kernel-pipe loopback
 * ($SKCHAN_KPIPE_UUID; skipped, exit 77, when unset):
 *
 *   - unset thresholds read back as {SLOTS, 1} after create (create
 *     overwrites the caller's attr);
 *   - thresholds given at create come back clamped: slots to
 *     [1, slots - 1], bytes to [1, (slots - 1) x buffer size];
 *   - os_channel_attr_set of a unit other than SLOTS/BYTES: EINVAL;
 *   - write_attr sends what changed; read_attr then reports the clamped
 *     value, and so does __channel_get_opt; a bad unit reaching the
 *     daemon (__channel_set_opt) is -1/EINVAL and changes nothing;
 *   - poll and select ignore the marks: with an RX mark of 63 slots one
 *     slot makes the channel readable, with a TX mark of all the bytes
 *     it stays writable (XNU applies marks only in kevent);
 *   - a thread blocked in poll() while the marks change is woken, asks
 *     again, and keeps waiting: its poll times out with 0.
 */
#include "skt_util.h"

#define LW_SLOTS        64

static uint32_t lw_slots, lw_buf;

static uint64_t lw_attr(channel_attr_t a, channel_attr_type_t t)
{
	return skt_ch_attr_get(a, t);
}

/* The attr says these thresholds. */
static void lw_expect(channel_attr_t a, uint64_t tx_unit, uint64_t tx_val,
    uint64_t rx_unit, uint64_t rx_val)
{
	T_EQ(lw_attr(a, CHANNEL_ATTR_TX_LOWAT_UNIT), tx_unit);
	T_EQ(lw_attr(a, CHANNEL_ATTR_TX_LOWAT_VALUE), tx_val);
	T_EQ(lw_attr(a, CHANNEL_ATTR_RX_LOWAT_UNIT), rx_unit);
	T_EQ(lw_attr(a, CHANNEL_ATTR_RX_LOWAT_VALUE), rx_val);
}

/* read_attr into a fresh attr, then check. */
static void lw_expect_ch(channel_t ch, uint64_t tx_unit, uint64_t tx_val,
    uint64_t rx_unit, uint64_t rx_val)
{
	channel_attr_t a = os_channel_attr_create();

	T_NONNULL(a);
	T_OK(os_channel_read_attr(ch, a));
	lw_expect(a, tx_unit, tx_val, rx_unit, rx_val);
	os_channel_attr_destroy(a);
}

static void lw_set(channel_attr_t a, uint64_t tx_unit, uint64_t tx_val,
    uint64_t rx_unit, uint64_t rx_val)
{
	T_OK(os_channel_attr_set(a, CHANNEL_ATTR_TX_LOWAT_UNIT, tx_unit));
	T_OK(os_channel_attr_set(a, CHANNEL_ATTR_TX_LOWAT_VALUE, tx_val));
	T_OK(os_channel_attr_set(a, CHANNEL_ATTR_RX_LOWAT_UNIT, rx_unit));
	T_OK(os_channel_attr_set(a, CHANNEL_ATTR_RX_LOWAT_VALUE, rx_val));
}

static channel_t lw_open(const uuid_t nx, nexus_port_t port,
    channel_attr_t a)
{
	struct skt_ch_opts o = SKT_CH_OPTS_DEFAULT;
	channel_t ch = skt_channel_try(nx, port, &o, a);

	if (ch == NULL)
		SKT_FAIL("create: errno %d (%s)", errno, strerror(errno));
	skt_check_door_fd(os_channel_get_fd(ch), "channel");
	return ch;
}

static void lw_defaults(const uuid_t nx, nexus_port_t port)
{
	channel_attr_t a = os_channel_attr_create();
	channel_t ch;

	T_NONNULL(a);
	ch = lw_open(nx, port, a);
	lw_slots = (uint32_t)lw_attr(a, CHANNEL_ATTR_TX_SLOTS);
	lw_buf = (uint32_t)lw_attr(a, CHANNEL_ATTR_SLOT_BUF_SIZE);
	T_TRUE(lw_slots >= 2 && lw_buf > 0);
	lw_expect(a, CHANNEL_THRESHOLD_UNIT_SLOTS, 1,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, 1);
	lw_expect_ch(ch, CHANNEL_THRESHOLD_UNIT_SLOTS, 1,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, 1);
	os_channel_destroy(ch);
	os_channel_attr_destroy(a);
	skt_ok("defaults {SLOTS, 1}; %u slots of %u bytes", lw_slots, lw_buf);
}

static void lw_at_create(const uuid_t nx, nexus_port_t port)
{
	channel_attr_t a = os_channel_attr_create();
	channel_t ch;

	T_NONNULL(a);
	T_RET(os_channel_attr_set(a, CHANNEL_ATTR_TX_LOWAT_UNIT, 2), EINVAL);
	T_RET(os_channel_attr_set(a, CHANNEL_ATTR_RX_LOWAT_UNIT, 99), EINVAL);
	lw_set(a, CHANNEL_THRESHOLD_UNIT_BYTES, 100000000,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, 100000);
	ch = lw_open(nx, port, a);
	lw_expect(a, CHANNEL_THRESHOLD_UNIT_BYTES,
	    (uint64_t)(lw_slots - 1) * lw_buf, CHANNEL_THRESHOLD_UNIT_SLOTS,
	    lw_slots - 1);
	os_channel_destroy(ch);
	lw_set(a, CHANNEL_THRESHOLD_UNIT_SLOTS, 0,
	    CHANNEL_THRESHOLD_UNIT_BYTES, 0);
	ch = lw_open(nx, port, a);
	lw_expect(a, CHANNEL_THRESHOLD_UNIT_SLOTS, 1,
	    CHANNEL_THRESHOLD_UNIT_BYTES, 1);
	os_channel_destroy(ch);
	os_channel_attr_destroy(a);
	skt_ok("create: thresholds clamped, bad units EINVAL");
}

static struct ch_ev_thresh lw_get_opt(channel_t ch, uint32_t opt)
{
	struct ch_ev_thresh t;
	uint32_t len = sizeof(t);

	T_EQ(__channel_get_opt(os_channel_get_fd(ch), opt, &t, &len), 0);
	T_EQ(len, sizeof(t));
	return t;
}

static void lw_write(channel_t ch)
{
	channel_attr_t a = os_channel_attr_create();
	struct ch_ev_thresh bad = { (channel_threshold_unit_t)5, 3 }, t;

	T_NONNULL(a);
	T_OK(os_channel_read_attr(ch, a));
	lw_set(a, CHANNEL_THRESHOLD_UNIT_SLOTS, 7,
	    CHANNEL_THRESHOLD_UNIT_BYTES, 0xffffffffu);
	T_OK(os_channel_write_attr(ch, a));
	lw_expect_ch(ch, CHANNEL_THRESHOLD_UNIT_SLOTS, 7,
	    CHANNEL_THRESHOLD_UNIT_BYTES, (uint64_t)(lw_slots - 1) * lw_buf);
	t = lw_get_opt(ch, CHOPT_RX_LOWAT_THRESH);
	T_EQ(t.cet_unit, CHANNEL_THRESHOLD_UNIT_BYTES);
	T_EQ(t.cet_value, (lw_slots - 1) * lw_buf);
	t = lw_get_opt(ch, CHOPT_TX_LOWAT_THRESH);
	T_EQ(t.cet_value, 7);
	T_SYSERR(__channel_set_opt(os_channel_get_fd(ch),
	    CHOPT_TX_LOWAT_THRESH, &bad, sizeof(bad)), EINVAL);
	T_EQ(lw_get_opt(ch, CHOPT_TX_LOWAT_THRESH).cet_value, 7);
	/* nothing changed: write_attr sends nothing and succeeds */
	T_OK(os_channel_read_attr(ch, a));
	T_OK(os_channel_write_attr(ch, a));
	os_channel_attr_destroy(a);
	skt_ok("write_attr: clamped by the daemon, read back; bad unit EINVAL");
}

/* Marks high, readiness still "any slot" (poll and select). */
static void lw_readiness(channel_t ch, channel_t peer, int kpipe)
{
	channel_attr_t a = os_channel_attr_create();
	channel_t tx_side = kpipe ? ch : peer;
	channel_slot_t s;
	slot_prop_t p;

	T_NONNULL(a);
	T_OK(os_channel_read_attr(ch, a));
	lw_set(a, CHANNEL_THRESHOLD_UNIT_BYTES, 0xffffffffu,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, lw_slots);
	T_OK(os_channel_write_attr(ch, a));
	os_channel_attr_destroy(a);
	skt_wait_write(ch, SKT_POLL);
	skt_wait_write(ch, SKT_SELECT);
	s = os_channel_get_next_slot(skt_tx(tx_side), NULL, &p);
	T_NONNULL(s);
	p.sp_len = 10;
	os_channel_set_slot_properties(skt_tx(tx_side), s, &p);
	T_OK(os_channel_advance_slot(skt_tx(tx_side), s));
	T_OK(os_channel_sync(tx_side, CHANNEL_SYNC_TX));
	skt_wait_read(ch, SKT_POLL);
	skt_wait_read(ch, SKT_SELECT);
	T_EQ(os_channel_available_slot_count(skt_rx(ch)), 1);
	s = os_channel_get_next_slot(skt_rx(ch), NULL, &p);
	T_NONNULL(s);
	T_OK(os_channel_advance_slot(skt_rx(ch), s));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
	skt_ok("poll/select: one slot is ready whatever the marks");
}

struct lw_waiter {
	channel_t lw_ch;
	int lw_n;
	double lw_took;
};

static void *lw_wait_main(void *arg)
{
	struct lw_waiter *w = arg;
	struct pollfd pfd = { os_channel_get_fd(w->lw_ch), POLLIN, 0 };
	double t0 = skt_now();

	w->lw_n = poll(&pfd, 1, 1500);
	w->lw_took = skt_now() - t0;
	return NULL;
}

/* A change wakes a blocked poller, which finds nothing and waits on. */
static void lw_change_while_blocked(channel_t ch)
{
	channel_attr_t a = os_channel_attr_create();
	struct lw_waiter w = { ch, -2, 0 };
	pthread_t t;

	T_NONNULL(a);
	T_EQ(pthread_create(&t, NULL, lw_wait_main, &w), 0);
	usleep(300000);
	T_OK(os_channel_read_attr(ch, a));
	lw_set(a, CHANNEL_THRESHOLD_UNIT_SLOTS, 2,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, 3);
	T_OK(os_channel_write_attr(ch, a));
	T_EQ(pthread_join(t, NULL), 0);
	T_EQ(w.lw_n, 0);
	T_TRUE(w.lw_took > 1.0);
	lw_expect_ch(ch, CHANNEL_THRESHOLD_UNIT_SLOTS, 2,
	    CHANNEL_THRESHOLD_UNIT_SLOTS, 3);
	os_channel_attr_destroy(a);
	skt_ok("a change under a blocked poll: no false readiness (%.2fs)",
	    w.lw_took);
}

static int lw_upipe(void)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;
	struct skt_nexus nx;
	channel_t ch, peer;

	p.np_rings = 1;
	p.np_slots = LW_SLOTS;
	p.np_buf_size = 2048;
	skt_upipe_setup(&nx, "lowat", &p);
	lw_defaults(nx.sn_inst, NEXUS_PORT_USER_PIPE_CLIENT);
	T_EQ(lw_slots, LW_SLOTS);
	lw_at_create(nx.sn_inst, NEXUS_PORT_USER_PIPE_CLIENT);
	ch = skt_channel_open_simple(nx.sn_inst, NEXUS_PORT_USER_PIPE_CLIENT);
	peer = skt_channel_open_simple(nx.sn_inst,
	    NEXUS_PORT_USER_PIPE_SERVER);
	lw_write(ch);
	lw_change_while_blocked(ch);
	lw_readiness(ch, peer, 0);
	os_channel_destroy(peer);
	os_channel_destroy(ch);
	skt_nexus_teardown(&nx);
	return 0;
}

static int lw_kpipe(void)
{
	const char *s = getenv("SKCHAN_KPIPE_UUID");
	uuid_t u;
	channel_t ch;

	if (s == NULL || uuid_parse(s, u) != 0) {
		printf("%s: SKIP: no SKCHAN_KPIPE_UUID\n", skt_prog);
		return 77;
	}
	lw_defaults(u, NEXUS_PORT_KERNEL_PIPE_CLIENT);
	lw_at_create(u, NEXUS_PORT_KERNEL_PIPE_CLIENT);
	ch = skt_channel_open_simple(u, NEXUS_PORT_KERNEL_PIPE_CLIENT);
	lw_write(ch);
	lw_change_while_blocked(ch);
	lw_readiness(ch, NULL, 1);
	os_channel_destroy(ch);
	return 0;
}

int main(int argc, char **argv)
{
	skt_set_prog(argv[0]);
	if (argc == 1 || (argc == 2 && strcmp(argv[1], "upipe") == 0))
		return lw_upipe();
	if (argc == 2 && strcmp(argv[1], "kpipe") == 0)
		return lw_kpipe();
	SKT_FAIL("usage: %s [upipe|kpipe]", argv[0]);
}
