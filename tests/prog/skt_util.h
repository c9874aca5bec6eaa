/*
 * skt_util.h - helpers shared by the integration test programs.
 *
 * Theory of operation.  Every program under tests/prog/ is an ordinary
 * Skywalk application: it includes only <skywalk/...> headers and libc,
 * links libskywalk.so, and reaches the daemon through whichever door
 * libskywalk picks (scripts/with-skchan sets SKCHAN_DOOR).  The helpers
 * are header-only (static) because C files in tests/lib/ are linked into the
 * Check unit suites, which have no daemon.
 *
 * Assertions print "PROG: FAIL file:line: what: expected X, got Y" and
 * exit(1) at once: the first broken expectation is the one worth
 * reading, and a forked child's exit status carries the verdict home.
 * Progress lines ("PROG: ok: ...") go to stdout so a failing log shows
 * how far the program got.
 *
 * Shapes follow XNU's tests/skywalk harness (behaviours spec §0):
 * skt_upipe_setup() is sktc_build_nexus (register, read the attributes
 * back, allocate an instance), skt_channel_open() is
 * sktu_channel_create_extended (set attributes, open, retry on ENOMEM,
 * then check that create overwrote the caller's attr object), and the
 * echo worker copies every RX slot into a TX slot, TX-syncs explicitly
 * and leaves the RX sync to the next poll().
 */
#ifndef SKT_UTIL_H
#define SKT_UTIL_H

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <skywalk/os_skywalk_private.h>

/* ---- reporting --------------------------------------------------------- */

static const char *skt_prog = "skt";

static inline void skt_set_prog(const char *argv0)
{
	const char *s = strrchr(argv0, '/');

	skt_prog = s != NULL ? s + 1 : argv0;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

__attribute__((format(printf, 1, 2)))
static inline void skt_ok(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ok: ", skt_prog);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

__attribute__((format(printf, 3, 4), noreturn))
static inline void skt_fail_at(const char *file, int line, const char *fmt,
    ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: FAIL %s:%d: ", skt_prog, file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

#define SKT_FAIL(...) skt_fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* a == b, compared as signed 64-bit integers. */
#define T_EQ(got, want) do {                                                   \
	long long _g = (long long)(got), _w = (long long)(want);               \
	if (_g != _w)                                                          \
		SKT_FAIL("%s: expected %lld (%s), got %lld", #got, _w, #want,  \
		    _g);                                                       \
} while (0)

#define T_NE(got, bad) do {                                                    \
	long long _g = (long long)(got), _b = (long long)(bad);                \
	if (_g == _b)                                                          \
		SKT_FAIL("%s: expected anything but %lld (%s)", #got, _b,      \
		    #bad);                                                     \
} while (0)

#define T_TRUE(cond) do {                                                      \
	if (!(cond))                                                           \
		SKT_FAIL("expected %s", #cond);                                \
} while (0)

#define T_NONNULL(p) do {                                                      \
	if ((p) == NULL)                                                       \
		SKT_FAIL("%s: expected non-NULL, got NULL (errno %d %s)", #p,  \
		    errno, strerror(errno));                                   \
} while (0)

/* Library-style call: returns 0 or a positive errno. */
#define T_OK(expr) do {                                                        \
	int _r;                                                                \
	errno = 0;                                                             \
	_r = (expr);                                                           \
	if (_r != 0)                                                           \
		SKT_FAIL("%s: expected 0, got %d (errno %d %s)", #expr, _r,    \
		    errno, strerror(errno));                                   \
} while (0)

/* Library-style failure: the call itself returns the positive errno. */
#define T_RET(expr, e) do {                                                    \
	int _r = (expr);                                                       \
	if (_r != (e))                                                         \
		SKT_FAIL("%s: expected %s (%d), got %d (%s)", #expr, #e, (e),  \
		    _r, _r > 0 ? strerror(_r) : "-");                          \
} while (0)

