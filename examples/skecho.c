/*
 * skecho - echo packets of mixed sizes across the two ends of a user pipe.
 *
 * An unchanged Skywalk program: it uses only the API tier of
 * <skywalk/os_skywalk.h> and libc, and would build the same way on
 * macOS.
 *
 * Theory of operation.  A user-pipe nexus has two ports: the client
 * opens port 0, the server port 1, and whatever one end puts on its TX
 * ring arrives on the other end's RX ring.  The client sends N packets;
 * packet s has a length and every byte derived from s alone
 * (ske_len(), ske_fill()), so no state needs to travel with it.  The
 * server copies each RX slot into a TX slot, unchanged.  The client
 * checks each echoed packet against the one it expects next: its
 * length, its sequence number and every byte, so any loss, duplicate,
 * reordering or corruption is reported at the first packet it hits.
 *
 *   client port 0  TX ──────► RX  port 1 server
 *                  RX ◄────── TX       (copies RX to TX)
 *
 * Each side fills or drains what its ring offers, advances, and syncs
 * TX explicitly; RX is synced by poll() (POLLIN), which is also how both
 * sides wait: POLLOUT when TX is full, POLLIN when RX is empty.  A
 * window caps the packets in flight (sent, not yet back).
 *
 * Roles: --role both (default) creates the nexus and forks, the child
 * serving port 1 and the parent acting as client.  --role server
 * creates the nexus unless given one, prints "nexus=UUID" and serves;
 * --role client joins the nexus given by --uuid or $SKECHO_NEXUS.  The
 * provider is registered with reject_on_close, so the server learns
 * that the client is done when its syncs fail with ENXIO.
 *
 * Exit status: 0 when all N packets came back intact (one summary
 * line), 1 with a message at the first discrepancy or stall, 2 on bad
 * usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* getopt_long, clock_gettime: glibc hides them */
#endif
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <skywalk/os_skywalk.h>

#define SKE_DEFAULT_COUNT 100000
#define SKE_HDR_LEN 8           /* sequence number, when it fits */
#define SKE_POLL_MS 1000

enum ske_role { SKE_BOTH, SKE_CLIENT, SKE_SERVER };

/* Faults the server can inject (--inject KIND@K), to prove that the
 * client's checks catch each kind of damage at the packet it hits. */
enum ske_fault {
	SKE_FAULT_NONE,
	SKE_FAULT_CORRUPT,      /* flip one byte of packet K */
	SKE_FAULT_DROP,         /* never echo packet K */
	SKE_FAULT_DUP,          /* echo packet K-1 again in place of K */
	SKE_FAULT_SHORT,        /* echo packet K one byte short */
};

struct ske_opts {
	enum ske_role o_role;
	uint64_t o_count;
	int o_count_set;
	uint32_t o_window;      /* 0: as many as the rings hold */
	uint32_t o_rings;       /* 0: provider default */
	uint32_t o_slots;
	uint32_t o_buf_size;
	unsigned o_timeout;     /* seconds without progress = stall */
	int o_reject;           /* register with reject_on_close */
	int o_have_nexus;
	uuid_t o_nexus;
	enum ske_fault o_fault;
	uint64_t o_fault_at;
};

/* What a running end needs; the client uses every field. */
struct ske_end {
	const struct ske_opts *e_opts;
	channel_t e_ch;
	channel_ring_t e_tx;
	channel_ring_t e_rx;
	uint32_t e_buf_size;
	uint64_t e_sent;
	uint64_t e_done;        /* client: verified; server: echoed */
	uint64_t e_bytes;
	uint8_t *e_scratch;     /* expected packet, client */
	pid_t e_peer;           /* both: the server child, for stall checks */
	int e_peer_closed;
	int e_quiet;            /* both: only the client prints a summary */
	uint8_t *e_prev;        /* server with --inject dup: last packet */
	uint32_t e_prev_len;
};

static const char *ske_prog = "skecho";

