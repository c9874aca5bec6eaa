/*
 * check_backend_loop.c - the loopback backend (backend/loop.c) and the
 * generic helpers of backend/backend.h; no root needed.
 *
 * Covered: the netif attach semantics (ENXIO for a missing name, EBUSY
 * for a second attach, create/persist/destroy life cycle), byte-identical
 * echo, per-queue isolation, truncation, bad lengths, TX push-back and
 * the writability that ends it, RX discard, link down, the device
 * vanishing under an open instance, readiness through the daemon's event
 * loop, and a randomized run checking that every frame is accounted for.
 *
 * Loop devices live in process memory; Check's fork mode gives every test
 * a fresh set.
 */
#include <check.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "../../backend/backend.h"
#include "../../cuse-dev/evloop.h"

#define LT_FRAME_MAX 2048
#define LT_BATCH 64

static uint8_t lt_buf[LT_BATCH][LT_FRAME_MAX];
static uint8_t lt_rxbuf[LT_BATCH][LT_FRAME_MAX];

/* A recognisable Ethernet frame: broadcast dst, local src, 0x88b5. */
static void
lt_fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t i;

	memset(p, 0xff, 6);
	p[6] = 0x02;
	for (i = 7; i < 12; i++)
		p[i] = (uint8_t)(seed + i);
	p[12] = 0x88;
	p[13] = 0xb5;
	for (i = 14; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i);
}

static struct sk_frame
lt_txframe(unsigned i, uint32_t len, uint32_t seed)
{
	struct sk_frame f = {lt_buf[i], len, LT_FRAME_MAX};

	lt_fill(lt_buf[i], len, seed);
	return f;
}

static void
lt_rxframes(struct sk_frame *fr, unsigned n, uint32_t cap)
{
	for (unsigned i = 0; i < n; i++) {
		fr[i].fr_buf = lt_rxbuf[i];
		fr[i].fr_len = 0;
		fr[i].fr_cap = cap;
	}
}

static struct sk_backend *
lt_open(const char *name, unsigned queues, unsigned flags)
{
	struct sk_backend_cfg cfg = {
	    .bc_ifname = name,
	    .bc_queues = queues,
	    .bc_flags = flags,
	};
	struct sk_backend *b = NULL;
	int err;

	err = skb_open(&skb_loop_ops, &b, &cfg);
	ck_assert_msg(err == 0, "open %s: %d", name, err);
	ck_assert_ptr_nonnull(b);
	return b;
}

static int
lt_open_err(const char *name, unsigned queues, unsigned flags)
{
	struct sk_backend_cfg cfg = {
	    .bc_ifname = name,
	    .bc_queues = queues,
	    .bc_flags = flags,
	};
	struct sk_backend *b = NULL;
	int err = skb_open(&skb_loop_ops, &b, &cfg);

	if (err == 0)
		skb_close(b);
	return err;
}

static short
lt_poll(struct sk_backend *b, unsigned q, short events)
{
	struct pollfd p = {.fd = skb_queue_fd(b, q), .events = events};

	ck_assert_int_ge(poll(&p, 1, 0), 0);
	return p.revents;
}

static uint64_t
lt_drops(struct sk_backend *b, unsigned q, enum sk_backend_drop why)
{
	return skb_qstats(b, q)->qs_drops[why];
}

START_TEST(test_ops_find)
{
	ck_assert_ptr_eq(skb_ops_find("tap"), &skb_tap_ops);
	ck_assert_ptr_eq(skb_ops_find("loop"), &skb_loop_ops);
	ck_assert_ptr_null(skb_ops_find("ta"));
	ck_assert_ptr_null(skb_ops_find("tapx"));
	ck_assert_ptr_null(skb_ops_find(""));
	ck_assert_str_eq(skb_drop_name(SKB_DROP_GONE), "gone");
	ck_assert_str_eq(skb_drop_name(SKB_DROP_NREASONS), "?");
}
END_TEST

