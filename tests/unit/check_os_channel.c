/*
 * check_os_channel.c - libskywalk's channel API (os_channel.c,
 * os_channel_upp.c, os_channel_event.c) over two kinds of memory.
 *
 * 1. The real kernel, in-process (kern_harness.h): this file defines the
 *    channel system calls (__channel_open, __channel_get_info,
 *    __channel_sync, __channel_get/set_opt, guarded_close_np) and routes
 *    them to sk_file_ioctl(), so libskywalk.a's syscalls.o is never
 *    linked and the library under test maps the span the kernel built.
 *    Objective: spec behaviours scenarios 1 (fullupipe), 2 (one slot),
 *    7 (attributes reflect the nexus), 8 (ring ids), through Apple's API
 *    only, and the library's traps on a real arena (SIGABRT).
 * 2. A synthetic arena laid out per spec section 5, for what a user pipe
 *    cannot show yet: PACKET metadata and buflet chains, the user packet
 *    pool, the event ring, advisories, and a defunct channel (zeroed
 *    memory, CSM_ACTIVE clear): no traps, NULL/0/ENXIO.
 *
 * Check's fork mode must stay on: the library keeps one redzone cookie
 * per process (the first channel's), and the synthetic arena and the
 * kernel each have their own.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <skywalk/os_skywalk_private.h>

#include "kern_harness.h"

#define MSG54 "Time flies like an arrow;  fruit flies like a banana."

/* ------------------------------------------------------------------ */
/* System calls: kernel channels (fd 100+) and synthetic ones (1000+)  */
/* ------------------------------------------------------------------ */

#define KFD_BASE 100
#define SFD_BASE 1000
#define TAB_MAX 16

struct syn;
static struct kh_chan *kfd_tab[TAB_MAX];
static struct syn *sfd_tab[TAB_MAX];
static struct syn *syn_next; /* what the next open returns, if set */
static unsigned closes;

struct syn {
	uint8_t *span;
	size_t span_size;
	struct ch_info info;
	uint32_t granted_mode; /* cinfo_ch_mode */
	int open_errno;	       /* fail the open with this */
	unsigned syncs;
	int sync_mode, sync_flags;
	void (*on_sync)(struct syn *s, int mode, int flags);
	int sync_ret;
	struct ch_init last_init;
};

static int
ret_errno(int err)
{
	if (err == 0)
		return 0;
	errno = err < 0 ? -err : err;
	return -1;
}

static int
tab_put(void **tab, void *p, int base)
{
	int i;

	for (i = 0; i < TAB_MAX; i++) {
		if (tab[i] == NULL) {
			tab[i] = p;
			return base + i;
		}
	}
	ck_abort_msg("fd table full");
	return -1;
}

static struct kh_chan *
kfd(int fd)
{
	ck_assert(fd >= KFD_BASE && fd < KFD_BASE + TAB_MAX);
	ck_assert_ptr_nonnull(kfd_tab[fd - KFD_BASE]);
	return kfd_tab[fd - KFD_BASE];
}

static struct syn *
sfd(int fd)
{
	if (fd < SFD_BASE || fd >= SFD_BASE + TAB_MAX)
		return NULL;
	return sfd_tab[fd - SFD_BASE];
}

static int
k_open(struct ch_init *init)
{
	struct kh_chan *c = calloc(1, sizeof(*c));
	int err;

	ck_assert_ptr_nonnull(c);
	err = kh_chan_open_key(c, init->ci_nx_uuid, init->ci_nx_port,
			       init->ci_ch_ring_id, init->ci_ch_mode,
			       (const void *)(uintptr_t)init->ci_key,
			       init->ci_key_len);
	if (err != 0) {
		free(c);
		return ret_errno(err);
	}
	init->ci_guard = 0x5eed;
	return tab_put((void **)kfd_tab, c, KFD_BASE);
}

static int
s_open(struct ch_init *init)
{
	struct syn *s = syn_next;

	syn_next = NULL;
	s->last_init = *init;
	if (s->open_errno != 0)
		return ret_errno(s->open_errno);
	init->ci_guard = 0xfeed;
	return tab_put((void **)sfd_tab, s, SFD_BASE);
}

int
__channel_open(struct ch_init *init, const uint32_t init_len)
{
	ck_assert_uint_eq(init_len, sizeof(*init));
	return syn_next != NULL ? s_open(init) : k_open(init);
}

int
__channel_get_info(int fd, struct ch_info *ci, const uint32_t len)
{
	struct syn *s = sfd(fd);
	struct kh_chan *c;
	int err;

	ck_assert_uint_ge(len, sizeof(*ci));
	if (s != NULL) {
		*ci = s->info;
		return 0;
	}
	c = kfd(fd);
	if ((err = kh_ioctl(c->f, SKC_IOC_CHANNEL_INFO, &c->info)) != 0)
		return ret_errno(err);
	*ci = c->info.ci_info;
	ci->cinfo_mem_base = (mach_vm_address_t)(uintptr_t)c->span;
	return 0;
}

int
__channel_sync(int fd, const int mode, const sync_flags_t flags)
{
	struct skc_channel_sync cs;
	struct syn *s = sfd(fd);

	if (s != NULL) {
		s->syncs++;
		s->sync_mode = mode;
		s->sync_flags = (int)flags;
		if (s->on_sync != NULL)
			s->on_sync(s, mode, (int)flags);
		return ret_errno(s->sync_ret);
	}
	memset(&cs, 0, sizeof(cs));
	cs.cs_mode = mode;
	cs.cs_flags = flags;
	return ret_errno(kh_ioctl(kfd(fd)->f, SKC_IOC_CHANNEL_SYNC, &cs));
}

int
__channel_get_opt(int fd, const uint32_t opt, void *val, uint32_t *len)
{
	struct skc_channel_opt o;
	int err;

	memset(&o, 0, sizeof(o));
	o.co_opt = opt;
	o.co_len = *len;
	if ((err = kh_ioctl(kfd(fd)->f, SKC_IOC_CHANNEL_GET_OPT, &o)) != 0)
		return ret_errno(err);
	memcpy(val, o.co_data, o.co_len);
	*len = o.co_len;
	return 0;
}

int
__channel_set_opt(int fd, const uint32_t opt, const void *val,
		  const uint32_t len)
{
	struct skc_channel_opt o;

	if (sfd(fd) != NULL)
		return 0;
	memset(&o, 0, sizeof(o));
	o.co_opt = opt;
	o.co_len = len;
	memcpy(o.co_data, val, len);
	return ret_errno(kh_ioctl(kfd(fd)->f, SKC_IOC_CHANNEL_SET_OPT, &o));
}

