/*
 * check_nx_monitor.c - monitor channels, driven in-process.
 *
 * Objective: a monitor opens the same port as the channel it watches
 * without owning it (no EBUSY either way), with the open rules of spec
 * §3 (monitor + packet pool EINVAL, filter ENOTSUP, port EDOM, ring id
 * EINVAL, another user's channel EPERM, no-copy with no pool ENXIO);
 * copy monitors see exactly what passes the watched TX ring (when the
 * process queues it) and RX ring (when the process is shown it), bytes,
 * lengths and order intact, in their own buffers; no-copy monitors see
 * the watched buffers themselves through a read-only mapping; a full
 * monitor drops and counts, never slowing the watched channel; the
 * monitor's TX rings offer nothing and refuse a sync (EIO); monitors
 * follow the port across the watched channel's close and reopen, watch
 * only their ring, are woken by traffic, do not fire reject_on_close,
 * and work on the kernel pipe; everything returns to the baseline.
 */
#include <fcntl.h>

#include "kern_harness.h"
#include "../../cuse-dev/channel_var.h"
#include "../../cuse-dev/nx_kpipe.h"
#include "../../cuse-dev/nx_monitor.h"

#define MON_COPY        CHMODE_MONITOR
#define MON_NOCOPY      (CHMODE_MONITOR | CHMODE_MONITOR_NO_COPY)

static struct sk_file *ctl;
static uuid_t nx;

static void
setup(void)
{
	kh_setup();
	ctl = kh_ctl_open();
}

static void
teardown(void)
{
	sk_file_close(ctl);
	kh_teardown();
}

static int
mon_open(struct kh_chan *m, const uuid_t uuid, nexus_port_t port,
    ring_id_t rid, uint32_t mode)
{
	return kh_chan_open_key(m, uuid, port, rid, mode, NULL, 0);
}

/* The kernel's channel behind a test handle (for its monitor stats). */
static struct nx_mon_stats
mon_stats(const uuid_t uuid, const struct kh_chan *m)
{
	struct kern_nexus *knx;
	struct kern_channel *ch;
	struct nx_mon_stats st;

	ck_assert_int_eq(nx_lookup_for_open(uuid, &knx), 0);
	TAILQ_FOREACH(ch, &knx->nx_channels, ch_nx_link) {
		if (uuid_compare(ch->ch_info.cinfo_ch_id,
		    m->info.ci_info.cinfo_ch_id) == 0) {
			ck_assert_int_eq(nx_mon_stats_get(ch, &st), 0);
			return st;
		}
	}
	ck_abort_msg("monitor channel not found");
	return st;
}

/* n packets of len bytes; packet k is filled with seed + k. */
static void
send_n(struct kh_chan *c, uint32_t r, uint32_t n, uint32_t len, uint8_t seed)
{
	uint32_t k;

	for (k = 0; k < n; k++)
		kh_tx_put(c, kh_tx(c, r), len, (uint8_t)(seed + k));
	ck_assert_int_eq(kh_sync(c, CHANNEL_SYNC_TX), 0);
}

/* Release n RX slots of ring r. */
static void
release(struct kh_chan *c, uint32_t r, uint32_t n)
{
	struct __user_channel_ring *rx = kh_rx(c, r);
	uint32_t k;

	for (k = 0; k < n; k++)
		rx->ring_head = kh_next(rx, rx->ring_head);
}

/* The slot at RX head + k: its length and every byte. */
static void
expect_slot(struct kh_chan *c, uint32_t r, uint32_t k, uint32_t len,
    uint8_t val)
{
	struct __user_channel_ring *rx = kh_rx(c, r);
	uint32_t s = rx->ring_head, i;
	const uint8_t *buf;

	for (i = 0; i < k; i++)
		s = kh_next(rx, s);
	ck_assert_uint_eq(kh_slot_md(c, rx, s)->qum_len, len);
	buf = kh_slot_buf(c, rx, s) + kh_slot_md(c, rx, s)->qum_buf[0].buf_doff;
	for (i = 0; i < len; i++)
		ck_assert_uint_eq(buf[i], val);
}