START_TEST(test_missing_name_enxio)
{
	ck_assert_int_eq(lt_open_err("lbnone", 1, 0), -ENXIO);
	ck_assert_int_eq(skb_loop_destroy("lbnone"), -ENXIO);
	ck_assert_int_eq(skb_loop_set_link("lbnone", 1), -ENXIO);
}
END_TEST

START_TEST(test_bad_cfg)
{
	struct sk_backend *b = NULL;

	ck_assert_int_eq(skb_open(&skb_loop_ops, &b, NULL), -EINVAL);
	ck_assert_int_eq(lt_open_err(NULL, 1, SKB_CFG_CREATE), -EINVAL);
	ck_assert_int_eq(lt_open_err("", 1, SKB_CFG_CREATE), -EINVAL);
	ck_assert_int_eq(lt_open_err("0123456789abcdef", 1, SKB_CFG_CREATE),
			 -EINVAL);
	ck_assert_int_eq(lt_open_err("lb0", SKB_QUEUES_MAX + 1, SKB_CFG_CREATE),
			 -EINVAL);
	ck_assert_int_eq(lt_open_err("lb0", 1, 0x80), -EINVAL);
	ck_assert_ptr_null(b);
	/* the longest legal name */
	ck_assert_int_eq(lt_open_err("0123456789abcde", 1, SKB_CFG_CREATE), 0);
}
END_TEST

START_TEST(test_create_removed_on_close)
{
	struct sk_backend *b = lt_open("lb0", 0, SKB_CFG_CREATE);

	ck_assert_uint_eq(b->b_nqueues, 1);
	ck_assert(b->b_state & SKB_STATE_CREATED);
	ck_assert_str_eq(b->b_name, "lb0");
	skb_close(b);
	ck_assert_int_eq(lt_open_err("lb0", 1, 0), -ENXIO);
}
END_TEST

START_TEST(test_persist_outlives_instance)
{
	struct sk_backend *b =
	    lt_open("lb0", 1, SKB_CFG_CREATE | SKB_CFG_PERSIST);

	skb_close(b);
	b = lt_open("lb0", 1, 0);
	ck_assert(!(b->b_state & SKB_STATE_CREATED));
	skb_close(b);
	/* attaching to an existing device never removes it */
	b = lt_open("lb0", 1, SKB_CFG_CREATE);
	ck_assert(!(b->b_state & SKB_STATE_CREATED));
	skb_close(b);
	ck_assert_int_eq(skb_loop_destroy("lb0"), 0);
	ck_assert_int_eq(skb_loop_destroy("lb0"), -ENXIO);
	ck_assert_int_eq(lt_open_err("lb0", 1, 0), -ENXIO);
}
END_TEST

START_TEST(test_loop_create)
{
	struct sk_backend *b;
	uint32_t mtu = 0;

	ck_assert_int_eq(skb_loop_create("lb1", 9000), 0);
	ck_assert_int_eq(skb_loop_create("lb1", 9000), -EEXIST);
	ck_assert_int_eq(skb_loop_create("", 0), -EINVAL);
	b = lt_open("lb1", 2, 0);
	ck_assert_int_eq(skb_mtu(b, &mtu), 0);
	ck_assert_uint_eq(mtu, 9000);
	skb_close(b);
	b = lt_open("lb1", 1, 0);
	skb_close(b);
}
END_TEST

START_TEST(test_second_attach_ebusy)
{
	struct sk_backend *b = lt_open("lb0", 1, SKB_CFG_CREATE);

	ck_assert_int_eq(lt_open_err("lb0", 1, 0), -EBUSY);
	ck_assert_int_eq(lt_open_err("lb0", 1, SKB_CFG_CREATE), -EBUSY);
	/* another name is independent */
	ck_assert_int_eq(lt_open_err("lb2", 1, SKB_CFG_CREATE), 0);
	ck_assert_int_eq(skb_loop_set_link("lb0", 1), 0);
	skb_close(b);
	ck_assert_int_eq(lt_open_err("lb0", 1, SKB_CFG_CREATE), 0);
}
END_TEST