int
guarded_close_np(int fd, const guardid_t *guard)
{
	closes++;
	if (sfd(fd) != NULL) {
		ck_assert_uint_eq(*guard, 0xfeed);
		sfd_tab[fd - SFD_BASE] = NULL;
		return 0;
	}
	ck_assert_uint_eq(*guard, 0x5eed);
	kh_chan_close(kfd(fd));
	free(kfd(fd));
	kfd_tab[fd - KFD_BASE] = NULL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Part 1: over the in-process kernel                                  */
/* ------------------------------------------------------------------ */

static struct sk_file *ctl;
static uuid_t nx;

static void
k_setup(void)
{
	kh_setup();
	ctl = kh_ctl_open();
}

static void
k_teardown(void)
{
	sk_file_close(ctl);
	/* every channel destroyed: nothing left in the kernel */
	kh_teardown();
}

static channel_t
k_open_port(nexus_port_t port, ring_id_t rid, channel_attr_t attr)
{
	channel_attr_t a = attr != NULL ? attr : os_channel_attr_create();
	channel_t ch;

	ck_assert_int_eq(
	    os_channel_attr_set(a, CHANNEL_ATTR_NEXUS_DEFUNCT_OK, 1), 0);
	ch = os_channel_create_extended(nx, port, CHANNEL_DIR_TX_RX, rid, a);
	if (attr == NULL)
		os_channel_attr_destroy(a);
	return ch;
}

/* Fill n TX slots through the API: len bytes of (seed + i) each. */
static void
api_fill(channel_ring_t r, uint32_t n, uint16_t len, uint8_t seed)
{
	channel_slot_t s = NULL, last = NULL;
	slot_prop_t p;
	uint32_t i;

	for (i = 0; i < n; i++) {
		s = os_channel_get_next_slot(r, last, &p);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_ne(p.sp_buf_ptr, 0);
		ck_assert_uint_eq(p.sp_len, 2048); /* TX prefill */
		memset((void *)(uintptr_t)p.sp_buf_ptr, seed + i, len);
		p.sp_len = len;
		os_channel_set_slot_properties(r, s, &p);
		last = s;
	}
	if (last != NULL)
		ck_assert_int_eq(os_channel_advance_slot(r, last), 0);
}

/* Consume n RX slots, checking what api_fill wrote. */
static void
api_drain(channel_ring_t r, uint32_t n, uint16_t len, uint8_t seed)
{
	channel_slot_t s, last = NULL;
	slot_prop_t p;
	uint32_t i;
	uint8_t *b;

	for (i = 0; i < n; i++) {
		s = os_channel_get_next_slot(r, last, &p);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_eq(p.sp_len, len);
		b = (uint8_t *)(uintptr_t)p.sp_buf_ptr;
		ck_assert_uint_eq(b[0], (uint8_t)(seed + i));
		ck_assert_uint_eq(b[len - 1], (uint8_t)(seed + i));
		last = s;
	}
	if (last != NULL)
		ck_assert_int_eq(os_channel_advance_slot(r, last), 0);
}

/* Scenario 1 (fullupipe), through the API only. */
START_TEST(test_k_fullupipe)
{
	channel_t a, b;
	channel_ring_t tx0, rx1;

	kh_upipe(ctl, 1, 100, 1, 1, nx);
	a = k_open_port(0, CHANNEL_RING_ID_ANY, NULL);
	b = k_open_port(1, CHANNEL_RING_ID_ANY, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	tx0 = os_channel_tx_ring(a, 0);
	rx1 = os_channel_rx_ring(b, 0);
	ck_assert_uint_eq(os_channel_available_slot_count(tx0), 99);
	ck_assert_uint_eq(os_channel_available_slot_count(rx1), 0);
	ck_assert_ptr_null(os_channel_get_next_slot(rx1, NULL, NULL));
	api_fill(tx0, 99, 8, 0); /* 1 */
	ck_assert_ptr_null(os_channel_get_next_slot(tx0, NULL, NULL));
	ck_assert_uint_eq(os_channel_available_slot_count(tx0), 0);
	ck_assert_int_eq(os_channel_pending(tx0), 1);
	ck_assert_int_eq(os_channel_sync(b, CHANNEL_SYNC_RX), 0); /* 2 */
	ck_assert_uint_eq(os_channel_available_slot_count(rx1), 0);
	ck_assert_int_eq(os_channel_sync(a, CHANNEL_SYNC_TX), 0); /* 3 */
	ck_assert_uint_eq(os_channel_available_slot_count(tx0), 99);
	ck_assert_uint_eq(os_channel_available_slot_count(rx1), 0);
	ck_assert_int_eq(os_channel_pending(tx0), 0);
	api_fill(tx0, 99, 8, 100); /* 4 */
	ck_assert_int_eq(os_channel_sync(a, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(os_channel_available_slot_count(tx0), 0);
	ck_assert_int_eq(os_channel_sync(b, CHANNEL_SYNC_RX), 0); /* 5 */
	ck_assert_uint_eq(os_channel_available_slot_count(tx0), 0);
	ck_assert_uint_eq(os_channel_available_slot_count(rx1), 99);
	api_drain(rx1, 99, 8, 0); /* 6 */
	ck_assert_uint_eq(os_channel_available_slot_count(rx1), 0);
	ck_assert_int_eq(os_channel_sync(b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(os_channel_available_slot_count(rx1), 99);
	api_drain(rx1, 99, 8, 100); /* 7 */
	ck_assert_int_eq(os_channel_sync(a, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(os_channel_available_slot_count(tx0), 99);
	ck_assert_uint_eq(os_channel_available_slot_count(rx1), 0);
	os_channel_destroy(a);
	os_channel_destroy(b);
}
END_TEST

/* Scenario 2's data path: one 54-byte message and its packet handle. */
START_TEST(test_k_oneslot)
{
	channel_t a, b;
	channel_ring_t tx, rx;
	channel_slot_t s;
	slot_prop_t p;
	packet_t ph;
	buflet_t bft;

	kh_upipe(ctl, 1, 128, 1, 0, nx);
	a = k_open_port(0, CHANNEL_RING_ID_ANY, NULL);
	b = k_open_port(1, CHANNEL_RING_ID_ANY, NULL);
	tx = os_channel_tx_ring(a, 0);
	rx = os_channel_rx_ring(b, 0);
	s = os_channel_get_next_slot(tx, NULL, &p);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(p.sp_len, 2048);
	/* TX slots of a pipe expose a quantum whose buflet has a limit */
	ph = os_channel_slot_get_packet(tx, s);
	ck_assert_uint_eq(SK_PTR_TAG(ph), 0x5);
	bft = os_packet_get_next_buflet(ph, NULL);
	ck_assert_ptr_nonnull(bft);
	ck_assert_uint_eq(os_buflet_get_data_limit(bft), 2048);
	ck_assert_uint_eq((uintptr_t)os_buflet_get_object_address(bft) +
			      os_buflet_get_data_offset(bft),
			  p.sp_buf_ptr);
	ck_assert_uint_eq(p.sp_mdata_ptr, SK_PTR_ADDR(ph));
	memcpy((void *)(uintptr_t)p.sp_buf_ptr, MSG54, 54);
	p.sp_len = 54;
	os_channel_set_slot_properties(tx, s, &p);
	ck_assert_uint_eq(os_packet_get_data_length(ph), 54);
	ck_assert_int_eq(os_channel_advance_slot(tx, s), 0);
	ck_assert_int_eq(os_channel_sync(a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(os_channel_sync(b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_ge(os_channel_available_slot_count(rx), 1);
	s = os_channel_get_next_slot(rx, NULL, &p);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(p.sp_len, 54);
	ck_assert_mem_eq((void *)(uintptr_t)p.sp_buf_ptr, MSG54, 54);
	ph = os_channel_slot_get_packet(rx, s);
	ck_assert_uint_eq(os_packet_get_data_length(ph), 54);
	ck_assert_uint_eq(os_packet_get_buflet_count(ph), 1);
	ck_assert_int_eq(os_channel_advance_slot(rx, s), 0);
	ck_assert_int_eq(os_channel_sync(b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_ne(os_channel_ring_sync_time(rx), 0);
	os_channel_destroy(a);
	os_channel_destroy(b);
}
END_TEST

static uint64_t
attr_get(channel_attr_t a, channel_attr_type_t t)
{
	uint64_t v = 0xdeadbeef;

	ck_assert_int_eq(os_channel_attr_get(a, t, &v), 0);
	return v;
}

/* Scenario 7: create overwrites the caller's attr with the truth. */
START_TEST(test_k_attrs_reflect_nexus)
{
	channel_attr_t a = os_channel_attr_create();
	channel_t ch;
	nexus_type_t nt;
	uint64_t ext;
	static const uint8_t key[4] = {1, 2, 3, 4};

	kh_upipe(ctl, 2, 64, 1, 0, nx);
	ck_assert_int_eq(os_channel_attr_set_key(a, key, 4), 0);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_FILTER, 0), 0);
	ch = k_open_port(0, CHANNEL_RING_ID_ANY, a);
	ck_assert_ptr_nonnull(ch);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_TX_RINGS), 2);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_RX_RINGS), 2);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_TX_SLOTS), 64);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_RX_SLOTS), 64);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_SLOT_BUF_SIZE), 2048);
	ck_assert_uint_ne(attr_get(a, CHANNEL_ATTR_SLOT_META_SIZE), 0);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_NEXUS_TYPE),
			  NEXUS_TYPE_USER_PIPE);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_NEXUS_META_TYPE),
			  CHANNEL_NEXUS_META_TYPE_QUANTUM);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_NEXUS_META_SUBTYPE),
			  CHANNEL_NEXUS_META_SUBTYPE_PAYLOAD);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_USER_PACKET_POOL), 0);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_NEXUS_DEFUNCT_OK), 1);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_NO_AUTO_SYNC), 1);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_MONITOR), 0);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_TX_LOWAT_UNIT),
			  CHANNEL_THRESHOLD_UNIT_SLOTS);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_TX_LOWAT_VALUE), 1);
	/* the key survives the overwrite */
	{
		uint8_t out[8];
		uint32_t len = sizeof(out);

		ck_assert_int_eq(os_channel_attr_get_key(a, out, &len), 0);
		ck_assert_uint_eq(len, 4);
		ck_assert_mem_eq(out, key, 4);
	}
	ck_assert_int_eq(os_channel_read_nexus_extension_info(ch, &nt, &ext),
			 0);
	ck_assert_int_eq(nt, NEXUS_TYPE_USER_PIPE);
	ck_assert_int_eq(os_channel_read_attr(ch, a), 0);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_TX_SLOTS), 64);
	ck_assert_int_eq(os_channel_is_defunct(ch), 0);
	ck_assert_int_ge(os_channel_get_fd(ch), KFD_BASE);
	os_channel_destroy(ch);
	os_channel_attr_destroy(a);
}
END_TEST

/* Thresholds written through write_attr come back from the kernel. */
START_TEST(test_k_write_attr_lowat)
{
	channel_attr_t a = os_channel_attr_create();
	channel_t ch;

	kh_upipe(ctl, 1, 64, 1, 0, nx);
	ch = k_open_port(0, CHANNEL_RING_ID_ANY, a);
	ck_assert_ptr_nonnull(ch);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_RX_LOWAT_VALUE, 7),
			 0);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_TX_LOWAT_UNIT,
					     CHANNEL_THRESHOLD_UNIT_BYTES),
			 0);
	ck_assert_int_eq(
	    os_channel_attr_set(a, CHANNEL_ATTR_TX_LOWAT_VALUE, 100), 0);
	ck_assert_int_eq(os_channel_write_attr(ch, a), 0);
	ck_assert_int_eq(os_channel_read_attr(ch, a), 0);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_RX_LOWAT_VALUE), 7);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_TX_LOWAT_UNIT),
			  CHANNEL_THRESHOLD_UNIT_BYTES);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_TX_LOWAT_VALUE), 100);
	os_channel_destroy(ch);
	os_channel_attr_destroy(a);
}
END_TEST