static void
pipe_pair(uint32_t rings, uint32_t slots, struct kh_chan *a,
    struct kh_chan *b)
{
	kh_upipe(ctl, rings, slots, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(b, nx, 1, CHANNEL_RING_ID_ANY), 0);
}

/* ---- open rules ----------------------------------------------------------- */

START_TEST(test_open_rules)
{
	struct kh_chan a, m, m2, d;

	kh_upipe(ctl, 2, 16, 1, 0, nx);
	ck_assert_int_eq(mon_open(&d, nx, 0, CHANNEL_RING_ID_ANY,
	    MON_COPY | CHMODE_USER_PACKET_POOL), -EINVAL);
	ck_assert_int_eq(mon_open(&d, nx, 0, CHANNEL_RING_ID_ANY,
	    MON_COPY | CHMODE_LOW_LATENCY), -EINVAL);
	ck_assert_int_eq(mon_open(&d, nx, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_MONITOR_RX | CHMODE_FILTER), -ENOTSUP);
	ck_assert_int_eq(mon_open(&d, nx, 2, CHANNEL_RING_ID_ANY, MON_COPY),
	    -EDOM);
	ck_assert_int_eq(mon_open(&d, nx, 0, 2, MON_COPY), -EINVAL);
	/* No-copy shares the pool, which exists only with a channel. */
	ck_assert_int_eq(mon_open(&d, nx, 0, CHANNEL_RING_ID_ANY, MON_NOCOPY),
	    -ENXIO);

	/* Monitors own nothing: before, beside and after the owner. */
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_MONITOR_TX), 0);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(mon_open(&m2, nx, 0, 1, MON_NOCOPY), 0);
	ck_assert_int_eq(kh_chan_open(&d, nx, 0, 1), -EBUSY);
	ck_assert_uint_eq(m.info.ci_info.cinfo_ch_mode & CHMODE_MONITOR,
	    CHMODE_MONITOR_TX);
	ck_assert_uint_eq(m2.info.ci_info.cinfo_ch_mode & MON_NOCOPY,
	    MON_NOCOPY);
	ck_assert_uint_eq(m.nrings, 2);
	ck_assert_uint_eq(m2.nrings, 1);
	ck_assert_uint_eq(m2.info.ci_info.cinfo_first_rx_ring, 1);
	kh_chan_close(&m);
	kh_chan_close(&m2);
	/* Closing monitors gave back nothing they did not hold. */
	ck_assert_int_eq(kh_chan_open(&d, nx, 0, 1), -EBUSY);
	kh_chan_close(&a);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	kh_chan_close(&a);
}
END_TEST

/* Root, or the watched opener's uid; else EPERM (or nothing shown). */
START_TEST(test_uid_rule)
{
	struct kh_chan a, b, m, r;
	struct nx_mon_stats st;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	kh_cred.cr_uid = 1000;
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	kh_cred.cr_uid = 1001;
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_COPY),
	    -EPERM);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_NOCOPY),
	    -EPERM);
	kh_cred.cr_uid = 0;
	ck_assert_int_eq(mon_open(&r, nx, 0, CHANNEL_RING_ID_ANY, MON_COPY),
	    0);
	kh_cred.cr_uid = 1000;
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_COPY),
	    0);
	kh_chan_close(&m);

	/* Opened on an empty port: another user's channel shows nothing. */
	kh_chan_close(&b);
	kh_cred.cr_uid = 1001;
	ck_assert_int_eq(mon_open(&m, nx, 1, CHANNEL_RING_ID_ANY, MON_COPY),
	    0);
	kh_cred.cr_uid = 1000;
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	send_n(&b, 0, 3, 10, 1);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 0);
	st = mon_stats(nx, &m);
	ck_assert_uint_eq(st.nms_denied, 3);
	ck_assert_uint_eq(st.nms_packets, 0);
	/* root saw port 0's TX (none) and RX; sync a to deliver. */
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_RX), 0);
	ck_assert_int_eq(kh_sync(&r, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&r, 0)), 3);
	kh_chan_close(&m);
	kh_chan_close(&r);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* ---- copy ------------------------------------------------------------------ */

