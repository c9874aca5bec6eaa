/*
 * loop.c - the loopback backend: a netif device that needs no root and
 * no TAP, for tests.  Every frame transmitted on a queue comes back as
 * received on the same queue.
 *
 * Theory of operation
 *
 * A loop "device" (struct lb_dev) is a name in the daemon's memory that
 * plays the part of a Linux interface: it exists or not, is persistent
 * or not, up or down, and has an MTU and a MAC address.  An instance
 * (struct lb_softc) attaches to one device, as the TAP backend attaches
 * to an interface, with the same answers: -ENXIO for a missing name
 * without SKB_CFG_CREATE, -EBUSY for a device already attached, removal
 * on close of a device it created without SKB_CFG_PERSIST, and the gone
 * state when the device is destroyed under it (skb_loop_destroy).
 *
 * Each queue is one AF_UNIX datagram socket connected to itself:
 *
 *     bo_tx_batch --send()--> [ socket receive queue ] --recv()--> bo_rx_batch
 *                                      ^
 *     skb_loop_inject ---send()--------'   (a frame from "the wire")
 *
 * One fd thus behaves like a TAP queue file for the event loop: readable
 * while frames wait, writable while TX has room (the kernel charges
 * queued frames to the socket's send buffer, so a full queue pushes TX
 * back with EAGAIN, a few hundred frames deep), and boundaries and
 * truncation (MSG_TRUNC) are kept per frame.  When the device is
 * destroyed the queued frames are counted as SKB_DROP_GONE and the
 * sockets are shut down, so the fds poll as EPOLLIN|EPOLLHUP and the
 * caller's next RX call sees -ENODEV.
 *
 * Devices start administratively up (a test wants traffic at once);
 * skb_loop_set_link() takes them down and up.  Single-threaded like the
 * rest of the daemon: the device list needs no lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "backend.h"

#define LB_MTU_DEFAULT 1500u

struct lb_softc;

struct lb_dev {
	char ld_name[IFNAMSIZ];
	uint32_t ld_mtu;
	uint8_t ld_hwaddr[SKB_ETH_ALEN];
	int ld_up;
	int ld_persist;		/* outlives its last instance */
	struct lb_softc *ld_sc; /* attached instance, if any */
	struct lb_dev *ld_next;
};

struct lb_softc {
	struct sk_backend sc_b;	   /* first: the caller's view */
	struct lb_dev *sc_dev;	   /* NULL once the device is gone */
	int sc_fd[SKB_QUEUES_MAX]; /* self-connected datagram socket */
};

#define LB_SC(b) ((struct lb_softc *)(b))

static struct lb_dev *lb_devs;
static unsigned lb_seq; /* makes each MAC distinct */

enum { LB_RX_EMPTY = 0, LB_RX_GOT = 1, LB_RX_DROPPED = 2 };
enum { LB_TX_DONE, LB_TX_PUSHBACK };

static struct lb_dev *
lb_dev_find(const char *name)
{
	struct lb_dev *d;

	for (d = lb_devs; d != NULL; d = d->ld_next)
		if (strncmp(d->ld_name, name, IFNAMSIZ) == 0)
			return d;
	return NULL;
}

/* Locally administered, unicast: 02:6c:62 ("lb") + a sequence. */
static void
lb_hwaddr_pick(uint8_t *a)
{
	lb_seq++;
	a[0] = 0x02;
	a[1] = 0x6c;
	a[2] = 0x62;
	a[3] = (uint8_t)(lb_seq >> 16);
	a[4] = (uint8_t)(lb_seq >> 8);
	a[5] = (uint8_t)lb_seq;
}

static struct lb_dev *
lb_dev_new(const char *name, uint32_t mtu, const uint8_t *hwaddr)
{
	static const uint8_t zero[SKB_ETH_ALEN];
	struct lb_dev *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	strncpy(d->ld_name, name, IFNAMSIZ - 1);
	d->ld_mtu = mtu != 0 ? mtu : LB_MTU_DEFAULT;
	if (hwaddr != NULL && memcmp(hwaddr, zero, SKB_ETH_ALEN) != 0)
		memcpy(d->ld_hwaddr, hwaddr, SKB_ETH_ALEN);
	else
		lb_hwaddr_pick(d->ld_hwaddr);
	d->ld_up = 1;
	d->ld_next = lb_devs;
	lb_devs = d;
	return d;
}