/* Syscall-style failure: -1 and errno. */
#define T_SYSERR(expr, e) do {                                                 \
	int _r, _e;                                                            \
	errno = 0;                                                             \
	_r = (expr);                                                           \
	_e = errno;                                                            \
	if (_r != -1 || _e != (e))                                             \
		SKT_FAIL("%s: expected -1/%s, got %d/errno %d (%s)", #expr,    \
		    #e, _r, _e, strerror(_e));                                 \
} while (0)

/* Handle-returning call that must fail with NULL and errno e. */
#define T_NULL_ERRNO(expr, e) do {                                             \
	void *_p;                                                              \
	int _e;                                                                \
	errno = 0;                                                             \
	_p = (void *)(expr);                                                   \
	_e = errno;                                                            \
	if (_p != NULL || _e != (e))                                           \
		SKT_FAIL("%s: expected NULL/%s, got %p/errno %d (%s)", #expr,  \
		    #e, _p, _e, strerror(_e));                                 \
} while (0)

/* ---- environment ------------------------------------------------------- */

static inline long skt_env_long(const char *name, long dflt)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return dflt;
	v = strtol(s, &end, 0);
	return *end == '\0' ? v : dflt;
}

/* How long a wait may block before the test calls it a stall.  Generous:
 * the daemon may run under valgrind inside User-Mode Linux. */
static inline int skt_wait_ms(void)
{
	return (int)skt_env_long("SKT_WAIT_MS", 30000);
}

static inline double skt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Provider names must be unique so that tests can run side by side. */
static inline void skt_name(nexus_name_t name, const char *tag)
{
	static unsigned seq;

	memset(name, 0, sizeof(nexus_name_t));
	snprintf((char *)name, sizeof(nexus_name_t), "skt.%s.%ld.%u", tag,
	    (long)getpid(), seq++);
}

static inline const char *skt_uuid_str(const uuid_t u, char buf[37])
{
	uuid_unparse_lower(u, buf);
	return buf;
}

/*
 * With SKCHAN_DOOR=cuse every handle must be the CUSE device itself: a
 * library that quietly fell back to the socket would otherwise pass
 * every test on the wrong door.
 */
static inline void skt_check_door_fd(int fd, const char *what)
{
	const char *door = getenv("SKCHAN_DOOR");
	const char *dev = getenv("SKCHAN_DEVICE");
	struct stat st, dst;

	if (door == NULL || strcmp(door, "cuse") != 0)
		return;
	if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode))
		SKT_FAIL("%s: fd %d is not a character device although "
		    "SKCHAN_DOOR=cuse", what, fd);
	if (stat(dev != NULL ? dev : "/dev/skchan", &dst) == 0 &&
	    st.st_rdev != dst.st_rdev)
		SKT_FAIL("%s: fd %d is not %s", what, fd,
		    dev != NULL ? dev : "/dev/skchan");
}

/* ---- nexus ------------------------------------------------------------- */

/* Requested provider parameters; -1 leaves an attribute unset. */
struct skt_nx_params {
	long np_rings;
	long np_slots;
	long np_buf_size;
	long np_anonymous;
	long np_reject_on_close;
};

#define SKT_NX_PARAMS_DEFAULT { -1, -1, -1, 1, -1 }

struct skt_nexus {
	nexus_controller_t sn_ctl;
	uuid_t sn_prov;
	uuid_t sn_inst;
	int sn_has_inst;
};

static inline void skt_attr_set_opt(nexus_attr_t attr, nexus_attr_type_t t,
    long v)
{
	if (v >= 0)
		T_OK(os_nexus_attr_set(attr, t, (uint64_t)v));
}