__attribute__((format(printf, 1, 2), noreturn))
static void ske_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ske_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double ske_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- packet contents: a pure function of the sequence number ---------- */

/* splitmix64's finaliser: cheap, and every input bit moves every output. */
static uint64_t ske_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Lengths cover 1..buf_size: tiny, odd and full-buffer packets. */
static uint32_t ske_len(uint64_t seq, uint32_t buf_size)
{
	return 1 + (uint32_t)(ske_mix(seq) % buf_size);
}

/* Bytes 0-7: the sequence number (little endian, as much as fits);
 * then a pattern that differs for every packet and every word. */
static void ske_fill(uint8_t *p, uint64_t seq, uint32_t len)
{
	uint64_t w;
	uint32_t i, k;

	for (i = 0; i < len; i += 8) {
		w = i == 0 ? seq : ske_mix(seq * 0x100000001b3ULL + i);
		k = len - i < 8 ? len - i : 8;
		while (k-- > 0)
			p[i + k] = (uint8_t)(w >> (8 * k));
	}
}

static uint64_t ske_seq_of(const uint8_t *p, uint32_t len)
{
	uint64_t s = 0;
	uint32_t i;

	for (i = 0; i < len && i < SKE_HDR_LEN; i++)
		s |= (uint64_t)p[i] << (8 * i);
	return s;
}

/* ---- UUIDs in text, without libuuid ----------------------------------- */