START_TEST(test_copy_tx)
{
	struct kh_chan a, b, m;
	uint32_t k;

	pipe_pair(1, 16, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_MONITOR_TX), 0);
	send_n(&a, 0, 5, 100, 0x40);
	/* Seen when queued, before the peer even looked. */
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 0);  /* until its sync */
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 5);
	for (k = 0; k < 5; k++)
		expect_slot(&m, 0, k, 100, (uint8_t)(0x40 + k));
	/* Its own buffers: scribbling there changes nothing for b. */
	memset(kh_slot_buf(&m, kh_rx(&m, 0), kh_rx(&m, 0)->ring_head), 0xee,
	    100);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 5);
	for (k = 0; k < 5; k++)
		expect_slot(&b, 0, k, 100, (uint8_t)(0x40 + k));
	/* Port 0's RX traffic is not TX: nothing more. */
	send_n(&b, 0, 2, 10, 1);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_RX), 0);
	release(&m, 0, 5);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 0);
	ck_assert_uint_eq(mon_stats(nx, &m).nms_packets, 5);
	ck_assert_uint_eq(mon_stats(nx, &m).nms_bytes, 500);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* RX packets show when the watched process is shown them. */
START_TEST(test_copy_rx)
{
	struct kh_chan a, b, m;

	pipe_pair(1, 16, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 1, CHANNEL_RING_ID_ANY,
	    CHMODE_MONITOR_RX), 0);
	send_n(&a, 0, 3, 64, 7);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 3);
	expect_slot(&m, 0, 0, 64, 7);
	expect_slot(&m, 0, 2, 64, 9);
	/* b's own TX is not watched. */
	send_n(&b, 0, 4, 8, 0);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 3);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* TX_RX: both directions into the one RX ring, in the order they passed. */
START_TEST(test_copy_both)
{
	struct kh_chan a, b, m;

	pipe_pair(1, 32, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_COPY), 0);
	send_n(&a, 0, 2, 20, 0x10);     /* a TX: seen now */
	send_n(&b, 0, 3, 30, 0x20);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_RX), 0);     /* a RX */
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 5);
	expect_slot(&m, 0, 0, 20, 0x10);
	expect_slot(&m, 0, 1, 20, 0x11);
	expect_slot(&m, 0, 2, 30, 0x20);
	expect_slot(&m, 0, 4, 30, 0x22);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* A full monitor drops and counts; the pipe does not notice. */
START_TEST(test_full_drops)
{
	struct kh_chan a, b, m;
	uint32_t k;

	pipe_pair(1, 8, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_MONITOR_TX), 0);
	for (k = 0; k < 4; k++) {
		send_n(&a, 0, 5, 16, (uint8_t)(5 * k));
		ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
		ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 5);
		expect_slot(&b, 0, 4, 16, (uint8_t)(5 * k + 4));
		release(&b, 0, 5);
		ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	}
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 7);
	expect_slot(&m, 0, 6, 16, 6);   /* the first 7, in order */
	ck_assert_uint_eq(mon_stats(nx, &m).nms_packets, 7);
	ck_assert_uint_eq(mon_stats(nx, &m).nms_dropped, 13);
	/* Room again: the next ones come through. */
	release(&m, 0, 7);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	send_n(&a, 0, 2, 16, 0x77);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 2);
	expect_slot(&m, 0, 1, 16, 0x78);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* Slots the process marks dropped never travel: never shown. */
START_TEST(test_dropped_not_shown)
{
	struct kh_chan a, b, m;
	struct __user_channel_ring *tx;

	pipe_pair(1, 16, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_MONITOR_TX), 0);
	tx = kh_tx(&a, 0);
	kh_tx_put(&a, tx, 10, 1);
	kh_slot_md(&a, tx, tx->ring_head)->qum_qflags |= QUM_F_DROPPED;
	tx->ring_head = kh_next(tx, tx->ring_head);
	kh_tx_put(&a, tx, 10, 3);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 2);
	expect_slot(&m, 0, 0, 10, 1);
	expect_slot(&m, 0, 1, 10, 3);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* ---- no-copy ---------------------------------------------------------------- */