START_TEST(test_echo_byte_identical)
{
	static const uint32_t lens[] = {14, 60, 61, 1514, 2048};
	struct sk_backend *b = lt_open("lb0", 1, SKB_CFG_CREATE);
	struct sk_frame tx[5], rx[5];
	uint64_t bytes = 0;
	unsigned i;

	for (i = 0; i < 5; i++) {
		tx[i] = lt_txframe(i, lens[i], i + 1);
		bytes += lens[i];
	}
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 5), 5);
	lt_rxframes(rx, 5, LT_FRAME_MAX);
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 5), 5);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(rx[i].fr_len, lens[i]);
		ck_assert_mem_eq(rx[i].fr_buf, tx[i].fr_buf, lens[i]);
	}
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_packets, 5);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_rx_packets, 5);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_bytes, bytes);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_rx_bytes, bytes);
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 5), 0);
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 0), 0);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 0), 0);
	skb_close(b);
}
END_TEST

START_TEST(test_readiness)
{
	struct sk_backend *b = lt_open("lb0", 1, SKB_CFG_CREATE);
	struct sk_frame tx = lt_txframe(0, 60, 7), rx;

	ck_assert_int_eq(lt_poll(b, 0, POLLIN) & POLLIN, 0);
	ck_assert(lt_poll(b, 0, POLLOUT) & POLLOUT);
	ck_assert_int_eq(skb_tx_batch(b, 0, &tx, 1), 1);
	ck_assert(lt_poll(b, 0, POLLIN) & POLLIN);
	lt_rxframes(&rx, 1, LT_FRAME_MAX);
	ck_assert_int_eq(skb_rx_batch(b, 0, &rx, 1), 1);
	ck_assert_int_eq(lt_poll(b, 0, POLLIN) & POLLIN, 0);
	skb_close(b);
}
END_TEST

struct lt_evctx {
	struct sk_backend *ec_b;
	unsigned ec_got;
};

static void
lt_ev_rx(struct evl_watch *w, int fd, uint32_t events, void *arg)
{
	struct lt_evctx *ec = arg;
	struct sk_frame rx[4];
	int n;

	lt_rxframes(rx, 4, LT_FRAME_MAX);
	n = skb_rx_batch(ec->ec_b, 0, rx, 4);
	ck_assert_int_ge(n, 0);
	ec->ec_got += (unsigned)n;
}

/* The way the daemon will use it: a level-triggered watch per queue. */
START_TEST(test_evloop_watch)
{
	struct lt_evctx ec = {lt_open("lb0", 1, SKB_CFG_CREATE), 0};
	struct sk_frame tx[6];
	struct evl *l = evl_new();
	struct evl_watch *w;
	unsigned i;

	ck_assert_ptr_nonnull(l);
	w = evl_add(l, skb_queue_fd(ec.ec_b, 0), EPOLLIN, lt_ev_rx, &ec);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(evl_run_once(l, 0), 0);
	for (i = 0; i < 6; i++)
		tx[i] = lt_txframe(i, 100, i);
	ck_assert_int_eq(skb_tx_batch(ec.ec_b, 0, tx, 6), 6);
	/* 4 per callback: level-triggered, so two rounds drain six */
	ck_assert_int_eq(evl_run_once(l, 0), 1);
	ck_assert_int_eq(evl_run_once(l, 0), 1);
	ck_assert_uint_eq(ec.ec_got, 6);
	ck_assert_int_eq(evl_run_once(l, 0), 0);
	evl_del(w);
	evl_free(l);
	skb_close(ec.ec_b);
}
END_TEST

START_TEST(test_truncated_dropped_and_counted)
{
	struct sk_backend *b = lt_open("lb0", 1, SKB_CFG_CREATE);
	struct sk_frame tx[3], rx[3];

	tx[0] = lt_txframe(0, 1000, 1);
	tx[1] = lt_txframe(1, 60, 2);
	tx[2] = lt_txframe(2, 101, 3);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 3), 3);
	lt_rxframes(rx, 3, 100);
	/* exactly-fitting frames pass; longer ones are dropped */
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 3), 1);
	ck_assert_uint_eq(rx[0].fr_len, 60);
	ck_assert_mem_eq(rx[0].fr_buf, tx[1].fr_buf, 60);
	ck_assert_uint_eq(lt_drops(b, 0, SKB_DROP_TRUNCATED), 2);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_rx_packets, 1);
	tx[0] = lt_txframe(0, 100, 4);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 1), 1);
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 3), 1);
	ck_assert_uint_eq(rx[0].fr_len, 100);
	skb_close(b);
}
END_TEST