static void ske_uuid_print(const uuid_t u, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

static int ske_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int ske_uuid_parse(const char *s, uuid_t u)
{
	int i, hi, lo;

	if (strlen(s) != 36)
		return -1;
	for (i = 0; i < 16; i++) {
		if (*s == '-')
			s++;
		hi = ske_hexval(s[0]);
		lo = ske_hexval(s[1]);
		if (hi < 0 || lo < 0)
			return -1;
		u[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return 0;
}

/* ---- nexus and channel ------------------------------------------------- */

static void ske_attr_set(nexus_attr_t attr, nexus_attr_type_t t, uint64_t v)
{
	int err = os_nexus_attr_set(attr, t, v);

	if (err != 0)
		ske_die("os_nexus_attr_set(%d, %" PRIu64 "): %s", (int)t, v,
		    strerror(err));
}

static nexus_attr_t ske_nexus_attr(const struct ske_opts *o)
{
	nexus_attr_t attr = os_nexus_attr_create();

	if (attr == NULL)
		ske_die("os_nexus_attr_create: %s", strerror(errno));
	ske_attr_set(attr, NEXUS_ATTR_ANONYMOUS, 1);
	ske_attr_set(attr, NEXUS_ATTR_REJECT_ON_CLOSE, o->o_reject);
	if (o->o_rings != 0) {
		ske_attr_set(attr, NEXUS_ATTR_TX_RINGS, o->o_rings);
		ske_attr_set(attr, NEXUS_ATTR_RX_RINGS, o->o_rings);
	}
	if (o->o_slots != 0) {
		ske_attr_set(attr, NEXUS_ATTR_TX_SLOTS, o->o_slots);
		ske_attr_set(attr, NEXUS_ATTR_RX_SLOTS, o->o_slots);
	}
	if (o->o_buf_size != 0)
		ske_attr_set(attr, NEXUS_ATTR_SLOT_BUF_SIZE, o->o_buf_size);
	return attr;
}

struct ske_nexus {
	nexus_controller_t n_ctl;
	uuid_t n_prov;
	uuid_t n_inst;
};

static void ske_nexus_create(struct ske_nexus *nx, const struct ske_opts *o)
{
	nexus_attr_t attr = ske_nexus_attr(o);
	nexus_name_t name;
	int err;

	nx->n_ctl = os_nexus_controller_create();
	if (nx->n_ctl == NULL)
		ske_die("os_nexus_controller_create: %s (is the skchan "
		    "daemon running?)", strerror(errno));
	memset(name, 0, sizeof(name));
	snprintf((char *)name, sizeof(name), "skecho.%ld", (long)getpid());
	err = os_nexus_controller_register_provider(nx->n_ctl, name,
	    NEXUS_TYPE_USER_PIPE, attr, &nx->n_prov);
	os_nexus_attr_destroy(attr);
	if (err != 0)
		ske_die("register_provider: %s", strerror(err < 0 ? errno : err));
	err = os_nexus_controller_alloc_provider_instance(nx->n_ctl,
	    nx->n_prov, &nx->n_inst);
	if (err != 0)
		ske_die("alloc_provider_instance: %s", strerror(errno));
}

static void ske_nexus_destroy(struct ske_nexus *nx)
{
	if (os_nexus_controller_free_provider_instance(nx->n_ctl,
	    nx->n_inst) != 0)
		ske_die("free_provider_instance: %s", strerror(errno));
	if (os_nexus_controller_deregister_provider(nx->n_ctl,
	    nx->n_prov) != 0)
		ske_die("deregister_provider: %s", strerror(errno));
	os_nexus_controller_destroy(nx->n_ctl);
}

static uint32_t ske_read_buf_size(channel_t ch)
{
	channel_attr_t attr = os_channel_attr_create();
	uint64_t v = 0;

	if (attr == NULL || os_channel_read_attr(ch, attr) != 0 ||
	    os_channel_attr_get(attr, CHANNEL_ATTR_SLOT_BUF_SIZE, &v) != 0)
		ske_die("reading the channel's buffer size: %s",
		    strerror(errno));
	os_channel_attr_destroy(attr);
	if (v == 0 || v > 65535)
		ske_die("unusable buffer size %" PRIu64, v);
	return (uint32_t)v;
}

static void ske_open(struct ske_end *e, const uuid_t nexus, nexus_port_t port)
{
	channel_attr_t attr = os_channel_attr_create();

	if (attr == NULL)
		ske_die("os_channel_attr_create: %s", strerror(errno));
	e->e_ch = os_channel_create_extended(nexus, port, CHANNEL_DIR_TX_RX,
	    CHANNEL_RING_ID_ANY, attr);
	if (e->e_ch == NULL)
		ske_die("os_channel_create_extended(port %u): %s", port,
		    strerror(errno));
	os_channel_attr_destroy(attr);
	e->e_tx = os_channel_tx_ring(e->e_ch,
	    os_channel_ring_id(e->e_ch, CHANNEL_FIRST_TX_RING));
	e->e_rx = os_channel_rx_ring(e->e_ch,
	    os_channel_ring_id(e->e_ch, CHANNEL_FIRST_RX_RING));
	if (e->e_tx == NULL || e->e_rx == NULL)
		ske_die("channel on port %u has no TX or RX ring", port);
	e->e_buf_size = ske_read_buf_size(e->e_ch);
}

/* ---- waiting ------------------------------------------------------------ */

/* True when a sync fails because the peer closed (reject_on_close). */
static int ske_sync(struct ske_end *e, sync_mode_t mode)
{
	if (os_channel_sync(e->e_ch, mode) == 0)
		return 0;
	if (errno == ENXIO) {
		e->e_peer_closed = 1;
		return -1;
	}
	ske_die("os_channel_sync(%s): %s", mode == CHANNEL_SYNC_TX ? "TX" :
	    "RX", strerror(errno));
}

static void ske_check_peer(struct ske_end *e)
{
	int st;

	if (e->e_peer <= 0 || waitpid(e->e_peer, &st, WNOHANG) != e->e_peer)
		return;
	e->e_peer = 0;
	ske_die("the server process ended early (%s %d) after %" PRIu64
	    " packets came back", WIFSIGNALED(st) ? "signal" : "status",
	    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), e->e_done);
}

/* Waits for events; returns 0 when woken or timed out, -1 when the
 * channel reports an error (the peer closed, or we were defuncted). */
static int ske_wait(struct ske_end *e, short events)
{
	struct pollfd pfd = { os_channel_get_fd(e->e_ch), events, 0 };
	int n = poll(&pfd, 1, SKE_POLL_MS);

	if (n < 0 && errno != EINTR)
		ske_die("poll: %s", strerror(errno));
	ske_check_peer(e);
	if (n > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)))
		return -1;
	return 0;
}