static inline nexus_attr_t skt_nx_attr(const struct skt_nx_params *p)
{
	nexus_attr_t attr = os_nexus_attr_create();

	T_NONNULL(attr);
	skt_attr_set_opt(attr, NEXUS_ATTR_TX_RINGS, p->np_rings);
	skt_attr_set_opt(attr, NEXUS_ATTR_RX_RINGS, p->np_rings);
	skt_attr_set_opt(attr, NEXUS_ATTR_TX_SLOTS, p->np_slots);
	skt_attr_set_opt(attr, NEXUS_ATTR_RX_SLOTS, p->np_slots);
	skt_attr_set_opt(attr, NEXUS_ATTR_SLOT_BUF_SIZE, p->np_buf_size);
	skt_attr_set_opt(attr, NEXUS_ATTR_ANONYMOUS, p->np_anonymous);
	skt_attr_set_opt(attr, NEXUS_ATTR_REJECT_ON_CLOSE,
	    p->np_reject_on_close);
	return attr;
}

static inline uint64_t skt_nx_attr_get(nexus_attr_t attr, nexus_attr_type_t t)
{
	uint64_t v = (uint64_t)-1;

	T_OK(os_nexus_attr_get(attr, t, &v));
	return v;
}

/* A requested value must read back unchanged, an unrequested one must be
 * filled in (anything but -1, the poison written before the read). */
static inline void skt_check_attr(nexus_attr_t attr, nexus_attr_type_t t,
    long want, const char *what)
{
	uint64_t v = skt_nx_attr_get(attr, t);

	if (v == (uint64_t)-1)
		SKT_FAIL("provider attr %s: not filled in by read_provider_attr",
		    what);
	if (want >= 0 && v != (uint64_t)want)
		SKT_FAIL("provider attr %s: expected %ld, got %" PRIu64, what,
		    want, v);
}

static inline void skt_poison_attr(nexus_attr_t attr)
{
	static const nexus_attr_type_t settable[] = {
		NEXUS_ATTR_TX_RINGS, NEXUS_ATTR_RX_RINGS, NEXUS_ATTR_TX_SLOTS,
		NEXUS_ATTR_RX_SLOTS, NEXUS_ATTR_SLOT_BUF_SIZE,
		NEXUS_ATTR_ANONYMOUS, NEXUS_ATTR_USER_CHANNEL,
		NEXUS_ATTR_MAX_FRAGS, NEXUS_ATTR_REJECT_ON_CLOSE,
	};
	size_t i;

	for (i = 0; i < sizeof(settable) / sizeof(settable[0]); i++)
		T_OK(os_nexus_attr_set(attr, settable[i], (uint64_t)-1));
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_EXTENSIONS, 0));
}

static inline void skt_verify_provider(struct skt_nexus *nx,
    const struct skt_nx_params *p, nexus_attr_t attr)
{
	skt_poison_attr(attr);
	T_OK(os_nexus_controller_read_provider_attr(nx->sn_ctl, nx->sn_prov,
	    attr));
	skt_check_attr(attr, NEXUS_ATTR_TX_RINGS, p->np_rings, "TX_RINGS");
	skt_check_attr(attr, NEXUS_ATTR_RX_RINGS, p->np_rings, "RX_RINGS");
	skt_check_attr(attr, NEXUS_ATTR_TX_SLOTS, p->np_slots, "TX_SLOTS");
	skt_check_attr(attr, NEXUS_ATTR_RX_SLOTS, p->np_slots, "RX_SLOTS");
	skt_check_attr(attr, NEXUS_ATTR_SLOT_BUF_SIZE, p->np_buf_size,
	    "SLOT_BUF_SIZE");
	skt_check_attr(attr, NEXUS_ATTR_SLOT_META_SIZE, -1, "SLOT_META_SIZE");
	skt_check_attr(attr, NEXUS_ATTR_ANONYMOUS, p->np_anonymous,
	    "ANONYMOUS");
	skt_check_attr(attr, NEXUS_ATTR_USER_CHANNEL, -1, "USER_CHANNEL");
	skt_check_attr(attr, NEXUS_ATTR_MAX_FRAGS, -1, "MAX_FRAGS");
	skt_check_attr(attr, NEXUS_ATTR_REJECT_ON_CLOSE, p->np_reject_on_close,
	    "REJECT_ON_CLOSE");
}