START_TEST(test_nocopy)
{
	struct kh_chan a, b, m;
	struct __user_channel_ring *mrx, *brx;
	struct __user_quantum *mq, *bq;
	int fd;

	pipe_pair(1, 16, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_NOCOPY),
	    0);
	ck_assert_uint_eq(m.fds.f_count, CH_FD_XBUF + 1);
	send_n(&a, 0, 3, 200, 0x31);
	send_n(&b, 0, 1, 50, 0x5a);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_RX), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	mrx = kh_rx(&m, 0);
	brx = kh_rx(&b, 0);
	ck_assert_uint_eq(kh_avail(mrx), 4);
	expect_slot(&m, 0, 0, 200, 0x31);
	expect_slot(&m, 0, 2, 200, 0x33);
	expect_slot(&m, 0, 3, 50, 0x5a);
	/* The very buffer b received, under the monitor's own metadata. */
	mq = kh_slot_md(&m, mrx, mrx->ring_head);
	bq = kh_slot_md(&b, brx, brx->ring_head);
	ck_assert_uint_eq(mq->qum_buf[0].buf_idx, bq->qum_buf[0].buf_idx);
	ck_assert_ptr_ne(mq, bq);
	kh_slot_buf(&b, brx, brx->ring_head)[0] = 0x99;
	ck_assert_uint_eq(kh_slot_buf(&m, mrx, mrx->ring_head)[0], 0x99);
	/* Mapped read-only, from a read-only descriptor. */
	fd = m.fds.f_fd[CH_FD_XBUF];
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ck_assert_ptr_eq(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0), MAP_FAILED);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_ne(mprotect(kh_slot_buf(&m, mrx, mrx->ring_head), 1,
	    PROT_READ | PROT_WRITE), 0);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* The pool it mapped goes with the last channel: nothing more after. */
START_TEST(test_nocopy_pool_gone)
{
	struct kh_chan a, b, m;

	pipe_pair(1, 16, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_NOCOPY),
	    0);
	kh_chan_close(&a);
	kh_chan_close(&b);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	send_n(&a, 0, 3, 10, 0);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 0);
	ck_assert_uint_eq(mon_stats(nx, &m).nms_packets, 0);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* ---- the monitor's own rings and life cycle -------------------------------- */

START_TEST(test_tx_refused)
{
	struct kh_chan a, b, m;
	struct __user_channel_ring *tx;

	pipe_pair(1, 16, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_COPY), 0);
	tx = kh_tx(&m, 0);
	ck_assert_uint_eq(kh_avail(tx), 0);
	ck_assert_uint_eq(tx->ring_head, tx->ring_tail);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_TX), -EIO);
	ck_assert_uint_eq(kh_poll(&m, POLLOUT, 0), 0);
	/* Moving head past the (empty) user window is a violation. */
	tx->ring_head = 1;
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_TX), -EFAULT);
	tx->ring_head = 0;
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* Follows the port: nothing while closed, traffic again once reopened. */
START_TEST(test_follows_port)
{
	struct kh_chan a, b, m;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_COPY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	send_n(&b, 0, 2, 10, 0);        /* waits in port 0's RX ring */
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 0);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_RX), 0);
	send_n(&a, 0, 1, 10, 0x60);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 3);
	expect_slot(&m, 0, 0, 10, 0);
	expect_slot(&m, 0, 2, 10, 0x60);
	release(&m, 0, 3);
	/* Watched channel gone: the monitor stays, mapped and quiet. */
	kh_chan_close(&a);
	send_n(&b, 0, 2, 10, 0);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 0);
	ck_assert_uint_eq(kh_poll(&m, POLLIN, 0), 0);
	kh_chan_close(&b);
	kh_chan_close(&m);
}
END_TEST

/* One ring of two: only its traffic. */
START_TEST(test_ring_id)
{
	struct kh_chan a, b, m;

	pipe_pair(2, 16, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 0, 1, CHMODE_MONITOR_TX), 0);
	ck_assert_uint_eq(m.nrings, 1);
	kh_tx_put(&a, kh_tx(&a, 0), 10, 0xa0);
	kh_tx_put(&a, kh_tx(&a, 1), 11, 0xa1);
	kh_tx_put(&a, kh_tx(&a, 1), 12, 0xa1);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 2);
	ck_assert_uint_eq(kh_rx(&m, 0)->ring_id, 1);
	expect_slot(&m, 0, 0, 11, 0xa1);
	expect_slot(&m, 0, 1, 12, 0xa1);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* Armed and idle, a monitor is woken by the traffic it is given. */