static void
lb_dev_free(struct lb_dev *d)
{
	struct lb_dev **pp;

	for (pp = &lb_devs; *pp != NULL; pp = &(*pp)->ld_next) {
		if (*pp == d) {
			*pp = d->ld_next;
			break;
		}
	}
	free(d);
}

static int
lb_name_check(const char *name)
{
	size_t len;

	if (name == NULL)
		return -EINVAL;
	len = strnlen(name, IFNAMSIZ);
	return len == 0 || len >= IFNAMSIZ ? -EINVAL : 0;
}

/* A datagram socket whose peer is itself: one fd per queue. */
static int
lb_queue_new(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	socklen_t len = sizeof(sa_family_t);
	int fd, err;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* an address of family only: the kernel picks an abstract name */
	if (bind(fd, (struct sockaddr *)&sun, len) != 0)
		goto undo_socket;
	len = sizeof(sun);
	if (getsockname(fd, (struct sockaddr *)&sun, &len) != 0 ||
	    connect(fd, (struct sockaddr *)&sun, len) != 0)
		goto undo_socket;
	return fd;
undo_socket:
	err = -errno;
	close(fd);
	return err;
}

static int
lb_cfg_check(const struct sk_backend_cfg *cfg)
{
	if (cfg == NULL || lb_name_check(cfg->bc_ifname) != 0)
		return -EINVAL;
	if (cfg->bc_queues > SKB_QUEUES_MAX)
		return -EINVAL;
	if (cfg->bc_flags & ~SKB_CFG_FLAGS_ALL)
		return -EINVAL;
	return 0;
}

/* The device cfg names: found, or created when asked. */
static int
lb_dev_get(const struct sk_backend_cfg *cfg, struct lb_dev **dp, int *created)
{
	struct lb_dev *d = lb_dev_find(cfg->bc_ifname);

	*created = 0;
	if (d != NULL) {
		*dp = d;
		return d->ld_sc != NULL ? -EBUSY : 0;
	}
	if (!(cfg->bc_flags & SKB_CFG_CREATE))
		return -ENXIO;
	d = lb_dev_new(cfg->bc_ifname, cfg->bc_mtu, cfg->bc_hwaddr);
	if (d == NULL)
		return -ENOMEM;
	d->ld_persist = (cfg->bc_flags & SKB_CFG_PERSIST) != 0;
	*created = 1;
	*dp = d;
	return 0;
}

static void
lb_softc_free(struct lb_softc *sc)
{
	unsigned q;

	for (q = 0; q < SKB_QUEUES_MAX; q++)
		if (sc->sc_fd[q] >= 0)
			close(sc->sc_fd[q]);
	free(sc);
}

static struct lb_softc *
lb_softc_new(const struct sk_backend_cfg *cfg)
{
	struct lb_softc *sc = calloc(1, sizeof(*sc));
	unsigned q;

	if (sc == NULL)
		return NULL;
	sc->sc_b.b_ops = &skb_loop_ops;
	strncpy(sc->sc_b.b_name, cfg->bc_ifname, IFNAMSIZ - 1);
	sc->sc_b.b_nqueues = cfg->bc_queues == 0 ? 1 : cfg->bc_queues;
	for (q = 0; q < SKB_QUEUES_MAX; q++)
		sc->sc_fd[q] = -1;
	for (q = 0; q < sc->sc_b.b_nqueues; q++) {
		sc->sc_fd[q] = lb_queue_new();
		if (sc->sc_fd[q] < 0)
			goto undo_queues;
	}
	return sc;
undo_queues:
	lb_softc_free(sc);
	return NULL;
}

static int
lb_open(struct sk_backend **bp, const struct sk_backend_cfg *cfg)
{
	struct lb_softc *sc;
	struct lb_dev *d;
	int err, created;

	err = lb_cfg_check(cfg);
	if (err != 0)
		return err;
	err = lb_dev_get(cfg, &d, &created);
	if (err != 0)
		return err;
	sc = lb_softc_new(cfg);
	if (sc == NULL) {
		err = -ENOMEM;
		goto undo_dev;
	}
	if (created)
		sc->sc_b.b_state |= SKB_STATE_CREATED;
	sc->sc_dev = d;
	d->ld_sc = sc;
	*bp = &sc->sc_b;
	return 0;
undo_dev:
	if (created)
		lb_dev_free(d);
	return err;
}