/* Controller + USER_PIPE provider + one instance, everything checked. */
static inline void skt_upipe_setup(struct skt_nexus *nx, const char *tag,
    const struct skt_nx_params *p)
{
	nexus_name_t name;
	nexus_attr_t attr;

	memset(nx, 0, sizeof(*nx));
	nx->sn_ctl = os_nexus_controller_create();
	T_NONNULL(nx->sn_ctl);
	skt_check_door_fd(os_nexus_controller_get_fd(nx->sn_ctl),
	    "nexus controller");
	attr = skt_nx_attr(p);
	skt_name(name, tag);
	T_OK(os_nexus_controller_register_provider(nx->sn_ctl, name,
	    NEXUS_TYPE_USER_PIPE, attr, &nx->sn_prov));
	T_TRUE(!uuid_is_null(nx->sn_prov));
	skt_verify_provider(nx, p, attr);
	os_nexus_attr_destroy(attr);
	T_OK(os_nexus_controller_alloc_provider_instance(nx->sn_ctl,
	    nx->sn_prov, &nx->sn_inst));
	T_TRUE(!uuid_is_null(nx->sn_inst));
	nx->sn_has_inst = 1;
}

static inline void skt_nexus_teardown(struct skt_nexus *nx)
{
	if (nx->sn_has_inst)
		T_OK(os_nexus_controller_free_provider_instance(nx->sn_ctl,
		    nx->sn_inst));
	T_OK(os_nexus_controller_deregister_provider(nx->sn_ctl,
	    nx->sn_prov));
	os_nexus_controller_destroy(nx->sn_ctl);
	memset(nx, 0, sizeof(*nx));
}

/* ---- channels ---------------------------------------------------------- */

/* Channel options in the order sktu_channel_create_extended takes them;
 * -1 leaves an attribute unset.  Key: ch_key/ch_key_len when set. */
struct skt_ch_opts {
	ring_dir_t co_dir;
	ring_id_t co_ring;
	long co_defunct_ok;
	long co_exclusive;
	const void *co_key;
	uint32_t co_key_len;
};

#define SKT_CH_OPTS_DEFAULT                                                    \
	{ CHANNEL_DIR_TX_RX, CHANNEL_RING_ID_ANY, 1, -1, NULL, 0 }

static inline channel_attr_t skt_ch_attr(const struct skt_ch_opts *o)
{
	channel_attr_t attr = os_channel_attr_create();

	T_NONNULL(attr);
	if (o->co_defunct_ok >= 0)
		T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_NEXUS_DEFUNCT_OK,
		    (uint64_t)o->co_defunct_ok));
	if (o->co_exclusive >= 0)
		T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_EXCLUSIVE,
		    (uint64_t)o->co_exclusive));
	if (o->co_key != NULL)
		T_OK(os_channel_attr_set_key(attr, o->co_key, o->co_key_len));
	return attr;
}

/* Open, retrying while the daemon is short of memory as XNU's helper
 * does (16 x 250 ms).  Returns NULL with errno on failure. */
static inline channel_t skt_channel_try(const uuid_t uuid, nexus_port_t port,
    const struct skt_ch_opts *o, channel_attr_t attr)
{
	channel_t ch = NULL;
	int i;

	for (i = 0; i < 16; i++) {
		ch = os_channel_create_extended(uuid, port, o->co_dir,
		    o->co_ring, attr);
		if (ch != NULL || errno != ENOMEM)
			break;
		usleep(250000);
	}
	return ch;
}

static inline uint64_t skt_ch_attr_get(channel_attr_t attr,
    channel_attr_type_t t)
{
	uint64_t v = (uint64_t)-1;

	T_OK(os_channel_attr_get(attr, t, &v));
	return v;
}

/* Create must have overwritten the caller's attr with the channel's
 * real attributes (the zero-filled attr said 0 rings, 0 slots). */