/* Scenario 8: ring-id bounds with ring ANY and per-ring channels. */
START_TEST(test_k_ringid)
{
	channel_t ch;
	ring_id_t r;

	kh_upipe(ctl, 4, 128, 1, 0, nx);
	ch = k_open_port(0, CHANNEL_RING_ID_ANY, NULL);
	ck_assert_uint_eq(os_channel_ring_id(ch, CHANNEL_FIRST_TX_RING), 0);
	ck_assert_uint_eq(os_channel_ring_id(ch, CHANNEL_LAST_TX_RING), 3);
	ck_assert_uint_eq(os_channel_ring_id(ch, CHANNEL_FIRST_RX_RING), 0);
	ck_assert_uint_eq(os_channel_ring_id(ch, CHANNEL_LAST_RX_RING), 3);
	ck_assert_uint_eq(os_channel_ring_id(ch, (ring_id_type_t)9),
			  CHANNEL_RING_ID_ANY);
	for (r = 0; r < 4; r++) {
		ck_assert_ptr_eq(os_channel_tx_ring(ch, r), &ch->chd_rings[r]);
		ck_assert_ptr_eq(os_channel_rx_ring(ch, r),
				 &ch->chd_rings[4 + r]);
		ck_assert_uint_eq(
		    os_channel_tx_ring(ch, r)->chrd_ring->ring_kind,
		    CR_KIND_TX);
		ck_assert_uint_eq(
		    os_channel_rx_ring(ch, r)->chrd_ring->ring_kind,
		    CR_KIND_RX);
	}
	ck_assert_ptr_null(os_channel_tx_ring(ch, 4));
	ck_assert_ptr_null(os_channel_rx_ring(ch, 4));
	/* same port, ring ANY again: the kernel says EBUSY */
	ck_assert_ptr_null(k_open_port(0, CHANNEL_RING_ID_ANY, NULL));
	ck_assert_int_eq(errno, EBUSY);
	os_channel_destroy(ch);
	for (r = 0; r < 4; r++) {
		ch = k_open_port(0, r, NULL);
		ck_assert_ptr_nonnull(ch);
		ck_assert_uint_eq(os_channel_ring_id(ch, CHANNEL_FIRST_TX_RING),
				  r);
		ck_assert_uint_eq(os_channel_ring_id(ch, CHANNEL_LAST_TX_RING),
				  r);
		ck_assert_ptr_nonnull(os_channel_tx_ring(ch, r));
		ck_assert_ptr_nonnull(os_channel_rx_ring(ch, r));
		ck_assert_ptr_null(os_channel_tx_ring(ch, (r + 1) % 4));
		ck_assert_ptr_null(os_channel_rx_ring(ch, (r + 1) % 4));
		os_channel_destroy(ch);
	}
	ck_assert_ptr_null(k_open_port(0, 4, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(k_open_port(2, CHANNEL_RING_ID_ANY, NULL));
	ck_assert_int_eq(errno, EDOM);
}
END_TEST

/* TX n slots carrying consecutive 32-bit counters from *seq. */
static void
stream_send(channel_ring_t tx, uint32_t n, uint32_t *seq)
{
	channel_slot_t s = NULL, last = NULL;
	slot_prop_t p;

	while (n-- > 0) {
		s = os_channel_get_next_slot(tx, last, &p);
		ck_assert_ptr_nonnull(s);
		memcpy((void *)(uintptr_t)p.sp_buf_ptr, seq, 4);
		p.sp_len = (uint16_t)(4 + *seq % 1500);
		(*seq)++;
		os_channel_set_slot_properties(tx, s, &p);
		last = s;
	}
	if (last != NULL)
		ck_assert_int_eq(os_channel_advance_slot(tx, last), 0);
}

/* Take everything available; counters must continue from *seq. */
static uint32_t
stream_recv(channel_ring_t rx, uint32_t *seq)
{
	channel_slot_t s, last = NULL;
	slot_prop_t p;
	uint32_t v, n = 0;

	while ((s = os_channel_get_next_slot(rx, last, &p)) != NULL) {
		memcpy(&v, (void *)(uintptr_t)p.sp_buf_ptr, 4);
		ck_assert_uint_eq(v, *seq);
		ck_assert_uint_eq(p.sp_len, 4 + v % 1500);
		ck_assert_uint_eq(os_packet_get_data_length(
				      os_channel_slot_get_packet(rx, s)),
				  p.sp_len);
		(*seq)++;
		last = s;
		n++;
	}
	if (last != NULL)
		ck_assert_int_eq(os_channel_advance_slot(rx, last), 0);
	return n;
}

/*
 * Scenario 4's integrity over many wraps of a small ring: random batch
 * sizes, no loss, no duplication, counts always consistent.
 */
START_TEST(test_k_stream_wraps)
{
	channel_t a, b;
	channel_ring_t tx, rx;
	uint32_t sent = 0, got = 0, avail, n;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	a = k_open_port(0, CHANNEL_RING_ID_ANY, NULL);
	b = k_open_port(1, CHANNEL_RING_ID_ANY, NULL);
	tx = os_channel_tx_ring(a, 0);
	rx = os_channel_rx_ring(b, 0);
	srandom(7);
	while (got < 20000) {
		avail = os_channel_available_slot_count(tx);
		ck_assert_uint_le(avail, 15);
		n = avail != 0 ? 1 + (uint32_t)random() % avail : 0;
		stream_send(tx, n, &sent);
		ck_assert_uint_eq(os_channel_available_slot_count(tx),
				  avail - n);
		ck_assert_int_eq(os_channel_sync(a, CHANNEL_SYNC_TX), 0);
		ck_assert_int_eq(os_channel_sync(b, CHANNEL_SYNC_RX), 0);
		avail = os_channel_available_slot_count(rx);
		ck_assert_uint_eq(stream_recv(rx, &got), avail);
		ck_assert_uint_eq(os_channel_available_slot_count(rx), 0);
	}
	ck_assert_uint_le(got, sent);
	os_channel_destroy(a);
	os_channel_destroy(b);
}
END_TEST

/* A sync's -1/errno comes back as is: the peer left a rejecting pipe. */
START_TEST(test_k_sync_error_passthrough)
{
	channel_t a, b;

	kh_upipe(ctl, 1, 16, 1, 1, nx);
	a = k_open_port(0, CHANNEL_RING_ID_ANY, NULL);
	b = k_open_port(1, CHANNEL_RING_ID_ANY, NULL);
	ck_assert_int_eq(os_channel_sync(a, CHANNEL_SYNC_TX), 0);
	os_channel_destroy(b);
	errno = 0;
	ck_assert_int_eq(os_channel_sync(a, CHANNEL_SYNC_TX), -1);
	ck_assert_int_eq(errno, ENXIO);
	os_channel_destroy(a);
}
END_TEST

/* Errors found before any system call, and the kernel's refusals. */
START_TEST(test_k_create_errors)
{
	channel_attr_t a = os_channel_attr_create();
	unsigned c0 = closes;

	kh_upipe(ctl, 1, 64, 1, 0, nx);
	errno = 0;
	ck_assert_ptr_null(os_channel_create_extended(
	    nx, 0, (ring_dir_t)3, CHANNEL_RING_ID_ANY, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(os_channel_attr_set(a, CHANNEL_ATTR_EVENT_RING, 1), 0);
	ck_assert_ptr_null(k_open_port(0, CHANNEL_RING_ID_ANY, a));
	ck_assert_int_eq(errno, EINVAL);
	/* a pipe has no packet pool: the kernel refuses the mode */
	ck_assert_int_eq(
	    os_channel_attr_set(a, CHANNEL_ATTR_USER_PACKET_POOL, 1), 0);
	ck_assert_ptr_null(k_open_port(0, CHANNEL_RING_ID_ANY, a));
	ck_assert_int_eq(errno, ENOTSUP);
	ck_assert_uint_eq(closes, c0);
	os_channel_attr_destroy(a);
	/* os_channel_create is TX_RX, ring ANY, no attributes */
	{
		channel_t ch = os_channel_create(nx, 1);

		ck_assert_ptr_nonnull(ch);
		ck_assert_uint_eq(CHD_INFO(ch)->cinfo_ch_ring_id,
				  CHANNEL_RING_ID_ANY);
		os_channel_destroy(ch);
	}
}
END_TEST

/* Misuse that needs no trap: EINVAL, NULL, ENOTSUP. */
START_TEST(test_k_misuse_errors)
{
	channel_t ch;
	channel_ring_t tx;
	channel_slot_t s;
	packet_t ph = 0;
	buflet_t b = NULL;
	os_channel_event_handle_t eh;
	os_channel_event_type_t et;
	uint32_t ne;

	kh_upipe(ctl, 1, 64, 1, 0, nx);
	ch = k_open_port(0, CHANNEL_RING_ID_ANY, NULL);
	tx = os_channel_tx_ring(ch, 0);
	ck_assert_int_eq(os_channel_sync(ch, CHANNEL_SYNC_UPP), EINVAL);
	ck_assert_int_eq(os_channel_sync(ch, (sync_mode_t)7), EINVAL);
	ck_assert_int_eq(os_channel_advance_slot(tx, NULL), EINVAL);
	ck_assert_int_eq(os_channel_advance_slot(tx, &tx->chrd_slot_desc[63]),
			 EINVAL);
	ck_assert_uint_eq(os_channel_slot_get_packet(tx, NULL), 0);
	s = os_channel_get_next_slot(tx, NULL, NULL);
	ck_assert_ptr_eq(s, &tx->chrd_slot_desc[0]);
	ck_assert_int_eq(os_channel_packet_alloc(ch, &ph), ENOTSUP);
	ck_assert_int_eq(os_channel_large_packet_alloc(ch, &ph), ENOTSUP);
	ck_assert_int_eq(os_channel_packet_free(ch, ph), ENOTSUP);
	ck_assert_int_eq(os_channel_slot_attach_packet(tx, s, ph), ENOTSUP);
	ck_assert_int_eq(os_channel_slot_detach_packet(tx, s, ph), ENOTSUP);
	ck_assert_int_eq(os_channel_packet_pool_purge(ch), ENOTSUP);
	ck_assert_int_eq(os_channel_buflet_alloc(ch, &b), ENOTSUP);
	ck_assert_int_eq(os_channel_buflet_free(ch, b), ENOTSUP);
	ck_assert_int_eq(os_channel_get_next_event_handle(ch, &eh, &et, &ne),
			 ENOTSUP);
	ck_assert_int_eq(os_channel_get_next_event_handle(ch, NULL, &et, &ne),
			 EINVAL);
	ck_assert_int_eq(os_channel_event_free(ch, 0), ENOTSUP);
	ck_assert_int_eq(os_channel_flow_admissible(tx, nx, 0), ENXIO);
	ck_assert_ptr_null(
	    os_channel_get_stats_region(ch, CHANNEL_STATS_ID_IP));
	ck_assert_ptr_null(os_channel_get_advisory_region(ch));
	{
		struct ifnet_interface_advisory adv;

		ck_assert_int_eq(os_channel_get_interface_advisory(ch, &adv),
				 ENOENT);
	}
	os_channel_destroy(ch);
}
END_TEST

/* Walking with a slot from another ring is out of bounds: trap. */
START_TEST(test_k_trap_gns_out_of_window)
{
	channel_t ch;
	channel_ring_t tx, rx;

	kh_upipe(ctl, 1, 64, 1, 0, nx);
	ch = k_open_port(0, CHANNEL_RING_ID_ANY, NULL);
	tx = os_channel_tx_ring(ch, 0);
	rx = os_channel_rx_ring(ch, 0);
	(void)os_channel_get_next_slot(tx, &rx->chrd_slot_desc[0], NULL);
}
END_TEST

START_TEST(test_k_trap_redzone)
{
	channel_t ch;
	channel_ring_t tx;
	struct __user_quantum *q;

	kh_upipe(ctl, 1, 64, 1, 0, nx);
	ch = k_open_port(0, CHANNEL_RING_ID_ANY, NULL);
	tx = os_channel_tx_ring(ch, 0);
	q = (void *)(uintptr_t)(tx->chrd_md_base_addr +
				(uint64_t)SLOT_DESC_USD(&tx->chrd_slot_desc[0])
					->sd_md_idx *
				    tx->chrd_ring->ring_md_size +
				METADATA_PREAMBLE_SZ);
	METADATA_PREAMBLE(q)->mdp_redzone ^= 1;
	(void)os_channel_get_next_slot(tx, NULL, NULL);
}
END_TEST

START_TEST(test_k_trap_ssp_out_of_window)
{
	channel_t ch;
	channel_ring_t rx;
	slot_prop_t p;

	kh_upipe(ctl, 1, 64, 1, 0, nx);
	ch = k_open_port(0, CHANNEL_RING_ID_ANY, NULL);
	rx = os_channel_rx_ring(ch, 0);
	memset(&p, 0, sizeof(p));
	/* an empty RX ring has no slot in the user's window */
	os_channel_set_slot_properties(rx, &rx->chrd_slot_desc[0], &p);
}
END_TEST

START_TEST(test_k_trap_sgp_out_of_window)
{
	channel_t ch;
	channel_ring_t rx;

	kh_upipe(ctl, 1, 64, 1, 0, nx);
	ch = k_open_port(0, CHANNEL_RING_ID_ANY, NULL);
	rx = os_channel_rx_ring(ch, 0);
	(void)os_channel_slot_get_packet(rx, &rx->chrd_slot_desc[3]);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Part 2: a synthetic arena                                           */
/* ------------------------------------------------------------------ */

#define SYN_COOKIE 0x0123456789abcdefULL
#define SYN_MD_SIZE 192 /* 16 + 160 rounded to 64 */
#define SYN_BFT_SIZE 48
#define SYN_BUF 2048
#define SYN_NBFT 64

struct syn_cfg {
	nexus_meta_type_t type;
	nexus_meta_subtype_t subtype;
	uint32_t nslots;
	uint32_t alloc_pairs; /* 0, 1, 2 */
	uint32_t event_rings; /* 0, 1 */
	uint32_t large_rings; /* 0, 1 */
	uint32_t mode;	      /* granted CHMODE_* */
	uint32_t flowadv_max;
	nexus_advisory_type_t adv; /* 0 = none */
	int stats;
};

/* Region offsets inside the span. */
struct syn_layout {
	size_t rings, sd, umd, ubft, bufs, lbufs, flowadv, adv, stats, end;
	uint32_t nrings, nmd;
};

static struct syn syn0;
static struct syn_layout syl;
static struct syn_cfg syc;

static size_t
al(size_t x)
{
	return (x + 4095) & ~(size_t)4095;
}

static void
syn_plan(const struct syn_cfg *c)
{
	syl.nrings = 2 + 2 * c->alloc_pairs + c->event_rings + c->large_rings;
	syl.nmd = syl.nrings * c->nslots;
	syl.rings = al(CHANNEL_SCHEMA_SIZE(syl.nrings));
	syl.sd = syl.rings + al(syl.nrings * 128);
	syl.umd = syl.sd + al(syl.nrings * c->nslots * SLOT_DESC_SZ);
	syl.ubft = syl.umd + al((size_t)syl.nmd * SYN_MD_SIZE);
	syl.bufs = syl.ubft + al(SYN_NBFT * SYN_BFT_SIZE);
	syl.lbufs = syl.bufs + al((size_t)(syl.nmd + SYN_NBFT) * SYN_BUF);
	syl.flowadv = syl.lbufs + al((size_t)syl.nmd * 2 * SYN_BUF);
	syl.adv = syl.flowadv + al(64 * sizeof(struct __flowadv_entry));
	syl.stats = syl.adv + 4096;
	syl.end = syl.stats + al(sizeof(struct __nx_stats_fsw));
}

static struct __user_channel_schema *
syn_csm(void)
{
	return (void *)syn0.span;
}

static struct __user_channel_ring *
syn_ring(uint32_t i)
{
	return (void *)(syn0.span + syl.rings + i * 128);
}

static struct __user_slot_desc *
syn_sd(uint32_t ring, uint32_t slot)
{
	return &((
	    struct __slot_desc *)(void *)(syn0.span +
					  syl.sd))[ring * syc.nslots + slot]
		    ._sd_user;
}

static struct __user_quantum *
syn_md(obj_idx_t i)
{
	return (void *)(syn0.span + syl.umd + (size_t)i * SYN_MD_SIZE +
			METADATA_PREAMBLE_SZ);
}

static struct __user_buflet *
syn_bft(obj_idx_t i)
{
	return (void *)(syn0.span + syl.ubft + (size_t)i * SYN_BFT_SIZE);
}

static uint8_t *
syn_buf(obj_idx_t i)
{
	return syn0.span + syl.bufs + (size_t)i * SYN_BUF;
}

/* Store into a field that is const (and maybe volatile) for programs. */
#define KSET(lval, v)                                                          \
	do {                                                                   \
		__typeof__(lval) _kv = (v);                                    \
		memcpy((void *)(uintptr_t) & (lval),                           \
		       (const void *)(uintptr_t)&_kv, sizeof(_kv));            \
	} while (0)

/* Kernel-side view of a buflet: every field writable. */
static void
syn_bft_init(struct __user_buflet *b, obj_idx_t self, obj_idx_t buf)
{
	struct __buflet *k = &b->buf_com;

	memset(k, 0, sizeof(*k));
	*(obj_idx_t *)(uintptr_t)&k->__bft_idx = self;
	*(obj_idx_t *)(uintptr_t)&k->__bidx = buf;
	*(obj_idx_t *)(uintptr_t)&k->__nbft_idx = OBJ_IDX_NONE;
	*(uint32_t *)(uintptr_t)&k->__dlim = SYN_BUF;
}

/* Object i: redzone, index, type, one inline buflet on buffer i. */
static void
syn_md_init(obj_idx_t i)
{
	struct __user_quantum *q = syn_md(i);
	struct __metadata_preamble *mdp = METADATA_PREAMBLE(q);
	struct __user_packet *p = (struct __user_packet *)q;

	memset(mdp, 0, SYN_MD_SIZE);
	mdp->mdp_redzone = ((uint64_t)(uintptr_t)q -
			    (uint64_t)(uintptr_t)(syn0.span + syl.umd)) ^
			   SYN_COOKIE;
	*(obj_idx_t *)(uintptr_t)&mdp->mdp_idx = i;
	mdp->mdp_type = (uint16_t)syc.type;
	mdp->mdp_subtype = (uint16_t)syc.subtype;
	syn_bft_init(&q->qum_buf[0], OBJ_IDX_NONE, i);
	q->qum_len = 10 + i;
	q->qum_qflags = QUM_F_FINALIZED;
	if (syc.type == NEXUS_META_TYPE_PACKET) {
		*(uint16_t *)(uintptr_t)&p->pkt_bufs_max = 4;
		*(uint16_t *)(uintptr_t)&p->pkt_bufs_cnt = 1;
	}
}

static void
syn_ring_init(uint32_t i, uint16_t kind)
{
	struct __user_channel_ring *r = syn_ring(i);
	uintptr_t ra = (uintptr_t)r;
	uintptr_t base = (uintptr_t)syn0.span;
	struct __csm_ring_ofs *o = &syn_csm()->csm_ring_ofs[i];

	*(mach_vm_offset_t *)(uintptr_t)&o->ring_off = syl.rings + i * 128;
	*(mach_vm_offset_t *)(uintptr_t)&o->sd_off =
	    syl.sd + (size_t)i * syc.nslots * SLOT_DESC_SZ;
	memset(r, 0, sizeof(*r));
#define RSET(f, v) KSET(r->f, v)
	RSET(ring_num_slots, syc.nslots);
	RSET(ring_def_buf_size, SYN_BUF);
	RSET(ring_large_buf_size, 2 * SYN_BUF);
	RSET(ring_md_size, SYN_MD_SIZE);
	RSET(ring_bft_size, SYN_BFT_SIZE);
	RSET(ring_id, (uint16_t)i);
	RSET(ring_kind, kind);
	RSET(ring_def_buf_base, base + syl.bufs - ra);
	RSET(ring_large_buf_base, base + syl.lbufs - ra);
	RSET(ring_md_base, base + syl.umd - ra);
	RSET(ring_sd_base, base + syl.sd - ra);
	RSET(ring_bft_base, base + syl.ubft - ra);
	RSET(ring_alloc_ws, 2);
#undef RSET
}

/* Slot s of ring i holds object (i * nslots + s), as a kernel would. */
static void
syn_ring_fill(uint32_t i, int attach)
{
	uint32_t s;

	for (s = 0; s < syc.nslots; s++) {
		obj_idx_t m = i * syc.nslots + s;

		syn_md_init(m);
		syn_sd(i, s)->sd_md_idx = attach ? m : OBJ_IDX_NONE;
		syn_sd(i, s)->sd_flags = attach ? SD_IDX_VALID : 0;
	}
}

static void
syn_set_tail(uint32_t ring, slot_idx_t tail)
{
	*(slot_idx_t *)(uintptr_t)&syn_ring(ring)->ring_tail = tail;
}

static void
syn_set_khead(uint32_t ring, slot_idx_t khead)
{
	*(slot_idx_t *)(uintptr_t)&syn_ring(ring)->ring_khead = khead;
}

static uint16_t
syn_kind(uint32_t i)
{
	uint32_t a = 2 + syc.alloc_pairs; /* first free ring */

	if (i < 2)
		return i == 0 ? CR_KIND_TX : CR_KIND_RX;
	if (i < a)
		return CR_KIND_ALLOC;
	if (i < a + syc.alloc_pairs)
		return CR_KIND_FREE;
	if (i < a + syc.alloc_pairs + syc.event_rings)
		return CR_KIND_EVENT;
	return CR_KIND_LARGE_BUF_ALLOC;
}

static void
syn_schema_init(void)
{
	struct __user_channel_schema *csm = syn_csm();

#define CSET(f, v) KSET(csm->f, v)
	CSET(csm_ver, CSM_CURRENT_VERSION);
	CSET(csm_flags, CSM_ACTIVE);
	CSET(csm_tx_rings, 1);
	CSET(csm_rx_rings, 1);
	CSET(csm_allocator_ring_pairs, syc.alloc_pairs);
	CSET(csm_num_event_rings, syc.event_rings);
	CSET(csm_large_buf_alloc_rings, syc.large_rings);
	CSET(csm_flowadv_max, syc.flowadv_max);
	CSET(csm_flowadv_ofs, syc.flowadv_max ? syl.flowadv : 0);
	CSET(csm_md_redzone_cookie, SYN_COOKIE);
	CSET(csm_md_type, syc.type);
	CSET(csm_md_subtype, syc.subtype);
	CSET(csm_stats_ofs, syc.stats ? syl.stats : 0);
	CSET(csm_stats_type,
	     syc.stats ? NEXUS_STATS_TYPE_FSW : NEXUS_STATS_TYPE_INVALID);
	CSET(csm_nexusadv_ofs, syc.adv ? syl.adv : 0);
#undef CSET
}

static void
syn_info_init(void)
{
	struct ch_info *ci = &syn0.info;
	struct nxprov_params *p = &ci->cinfo_nxprov_params;

	memset(ci, 0, sizeof(*ci));
	ci->cinfo_ch_mode = syc.mode | CHMODE_DEFUNCT_OK;
	ci->cinfo_ch_ring_id = CHANNEL_RING_ID_ANY;
	ci->cinfo_mem_base = (mach_vm_address_t)(uintptr_t)syn0.span;
	ci->cinfo_mem_map_size = syn0.span_size;
	ci->cinfo_num_bufs = syl.nmd;
	ci->cinfo_tx_lowat.cet_value = 1;
	ci->cinfo_rx_lowat.cet_value = 1;
	p->nxp_type = NEXUS_TYPE_NET_IF;
	p->nxp_tx_rings = p->nxp_rx_rings = 1;
	p->nxp_tx_slots = p->nxp_rx_slots = syc.nslots;
	p->nxp_buf_size = SYN_BUF;
	p->nxp_meta_size = SYN_MD_SIZE;
	p->nxp_max_frags = 4;
	p->nxp_flowadv_max = syc.flowadv_max;
	p->nxp_capabilities = NXPCAP_CHECKSUM_PARTIAL;
	p->nxp_large_buf_size = 2 * SYN_BUF;
}

/* Build the arena of syc; TX full of prefilled slots, RX empty. */
static void
syn_build(void)
{
	uint32_t i;

	memset(&syn0, 0, sizeof(syn0));
	syn_plan(&syc);
	syn0.span_size = syl.end;
	syn0.span = mmap(NULL, syl.end, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(syn0.span, MAP_FAILED);
	syn_schema_init();
	for (i = 0; i < syl.nrings; i++) {
		syn_ring_init(i, syn_kind(i));
		/* free rings, and TX in UPP mode, wait for the program */
		syn_ring_fill(
		    i, syn_kind(i) != CR_KIND_FREE &&
			   (i != 0 || !(syc.mode & CHMODE_USER_PACKET_POOL)));
	}
	syn_set_tail(0, syc.nslots - 1);
	for (i = 0; i < SYN_NBFT; i++)
		syn_bft_init(syn_bft(i), i, syl.nmd + i);
	syn_info_init();
}

static channel_t
syn_open(channel_attr_t attr)
{
	syn_next = &syn0;
	return os_channel_create_extended(nx, 2, CHANNEL_DIR_TX_RX,
					  CHANNEL_RING_ID_ANY, attr);
}

static void
syn_default(nexus_meta_type_t t, nexus_meta_subtype_t st)
{
	memset(&syc, 0, sizeof(syc));
	syc.type = t;
	syc.subtype = st;
	syc.nslots = 8;
}

/* Make the channel defunct the way the daemon does: zero everything. */
static void
syn_defunct(void)
{
	memset(syn0.span, 0, syn0.span_size);
}

static channel_t
syn_packet_channel(void)
{
	channel_t ch;

	syn_default(NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	syn_build();
	ch = syn_open(NULL);
	ck_assert_ptr_nonnull(ch);
	return ch;
}

/* RX slots [0, n) hold received packets. */
static void
syn_rx_arrive(uint32_t n)
{
	syn_set_tail(1, n);
}

START_TEST(test_s_packet_slots)
{
	channel_t ch = syn_packet_channel();
	channel_ring_t tx = os_channel_tx_ring(ch, 0);
	channel_ring_t rx = os_channel_rx_ring(ch, 0);
	channel_slot_t s, last = NULL;
	slot_prop_t p;
	packet_t ph;
	uint32_t n = 0;

	ck_assert_uint_eq(os_channel_available_slot_count(tx), 7);
	ck_assert_uint_eq(os_channel_available_slot_count(rx), 0);
	while ((s = os_channel_get_next_slot(tx, last, &p)) != NULL) {
		ck_assert_uint_eq(p.sp_idx, n);
		ck_assert_uint_eq(p.sp_len, SYN_BUF);
		ck_assert_uint_eq(p.sp_buf_ptr, (uintptr_t)syn_buf(n));
		ck_assert_uint_eq(p.sp_mdata_ptr, (uintptr_t)syn_md(n));
		ph = os_channel_slot_get_packet(tx, s);
		ck_assert_uint_eq(SK_PTR_TAG(ph), 0xA);
		ck_assert_uint_eq(SK_PTR_ADDR(ph), (uintptr_t)syn_md(n));
		last = s;
		n++;
	}
	ck_assert_uint_eq(n, 7); /* to ring_tail, one kept empty */
	syn_rx_arrive(3);
	ck_assert_uint_eq(os_channel_available_slot_count(rx), 3);
	s = os_channel_get_next_slot(rx, NULL, &p);
	ck_assert_uint_eq(p.sp_len, 10 + syc.nslots); /* RX: qum_len */
	p.sp_len = 77;
	os_channel_set_slot_properties(rx, s, &p);
	ck_assert_uint_eq(syn_md(syc.nslots)->qum_len, 77);
	ck_assert_uint_eq(syn_md(syc.nslots)->qum_buf[0].buf_dlen, 77);
	s = os_channel_get_next_slot(rx, s, NULL);
	s = os_channel_get_next_slot(rx, s, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(os_channel_get_next_slot(rx, s, NULL));
	ck_assert_int_eq(os_channel_advance_slot(rx, s), 0);
	ck_assert_uint_eq(syn_ring(1)->ring_head, 3);
	ck_assert_uint_eq(os_channel_available_slot_count(rx), 0);
	/* wrap: tail behind head */
	syn_set_tail(1, 1);
	ck_assert_uint_eq(os_channel_available_slot_count(rx), 6);
	ck_assert_ptr_eq(
	    os_channel_get_next_slot(rx, &rx->chrd_slot_desc[7], NULL),
	    &rx->chrd_slot_desc[0]);
	ck_assert_int_eq(os_channel_advance_slot(rx, &rx->chrd_slot_desc[7]),
			 0);
	ck_assert_uint_eq(syn_ring(1)->ring_head, 0);
	os_channel_destroy(ch);
}
END_TEST

/* TX free count follows khead, with one slot always kept empty. */
START_TEST(test_s_tx_available_wraps)
{
	channel_t ch = syn_packet_channel();
	channel_ring_t tx = os_channel_tx_ring(ch, 0);

	ck_assert_int_eq(os_channel_advance_slot(tx, &tx->chrd_slot_desc[4]),
			 0);
	ck_assert_uint_eq(os_channel_available_slot_count(tx), 2);
	ck_assert_int_eq(os_channel_pending(tx), 1);
	syn_set_khead(0, 5);
	syn_set_tail(0, 4);
	ck_assert_uint_eq(os_channel_available_slot_count(tx), 7);
	ck_assert_int_eq(os_channel_pending(tx), 0);
	os_channel_destroy(ch);
}
END_TEST

/* A multi-buflet packet: addresses resolved along the chain. */
START_TEST(test_s_buflet_chain)
{
	channel_t ch = syn_packet_channel();
	channel_ring_t rx = os_channel_rx_ring(ch, 0);
	struct __user_packet *p = (void *)syn_md(syc.nslots);
	packet_t ph;
	buflet_t b;
	slot_prop_t sp;

	/* inline buflet -> external 5 -> external 9 */
	*(obj_idx_t *)(uintptr_t)&p->pkt_qum_buf.buf_nbft_idx = 5;
	*(obj_idx_t *)(uintptr_t)&syn_bft(5)->buf_nbft_idx = 9;
	*(uint16_t *)(uintptr_t)&p->pkt_bufs_cnt = 3;
	syn_rx_arrive(1);
	ck_assert_ptr_nonnull(os_channel_get_next_slot(rx, NULL, &sp));
	ph = os_channel_slot_get_packet(rx, &rx->chrd_slot_desc[0]);
	ck_assert_uint_eq(os_packet_get_buflet_count(ph), 3);
	b = os_packet_get_next_buflet(ph, NULL);
	ck_assert_ptr_eq(b, &p->pkt_qum_buf);
	b = os_packet_get_next_buflet(ph, b);
	ck_assert_ptr_eq(b, syn_bft(5));
	ck_assert_ptr_eq(os_buflet_get_object_address(b), syn_buf(syl.nmd + 5));
	b = os_packet_get_next_buflet(ph, b);
	ck_assert_ptr_eq(b, syn_bft(9));
	ck_assert_ptr_null(os_packet_get_next_buflet(ph, b));
	os_channel_destroy(ch);
}
END_TEST

START_TEST(test_s_trap_chain_too_long)
{
	channel_t ch = syn_packet_channel();
	channel_ring_t rx = os_channel_rx_ring(ch, 0);
	struct __user_packet *p = (void *)syn_md(syc.nslots);

	/* claims 1 buflet but links another */
	*(obj_idx_t *)(uintptr_t)&p->pkt_qum_buf.buf_nbft_idx = 5;
	syn_rx_arrive(1);
	(void)os_channel_get_next_slot(rx, NULL, NULL);
}
END_TEST

START_TEST(test_s_trap_bufs_max)
{
	channel_t ch = syn_packet_channel();
	channel_ring_t rx = os_channel_rx_ring(ch, 0);
	struct __user_packet *p = (void *)syn_md(syc.nslots);

	*(uint16_t *)(uintptr_t)&p->pkt_bufs_max = 5; /* > nxp_max_frags */
	syn_rx_arrive(1);
	(void)os_channel_get_next_slot(rx, NULL, NULL);
}
END_TEST

START_TEST(test_s_trap_no_metadata)
{
	channel_t ch = syn_packet_channel();
	channel_ring_t rx = os_channel_rx_ring(ch, 0);

	syn_sd(1, 0)->sd_flags = 0;
	syn_rx_arrive(1);
	(void)os_channel_get_next_slot(rx, NULL, NULL);
}
END_TEST

START_TEST(test_s_trap_bad_handle_index)
{
	channel_t ch = syn_packet_channel();
	channel_ring_t rx = os_channel_rx_ring(ch, 0);

	/* redzone intact, but the object claims another index */
	*(obj_idx_t *)(uintptr_t)&METADATA_PREAMBLE(syn_md(syc.nslots))
	     ->mdp_idx = 3;
	syn_rx_arrive(1);
	(void)os_channel_slot_get_packet(rx, &rx->chrd_slot_desc[0]);
}
END_TEST

START_TEST(test_s_trap_schema_version)
{
	syn_default(NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD);
	syn_build();
	*(uint32_t *)(uintptr_t)&syn_csm()->csm_ver = 17;
	(void)syn_open(NULL);
}
END_TEST

START_TEST(test_s_trap_md_type)
{
	syn_default((nexus_meta_type_t)3, NEXUS_META_SUBTYPE_PAYLOAD);
	syn_build();
	(void)syn_open(NULL);
}
END_TEST

/* Defunct: every walk and count is empty, nothing traps. */
START_TEST(test_s_defunct)
{
	channel_t ch = syn_packet_channel();
	channel_ring_t tx = os_channel_tx_ring(ch, 0);
	channel_ring_t rx = os_channel_rx_ring(ch, 0);
	struct ifnet_interface_advisory adv;
	slot_prop_t p;
	packet_t ph = 0;

	syn_rx_arrive(2);
	ck_assert_ptr_nonnull(os_channel_get_next_slot(rx, NULL, NULL));
	syn_defunct();
	ck_assert_int_ne(os_channel_is_defunct(ch), 0);
	ck_assert_ptr_null(os_channel_get_next_slot(tx, NULL, &p));
	ck_assert_ptr_null(os_channel_get_next_slot(rx, NULL, &p));
	ck_assert_ptr_null(
	    os_channel_get_next_slot(rx, &rx->chrd_slot_desc[5], &p));
	ck_assert_uint_eq(os_channel_available_slot_count(tx), 0);
	ck_assert_uint_eq(os_channel_available_slot_count(rx), 0);
	ck_assert_int_eq(os_channel_advance_slot(rx, &rx->chrd_slot_desc[1]),
			 ENXIO);
	ck_assert_uint_eq(
	    os_channel_slot_get_packet(rx, &rx->chrd_slot_desc[1]), 0);
	os_channel_set_slot_properties(rx, &rx->chrd_slot_desc[1], &p);
	ck_assert_uint_eq(os_channel_ring_sync_time(rx), 0);
	ck_assert_int_eq(os_channel_pending(tx), 0);
	(void)ph;
	(void)adv;
	os_channel_destroy(ch);
}
END_TEST

/* A defunct channel's garbage redzones and empty slots do not trap. */
START_TEST(test_s_defunct_no_traps)
{
	channel_t ch = syn_packet_channel();
	channel_ring_t rx = os_channel_rx_ring(ch, 0);
	slot_prop_t p;

	syn_rx_arrive(2);
	METADATA_PREAMBLE(syn_md(syc.nslots))->mdp_redzone = 1;
	syn_sd(1, 1)->sd_flags = 0;
	*(uint32_t *)(uintptr_t)&syn_csm()->csm_flags = 0; /* defunct */
	ck_assert_ptr_null(os_channel_get_next_slot(rx, NULL, &p));
	ck_assert_uint_eq(p.sp_mdata_ptr, (uintptr_t)syn_md(syc.nslots));
	os_channel_set_slot_properties(rx, &rx->chrd_slot_desc[1], &p);
	/* a garbage metadata pointer is not even read once defunct */
	memset(&p, 0, sizeof(p));
	os_channel_set_slot_properties(rx, &rx->chrd_slot_desc[0], &p);
	ck_assert_uint_eq(
	    os_channel_slot_get_packet(rx, &rx->chrd_slot_desc[0]),
	    0xA | SK_PTR_ADDR(syn_md(syc.nslots)));
	os_channel_destroy(ch);
}
END_TEST

/* --- user packet pool ---------------------------------------------- */

static channel_t
syn_upp_channel(uint32_t pairs, uint32_t events, uint32_t large)
{
	channel_attr_t a = os_channel_attr_create();
	channel_t ch;

	syn_default(NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	syc.alloc_pairs = pairs;
	syc.event_rings = events;
	syc.large_rings = large;
	syc.mode = CHMODE_USER_PACKET_POOL | (events ? CHMODE_EVENT_RING : 0);
	syn_build();
	ck_assert_int_eq(
	    os_channel_attr_set(a, CHANNEL_ATTR_USER_PACKET_POOL, 1), 0);
	ck_assert_int_eq(
	    os_channel_attr_set(a, CHANNEL_ATTR_EVENT_RING, events), 0);
	ch = syn_open(a);
	ck_assert_ptr_nonnull(ch);
	ck_assert_uint_eq(attr_get(a, CHANNEL_ATTR_USER_PACKET_POOL), 1);
	os_channel_attr_destroy(a);
	return ch;
}

/* Ring numbers in schema order for a channel with 1 TX, 1 RX. */
#define R_ALLOC 2
#define R_FREE(pairs) (2 + (pairs))

START_TEST(test_s_upp_create)
{
	channel_t ch = syn_upp_channel(2, 1, 1);

	ck_assert_uint_eq(syn0.last_init.ci_ch_mode &
			      (CHMODE_USER_PACKET_POOL | CHMODE_EVENT_RING),
			  CHMODE_USER_PACKET_POOL | CHMODE_EVENT_RING);
	ck_assert_uint_eq(ch->chd_alloc_ring_idx, 2);
	ck_assert_uint_eq(ch->chd_buf_alloc_ring_idx, 3);
	ck_assert_uint_eq(ch->chd_free_ring_idx, 4);
	ck_assert_uint_eq(ch->chd_buf_free_ring_idx, 5);
	ck_assert_uint_eq(ch->chd_large_buf_alloc_ring_idx, 7);
	ck_assert_uint_eq(ch->chd_sync_flags, CHANNEL_SYNCF_ALLOC |
						  CHANNEL_SYNCF_FREE |
						  CHANNEL_SYNCF_ALLOC_BUF);
	ck_assert_uint_eq(ch->chd_rings[6].chrd_ring->ring_kind, CR_KIND_EVENT);
	/* RX syncs never ask for refills */
	ck_assert_int_eq(os_channel_sync(ch, CHANNEL_SYNC_RX), 0);
	ck_assert_int_eq(syn0.sync_flags, CHANNEL_SYNCF_FREE);
	ck_assert_int_eq(os_channel_sync(ch, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(syn0.sync_flags, CHANNEL_SYNCF_ALLOC |
					      CHANNEL_SYNCF_FREE |
					      CHANNEL_SYNCF_ALLOC_BUF);
	os_channel_destroy(ch);
}
END_TEST

/* UPP asked for but not granted: ENXIO, and the fd is closed. */
START_TEST(test_s_upp_not_granted)
{
	channel_attr_t a = os_channel_attr_create();
	unsigned c0 = closes;

	syn_default(NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	syn_build();
	ck_assert_int_eq(
	    os_channel_attr_set(a, CHANNEL_ATTR_USER_PACKET_POOL, 1), 0);
	ck_assert_ptr_null(syn_open(a));
	ck_assert_int_eq(errno, ENXIO);
	ck_assert_uint_eq(closes, c0 + 1);
	os_channel_attr_destroy(a);
}
END_TEST

START_TEST(test_s_open_error_passthrough)
{
	syn_default(NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD);
	syn_build();
	syn0.open_errno = EACCES;
	ck_assert_ptr_null(syn_open(NULL));
	ck_assert_int_eq(errno, EACCES);
}
END_TEST

/* The kernel's refill: alloc ring slots [0, n) hold packets. */
static void
syn_refill(struct syn *s, int mode, int flags)
{
	(void)s;
	ck_assert_int_eq(mode, CHANNEL_SYNC_UPP);
	if (flags & CHANNEL_SYNCF_ALLOC)
		syn_set_tail(R_ALLOC, 3);
}

START_TEST(test_s_upp_alloc_attach_free)
{
	channel_t ch = syn_upp_channel(1, 0, 0);
	channel_ring_t tx = os_channel_tx_ring(ch, 0);
	channel_slot_t s;
	slot_prop_t p;
	packet_t ph, ph2;
	buflet_t b;

	/* empty alloc ring: one sync, still empty => ENOMEM */
	ck_assert_int_eq(os_channel_packet_alloc(ch, &ph), ENOMEM);
	ck_assert_uint_eq(syn0.syncs, 1);
	ck_assert_int_eq(syn0.sync_flags,
			 CHANNEL_SYNCF_ALLOC | CHANNEL_SYNCF_FREE);
	ck_assert_int_eq(os_channel_large_packet_alloc(ch, &ph), ENOTSUP);
	syn0.on_sync = syn_refill;
	ck_assert_int_eq(os_channel_packet_alloc(ch, &ph), 0);
	ck_assert_uint_eq(SK_PTR_ADDR(ph), (uintptr_t)syn_md(2 * syc.nslots));
	ck_assert_uint_eq(syn_sd(R_ALLOC, 0)->sd_flags & SD_IDX_VALID, 0);
	ck_assert_uint_eq(syn_ring(R_ALLOC)->ring_head, 1);
	b = os_packet_get_next_buflet(ph, NULL);
	ck_assert_ptr_eq(os_buflet_get_object_address(b),
			 syn_buf(2 * syc.nslots));
	/* TX slots are empty in UPP mode */
	s = os_channel_get_next_slot(tx, NULL, &p);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(p.sp_buf_ptr, 0);
	ck_assert_uint_eq(p.sp_len, 0);
	memcpy(os_buflet_get_data_address(b), MSG54, 54);
	os_buflet_set_data_length(b, 54);
	ck_assert_int_eq(os_packet_finalize(ph), 0);
	ck_assert_int_eq(os_channel_slot_attach_packet(tx, s, ph), 0);
	ck_assert_uint_eq(syn_sd(0, 0)->sd_md_idx, 2 * syc.nslots);
	ck_assert_uint_eq(syn_sd(0, 0)->sd_flags & SD_IDX_VALID, SD_IDX_VALID);
	ck_assert_uint_eq(os_channel_slot_get_packet(tx, s), ph);
	ck_assert_int_eq(os_channel_slot_detach_packet(tx, s, ph), 0);
	ck_assert_uint_eq(syn_sd(0, 0)->sd_flags & SD_IDX_VALID, 0);
	/* free: into the free ring's head slot (tail n-1 => room) */
	syn_set_tail(R_FREE(1), syc.nslots - 1);
	ck_assert_int_eq(os_channel_packet_free(ch, ph), 0);
	ck_assert_uint_eq(syn_sd(R_FREE(1), 0)->sd_md_idx, 2 * syc.nslots);
	ck_assert_uint_eq(syn_ring(R_FREE(1))->ring_head, 1);
	ck_assert_int_eq(os_channel_packet_alloc(ch, &ph2), 0);
	ck_assert_uint_eq(SK_PTR_ADDR(ph2),
			  (uintptr_t)syn_md(2 * syc.nslots + 1));
	os_channel_destroy(ch);
}
END_TEST

START_TEST(test_s_upp_trap_attach_unfinalized)
{
	channel_t ch = syn_upp_channel(1, 0, 0);
	channel_ring_t tx = os_channel_tx_ring(ch, 0);
	packet_t ph;

	syn0.on_sync = syn_refill;
	ck_assert_int_eq(os_channel_packet_alloc(ch, &ph), 0);
	QUM_ADDR(ph)->qum_qflags = 0;
	(void)os_channel_slot_attach_packet(tx, &tx->chrd_slot_desc[0], ph);
}
END_TEST

START_TEST(test_s_upp_trap_free_ring_full)
{
	channel_t ch = syn_upp_channel(1, 0, 0);
	packet_t ph;

	syn0.on_sync = syn_refill;
	ck_assert_int_eq(os_channel_packet_alloc(ch, &ph), 0);
	/* free ring tail 0: full, and the sync frees nothing */
	(void)os_channel_packet_free(ch, ph);
}
END_TEST

START_TEST(test_s_upp_trap_sync_fails)
{
	channel_t ch = syn_upp_channel(1, 0, 0);
	packet_t ph;

	syn0.sync_ret = EIO;
	(void)os_channel_packet_alloc(ch, &ph);
}
END_TEST

START_TEST(test_s_upp_defunct)
{
	channel_t ch = syn_upp_channel(1, 0, 0);
	packet_t ph;

	syn_defunct();
	syn0.sync_ret = ENXIO;
	ck_assert_int_eq(os_channel_packet_alloc(ch, &ph), -1);
	ck_assert_int_eq(errno, ENXIO);
	syn0.sync_ret = 0;
	ck_assert_int_eq(os_channel_packet_alloc(ch, &ph), ENXIO);
	ck_assert_int_eq(os_channel_packet_pool_purge(ch), ENXIO);
	os_channel_destroy(ch);
}
END_TEST

/* Purge returns what the alloc ring holds beyond ring_alloc_ws (2). */
START_TEST(test_s_upp_purge)
{
	channel_t ch = syn_upp_channel(1, 0, 0);

	syn_set_tail(R_ALLOC, 5);
	syn_set_tail(R_FREE(1), syc.nslots - 1);
	ck_assert_int_eq(os_channel_packet_pool_purge(ch), 0);
	ck_assert_uint_eq(syn_ring(R_ALLOC)->ring_head, 3);
	ck_assert_uint_eq(syn_ring(R_FREE(1))->ring_head, 3);
	ck_assert_uint_eq(syn_sd(R_FREE(1), 2)->sd_md_idx, 2 * syc.nslots + 2);
	ck_assert_uint_eq(syn0.syncs, 2);
	ck_assert_int_eq(syn0.sync_flags, CHANNEL_SYNCF_FREE);
	os_channel_destroy(ch);
}
END_TEST

START_TEST(test_s_upp_buflets)
{
	channel_t ch = syn_upp_channel(2, 0, 0);
	uint32_t ra = 3, rf = 5; /* buflet alloc and free rings */
	buflet_t b;

	syn_sd(ra, 0)->sd_md_idx = 7;
	syn_sd(ra, 0)->sd_flags = SD_IDX_VALID;
	syn_set_tail(ra, 1);
	syn_set_tail(rf, syc.nslots - 1);
	ck_assert_int_eq(os_channel_buflet_alloc(ch, &b), 0);
	ck_assert_ptr_eq(b, syn_bft(7));
	ck_assert_ptr_eq(os_buflet_get_object_address(b), syn_buf(syl.nmd + 7));
	ck_assert_int_eq(os_channel_buflet_alloc(ch, &b), ENOMEM);
	ck_assert_int_eq(syn0.sync_flags,
			 CHANNEL_SYNCF_ALLOC_BUF | CHANNEL_SYNCF_FREE);
	ck_assert_int_eq(os_channel_buflet_free(ch, syn_bft(7)), 0);
	ck_assert_uint_eq(syn_sd(rf, 0)->sd_md_idx, 7);
	os_channel_destroy(ch);
}
END_TEST

/* --- event ring ----------------------------------------------------- */

/* Event buffer of object m: metadata then records, see spec 2.6. */
static uint8_t *
syn_event_put(uint8_t *at, uint32_t type, uint32_t flags, uint16_t dlen)
{
	struct __kern_channel_event *ev = (void *)at;

	ev->ev_type = type;
	ev->ev_flags = flags;
	ev->ev_dlen = dlen;
	memset(ev->ev_data, 0x33, dlen);
	return at + sizeof(*ev) + dlen;
}

START_TEST(test_s_events)
{
	channel_t ch = syn_upp_channel(1, 1, 0);
	uint32_t re = 4; /* TX, RX, alloc, free, event */
	obj_idx_t m = re * syc.nslots;
	struct __kern_channel_event_metadata *emd = (void *)syn_buf(m);
	os_channel_event_handle_t eh;
	os_channel_event_type_t et;
	os_channel_event_t ev = 0, ev2 = 0;
	struct os_channel_event_data d;
	uint32_t ne;
	uint8_t *end;

	ck_assert_int_eq(os_channel_get_next_event_handle(ch, &eh, &et, &ne),
			 ENODATA);
	emd->emd_etype = CHANNEL_EVENT_PACKET_TRANSMIT_STATUS;
	emd->emd_nevents = 2;
	end = syn_event_put((uint8_t *)(emd + 1),
			    CHANNEL_EVENT_PACKET_TRANSMIT_STATUS,
			    CHANNEL_EVENT_FLAG_MORE_EVENT,
			    sizeof(os_channel_event_packet_transmit_status_t));
	end = syn_event_put(end, CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED, 0,
			    sizeof(os_channel_event_packet_transmit_expired_t));
	syn_md(m)->qum_buf[0].buf_dlen = (uint32_t)(end - (uint8_t *)emd);
	syn_set_tail(re, 1);
	ck_assert_int_eq(os_channel_get_next_event_handle(ch, &eh, &et, &ne),
			 0);
	ck_assert_uint_eq(et, CHANNEL_EVENT_PACKET_TRANSMIT_STATUS);
	ck_assert_uint_eq(ne, 2);
	ck_assert_uint_eq(SK_PTR_ADDR(eh), (uintptr_t)syn_md(m));
	ck_assert_int_eq(os_channel_event_get_next_event(eh, 0, &ev), 0);
	ck_assert_uint_eq(ev, (uintptr_t)(emd + 1));
	ck_assert_int_eq(os_channel_event_get_event_data(ev, &d), 0);
	ck_assert_uint_eq(d.event_type, CHANNEL_EVENT_PACKET_TRANSMIT_STATUS);
	ck_assert_int_eq(d.event_more, 1);
	ck_assert_uint_eq(d.event_data_length, 20);
	ck_assert_int_eq(os_channel_event_get_next_event(eh, ev, &ev2), 0);
	ck_assert_int_eq(os_channel_event_get_event_data(ev2, &d), 0);
	ck_assert_uint_eq(d.event_type, CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED);
	ck_assert_int_eq(d.event_more, 0);
	ck_assert_uint_eq(d.event_data_length, 40);
	ck_assert_int_eq(os_channel_event_get_next_event(eh, ev2, &ev),
			 ENODATA);
	/* a record claiming more data than the buffer holds */
	((struct __kern_channel_event *)(uintptr_t)ev2)->ev_flags =
	    CHANNEL_EVENT_FLAG_MORE_EVENT;
	ck_assert_int_eq(os_channel_event_get_next_event(eh, ev2, &ev), ENXIO);
	ck_assert_int_eq(os_channel_event_get_next_event(
			     eh, (os_channel_event_t)(uintptr_t)syn0.span, &ev),
			 ENXIO);
	ck_assert_int_eq(os_channel_event_get_next_event(0, 0, &ev), EINVAL);
	ck_assert_int_eq(os_channel_event_get_event_data(0, &d), EINVAL);
	((struct __kern_channel_event *)(uintptr_t)ev2)->ev_type = 9;
	ck_assert_int_eq(os_channel_event_get_event_data(ev2, &d), ENXIO);
	syn_set_tail(R_FREE(1), syc.nslots - 1);
	ck_assert_int_eq(os_channel_event_free(ch, eh), 0);
	os_channel_destroy(ch);
}
END_TEST

/* --- advisories, flow admission, stats ------------------------------- */

static struct __flowadv_entry *
syn_fae(uint32_t i)
{
	return (void *)(syn0.span + syl.flowadv +
			i * sizeof(struct __flowadv_entry));
}

START_TEST(test_s_flow_advisory)
{
	channel_t ch;
	channel_ring_t tx, rx;
	uuid_t id, other;
	uint32_t ce = 0, pk = 0;

	syn_default(NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	syc.flowadv_max = 4;
	syn_build();
	ch = syn_open(NULL);
	tx = os_channel_tx_ring(ch, 0);
	rx = os_channel_rx_ring(ch, 0);
	uuid_generate(id);
	uuid_generate(other);
	ck_assert_int_eq(os_channel_flow_admissible(tx, id, 1), ENOENT);
	memcpy(syn_fae(1)->fae_id, id, 16);
	syn_fae(1)->fae_flags = FLOWADVF_VALID;
	syn_fae(1)->fae_ce_cnt = 3;
	syn_fae(1)->fae_pkt_cnt = 9;
	ck_assert_int_eq(os_channel_flow_admissible(tx, id, 1), 0);
	ck_assert_int_eq(os_channel_flow_admissible(tx, other, 1), ENOENT);
	ck_assert_int_eq(os_channel_flow_admissible(rx, id, 1), EINVAL);
	ck_assert_int_eq(os_channel_flow_admissible(tx, id, 4), EINVAL);
	ck_assert_int_eq(os_channel_flow_adv_get_ce_count(tx, id, 1, &ce, &pk),
			 0);
	ck_assert_uint_eq(ce, 3);
	ck_assert_uint_eq(pk, 9);
	syn_fae(1)->fae_flags |= FLOWADVF_SUSPENDED;
	ck_assert_int_eq(os_channel_flow_admissible(tx, id, 1), ENOBUFS);
	os_channel_destroy(ch);
}
END_TEST

static struct __kern_netif_intf_advisory *
syn_adv_setup(nexus_advisory_type_t type)
{
	struct __kern_nexus_adv_metadata *md = (void *)(syn0.span + syl.adv);

	md->knam_version = NX_ADVISORY_MD_CURRENT_VERSION;
	md->knam_type = type;
	if (type == NEXUS_ADVISORY_TYPE_NETIF) {
		struct netif_nexus_advisory *na = (void *)(md + 1);

		na->nna_version = NX_NETIF_ADVISORY_CURRENT_VERSION;
		return &na->__kern_intf_adv;
	} else {
		struct sk_nexusadv *fa = (void *)(md + 1);

		fa->nxadv_ver = NX_FLOWSWITCH_ADVISORY_CURRENT_VERSION;
		return &fa->_nxadv_intf_adv;
	}
}

static void
check_intf_advisory(nexus_advisory_type_t type)
{
	struct __kern_netif_intf_advisory *ia;
	struct ifnet_interface_advisory out, tmp;
	channel_t ch;

	syn_default(NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	syc.adv = type;
	syn_build();
	ia = syn_adv_setup(type);
	ia->adv.version = IF_INTERFACE_ADVISORY_VERSION_1;
	ia->adv.max_bandwidth = 1000000000;
	ia->cksum = os_copy_and_inet_checksum(&ia->adv, &tmp, sizeof(tmp), 0);
	ch = syn_open(NULL);
	ck_assert_ptr_nonnull(ch);
	ck_assert_int_eq(os_channel_get_interface_advisory(ch, &out), 0);
	ck_assert_mem_eq(&out, &ia->adv, sizeof(out));
	ia->adv.max_bandwidth++; /* torn: sum no longer matches */
	ck_assert_int_eq(os_channel_get_interface_advisory(ch, &out), EAGAIN);
	if (type == NEXUS_ADVISORY_TYPE_FLOWSWITCH)
		ck_assert_ptr_eq(os_channel_get_advisory_region(ch),
				 (void *)(syn0.span + syl.adv + 8));
	else
		ck_assert_ptr_null(os_channel_get_advisory_region(ch));
	ck_assert_int_eq(os_channel_configure_interface_advisory(ch, TRUE), 0);
	os_channel_destroy(ch);
}

START_TEST(test_s_intf_advisory_netif)
{
	check_intf_advisory(NEXUS_ADVISORY_TYPE_NETIF);
}
END_TEST

START_TEST(test_s_intf_advisory_fsw)
{
	check_intf_advisory(NEXUS_ADVISORY_TYPE_FLOWSWITCH);
}
END_TEST

START_TEST(test_s_trap_advisory_version)
{
	syn_default(NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	syc.adv = NEXUS_ADVISORY_TYPE_NETIF;
	syn_build();
	(void)syn_adv_setup(NEXUS_ADVISORY_TYPE_NETIF);
	((struct netif_nexus_advisory *)(void *)(syn0.span + syl.adv + 8))
	    ->nna_version = 9;
	(void)syn_open(NULL);
}
END_TEST

START_TEST(test_s_stats_region)
{
	struct __nx_stats_fsw *fsw;
	channel_t ch;

	syn_default(NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	syc.stats = 1;
	syn_build();
	ch = syn_open(NULL);
	fsw = (void *)(syn0.span + syl.stats);
	ck_assert_ptr_eq(os_channel_get_stats_region(ch, CHANNEL_STATS_ID_IP),
			 &fsw->nxs_ipstat);
	ck_assert_ptr_eq(os_channel_get_stats_region(ch, CHANNEL_STATS_ID_UDP),
			 &fsw->nxs_udpstat);
	ck_assert_ptr_eq(os_channel_get_stats_region(ch, CHANNEL_STATS_ID_QUIC),
			 &fsw->nxs_quicstat);
	ck_assert_ptr_null(
	    os_channel_get_stats_region(ch, (channel_stats_id_t)42));
	os_channel_destroy(ch);
}
END_TEST

/* The abort message: one line naming the library, the cause, the call. */
START_TEST(test_abort_message)
{
	int pfd[2];
	pid_t pid;
	char buf[256];
	ssize_t n;
	int st;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		channel_t ch;

		dup2(pfd[1], STDERR_FILENO);
		ch = syn_packet_channel();
		syn_sd(1, 0)->sd_flags = 0;
		syn_rx_arrive(1);
		(void)os_channel_get_next_slot(os_channel_rx_ring(ch, 0), NULL,
					       NULL);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	ck_assert_str_eq(buf, "libskywalk: Slot descriptor has no metadata "
			      "(chr_verify_usd)\n");
}
END_TEST

static Suite *
channel_suite(void)
{
	Suite *s = suite_create("os_channel");
	TCase *k = tcase_create("kernel");
	TCase *sy = tcase_create("synthetic");

	tcase_add_checked_fixture(k, k_setup, k_teardown);
	tcase_add_test(k, test_k_fullupipe);
	tcase_add_test(k, test_k_oneslot);
	tcase_add_test(k, test_k_attrs_reflect_nexus);
	tcase_add_test(k, test_k_write_attr_lowat);
	tcase_add_test(k, test_k_ringid);
	tcase_add_test(k, test_k_create_errors);
	tcase_add_test(k, test_k_stream_wraps);
	tcase_add_test(k, test_k_sync_error_passthrough);
	tcase_add_test(k, test_k_misuse_errors);
	tcase_add_test_raise_signal(k, test_k_trap_gns_out_of_window, SIGABRT);
	tcase_add_test_raise_signal(k, test_k_trap_redzone, SIGABRT);
	tcase_add_test_raise_signal(k, test_k_trap_ssp_out_of_window, SIGABRT);
	tcase_add_test_raise_signal(k, test_k_trap_sgp_out_of_window, SIGABRT);
	suite_add_tcase(s, k);

	tcase_add_test(sy, test_s_packet_slots);
	tcase_add_test(sy, test_s_tx_available_wraps);
	tcase_add_test(sy, test_s_buflet_chain);
	tcase_add_test(sy, test_s_defunct);
	tcase_add_test(sy, test_s_defunct_no_traps);
	tcase_add_test(sy, test_s_upp_create);
	tcase_add_test(sy, test_s_upp_not_granted);
	tcase_add_test(sy, test_s_open_error_passthrough);
	tcase_add_test(sy, test_s_upp_alloc_attach_free);
	tcase_add_test(sy, test_s_upp_defunct);
	tcase_add_test(sy, test_s_upp_purge);
	tcase_add_test(sy, test_s_upp_buflets);
	tcase_add_test(sy, test_s_events);
	tcase_add_test(sy, test_s_flow_advisory);
	tcase_add_test(sy, test_s_intf_advisory_netif);
	tcase_add_test(sy, test_s_intf_advisory_fsw);
	tcase_add_test(sy, test_s_stats_region);
	tcase_add_test(sy, test_abort_message);
	tcase_add_test_raise_signal(sy, test_s_trap_chain_too_long, SIGABRT);
	tcase_add_test_raise_signal(sy, test_s_trap_bufs_max, SIGABRT);
	tcase_add_test_raise_signal(sy, test_s_trap_no_metadata, SIGABRT);
	tcase_add_test_raise_signal(sy, test_s_trap_bad_handle_index, SIGABRT);
	tcase_add_test_raise_signal(sy, test_s_trap_schema_version, SIGABRT);
	tcase_add_test_raise_signal(sy, test_s_trap_md_type, SIGABRT);
	tcase_add_test_raise_signal(sy, test_s_trap_advisory_version, SIGABRT);
	tcase_add_test_raise_signal(sy, test_s_upp_trap_attach_unfinalized,
				    SIGABRT);
	tcase_add_test_raise_signal(sy, test_s_upp_trap_free_ring_full,
				    SIGABRT);
	tcase_add_test_raise_signal(sy, test_s_upp_trap_sync_fails, SIGABRT);
	suite_add_tcase(s, sy);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(channel_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