START_TEST(test_wakeup)
{
	struct kh_chan a, b, m;

	pipe_pair(1, 16, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 1, CHANNEL_RING_ID_ANY, MON_COPY), 0);
	ck_assert_uint_eq(kh_poll(&m, POLLIN, 1), 0);
	send_n(&a, 0, 1, 10, 0);
	ck_assert_uint_eq(m.fired, 0);          /* not b's yet */
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(m.fired, 1);
	ck_assert_uint_eq(kh_poll(&m, POLLIN, 1), POLLIN);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* Closing a monitor is not the pipe's close: no reject. */
START_TEST(test_reject_on_close)
{
	struct kh_chan a, b, m;

	kh_upipe(ctl, 1, 16, 1, 1, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_COPY), 0);
	kh_chan_close(&m);
	send_n(&a, 0, 1, 10, 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_COPY), 0);
	kh_chan_close(&a);                      /* this one rejects */
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), -ENXIO);
	ck_assert_uint_eq(kh_poll(&m, POLLIN, 0) & POLLHUP, POLLHUP);
	kh_chan_close(&m);
	kh_chan_close(&b);
}
END_TEST

/* The instance destroyed under a monitor: it lives on, then all goes. */
START_TEST(test_instance_destroyed)
{
	struct kh_chan a, b, m;

	pipe_pair(1, 16, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_NOCOPY),
	    0);
	kh_chan_close(&a);
	kh_chan_close(&b);
	sk_file_close(ctl);
	ctl = kh_ctl_open();
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	kh_chan_close(&m);
}
END_TEST

/* A corrupted monitor RX ring is a violation like any other. */
START_TEST(test_rx_violation)
{
	struct kh_chan a, b, m;

	pipe_pair(1, 16, &a, &b);
	ck_assert_int_eq(mon_open(&m, nx, 0, CHANNEL_RING_ID_ANY, MON_COPY), 0);
	send_n(&a, 0, 2, 10, 0);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	kh_rx(&m, 0)->ring_head = 5;
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), -EFAULT);
	kh_rx(&m, 0)->ring_head = 2;
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* ---- defunct (SKC_IOC_CTL_DEFUNCT) ----------------------------------------------- */

/* Pids nobody else uses in-process: the request matches channels by pid. */
#define MON_PID_A       1000011
#define MON_PID_B       1000012

static int
mon_defunct(pid_t pid)
{
	struct skc_ctl_defunct df;
	struct sk_cred saved = kh_cred;
	int err;

	memset(&df, 0, sizeof(df));
	df.df_pid = pid;
	kh_cred = (struct sk_cred){ getpid(), getuid(), getgid() };
	err = kh_ioctl(ctl, SKC_IOC_CTL_DEFUNCT, &df);
	kh_cred = saved;
	return err != 0 ? err : (int)df.df_count;
}

static void
open_as(struct kh_chan *c, pid_t pid, const uuid_t uuid, nexus_port_t port,
    uint32_t mode)
{
	struct sk_cred saved = kh_cred;

	kh_cred.cr_pid = pid;
	ck_assert_int_eq(kh_chan_open_key(c, uuid, port, CHANNEL_RING_ID_ANY,
	    mode, NULL, 0), 0);
	kh_cred = saved;
}

/*
 * A monitor is no pipe end: one without DEFUNCT_OK does not keep the
 * ends from going, and goes (if it agreed) like any channel.
 */