static inline void skt_check_ch_attr_filled(channel_attr_t attr,
    const struct skt_ch_opts *o)
{
	T_NE(skt_ch_attr_get(attr, CHANNEL_ATTR_TX_RINGS), 0);
	T_NE(skt_ch_attr_get(attr, CHANNEL_ATTR_RX_RINGS), 0);
	T_NE(skt_ch_attr_get(attr, CHANNEL_ATTR_TX_SLOTS), 0);
	T_NE(skt_ch_attr_get(attr, CHANNEL_ATTR_RX_SLOTS), 0);
	T_NE(skt_ch_attr_get(attr, CHANNEL_ATTR_SLOT_BUF_SIZE), 0);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_NO_AUTO_SYNC), 1);
	if (o->co_defunct_ok >= 0)
		T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_NEXUS_DEFUNCT_OK),
		    o->co_defunct_ok);
}

static inline channel_t skt_channel_open(const uuid_t uuid, nexus_port_t port,
    const struct skt_ch_opts *o)
{
	channel_attr_t attr = skt_ch_attr(o);
	channel_t ch = skt_channel_try(uuid, port, o, attr);

	if (ch == NULL)
		SKT_FAIL("os_channel_create_extended(port %u, ring %d): "
		    "errno %d (%s)", port, (int)o->co_ring, errno,
		    strerror(errno));
	skt_check_ch_attr_filled(attr, o);
	skt_check_door_fd(os_channel_get_fd(ch), "channel");
	os_channel_attr_destroy(attr);
	return ch;
}

static inline channel_t skt_channel_open_simple(const uuid_t uuid,
    nexus_port_t port)
{
	struct skt_ch_opts o = SKT_CH_OPTS_DEFAULT;

	return skt_channel_open(uuid, port, &o);
}

static inline channel_ring_t skt_tx(channel_t ch)
{
	channel_ring_t r = os_channel_tx_ring(ch,
	    os_channel_ring_id(ch, CHANNEL_FIRST_TX_RING));

	T_NONNULL(r);
	return r;
}

static inline channel_ring_t skt_rx(channel_t ch)
{
	channel_ring_t r = os_channel_rx_ring(ch,
	    os_channel_ring_id(ch, CHANNEL_FIRST_RX_RING));

	T_NONNULL(r);
	return r;
}

/* ---- waiting ----------------------------------------------------------- */

enum skt_wait_how { SKT_POLL, SKT_SELECT };

static inline const char *skt_how_name(enum skt_wait_how how)
{
	return how == SKT_POLL ? "poll" : "select";
}

/* poll() for exactly one event bit; it must be the only bit reported. */
static inline void skt_poll_exact(channel_t ch, short want)
{
	struct pollfd pfd = { os_channel_get_fd(ch), want, 0 };
	int n = poll(&pfd, 1, skt_wait_ms());

	if (n != 1)
		SKT_FAIL("poll(events 0x%x): expected 1, got %d (errno %d %s)",
		    want, n, n < 0 ? errno : 0, n < 0 ? strerror(errno) : "-");
	if (pfd.revents != want)
		SKT_FAIL("poll(events 0x%x): expected revents 0x%x, got 0x%x",
		    want, want, pfd.revents);
}

/*
 * select() for readability or writability with the exception set armed;
 * it must return 1 with only the wanted bit.  with_read also arms the
 * read set while waiting for write (oneslot's first call, r+w+e).
 */
static inline void skt_select_exact(channel_t ch, int want_write,
    int with_read)
{
	int fd = os_channel_get_fd(ch);
	fd_set r, w, e;
	struct timeval tv = { skt_wait_ms() / 1000,
	    (skt_wait_ms() % 1000) * 1000 };
	int n;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	if (!want_write || with_read)
		FD_SET(fd, &r);
	if (want_write)
		FD_SET(fd, &w);
	FD_SET(fd, &e);
	n = select(fd + 1, &r, &w, &e, &tv);
	if (n != 1)
		SKT_FAIL("select(%s): expected 1, got %d (errno %d)",
		    want_write ? "write" : "read", n, n < 0 ? errno : 0);
	if (FD_ISSET(fd, &e))
		SKT_FAIL("select(%s): exception bit set",
		    want_write ? "write" : "read");
	if (want_write && (!FD_ISSET(fd, &w) || FD_ISSET(fd, &r)))
		SKT_FAIL("select(write): expected only the write bit (r %d w %d)",
		    FD_ISSET(fd, &r), FD_ISSET(fd, &w));
	if (!want_write && !FD_ISSET(fd, &r))
		SKT_FAIL("select(read): read bit not set");
}