/* ---- client --------------------------------------------------------- */

static void ske_mismatch(struct ske_end *e, const uint8_t *got, uint32_t len)
{
	uint64_t want = e->e_done;
	uint32_t i;

	if (got == NULL)
		ske_die("packet %" PRIu64 ": RX slot without a buffer", want);
	if (len != ske_len(want, e->e_buf_size)) {
		if (len >= SKE_HDR_LEN && ske_seq_of(got, len) == want)
			ske_die("packet %" PRIu64 ": length %u, expected %u "
			    "(truncated or padded)", want, len,
			    ske_len(want, e->e_buf_size));
		if (len >= SKE_HDR_LEN)
			ske_die("packet %" PRIu64 ": length %u, expected %u "
			    "(it carries sequence %" PRIu64 ": loss, "
			    "duplicate or reorder?)", want, len,
			    ske_len(want, e->e_buf_size), ske_seq_of(got, len));
		ske_die("packet %" PRIu64 ": length %u, expected %u", want,
		    len, ske_len(want, e->e_buf_size));
	}
	if (len >= SKE_HDR_LEN && ske_seq_of(got, len) != want)
		ske_die("packet %" PRIu64 ": carries sequence %" PRIu64
		    " (loss, duplicate or reorder)", want, ske_seq_of(got, len));
	for (i = 0; i < len && got[i] == e->e_scratch[i]; i++)
		;
	ske_die("packet %" PRIu64 " (%u bytes): byte %u is 0x%02x, expected "
	    "0x%02x (corruption)", want, len, i, got[i], e->e_scratch[i]);
}

static void ske_verify(struct ske_end *e, const slot_prop_t *p)
{
	const uint8_t *got = (const uint8_t *)(uintptr_t)p->sp_buf_ptr;
	uint32_t want_len = ske_len(e->e_done, e->e_buf_size);

	if (e->e_done >= e->e_sent)
		ske_die("packet %" PRIu64 " came back but only %" PRIu64
		    " were sent (duplicate?)", e->e_done, e->e_sent);
	ske_fill(e->e_scratch, e->e_done, want_len);
	if (p->sp_len != want_len || got == NULL ||
	    memcmp(got, e->e_scratch, want_len) != 0)
		ske_mismatch(e, got, p->sp_len);
	e->e_bytes += want_len;
	e->e_done++;
}

/* Verifies every RX slot on offer; advances without an RX sync (the next
 * poll does it).  Returns the number of packets checked. */
static uint32_t ske_client_rx(struct ske_end *e)
{
	channel_slot_t s = NULL, last = NULL;
	slot_prop_t p;
	uint32_t n = 0;

	while ((s = os_channel_get_next_slot(e->e_rx, last, &p)) != NULL) {
		ske_verify(e, &p);
		last = s;
		n++;
	}
	if (last != NULL && os_channel_advance_slot(e->e_rx, last) != 0)
		ske_die("advance RX: %s", strerror(errno));
	return n;
}

static uint64_t ske_room(const struct ske_end *e)
{
	uint64_t left = e->e_opts->o_count - e->e_sent;
	uint64_t flying = e->e_sent - e->e_done;

	if (e->e_opts->o_window == 0)
		return left;
	if (flying >= e->e_opts->o_window)
		return 0;
	return left < e->e_opts->o_window - flying ? left :
	    e->e_opts->o_window - flying;
}