static void
lb_close(struct sk_backend *b)
{
	struct lb_softc *sc = LB_SC(b);
	struct lb_dev *d = sc->sc_dev;

	if (d != NULL) {
		d->ld_sc = NULL;
		if (!d->ld_persist)
			lb_dev_free(d);
	}
	lb_softc_free(sc);
}

static int
lb_queue_fd(struct sk_backend *b, unsigned q)
{
	return q < b->b_nqueues ? LB_SC(b)->sc_fd[q] : -EINVAL;
}

/* Frames still queued when the device vanishes are lost: count them. */
static void
lb_gone(struct lb_softc *sc)
{
	uint8_t sink;
	unsigned q;

	sc->sc_dev = NULL;
	sc->sc_b.b_state |= SKB_STATE_GONE;
	for (q = 0; q < sc->sc_b.b_nqueues; q++) {
		while (recv(sc->sc_fd[q], &sink, 1, MSG_DONTWAIT) >= 0)
			sc->sc_b.b_qstats[q].qs_drops[SKB_DROP_GONE]++;
		shutdown(sc->sc_fd[q], SHUT_RDWR);
	}
}

static int
lb_rx_one(struct lb_softc *sc, unsigned q, struct sk_frame *fr)
{
	struct sk_backend_qstats *qs = &sc->sc_b.b_qstats[q];
	struct iovec iov = {.iov_base = fr->fr_buf, .iov_len = fr->fr_cap};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t r;

	r = recvmsg(sc->sc_fd[q], &mh, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return LB_RX_EMPTY;
	if (r < 0) {
		qs->qs_drops[SKB_DROP_ERROR]++;
		return -errno;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		qs->qs_drops[SKB_DROP_TRUNCATED]++;
		return LB_RX_DROPPED;
	}
	fr->fr_len = (uint32_t)r;
	qs->qs_rx_packets++;
	qs->qs_rx_bytes += (uint64_t)r;
	return LB_RX_GOT;
}

static int
lb_rx_batch(struct sk_backend *b, unsigned q, struct sk_frame *fr, unsigned n)
{
	unsigned got = 0, tries = 2 * n;
	int r;

	if (q >= b->b_nqueues)
		return -EINVAL;
	if (skb_gone(b))
		return -ENODEV;
	while (got < n && tries-- > 0) {
		r = lb_rx_one(LB_SC(b), q, &fr[got]);
		if (r == LB_RX_GOT)
			got++;
		else if (r != LB_RX_DROPPED)
			break;
	}
	return (int)got;
}

static int
lb_rx_discard(struct sk_backend *b, unsigned q, unsigned n)
{
	unsigned done;
	uint8_t sink;

	if (q >= b->b_nqueues)
		return -EINVAL;
	if (skb_gone(b))
		return -ENODEV;
	/* a datagram read short is consumed whole */
	for (done = 0; done < n; done++) {
		if (recv(LB_SC(b)->sc_fd[q], &sink, 1, MSG_DONTWAIT) < 0)
			break;
		b->b_qstats[q].qs_drops[SKB_DROP_RING_FULL]++;
	}
	return (int)done;
}

static int
lb_tx_error(struct lb_softc *sc, unsigned q, int err)
{
	uint64_t *drops = sc->sc_b.b_qstats[q].qs_drops;

	if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS ||
	    err == EINTR)
		return LB_TX_PUSHBACK;
	if (err == EMSGSIZE)
		drops[SKB_DROP_BADLEN]++;
	else
		drops[SKB_DROP_ERROR]++;
	return LB_TX_DONE;
}

/* Why a frame cannot go out, as a drop reason; -1 if it can. */
static int
lb_tx_refuse(const struct lb_softc *sc, const struct sk_frame *fr)
{
	if (sc->sc_dev == NULL)
		return SKB_DROP_GONE;
	if (!sc->sc_dev->ld_up)
		return SKB_DROP_LINK_DOWN;
	if (fr->fr_len < SKB_ETH_HLEN || fr->fr_len > fr->fr_cap)
		return SKB_DROP_BADLEN;
	return -1;
}