static inline void skt_wait_write(channel_t ch, enum skt_wait_how how)
{
	if (how == SKT_POLL)
		skt_poll_exact(ch, POLLWRNORM);
	else
		skt_select_exact(ch, 1, 0);
}

static inline void skt_wait_read(channel_t ch, enum skt_wait_how how)
{
	if (how == SKT_POLL)
		skt_poll_exact(ch, POLLRDNORM);
	else
		skt_select_exact(ch, 0, 0);
}

/* ---- the nslots stream (behaviours §3.5) ------------------------------- */

/*
 * One 4-byte little-endian counter per slot: fill exactly what the TX
 * ring offers (each slot reporting the buffer size) and TX-sync; read
 * exactly what the RX ring offers (each slot 4 bytes, counters strictly
 * consecutive) and advance without an RX sync, which the next wait must
 * perform implicitly.
 */
struct skt_stream {
	channel_t ss_ch;
	enum skt_wait_how ss_how;
	uint64_t ss_count;      /* slots to move */
	uint64_t ss_sent;
	uint64_t ss_rcvd;
	uint32_t ss_buf_size;   /* CHANNEL_ATTR_SLOT_BUF_SIZE */
	uint64_t ss_waits;      /* waits performed, both directions */
};

static inline void skt_stream_send(struct skt_stream *ss)
{
	channel_ring_t tx = skt_tx(ss->ss_ch);
	channel_slot_t s = NULL, last = NULL;
	uint32_t avail, i, ctr;
	slot_prop_t p;

	skt_wait_write(ss->ss_ch, ss->ss_how);
	ss->ss_waits++;
	avail = os_channel_available_slot_count(tx);
	T_TRUE(avail > 0);
	for (i = 0; i < avail && ss->ss_sent < ss->ss_count; i++) {
		s = os_channel_get_next_slot(tx, last, &p);
		T_NONNULL(s);
		T_EQ(p.sp_len, ss->ss_buf_size);
		ctr = (uint32_t)ss->ss_sent++;
		memcpy((void *)(uintptr_t)p.sp_buf_ptr, &ctr, 4);
		p.sp_len = 4;
		os_channel_set_slot_properties(tx, s, &p);
		last = s;
	}
	T_OK(os_channel_advance_slot(tx, last));
	T_OK(os_channel_sync(ss->ss_ch, CHANNEL_SYNC_TX));
}

static inline void skt_stream_receive(struct skt_stream *ss)
{
	channel_ring_t rx = skt_rx(ss->ss_ch);
	channel_slot_t s = NULL, last = NULL;
	uint32_t avail, i, ctr;
	slot_prop_t p;

	skt_wait_read(ss->ss_ch, ss->ss_how);
	ss->ss_waits++;
	avail = os_channel_available_slot_count(rx);
	T_TRUE(avail > 0);
	for (i = 0; i < avail; i++) {
		s = os_channel_get_next_slot(rx, last, &p);
		T_NONNULL(s);
		T_EQ(p.sp_len, 4);
		memcpy(&ctr, (const void *)(uintptr_t)p.sp_buf_ptr, 4);
		if (ctr != (uint32_t)ss->ss_rcvd)
			SKT_FAIL("slot %" PRIu64 ": counter %u (loss, "
			    "duplicate or reorder)", ss->ss_rcvd, ctr);
		ss->ss_rcvd++;
		last = s;
	}
	T_TRUE(ss->ss_rcvd <= ss->ss_sent);
	/* Advance only: the RX sync is left to the next wait. */
	T_OK(os_channel_advance_slot(rx, last));
}