/* Fills as many TX slots as the ring and the window allow, then syncs. */
static uint32_t ske_client_tx(struct ske_end *e)
{
	channel_slot_t s = NULL, last = NULL;
	uint64_t room = ske_room(e);
	slot_prop_t p;
	uint32_t n = 0;

	while (n < room &&
	    (s = os_channel_get_next_slot(e->e_tx, last, &p)) != NULL) {
		p.sp_len = (uint16_t)ske_len(e->e_sent, e->e_buf_size);
		ske_fill((uint8_t *)(uintptr_t)p.sp_buf_ptr, e->e_sent,
		    p.sp_len);
		os_channel_set_slot_properties(e->e_tx, s, &p);
		e->e_sent++;
		last = s;
		n++;
	}
	if (n == 0)
		return 0;
	if (os_channel_advance_slot(e->e_tx, last) != 0)
		ske_die("advance TX: %s", strerror(errno));
	if (ske_sync(e, CHANNEL_SYNC_TX) != 0)
		ske_die("the server went away after %" PRIu64 " packets",
		    e->e_done);
	return n;
}

static void ske_client_loop(struct ske_end *e)
{
	double idle_since = ske_now();
	uint32_t moved;
	short ev;

	while (e->e_done < e->e_opts->o_count) {
		moved = ske_client_rx(e);
		moved += ske_client_tx(e);
		if (moved > 0) {
			idle_since = ske_now();
			continue;
		}
		ev = POLLIN;
		if (ske_room(e) > 0)
			ev |= POLLOUT;
		if (ske_wait(e, ev) < 0)
			ske_die("channel error after %" PRIu64 " of %" PRIu64
			    " packets (server gone?)", e->e_done,
			    e->e_opts->o_count);
		if (ske_now() - idle_since > e->e_opts->o_timeout)
			ske_die("stalled for %us: sent %" PRIu64 ", received %"
			    PRIu64 " of %" PRIu64, e->e_opts->o_timeout,
			    e->e_sent, e->e_done, e->e_opts->o_count);
	}
}

static void ske_client(struct ske_end *e, const uuid_t nexus)
{
	double t0, dt;

	ske_open(e, nexus, NEXUS_PORT_USER_PIPE_CLIENT);
	e->e_scratch = malloc(e->e_buf_size);
	if (e->e_scratch == NULL)
		ske_die("out of memory");
	t0 = ske_now();
	ske_client_loop(e);
	dt = ske_now() - t0;
	os_channel_destroy(e->e_ch);
	free(e->e_scratch);
	printf("%s: %" PRIu64 " packets echoed intact, %" PRIu64 " bytes each "
	    "way, %.3f s, %.0f pkt/s, %.1f Mbit/s\n", ske_prog, e->e_done,
	    e->e_bytes, dt, dt > 0 ? (double)e->e_done / dt : 0.0,
	    dt > 0 ? (double)e->e_bytes * 8 / dt / 1e6 : 0.0);
}

/* ---- server ------------------------------------------------------------- */

/* Echoes packet idx (RX prop rp) into the TX slot described by tp,
 * applying the injected fault if idx is its target. */
static void ske_server_copy(struct ske_end *e, const slot_prop_t *rp,
    slot_prop_t *tp, uint64_t idx)
{
	const struct ske_opts *o = e->e_opts;
	uint8_t *dst = (uint8_t *)(uintptr_t)tp->sp_buf_ptr;
	int hit = o->o_fault != SKE_FAULT_NONE && idx == o->o_fault_at;

	tp->sp_len = rp->sp_len;
	if (hit && o->o_fault == SKE_FAULT_DUP && e->e_prev_len > 0) {
		memcpy(dst, e->e_prev, e->e_prev_len);
		tp->sp_len = (uint16_t)e->e_prev_len;
	} else {
		memcpy(dst, (const void *)(uintptr_t)rp->sp_buf_ptr, rp->sp_len);
	}
	if (e->e_prev != NULL) {
		memcpy(e->e_prev, dst, tp->sp_len);
		e->e_prev_len = tp->sp_len;
	}
	if (hit && o->o_fault == SKE_FAULT_CORRUPT)
		dst[tp->sp_len / 2] ^= 0x40;
	if (hit && o->o_fault == SKE_FAULT_SHORT && tp->sp_len > 1)
		tp->sp_len--;
	e->e_bytes += tp->sp_len;
}