START_TEST(test_tx_bad_length)
{
	struct sk_backend *b = lt_open("lb0", 1, SKB_CFG_CREATE);
	struct sk_frame tx[4];

	tx[0] = lt_txframe(0, 13, 1); /* shorter than Ethernet */
	tx[1] = lt_txframe(1, 60, 2);
	tx[1].fr_cap = 59; /* longer than its buffer */
	tx[2] = lt_txframe(2, 0, 3);
	tx[3] = lt_txframe(3, 60, 4);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 4), 4);
	ck_assert_uint_eq(lt_drops(b, 0, SKB_DROP_BADLEN), 3);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_packets, 1);
	skb_close(b);
}
END_TEST

/* Fill the queue until TX pushes back, then check the frames left over
 * were not touched and go out once RX makes room. */
START_TEST(test_tx_pushback)
{
	struct sk_backend *b = lt_open("lb0", 1, SKB_CFG_CREATE);
	struct sk_frame tx[LT_BATCH], rx[LT_BATCH];
	unsigned sent = 0, got = 0, i;
	int r = LT_BATCH;

	for (i = 0; i < LT_BATCH; i++)
		tx[i] = lt_txframe(i, 60, i);
	while (r == LT_BATCH) {
		r = skb_tx_batch(b, 0, tx, LT_BATCH);
		ck_assert_int_ge(r, 0);
		sent += (unsigned)r;
		ck_assert_uint_lt(sent, 100000);
	}
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_pushback, 1);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_packets, sent);
	ck_assert_int_eq(lt_poll(b, 0, POLLOUT) & POLLOUT, 0);
	ck_assert_int_eq(skb_tx_batch(b, 0, &tx[r], 1), 0);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_pushback, 2);
	lt_rxframes(rx, LT_BATCH, LT_FRAME_MAX);
	while ((r = skb_rx_batch(b, 0, rx, LT_BATCH)) > 0)
		got += (unsigned)r;
	ck_assert_uint_eq(got, sent);
	ck_assert(lt_poll(b, 0, POLLOUT) & POLLOUT);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, LT_BATCH), LT_BATCH);
	for (i = 0; i < SKB_DROP_NREASONS; i++)
		ck_assert_uint_eq(lt_drops(b, 0, i), 0);
	skb_close(b);
}
END_TEST

START_TEST(test_rx_discard_counts_ring_full)
{
	struct sk_backend *b = lt_open("lb0", 1, SKB_CFG_CREATE);
	struct sk_frame tx[5], rx[5];
	unsigned i;

	for (i = 0; i < 5; i++)
		tx[i] = lt_txframe(i, 200, i);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 5), 5);
	ck_assert_int_eq(skb_rx_discard(b, 0, 3), 3);
	ck_assert_uint_eq(lt_drops(b, 0, SKB_DROP_RING_FULL), 3);
	lt_rxframes(rx, 5, LT_FRAME_MAX);
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 5), 2);
	ck_assert_mem_eq(rx[0].fr_buf, tx[3].fr_buf, 200);
	ck_assert_int_eq(skb_rx_discard(b, 0, 3), 0);
	ck_assert_int_eq(skb_rx_discard(b, 1, 3), -EINVAL);
	skb_count_drop(b, 0, SKB_DROP_RING_FULL, 4);
	skb_count_drop(b, 7, SKB_DROP_RING_FULL, 4); /* ignored */
	ck_assert_uint_eq(lt_drops(b, 0, SKB_DROP_RING_FULL), 7);
	skb_close(b);
}
END_TEST