/* Both directions until every slot came back. */
static inline void skt_stream_run(struct skt_stream *ss)
{
	while (ss->ss_rcvd < ss->ss_count) {
		if (ss->ss_sent < ss->ss_count)
			skt_stream_send(ss);
		skt_stream_receive(ss);
	}
}

/* ---- echo worker (XNU's channel worker, echo flavour) ------------------ */

struct skt_echo {
	channel_t se_ch;
	int se_stop[2];         /* pipe: main thread writes to stop */
	pthread_t se_thread;
	uint64_t se_count;      /* slots echoed */
};

/* Copies one RX slot into one TX slot; both slots are in window. */
static inline void skt_echo_copy(channel_ring_t rx, channel_slot_t rs,
    const slot_prop_t *rp, channel_ring_t tx, channel_slot_t ts,
    slot_prop_t *tp)
{
	if (tp->sp_len != tx->chrd_ring->ring_def_buf_size)
		SKT_FAIL("echo: TX slot len %u, expected buffer size %u",
		    tp->sp_len, tx->chrd_ring->ring_def_buf_size);
	memcpy((void *)(uintptr_t)tp->sp_buf_ptr,
	    (const void *)(uintptr_t)rp->sp_buf_ptr, rp->sp_len);
	tp->sp_len = rp->sp_len;
	os_channel_set_slot_properties(tx, ts, tp);
	(void)rx;
	(void)rs;
}

/* Echoes what is available; returns the number of slots moved. */
static inline uint32_t skt_echo_batch(struct skt_echo *se)
{
	channel_ring_t rx = skt_rx(se->se_ch), tx = skt_tx(se->se_ch);
	channel_slot_t rs = NULL, ts = NULL, nrs, nts;
	slot_prop_t rp, tp;
	uint32_t n = 0;

	for (;;) {
		nrs = os_channel_get_next_slot(rx, rs, &rp);
		if (nrs == NULL)
			break;
		nts = os_channel_get_next_slot(tx, ts, &tp);
		if (nts == NULL)
			break;
		skt_echo_copy(rx, nrs, &rp, tx, nts, &tp);
		rs = nrs;
		ts = nts;
		n++;
	}
	if (n == 0)
		return 0;
	T_OK(os_channel_advance_slot(tx, ts));
	T_OK(os_channel_sync(se->se_ch, CHANNEL_SYNC_TX));
	/* No RX sync: the next poll() does it implicitly. */
	T_OK(os_channel_advance_slot(rx, rs));
	se->se_count += n;
	return n;
}

static inline void *skt_echo_main(void *arg)
{
	struct skt_echo *se = arg;
	struct pollfd pfd[2];
	int n;

	for (;;) {
		short ev = POLLIN;

		if (os_channel_available_slot_count(skt_rx(se->se_ch)) > 0) {
			if (skt_echo_batch(se) > 0)
				continue;
			ev = POLLOUT;   /* RX waiting, TX full */
		}
		pfd[0] = (struct pollfd){ os_channel_get_fd(se->se_ch), ev, 0 };
		pfd[1] = (struct pollfd){ se->se_stop[0], POLLIN, 0 };
		n = poll(pfd, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			SKT_FAIL("echo: poll: %s", strerror(errno));
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			SKT_FAIL("echo: channel poll revents 0x%x",
			    pfd[0].revents);
	}
	return NULL;
}

static inline void skt_echo_start(struct skt_echo *se, const uuid_t uuid,
    nexus_port_t port)
{
	memset(se, 0, sizeof(*se));
	se->se_ch = skt_channel_open_simple(uuid, port);
	T_EQ(pipe(se->se_stop), 0);
	T_EQ(pthread_create(&se->se_thread, NULL, skt_echo_main, se), 0);
}

static inline void skt_echo_stop(struct skt_echo *se)
{
	T_EQ(write(se->se_stop[1], "x", 1), 1);
	T_EQ(pthread_join(se->se_thread, NULL), 0);
	close(se->se_stop[0]);
	close(se->se_stop[1]);
	os_channel_destroy(se->se_ch);
}

#endif /* SKT_UTIL_H */