static int ske_drops(const struct ske_end *e, uint64_t idx)
{
	return e->e_opts->o_fault == SKE_FAULT_DROP &&
	    idx == e->e_opts->o_fault_at;
}

/* Copies each RX slot on offer into a TX slot; TX sync, then advance RX
 * (its sync is left to poll).  Returns the packets consumed. */
static uint32_t ske_server_batch(struct ske_end *e)
{
	channel_slot_t rs = NULL, ts = NULL, nrs, nts;
	slot_prop_t rp, tp;
	uint32_t nrx = 0, ntx = 0;

	while ((nrs = os_channel_get_next_slot(e->e_rx, rs, &rp)) != NULL) {
		if (!ske_drops(e, e->e_done + nrx)) {
			nts = os_channel_get_next_slot(e->e_tx, ts, &tp);
			if (nts == NULL)
				break;
			ske_server_copy(e, &rp, &tp, e->e_done + nrx);
			os_channel_set_slot_properties(e->e_tx, nts, &tp);
			ts = nts;
			ntx++;
		}
		rs = nrs;
		nrx++;
	}
	if (ntx > 0 && os_channel_advance_slot(e->e_tx, ts) != 0)
		ske_die("advance TX: %s", strerror(errno));
	if (nrx > 0 && os_channel_advance_slot(e->e_rx, rs) != 0)
		ske_die("advance RX: %s", strerror(errno));
	e->e_done += nrx;
	if (ntx > 0)
		(void)ske_sync(e, CHANNEL_SYNC_TX);
	return nrx;
}

/* After the client closed: did we echo what we were told to expect? */
static void ske_server_done(const struct ske_end *e)
{
	const struct ske_opts *o = e->e_opts;

	if (o->o_count_set && e->e_done != o->o_count)
		ske_die("server: the client left after %" PRIu64 " of %" PRIu64
		    " packets", e->e_done, o->o_count);
	if (e->e_quiet)
		return;
	printf("%s: server echoed %" PRIu64 " packets, %" PRIu64 " bytes\n",
	    ske_prog, e->e_done, e->e_bytes);
}

static void ske_server_loop(struct ske_end *e)
{
	double idle_since = ske_now();
	short ev;

	while (!e->e_peer_closed) {
		if (ske_server_batch(e) > 0) {
			idle_since = ske_now();
			continue;
		}
		ev = os_channel_available_slot_count(e->e_rx) > 0 ? POLLOUT :
		    POLLIN;
		if (ske_wait(e, ev) < 0 && ske_sync(e, CHANNEL_SYNC_RX) < 0)
			break;
		if (ske_now() - idle_since > e->e_opts->o_timeout)
			ske_die("server stalled for %us after echoing %" PRIu64
			    " packets%s", e->e_opts->o_timeout, e->e_done,
			    e->e_opts->o_count_set && e->e_done ==
			    e->e_opts->o_count ? " (all of them, but the "
			    "client's close never showed: reject_on_close?)" :
			    "");
	}
}

static void ske_server_prepare(struct ske_end *e)
{
	if (e->e_opts->o_fault != SKE_FAULT_DUP)
		return;
	e->e_prev = malloc(e->e_buf_size);
	if (e->e_prev == NULL)
		ske_die("out of memory");
}

static void ske_server(struct ske_end *e, const uuid_t nexus, int ready_fd)
{
	ske_open(e, nexus, NEXUS_PORT_USER_PIPE_SERVER);
	ske_server_prepare(e);
	if (ready_fd >= 0) {
		if (write(ready_fd, "R", 1) != 1)
			ske_die("telling the client we are ready: %s",
			    strerror(errno));
		close(ready_fd);
	}
	ske_server_loop(e);
	os_channel_destroy(e->e_ch);
	ske_server_done(e);
}