static int
lb_tx_one(struct lb_softc *sc, unsigned q, const struct sk_frame *fr)
{
	struct sk_backend_qstats *qs = &sc->sc_b.b_qstats[q];
	int why = lb_tx_refuse(sc, fr);

	if (why >= 0) {
		qs->qs_drops[why]++;
		return LB_TX_DONE;
	}
	if (send(sc->sc_fd[q], fr->fr_buf, fr->fr_len,
		 MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return lb_tx_error(sc, q, errno);
	qs->qs_tx_packets++;
	qs->qs_tx_bytes += fr->fr_len;
	return LB_TX_DONE;
}

static int
lb_tx_batch(struct sk_backend *b, unsigned q, const struct sk_frame *fr,
	    unsigned n)
{
	unsigned i;

	if (q >= b->b_nqueues)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (lb_tx_one(LB_SC(b), q, &fr[i]) == LB_TX_PUSHBACK) {
			b->b_qstats[q].qs_tx_pushback++;
			break;
		}
	}
	return (int)i;
}

static int
lb_link_state(struct sk_backend *b)
{
	const struct lb_dev *d = LB_SC(b)->sc_dev;

	if (d == NULL)
		return SKB_LINK_GONE;
	return d->ld_up ? SKB_LINK_UP | SKB_LINK_RUNNING : 0;
}

static int
lb_mtu(struct sk_backend *b, uint32_t *mtu)
{
	const struct lb_dev *d = LB_SC(b)->sc_dev;

	if (d == NULL)
		return -ENODEV;
	*mtu = d->ld_mtu;
	return 0;
}

static int
lb_hwaddr(struct sk_backend *b, uint8_t addr[SKB_ETH_ALEN])
{
	const struct lb_dev *d = LB_SC(b)->sc_dev;

	if (d == NULL)
		return -ENODEV;
	memcpy(addr, d->ld_hwaddr, SKB_ETH_ALEN);
	return 0;
}

static int
lb_ifindex(struct sk_backend *b)
{
	return LB_SC(b)->sc_dev != NULL ? 0 : -ENODEV;
}

const struct sk_backend_ops skb_loop_ops = {
    .bo_name = "loop",
    .bo_open = lb_open,
    .bo_close = lb_close,
    .bo_queue_fd = lb_queue_fd,
    .bo_rx_batch = lb_rx_batch,
    .bo_rx_discard = lb_rx_discard,
    .bo_tx_batch = lb_tx_batch,
    .bo_link_state = lb_link_state,
    .bo_mtu = lb_mtu,
    .bo_hwaddr = lb_hwaddr,
    .bo_ifindex = lb_ifindex,
};

int
skb_loop_create(const char *name, uint32_t mtu)
{
	struct lb_dev *d;

	if (lb_name_check(name) != 0)
		return -EINVAL;
	if (lb_dev_find(name) != NULL)
		return -EEXIST;
	d = lb_dev_new(name, mtu, NULL);
	if (d == NULL)
		return -ENOMEM;
	d->ld_persist = 1;
	return 0;
}

int
skb_loop_destroy(const char *name)
{
	struct lb_dev *d;

	if (lb_name_check(name) != 0)
		return -EINVAL;
	d = lb_dev_find(name);
	if (d == NULL)
		return -ENXIO;
	if (d->ld_sc != NULL)
		lb_gone(d->ld_sc);
	lb_dev_free(d);
	return 0;
}

int
skb_loop_set_link(const char *name, int up)
{
	struct lb_dev *d;

	if (lb_name_check(name) != 0)
		return -EINVAL;
	d = lb_dev_find(name);
	if (d == NULL)
		return -ENXIO;
	d->ld_up = up != 0;
	return 0;
}

int
skb_loop_inject(struct sk_backend *b, unsigned q, const void *frame, size_t len)
{
	struct lb_softc *sc = LB_SC(b);

	if (b->b_ops != &skb_loop_ops || q >= b->b_nqueues || frame == NULL)
		return -EINVAL;
	if (sc->sc_dev == NULL)
		return -ENODEV;
	/* a down interface transmits nothing towards its reader */
	if (!sc->sc_dev->ld_up)
		return -ENETDOWN;
	if (send(sc->sc_fd[q], frame, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}