START_TEST(test_link_down)
{
	struct sk_backend *b = lt_open("lb0", 1, SKB_CFG_CREATE);
	struct sk_frame tx[2] = {lt_txframe(0, 60, 1), lt_txframe(1, 60, 2)};
	struct sk_frame rx[2];
	uint8_t frame[60];

	ck_assert_int_eq(skb_link_state(b), SKB_LINK_UP | SKB_LINK_RUNNING);
	ck_assert_int_eq(skb_loop_set_link("lb0", 0), 0);
	ck_assert_int_eq(skb_link_state(b), 0);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 2), 2);
	ck_assert_uint_eq(lt_drops(b, 0, SKB_DROP_LINK_DOWN), 2);
	ck_assert_uint_eq(skb_qstats(b, 0)->qs_tx_packets, 0);
	lt_fill(frame, sizeof(frame), 9);
	ck_assert_int_eq(skb_loop_inject(b, 0, frame, sizeof(frame)),
			 -ENETDOWN);
	ck_assert_int_eq(skb_loop_set_link("lb0", 1), 0);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 2), 2);
	lt_rxframes(rx, 2, LT_FRAME_MAX);
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 2), 2);
	skb_close(b);
}
END_TEST

START_TEST(test_device_gone)
{
	struct sk_backend *b = lt_open("lb0", 2, SKB_CFG_CREATE);
	struct sk_frame tx[3], rx[3];
	uint8_t mac[SKB_ETH_ALEN];
	uint32_t mtu;
	unsigned i;

	for (i = 0; i < 3; i++)
		tx[i] = lt_txframe(i, 80, i);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 2), 2);
	ck_assert_int_eq(skb_tx_batch(b, 1, tx, 1), 1);
	ck_assert_int_eq(skb_loop_destroy("lb0"), 0);
	ck_assert(skb_gone(b));
	/* queued frames were lost with the device: counted */
	ck_assert_uint_eq(lt_drops(b, 0, SKB_DROP_GONE), 2);
	ck_assert_uint_eq(lt_drops(b, 1, SKB_DROP_GONE), 1);
	/* the fds stay valid and wake the caller up */
	ck_assert(lt_poll(b, 0, POLLIN) & (POLLHUP | POLLERR));
	ck_assert(lt_poll(b, 1, POLLIN) & (POLLHUP | POLLERR));
	lt_rxframes(rx, 3, LT_FRAME_MAX);
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 3), -ENODEV);
	ck_assert_int_eq(skb_rx_discard(b, 0, 3), -ENODEV);
	ck_assert_int_eq(skb_tx_batch(b, 0, tx, 3), 3);
	ck_assert_uint_eq(lt_drops(b, 0, SKB_DROP_GONE), 5);
	ck_assert_int_eq(skb_link_state(b), SKB_LINK_GONE);
	ck_assert_int_eq(skb_mtu(b, &mtu), -ENODEV);
	ck_assert_int_eq(skb_hwaddr(b, mac), -ENODEV);
	ck_assert_int_eq(skb_ifindex(b), -ENODEV);
	ck_assert_int_eq(skb_loop_inject(b, 0, rx, 60), -ENODEV);
	ck_assert_int_ge(skb_queue_fd(b, 1), 0);
	/* the name is free again while the dead instance is still open */
	ck_assert_int_eq(lt_open_err("lb0", 1, 0), -ENXIO);
	ck_assert_int_eq(lt_open_err("lb0", 1, SKB_CFG_CREATE), 0);
	skb_close(b);
	ck_assert_int_eq(lt_open_err("lb0", 1, 0), -ENXIO);
}
END_TEST

/* Destroying a persistent device that is attached. */
START_TEST(test_device_gone_persistent)
{
	struct sk_backend *b;

	ck_assert_int_eq(skb_loop_create("lb3", 0), 0);
	b = lt_open("lb3", 1, 0);
	ck_assert_int_eq(skb_loop_destroy("lb3"), 0);
	ck_assert_int_eq(skb_link_state(b), SKB_LINK_GONE);
	skb_close(b);
	ck_assert_int_eq(lt_open_err("lb3", 1, 0), -ENXIO);
}
END_TEST