/* ---- roles -------------------------------------------------------------- */

static void ske_wait_ready(int fd, unsigned timeout)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char c;

	if (poll(&pfd, 1, (int)timeout * 1000) != 1 || read(fd, &c, 1) != 1)
		ske_die("the server process did not open its channel");
	close(fd);
}

static int ske_reap(pid_t pid, unsigned timeout)
{
	double until = ske_now() + timeout;
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (ske_now() > until) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fprintf(stderr, "%s: the server did not finish within "
			    "%us of the client's close\n", ske_prog, timeout);
			return 1;
		}
		usleep(10000);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	fprintf(stderr, "%s: the server process failed (%s %d)\n", ske_prog,
	    WIFSIGNALED(st) ? "signal" : "status",
	    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return 1;
}

static int ske_both(const struct ske_opts *o)
{
	struct ske_end e = { .e_opts = o };
	struct ske_nexus nx;
	int ready[2], rc;
	pid_t pid;

	ske_nexus_create(&nx, o);
	if (pipe(ready) < 0)
		ske_die("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ske_die("fork: %s", strerror(errno));
	if (pid == 0) {
		ske_prog = "skecho(server)";
		e.e_quiet = 1;
		close(ready[0]);
		ske_server(&e, nx.n_inst, ready[1]);
		exit(0);
	}
	close(ready[1]);
	ske_wait_ready(ready[0], o->o_timeout);
	e.e_peer = pid;
	ske_client(&e, nx.n_inst);
	rc = ske_reap(pid, o->o_timeout);
	ske_nexus_destroy(&nx);
	return rc;
}

static int ske_server_role(const struct ske_opts *o)
{
	struct ske_end e = { .e_opts = o };
	struct ske_nexus nx;
	char buf[37];

	if (o->o_have_nexus) {
		ske_server(&e, o->o_nexus, -1);
		return 0;
	}
	ske_nexus_create(&nx, o);
	ske_open(&e, nx.n_inst, NEXUS_PORT_USER_PIPE_SERVER);
	ske_server_prepare(&e);
	ske_uuid_print(nx.n_inst, buf);
	printf("%s: nexus=%s\n", ske_prog, buf);
	fflush(stdout);
	ske_server_loop(&e);
	os_channel_destroy(e.e_ch);
	ske_server_done(&e);
	ske_nexus_destroy(&nx);
	return 0;
}

/* ---- options ------------------------------------------------------------ */

static void ske_usage(FILE *f)
{
	fprintf(f,
	    "usage: skecho [--role both|server|client] [-n COUNT] "
	    "[--window W]\n"
	    "              [--rings R] [--slots S] [--buf-size B] "
	    "[--uuid NEXUS]\n"
	    "              [--timeout SECS] [--no-reject] "
	    "[--inject KIND@K]\n"
	    "  --role both    (default) fork: child serves port 1, parent "
	    "is the client\n"
	    "  --role server  create a user-pipe nexus (unless --uuid), "
	    "print nexus=UUID, echo\n"
	    "  --role client  join --uuid NEXUS (or $SKECHO_NEXUS), send "
	    "COUNT packets\n"
	    "  -n COUNT       packets to echo (default %d)\n"
	    "  --window W     at most W packets in flight (default: ring "
	    "capacity)\n"
	    "  --timeout SECS give up after SECS without progress "
	    "(default 60)\n"
	    "  --inject KIND@K  (testing) the server damages packet K: "
	    "corrupt, drop, dup, short\n", SKE_DEFAULT_COUNT);
}

static unsigned long ske_num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || *s == '\0' || *s == '-') {
		fprintf(stderr, "skecho: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void ske_set_role(struct ske_opts *o, const char *s)
{
	if (strcmp(s, "both") == 0)
		o->o_role = SKE_BOTH;
	else if (strcmp(s, "server") == 0)
		o->o_role = SKE_SERVER;
	else if (strcmp(s, "client") == 0)
		o->o_role = SKE_CLIENT;
	else {
		fprintf(stderr, "skecho: bad role: %s\n", s);
		exit(2);
	}
}

static void ske_set_nexus(struct ske_opts *o, const char *s)
{
	if (ske_uuid_parse(s, o->o_nexus) != 0) {
		fprintf(stderr, "skecho: bad nexus UUID: %s\n", s);
		exit(2);
	}
	o->o_have_nexus = 1;
}

static void ske_set_fault(struct ske_opts *o, const char *s)
{
	static const char *const names[] = { "", "corrupt", "drop", "dup",
		"short" };
	const char *at = strchr(s, '@');
	size_t i;

	for (i = 1; at != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == (size_t)(at - s) &&
		    strncmp(s, names[i], (size_t)(at - s)) == 0) {
			o->o_fault = (enum ske_fault)i;
			o->o_fault_at = ske_num(at + 1, "--inject packet");
			if (o->o_fault == SKE_FAULT_DUP && o->o_fault_at == 0)
				break;  /* nothing before packet 0 to repeat */
			return;
		}
	}
	fprintf(stderr, "skecho: bad --inject %s (corrupt|drop|dup|short@K)\n",
	    s);
	exit(2);
}

static void ske_parse(int argc, char **argv, struct ske_opts *o)
{
	static const struct option lo[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "rings", required_argument, NULL, 'R' },
		{ "slots", required_argument, NULL, 's' },
		{ "buf-size", required_argument, NULL, 'b' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-reject", no_argument, NULL, 'N' },
		{ "inject", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("SKECHO_NEXUS");
	int c;

	while ((c = getopt_long(argc, argv, "n:w:h", lo, NULL)) != -1) {
		switch (c) {
		case 'r': ske_set_role(o, optarg); break;
		case 'n':
			o->o_count = ske_num(optarg, "count");
			o->o_count_set = 1;
			break;
		case 'w': o->o_window = (uint32_t)ske_num(optarg, "window"); break;
		case 'R': o->o_rings = (uint32_t)ske_num(optarg, "rings"); break;
		case 's': o->o_slots = (uint32_t)ske_num(optarg, "slots"); break;
		case 'b': o->o_buf_size = (uint32_t)ske_num(optarg, "buf-size"); break;
		case 'u': ske_set_nexus(o, optarg); break;
		case 't': o->o_timeout = (unsigned)ske_num(optarg, "timeout"); break;
		case 'N': o->o_reject = 0; break;
		case 'I': ske_set_fault(o, optarg); break;
		case 'h': ske_usage(stdout); exit(0);
		default: ske_usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		ske_usage(stderr);
		exit(2);
	}
	if (!o->o_have_nexus && env != NULL && *env != '\0')
		ske_set_nexus(o, env);
	if (o->o_role == SKE_CLIENT && !o->o_have_nexus) {
		fprintf(stderr, "skecho: --role client needs --uuid NEXUS "
		    "(or SKECHO_NEXUS)\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct ske_opts o = {
		.o_role = SKE_BOTH, .o_count = SKE_DEFAULT_COUNT,
		.o_timeout = 60, .o_reject = 1,
	};
	struct ske_end e = { .e_opts = &o };

	setvbuf(stdout, NULL, _IOLBF, 0);
	ske_parse(argc, argv, &o);
	switch (o.o_role) {
	case SKE_SERVER:
		return ske_server_role(&o);
	case SKE_CLIENT:
		ske_client(&e, o.o_nexus);
		return 0;
	case SKE_BOTH:
	default:
		o.o_count_set = 1;      /* the server knows what to expect */
		return ske_both(&o);
	}
}