START_TEST(test_defunct_watched)
{
	struct kh_chan a, b, m, m2;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	open_as(&a, MON_PID_A, nx, 0, CHMODE_DEFUNCT_OK);
	open_as(&b, MON_PID_A, nx, 1, CHMODE_DEFUNCT_OK);
	open_as(&m, MON_PID_B, nx, 0, MON_COPY);
	open_as(&m2, MON_PID_A, nx, 0, MON_NOCOPY | CHMODE_DEFUNCT_OK);
	ck_assert_int_eq(mon_defunct(MON_PID_A), 3);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), -ENXIO);
	ck_assert_int_eq(kh_sync(&m2, CHANNEL_SYNC_RX), -ENXIO);
	/* The other monitor lives on, quiet. */
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 0);
	ck_assert_int_eq(mon_defunct(MON_PID_B), 0);    /* did not agree */
	kh_chan_close(&m2);
	kh_chan_close(&a);
	kh_chan_close(&b);
	kh_chan_close(&m);
}
END_TEST

/* A monitor that goes defunct lets go; the pipe never notices. */
START_TEST(test_defunct_monitor)
{
	struct kh_chan a, b, m;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	open_as(&a, MON_PID_A, nx, 0, 0);       /* ends that never agree */
	open_as(&b, MON_PID_A, nx, 1, 0);
	open_as(&m, MON_PID_B, nx, 0, MON_NOCOPY | CHMODE_DEFUNCT_OK);
	send_n(&a, 0, 2, 10, 0);
	ck_assert_int_eq(mon_defunct(MON_PID_B), 1);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), -ENXIO);
	ck_assert_uint_eq(kh_poll(&m, POLLIN, 0) & POLLHUP, POLLHUP);
	send_n(&a, 0, 3, 10, 2);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 5);
	expect_slot(&b, 0, 4, 10, 4);
	ck_assert_int_eq(mon_defunct(MON_PID_A), 0);
	kh_chan_close(&m);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* ---- kernel pipe -------------------------------------------------------------- */

START_TEST(test_kpipe)
{
	struct kh_chan c, m;
	uuid_t lo;
	uint32_t k;

	ck_assert_int_eq(nx_kpipe_loopback_start(), 0);
	ck_assert_int_eq(nx_kpipe_loopback_uuid(lo), 0);
	ck_assert_int_eq(mon_open(&m, lo, 0, CHANNEL_RING_ID_ANY, MON_COPY), 0);
	ck_assert_int_eq(kh_chan_open(&c, lo, 0, CHANNEL_RING_ID_ANY), 0);
	for (k = 0; k < 4; k++)
		kh_tx_put(&c, kh_tx(&c, 0), 30 + k, (uint8_t)k);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 4);
	ck_assert_int_eq(kh_sync(&m, CHANNEL_SYNC_RX), 0);
	/* Four out, the same four back in. */
	ck_assert_uint_eq(kh_avail(kh_rx(&m, 0)), 8);
	for (k = 0; k < 4; k++) {
		expect_slot(&m, 0, k, 30 + k, (uint8_t)k);
		expect_slot(&m, 0, 4 + k, 30 + k, (uint8_t)k);
	}
	kh_chan_close(&c);
	kh_chan_close(&m);
	nx_kpipe_loopback_stop();
	ck_assert_uint_eq(nx_kpipe_count(), 0);
}
END_TEST

static Suite *
monitor_suite(void)
{
	Suite *s = suite_create("nx_monitor");
	TCase *tc = tcase_create("monitor");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_rules);
	tcase_add_test(tc, test_uid_rule);
	tcase_add_test(tc, test_copy_tx);
	tcase_add_test(tc, test_copy_rx);
	tcase_add_test(tc, test_copy_both);
	tcase_add_test(tc, test_full_drops);
	tcase_add_test(tc, test_dropped_not_shown);
	tcase_add_test(tc, test_nocopy);
	tcase_add_test(tc, test_nocopy_pool_gone);
	tcase_add_test(tc, test_tx_refused);
	tcase_add_test(tc, test_follows_port);
	tcase_add_test(tc, test_ring_id);
	tcase_add_test(tc, test_wakeup);
	tcase_add_test(tc, test_reject_on_close);
	tcase_add_test(tc, test_instance_destroyed);
	tcase_add_test(tc, test_rx_violation);
	tcase_add_test(tc, test_defunct_watched);
	tcase_add_test(tc, test_defunct_monitor);
	tcase_add_test(tc, test_kpipe);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(monitor_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