START_TEST(test_queues_isolated)
{
	struct sk_backend *b = lt_open("lb0", 4, SKB_CFG_CREATE);
	struct sk_frame tx, rx[2];
	unsigned q, p;

	ck_assert_uint_eq(b->b_nqueues, 4);
	for (q = 0; q < 4; q++)
		for (p = q + 1; p < 4; p++)
			ck_assert_int_ne(skb_queue_fd(b, q),
					 skb_queue_fd(b, p));
	ck_assert_int_eq(skb_queue_fd(b, 4), -EINVAL);
	ck_assert_ptr_null(skb_qstats(b, 4));
	lt_rxframes(rx, 2, LT_FRAME_MAX);
	for (q = 0; q < 4; q++) {
		tx = lt_txframe(0, 60 + q, q);
		ck_assert_int_eq(skb_tx_batch(b, q, &tx, 1), 1);
		for (p = 0; p < 4; p++)
			ck_assert_int_eq(skb_rx_batch(b, p, rx, 2),
					 p == q ? 1 : 0);
		ck_assert_uint_eq(rx[0].fr_len, 60 + q);
		ck_assert_uint_eq(skb_qstats(b, q)->qs_rx_packets, 1);
	}
	ck_assert_int_eq(skb_tx_batch(b, 4, &tx, 1), -EINVAL);
	ck_assert_int_eq(skb_rx_batch(b, 4, rx, 1), -EINVAL);
	skb_close(b);
}
END_TEST

START_TEST(test_mtu_hwaddr)
{
	struct sk_backend_cfg cfg = {
	    .bc_ifname = "lb0",
	    .bc_queues = 1,
	    .bc_flags = SKB_CFG_CREATE,
	    .bc_mtu = 9000,
	    .bc_hwaddr = {0x02, 1, 2, 3, 4, 5},
	};
	struct sk_backend *b, *c;
	uint8_t mac[SKB_ETH_ALEN], mac2[SKB_ETH_ALEN];
	uint32_t mtu = 0;

	ck_assert_int_eq(skb_open(&skb_loop_ops, &b, &cfg), 0);
	ck_assert_int_eq(skb_mtu(b, &mtu), 0);
	ck_assert_uint_eq(mtu, 9000);
	ck_assert_int_eq(skb_hwaddr(b, mac), 0);
	ck_assert_mem_eq(mac, cfg.bc_hwaddr, SKB_ETH_ALEN);
	ck_assert_int_eq(skb_ifindex(b), 0);
	skb_close(b);
	b = lt_open("lb0", 1, SKB_CFG_CREATE);
	c = lt_open("lb1", 1, SKB_CFG_CREATE);
	ck_assert_int_eq(skb_mtu(b, &mtu), 0);
	ck_assert_uint_eq(mtu, 1500);
	ck_assert_int_eq(skb_hwaddr(b, mac), 0);
	ck_assert_int_eq(skb_hwaddr(c, mac2), 0);
	/* locally administered unicast, distinct per device */
	ck_assert_uint_eq(mac[0] & 0x3, 0x2);
	ck_assert_mem_ne(mac, mac2, SKB_ETH_ALEN);
	skb_close(c);
	skb_close(b);
}
END_TEST

START_TEST(test_inject)
{
	struct sk_backend *b = lt_open("lb0", 2, SKB_CFG_CREATE);
	struct sk_frame rx[1];
	uint8_t frame[300];

	lt_fill(frame, sizeof(frame), 5);
	ck_assert_int_eq(skb_loop_inject(b, 1, frame, sizeof(frame)), 0);
	ck_assert_int_eq(skb_loop_inject(b, 2, frame, sizeof(frame)), -EINVAL);
	ck_assert_int_eq(skb_loop_inject(b, 0, NULL, 10), -EINVAL);
	lt_rxframes(rx, 1, LT_FRAME_MAX);
	ck_assert_int_eq(skb_rx_batch(b, 0, rx, 1), 0);
	ck_assert_int_eq(skb_rx_batch(b, 1, rx, 1), 1);
	ck_assert_mem_eq(rx[0].fr_buf, frame, sizeof(frame));
	ck_assert_uint_eq(skb_qstats(b, 1)->qs_tx_packets, 0);
	skb_close(b);
}
END_TEST

/*
 * Random batches of random lengths and capacities on random queues:
 * at the end, every frame offered to TX is sent, dropped for a reason or
 * handed back, and every frame sent is received or dropped as truncated.
 */
START_TEST(test_conservation_random)
{
	struct sk_backend *b = lt_open("lb0", 3, SKB_CFG_CREATE);
	struct sk_frame tx[LT_BATCH], rx[LT_BATCH];
	uint64_t offered = 0, consumed = 0, rxd = 0, tx_pk = 0, drop = 0;
	uint64_t trunc = 0;
	unsigned it, i, n, q;
	int r;

	srandom(12345);
	for (it = 0; it < 2000; it++) {
		q = (unsigned)random() % 3;
		n = (unsigned)random() % LT_BATCH;
		for (i = 0; i < n; i++)
			tx[i] = lt_txframe(i, (uint32_t)random() % 1600, it);
		r = skb_tx_batch(b, q, tx, n);
		ck_assert_int_ge(r, 0);
		offered += n;
		consumed += (unsigned)r;
		lt_rxframes(rx, LT_BATCH, 64 + (uint32_t)random() % 1600);
		r = skb_rx_batch(b, (unsigned)random() % 3, rx,
				 (unsigned)random() % LT_BATCH);
		ck_assert_int_ge(r, 0);
		rxd += (unsigned)r;
	}
	lt_rxframes(rx, LT_BATCH, LT_FRAME_MAX);
	for (q = 0; q < 3; q++)
		while ((r = skb_rx_batch(b, q, rx, LT_BATCH)) > 0)
			rxd += (unsigned)r;
	for (q = 0; q < 3; q++) {
		const struct sk_backend_qstats *qs = skb_qstats(b, q);

		tx_pk += qs->qs_tx_packets;
		drop += qs->qs_drops[SKB_DROP_BADLEN];
		trunc += qs->qs_drops[SKB_DROP_TRUNCATED];
		ck_assert_uint_eq(qs->qs_drops[SKB_DROP_ERROR], 0);
	}
	ck_assert_uint_le(consumed, offered);
	ck_assert_uint_eq(consumed, tx_pk + drop);
	ck_assert_uint_eq(tx_pk, rxd + trunc);
	ck_assert_uint_gt(trunc, 0);
	ck_assert_uint_gt(drop, 0);
	skb_close(b);
}
END_TEST

static Suite *
backend_loop_suite(void)
{
	Suite *s = suite_create("backend_loop");
	TCase *tc = tcase_create("loop");

	tcase_add_test(tc, test_ops_find);
	tcase_add_test(tc, test_missing_name_enxio);
	tcase_add_test(tc, test_bad_cfg);
	tcase_add_test(tc, test_create_removed_on_close);
	tcase_add_test(tc, test_persist_outlives_instance);
	tcase_add_test(tc, test_loop_create);
	tcase_add_test(tc, test_second_attach_ebusy);
	tcase_add_test(tc, test_echo_byte_identical);
	tcase_add_test(tc, test_readiness);
	tcase_add_test(tc, test_evloop_watch);
	tcase_add_test(tc, test_truncated_dropped_and_counted);
	tcase_add_test(tc, test_tx_bad_length);
	tcase_add_test(tc, test_tx_pushback);
	tcase_add_test(tc, test_rx_discard_counts_ring_full);
	tcase_add_test(tc, test_link_down);
	tcase_add_test(tc, test_device_gone);
	tcase_add_test(tc, test_device_gone_persistent);
	tcase_add_test(tc, test_queues_isolated);
	tcase_add_test(tc, test_mtu_hwaddr);
	tcase_add_test(tc, test_inject);
	tcase_add_test(tc, test_conservation_random);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(backend_loop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
