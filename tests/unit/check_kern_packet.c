/*
 * check_kern_packet.c - the packet KPI and PACKET metadata in the rings.
 *
 * Objective: pools hand out and take back packets (ENOMEM when empty,
 * EINVAL for chains), handles carry the right tag (0x5 quantum/payload,
 * 0x6 packet/payload, 0xA packet/raw), buflet setters range-check,
 * finalize applies XNU's rules (length from the buflet, headroom from
 * the offset, RAW headroom + L2 < limit, PAYLOAD neither, option flags
 * need their data; failure drops), and every accessor round-trips.  Then
 * the ring side of PACKET metadata (spec 5.8): TX internalization
 * accepts a well-formed RAW packet and refuses each broken rule with
 * EFAULT, and RX externalization shows the process what the kernel set.
 */
/* The test plays a hostile process too: kernel-owned fields writable. */
#define SKCHAN_KERNEL 1

#include <signal.h>

#include "kern_harness.h"
#include "../../cuse-dev/kern_channel.h"
#include "../../cuse-dev/kring_var.h"

static struct kern_pbufpool *pp;

static void
setup(void)
{
	kh_setup();
	pp = NULL;
}

static void
teardown(void)
{
	pp_destroy(pp);
	kh_teardown();
}

static struct kern_pbufpool *
pool(uint32_t n, uint32_t buf_size, nexus_meta_type_t t,
    nexus_meta_subtype_t st)
{
	pp = pp_create("skchan:test:kp", n, buf_size, t, st);
	ck_assert_ptr_nonnull(pp);
	pp_fill_free_list(pp);
	return pp;
}

static kern_packet_t
alloc1(void)
{
	kern_packet_t ph = 0;

	ck_assert_int_eq(kern_pbufpool_alloc(pp, 1, &ph), 0);
	ck_assert(ph != 0);
	return ph;
}

/* ---- pools ------------------------------------------------------------------ */

START_TEST(test_pool_alloc_free)
{
	kern_packet_t a, b, c;

	pool(2, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ck_assert_uint_eq(kern_pbufpool_get_free_count(pp), 2);
	ck_assert_int_eq(kern_pbufpool_alloc(pp, 2, &a), EINVAL);
	ck_assert_int_eq(kern_pbufpool_alloc(NULL, 1, &a), EINVAL);
	ck_assert_int_eq(kern_pbufpool_alloc(pp, 1, NULL), EINVAL);
	ck_assert_int_eq(kern_pbufpool_alloc(pp, 0, &a), 0);
	ck_assert_int_eq(kern_pbufpool_alloc_nosleep(pp, 1, &b), 0);
	ck_assert_int_eq(kern_pbufpool_alloc(pp, 1, &c), ENOMEM);
	ck_assert(SK_PTR_ADDR(a) != SK_PTR_ADDR(b));
	ck_assert_uint_eq(kern_pbufpool_get_free_count(pp), 0);
	kern_pbufpool_free(pp, a);
	ck_assert_uint_eq(kern_pbufpool_get_free_count(pp), 1);
	ck_assert_int_eq(kern_pbufpool_alloc(pp, 1, &c), 0);
	ck_assert_uint_eq(SK_PTR_ADDR(c), SK_PTR_ADDR(a));   /* reused */
	kern_pbufpool_free(pp, b);
	kern_pbufpool_free(pp, c);
	ck_assert_uint_eq(kern_pbufpool_get_free_count(pp), 2);
}
END_TEST

START_TEST(test_double_free_aborts)
{
	kern_packet_t a;

	pool(2, 2048, NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD);
	a = alloc1();
	kern_pbufpool_free(pp, a);
	kern_pbufpool_free(pp, a);
}
END_TEST

START_TEST(test_handle_tags)
{
	kern_packet_t ph;

	pool(1, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ph = alloc1();
	ck_assert_uint_eq(SK_PTR_TAG(ph), 0xA);
	ck_assert_int_eq(kern_packet_get_metadata_type(ph),
	    NEXUS_META_TYPE_PACKET);
	ck_assert_int_eq(kern_packet_get_metadata_subtype(ph),
	    NEXUS_META_SUBTYPE_RAW);
	ck_assert_uint_eq(kern_packet_get_object_index(ph), 0);
	pp_destroy(pp);
	pool(1, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_PAYLOAD);
	ck_assert_uint_eq(SK_PTR_TAG(alloc1()), 0x6);
	pp_destroy(pp);
	pool(1, 2048, NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD);
	ck_assert_uint_eq(SK_PTR_TAG(alloc1()), 0x5);
}
END_TEST

/* ---- buflets ---------------------------------------------------------------- */

START_TEST(test_fresh_packet_and_buflet)
{
	kern_packet_t ph;
	kern_buflet_t b;

	pool(3, 1024, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	alloc1();
	ph = alloc1();
	ck_assert_uint_eq(kern_packet_get_data_length(ph), 0);
	ck_assert_uint_eq(kern_packet_get_buflet_count(ph), 1);
	ck_assert(!kern_packet_is_finalized(ph));
	b = kern_packet_get_next_buflet(ph, NULL);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_null(kern_packet_get_next_buflet(ph, b));
	ck_assert_uint_eq(kern_buflet_get_data_limit(b), 1024);
	ck_assert_uint_eq(kern_buflet_get_object_limit(b), 1024);
	ck_assert_uint_eq(kern_buflet_get_data_offset(b), 0);
	ck_assert_uint_eq(kern_buflet_get_data_length(b), 0);
	ck_assert_uint_eq(kern_buflet_get_object_index(b), 1);
	/* Object i's buffer is buffer i of the pool. */
	ck_assert_ptr_eq(kern_buflet_get_object_address(b), pp->pp_bufs + 1024);
	ck_assert_ptr_eq(kern_buflet_get_data_address(b),
	    kern_buflet_get_object_address(b));
}
END_TEST

START_TEST(test_buflet_ranges)
{
	kern_buflet_t b;

	pool(1, 1024, NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD);
	b = kern_packet_get_next_buflet(alloc1(), NULL);
	ck_assert_int_eq(kern_buflet_set_data_offset(b, 1025), ERANGE);
	ck_assert_int_eq(kern_buflet_set_data_offset(b, 1000), 0);
	ck_assert_int_eq(kern_buflet_set_data_length(b, 25), ERANGE);
	ck_assert_int_eq(kern_buflet_set_data_length(b, 24), 0);
	ck_assert_int_eq(kern_buflet_set_data_length(b, UINT32_MAX), ERANGE);
	ck_assert_uint_eq(kern_buflet_get_data_offset(b), 1000);
	ck_assert_uint_eq(kern_buflet_get_data_length(b), 24);
}
END_TEST

/* ---- finalize --------------------------------------------------------------- */

START_TEST(test_finalize_quantum)
{
	kern_packet_t ph;
	kern_buflet_t b;

	pool(1, 2048, NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD);
	ph = alloc1();
	b = kern_packet_get_next_buflet(ph, NULL);
	ck_assert_int_eq(kern_buflet_set_data_offset(b, 8), 0);
	ck_assert_int_eq(kern_buflet_set_data_length(b, 100), 0);
	ck_assert_int_eq(kern_packet_finalize(ph), 0);
	ck_assert_uint_eq(kern_packet_get_data_length(ph), 100);
	ck_assert(kern_packet_is_finalized(ph));
	/* A buflet broken behind the setters' back: dropped, length 0. */
	b->kb_dlen = 2045;
	ck_assert_int_eq(kern_packet_finalize(ph), ERANGE);
	ck_assert_uint_eq(kern_packet_get_data_length(ph), 0);
	ck_assert(!kern_packet_is_finalized(ph));
	ck_assert(SK_PTR_ADDR_KQUM(ph)->kq_qflags & QUM_F_DROPPED);
}
END_TEST

START_TEST(test_finalize_raw)
{
	kern_packet_t ph;
	kern_buflet_t b;

	pool(1, 128, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ph = alloc1();
	b = kern_packet_get_next_buflet(ph, NULL);
	ck_assert_int_eq(kern_buflet_set_data_offset(b, 100), 0);
	ck_assert_int_eq(kern_buflet_set_data_length(b, 28), 0);
	ck_assert_int_eq(kern_packet_set_link_header_length(ph, 14), 0);
	ck_assert_int_eq(kern_packet_finalize(ph), 0);
	ck_assert_uint_eq(kern_packet_get_headroom(ph), 100); /* = offset */
	ck_assert_uint_eq(kern_packet_get_data_length(ph), 28);
	ck_assert_int_eq(kern_packet_set_link_header_length(ph, 28), 0);
	ck_assert_int_eq(kern_packet_finalize(ph), ERANGE);   /* 128 >= 128 */
	ck_assert(SK_PTR_ADDR_KQUM(ph)->kq_qflags & QUM_F_DROPPED);
	ck_assert_int_eq(kern_packet_set_link_header_length(ph, 27), 0);
	ck_assert_int_eq(kern_packet_finalize(ph), 0);
}
END_TEST

START_TEST(test_finalize_big_headroom)
{
	kern_packet_t ph;
	kern_buflet_t b;

	pool(1, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ph = alloc1();
	b = kern_packet_get_next_buflet(ph, NULL);
	ck_assert_int_eq(kern_buflet_set_data_offset(b, 256), 0);
	ck_assert_int_eq(kern_packet_finalize(ph), ERANGE);
	ck_assert_int_eq(kern_buflet_set_data_offset(b, 255), 0);
	ck_assert_int_eq(kern_packet_finalize(ph), 0);
}
END_TEST

START_TEST(test_finalize_payload_and_options)
{
	kern_packet_t ph;
	kern_buflet_t b;
	struct kern_packet *kp;

	pool(1, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_PAYLOAD);
	ph = alloc1();
	kp = SK_PTR_ADDR_KPKT(ph);
	b = kern_packet_get_next_buflet(ph, NULL);
	ck_assert_int_eq(kern_buflet_set_data_length(b, 40), 0);
	ck_assert_int_eq(kern_packet_finalize(ph), 0);
	ck_assert_int_eq(kern_buflet_set_data_offset(b, 2), 0);
	ck_assert_int_eq(kern_packet_finalize(ph), ERANGE);   /* headroom */
	ck_assert_int_eq(kern_buflet_set_data_offset(b, 0), 0);
	kp->kp_com.__p_flags = PKT_F_OPT_EXPIRE_TS;
	ck_assert_int_eq(kern_packet_finalize(ph), EINVAL);
	kp->kp_opt.__po_expire_ts = 5;
	ck_assert_int_eq(kern_packet_finalize(ph), 0);
	kp->kp_com.__p_flags = PKT_F_OPT_TOKEN;
	ck_assert_int_eq(kern_packet_finalize(ph), EINVAL);
	kp->kp_opt.__po_token_len = 4;
	ck_assert_int_eq(kern_packet_finalize(ph), 0);
}
END_TEST

/* ---- accessors -------------------------------------------------------------- */

START_TEST(test_link_accessors)
{
	kern_packet_t raw, pay, q;

	pool(1, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	raw = alloc1();
	ck_assert_int_eq(kern_packet_set_headroom(raw, 64), 0);
	ck_assert_uint_eq(kern_packet_get_headroom(raw), 64);
	ck_assert_int_eq(kern_packet_set_link_header_length(raw, 14), 0);
	ck_assert_uint_eq(kern_packet_get_link_header_length(raw), 14);
	ck_assert(!kern_packet_get_link_broadcast(raw));
	ck_assert_int_eq(kern_packet_set_link_broadcast(raw), 0);
	ck_assert_int_eq(kern_packet_set_link_multicast(raw), 0);
	ck_assert_int_eq(kern_packet_set_link_ethfcs(raw), 0);
	ck_assert(kern_packet_get_link_broadcast(raw));
	ck_assert(kern_packet_get_link_multicast(raw));
	ck_assert(kern_packet_get_link_ethfcs(raw));
	pp_destroy(pp);
	pool(1, 200, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ck_assert_int_eq(kern_packet_set_headroom(alloc1(), 200), ERANGE);
	pp_destroy(pp);
	pool(1, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_PAYLOAD);
	pay = alloc1();
	ck_assert_int_eq(kern_packet_set_headroom(pay, 1), EINVAL);
	ck_assert_int_eq(kern_packet_set_link_header_length(pay, 14), EINVAL);
	ck_assert_int_eq(kern_packet_set_link_multicast(pay), 0);
	ck_assert_uint_eq(kern_packet_get_headroom(pay), 0);
	pp_destroy(pp);
	pool(1, 2048, NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD);
	q = alloc1();
	ck_assert_int_eq(kern_packet_set_link_broadcast(q), EINVAL);
	ck_assert(!kern_packet_get_link_broadcast(q));
	ck_assert_uint_eq(kern_packet_get_link_header_length(q), 0);
	ck_assert_int_eq(kern_packet_set_trace_id(q, 7), EINVAL);
	ck_assert_uint_eq(kern_packet_get_trace_id(q), 0);
}
END_TEST

START_TEST(test_class_flow_trace)
{
	kern_packet_t ph;
	packet_flowid_t fid = 0;
	uuid_t u, v;

	pool(1, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ph = alloc1();
	ck_assert_int_eq(kern_packet_get_service_class(ph), KPKT_SC_BE);
	ck_assert_int_eq(kern_packet_set_service_class(ph, KPKT_SC_VO), 0);
	ck_assert_int_eq(kern_packet_get_service_class(ph), KPKT_SC_VO);
	ck_assert_int_eq(kern_packet_set_service_class(ph,
	    (kern_packet_svc_class_t)12345), EINVAL);
	ck_assert_int_eq(kern_packet_set_service_class(ph, KPKT_SC_UNSPEC),
	    EINVAL);
	SK_PTR_ADDR_KQUM(ph)->kq_svc_class = 777;       /* garbage: BE */
	ck_assert_int_eq(kern_packet_get_service_class(ph), KPKT_SC_BE);
	uuid_generate(u);
	kern_packet_set_flow_uuid(ph, u);
	kern_packet_get_flow_uuid(ph, &v);
	ck_assert_int_eq(uuid_compare(u, v), 0);
	kern_packet_clear_flow_uuid(ph);
	kern_packet_get_flow_uuid(ph, &v);
	ck_assert(uuid_is_null(v));
	ck_assert_int_eq(kern_packet_set_flowid(ph, 0xabcd), 0);
	ck_assert_int_eq(kern_packet_get_flowid(ph, &fid), 0);
	ck_assert_uint_eq(fid, 0xabcd);
	ck_assert_int_eq(kern_packet_get_flowid(ph, NULL), EINVAL);
	ck_assert_int_eq(kern_packet_set_trace_id(ph, 0x1234), 0);
	ck_assert_uint_eq(kern_packet_get_trace_id(ph), 0x1234);
}
END_TEST

START_TEST(test_checksum_flags_time)
{
	kern_packet_t ph;
	uint16_t start = 0, val = 0;
	uint64_t ts = 1;
	boolean_t valid = TRUE;

	pool(1, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ph = alloc1();
	ck_assert_int_eq(kern_packet_set_inet_checksum(ph,
	    PACKET_CSUM_PARTIAL | 0x80000000u, 34, 50, TRUE), 0);
	ck_assert_uint_eq(kern_packet_get_inet_checksum(ph, &start, &val,
	    TRUE), PACKET_CSUM_PARTIAL);        /* invalid bits dropped */
	ck_assert_uint_eq(start, 34);
	ck_assert_uint_eq(val, 50);
	ck_assert_int_eq(kern_packet_set_inet_checksum(ph,
	    PACKET_CSUM_DATA_VALID | PACKET_CSUM_PSEUDO_HDR, 14, 0xbeef,
	    FALSE), 0);
	ck_assert_uint_eq(kern_packet_get_inet_checksum(ph, &start, &val,
	    FALSE), PACKET_CSUM_DATA_VALID | PACKET_CSUM_PSEUDO_HDR);
	ck_assert_uint_eq(val, 0xbeef);
	ck_assert_int_eq(kern_packet_set_packet_flags(ph, 1ull << 63), EINVAL);
	ck_assert_int_eq(kern_packet_set_packet_flags(ph, PKT_F_REALTIME), 0);
	ck_assert_int_eq(kern_packet_set_wake_flag(ph), 0);
	ck_assert(kern_packet_get_wake_flag(ph));
	ck_assert_int_eq(kern_packet_set_truncated(ph, TRUE), 0);
	ck_assert(kern_packet_get_truncated(ph));
	ck_assert_uint_eq(kern_packet_get_packet_flags(ph), PKT_F_REALTIME |
	    PKT_F_WAKE_PKT | PKT_F_TRUNCATED);
	ck_assert_int_eq(kern_packet_set_truncated(ph, FALSE), 0);
	ck_assert(!kern_packet_get_truncated(ph));
	ck_assert_int_eq(kern_packet_get_timestamp(ph, &ts, &valid), ENOENT);
	ck_assert_int_eq(kern_packet_set_timestamp(ph, 99, TRUE), 0);
	ck_assert_int_eq(kern_packet_get_timestamp(ph, &ts, &valid), 0);
	ck_assert_uint_eq(ts, 99);
	ck_assert(valid);
	ck_assert_int_eq(kern_packet_get_timestamp(ph, NULL, NULL), EINVAL);
}
END_TEST

START_TEST(test_copy_bytes)
{
	kern_packet_t ph;
	kern_buflet_t b;
	char out[8];

	pool(1, 2048, NEXUS_META_TYPE_QUANTUM, NEXUS_META_SUBTYPE_PAYLOAD);
	ph = alloc1();
	b = kern_packet_get_next_buflet(ph, NULL);
	memcpy((char *)kern_buflet_get_data_address(b) + 4, "abcdefgh", 8);
	ck_assert_int_eq(kern_buflet_set_data_offset(b, 4), 0);
	ck_assert_int_eq(kern_buflet_set_data_length(b, 8), 0);
	ck_assert_int_eq(kern_packet_finalize(ph), 0);
	ck_assert_int_eq(kern_packet_copy_bytes(ph, 2, 6, out), 0);
	ck_assert_int_eq(memcmp(out, "cdefgh", 6), 0);
	ck_assert_int_eq(kern_packet_copy_bytes(ph, 3, 6, out), EINVAL);
	ck_assert_int_eq(kern_packet_copy_bytes(ph, 9, 0, out), EINVAL);
	ck_assert_int_eq(kern_packet_copy_bytes(ph, 8, 0, out), 0);
	ck_assert_int_eq(kern_packet_copy_bytes(ph, 0, 1, NULL), EINVAL);
}
END_TEST

/* ---- PACKET metadata through a ring ----------------------------------------- */

#define KR_SLOTS        4

struct kring_fx {
	struct kern_channel_ring kr;
	struct __user_channel_ring ring;
	struct __user_slot_desc usds[KR_SLOTS];
};

static struct kring_fx fx;

/* A KPI ring over pp, bound to process-side memory the test plays. */
static void
ring_up(enum kr_txrx dir)
{
	memset(&fx, 0, sizeof(fx));
	ck_assert_int_eq(kr_init(&fx.kr, dir, 0, 0, KR_SLOTS, pp,
	    OBJ_IDX_NONE), 0);
	kr_bind(&fx.kr, NULL, &fx.ring, fx.usds);
}

static void
ring_down(void)
{
	kr_fini(&fx.kr);
}

static struct __user_packet *
tx_slot_pkt(uint32_t slot)
{
	ck_assert(fx.usds[slot].sd_flags & SD_IDX_VALID);
	return pp_umd_packet(pp, fx.usds[slot].sd_md_idx);
}

/* A well-formed RAW frame: 16 headroom, 14 L2, 100 bytes, partial csum. */
static struct __user_packet *
tx_good_raw(void)
{
	struct __user_packet *up = tx_slot_pkt(0);

	up->pkt_qum_buf.buf_doff = 16;
	up->pkt_qum_buf.buf_dlen = 100;
	up->pkt_length = 100;
	up->pkt_headroom = 16;
	up->pkt_l2_len = 14;
	up->pkt_csum_flags = PACKET_CSUM_PARTIAL | PACKET_CSUM_IP_CHECKED;
	up->pkt_csum_tx_start_off = 34;
	up->pkt_csum_tx_stuff_off = 50;
	up->pkt_pflags = PKT_F_REALTIME | (1ull << 62);
	up->pkt_link_flags = PKT_LINKF_MCAST;
	up->pkt_trace_id = 0x77;
	return up;
}

static int
tx_sync_one(void)
{
	fx.ring.ring_head = 1;
	return kr_txsync_prologue(&fx.kr);
}

START_TEST(test_tx_internalize_good_raw)
{
	struct kern_packet *kp;

	pool(8, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ring_up(NR_TX);
	ck_assert_uint_eq(fx.ring.ring_tail, KR_SLOTS - 1);
	ck_assert_uint_eq(tx_slot_pkt(0)->pkt_bufs_max, 1);
	ck_assert_uint_eq(tx_slot_pkt(0)->pkt_bufs_cnt, 1);
	tx_good_raw();
	ck_assert_int_eq(tx_sync_one(), 0);
	kp = pp_kpkt(pp, fx.kr.ckr_ksds[0]);
	ck_assert_uint_eq(kp->kp_qum.kq_len, 100);
	ck_assert_uint_eq(kp->kp_qum.kq_buf.kb_doff, 16);
	ck_assert_uint_eq(kp->kp_com.__p_headroom, 16);
	ck_assert_uint_eq(kp->kp_com.__p_l2_len, 14);
	ck_assert_uint_eq(kp->kp_com.__p_link_flags, PKT_LINKF_MCAST);
	ck_assert_uint_eq(kp->kp_com.__p_trace_id, 0x77);
	/* Only TX checksum requests, only user-visible packet flags. */
	ck_assert_uint_eq(kp->kp_com.__p_csum_flags, PACKET_CSUM_PARTIAL);
	ck_assert_uint_eq(kp->kp_com.__p_csum_tx.__csum_stuff_off, 50);
	ck_assert_uint_eq(kp->kp_com.__p_flags, PKT_F_REALTIME);
	ring_down();
}
END_TEST

/* Each broken rule, one at a time, is a ring violation. */
static void
tx_bad(void (*breakit)(struct __user_packet *))
{
	pool(8, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ring_up(NR_TX);
	breakit(tx_good_raw());
	ck_assert_int_eq(tx_sync_one(), -EFAULT);
	ck_assert_uint_eq(fx.kr.ckr_rhead, 0);          /* nothing taken */
	ring_down();
}

static void
brk_headroom(struct __user_packet *up)
{
	up->pkt_headroom = 15;
}

START_TEST(test_tx_headroom_must_be_offset)
{
	tx_bad(brk_headroom);
}
END_TEST

static void
brk_dlim(struct __user_packet *up)
{
	up->pkt_qum_buf.buf_dlen = 2033;
	up->pkt_length = 2033;
}

START_TEST(test_tx_data_within_limit)
{
	tx_bad(brk_dlim);
}
END_TEST

static void
brk_len(struct __user_packet *up)
{
	up->pkt_length = 99;
}

START_TEST(test_tx_length_is_buflet_sum)
{
	tx_bad(brk_len);
}
END_TEST

static void
brk_bidx(struct __user_packet *up)
{
	up->pkt_qum_buf.buf_idx ^= 1;
}

START_TEST(test_tx_buffer_is_the_kernels)
{
	tx_bad(brk_bidx);
}
END_TEST

static void
brk_chain(struct __user_packet *up)
{
	up->pkt_qum_buf.buf_nbft_idx = 0;
}

START_TEST(test_tx_no_chain_yet)
{
	tx_bad(brk_chain);
}
END_TEST

static void
brk_csum_stuff(struct __user_packet *up)
{
	up->pkt_csum_tx_stuff_off = 99;
}

START_TEST(test_tx_csum_stuff_in_packet)
{
	tx_bad(brk_csum_stuff);
}
END_TEST

static void
brk_csum_start(struct __user_packet *up)
{
	up->pkt_csum_tx_start_off = 100;
}

START_TEST(test_tx_csum_start_in_packet)
{
	tx_bad(brk_csum_start);
}
END_TEST

START_TEST(test_tx_l2_limit_exact)
{
	pool(8, 128, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ring_up(NR_TX);
	tx_good_raw();
	tx_slot_pkt(0)->pkt_qum_buf.buf_dlen = 10;
	tx_slot_pkt(0)->pkt_length = 10;
	tx_slot_pkt(0)->pkt_csum_flags = 0;
	tx_slot_pkt(0)->pkt_l2_len = 112;               /* 16 + 112 == 128 */
	ck_assert_int_eq(tx_sync_one(), -EFAULT);
	tx_slot_pkt(0)->pkt_l2_len = 111;
	ck_assert_int_eq(tx_sync_one(), 0);
	ring_down();
}
END_TEST

START_TEST(test_tx_payload_has_no_headroom)
{
	pool(8, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_PAYLOAD);
	ring_up(NR_TX);
	tx_good_raw();
	ck_assert_int_eq(tx_sync_one(), -EFAULT);
	tx_slot_pkt(0)->pkt_headroom = 0;
	tx_slot_pkt(0)->pkt_qum_buf.buf_doff = 0;
	ck_assert_int_eq(tx_sync_one(), -EFAULT);       /* L2 14 */
	tx_slot_pkt(0)->pkt_l2_len = 0;
	ck_assert_int_eq(tx_sync_one(), 0);
	ring_down();
}
END_TEST

START_TEST(test_tx_dropped_passes_empty)
{
	sk_protect_t p;

	pool(8, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ring_up(NR_TX);
	tx_good_raw()->pkt_headroom = 3;                /* broken, but... */
	tx_slot_pkt(0)->pkt_qum_qflags |= QUM_F_DROPPED; /* ...dropped */
	ck_assert_int_eq(tx_sync_one(), 0);
	ck_assert_uint_eq(pp_kqum(pp, fx.kr.ckr_ksds[0])->kq_len, 0);
	p = sk_sync_protect();
	ck_assert_uint_eq(kern_channel_slot_get_packet(&fx.kr,
	    kern_channel_get_next_slot(&fx.kr, NULL, NULL)), 0);
	sk_sync_unprotect(p);
	ring_down();
}
END_TEST

/* RX: what the provider set is what the process reads. */
static void
rx_deliver(kern_packet_t ph)
{
	sk_protect_t p = sk_sync_protect();
	kern_channel_slot_t s = kern_channel_get_next_slot(&fx.kr, NULL, NULL);

	ck_assert_int_eq(kern_channel_slot_attach_packet(&fx.kr, s, ph), 0);
	kern_channel_advance_slot(&fx.kr, s);
	sk_sync_unprotect(p);
	kr_rxsync_finalize(&fx.kr);
}

static kern_packet_t
rx_frame(void)
{
	kern_packet_t ph = alloc1();
	kern_buflet_t b = kern_packet_get_next_buflet(ph, NULL);

	ck_assert_int_eq(kern_buflet_set_data_offset(b, 2), 0);
	ck_assert_int_eq(kern_buflet_set_data_length(b, 60), 0);
	kern_packet_set_link_header_length(ph, 14);
	kern_packet_set_link_broadcast(ph);
	kern_packet_set_inet_checksum(ph, PACKET_CSUM_IP_CHECKED |
	    PACKET_CSUM_IP_VALID, 14, 0x1234, FALSE);
	kern_packet_set_trace_id(ph, 9);
	kern_packet_set_service_class(ph, KPKT_SC_VI);
	kern_packet_set_truncated(ph, TRUE);
	ck_assert_int_eq(kern_packet_finalize(ph), 0);
	return ph;
}

START_TEST(test_rx_externalize_raw)
{
	struct __metadata_preamble *mdp;
	struct __user_packet *up;
	obj_idx_t idx;

	pool(8, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_RAW);
	ring_up(NR_RX);
	ck_assert_uint_eq(fx.ring.ring_tail, 0);
	ck_assert_uint_eq(fx.usds[0].sd_flags, 0);      /* empty RX slot */
	rx_deliver(rx_frame());
	ck_assert_uint_eq(fx.ring.ring_tail, 1);
	ck_assert(fx.usds[0].sd_flags & SD_IDX_VALID);
	idx = fx.usds[0].sd_md_idx;
	up = pp_umd_packet(pp, idx);
	mdp = pp_umd_preamble(pp, idx);
	ck_assert_uint_eq(mdp->mdp_type, NEXUS_META_TYPE_PACKET);
	ck_assert_uint_eq(mdp->mdp_subtype, NEXUS_META_SUBTYPE_RAW);
	ck_assert_uint_eq(mdp->mdp_idx, idx);
	ck_assert_uint_eq(mdp->mdp_redzone,
	    pp_md_offset(pp, idx) ^ sk_md_redzone_cookie);
	ck_assert_uint_eq(up->pkt_length, 60);
	ck_assert(up->pkt_qum_qflags & QUM_F_FINALIZED);
	ck_assert_uint_eq(up->pkt_svc_class, PKT_SC_VI);
	ck_assert_uint_eq(up->pkt_qum_buf.buf_doff, 2);
	ck_assert_uint_eq(up->pkt_qum_buf.buf_dlen, 60);
	ck_assert_uint_eq(up->pkt_qum_buf.buf_dlim, 2048);
	ck_assert_uint_eq(up->pkt_qum_buf.buf_idx, idx);
	ck_assert_uint_eq(up->pkt_qum_buf.buf_nbft_idx, OBJ_IDX_NONE);
	ck_assert_uint_eq(up->pkt_headroom, 2);
	ck_assert_uint_eq(up->pkt_l2_len, 14);
	ck_assert_uint_eq(up->pkt_link_flags, PKT_LINKF_BCAST);
	ck_assert_uint_eq(up->pkt_csum_flags, PACKET_CSUM_IP_CHECKED |
	    PACKET_CSUM_IP_VALID);
	ck_assert_uint_eq(up->pkt_csum_rx_value, 0x1234);
	ck_assert_uint_eq(up->pkt_trace_id, 9);
	ck_assert_uint_eq(up->pkt_pflags, PKT_F_TRUNCATED);
	ck_assert_uint_eq(up->pkt_bufs_cnt, 1);
	ck_assert_uint_eq(up->pkt_bufs_max, 1);
	ck_assert_uint_eq(fx.kr.ckr_ready_bytes, 60);
	ring_down();
}
END_TEST

START_TEST(test_rx_externalize_payload_hides_link)
{
	struct __user_packet *up;
	kern_packet_t ph;

	pool(8, 2048, NEXUS_META_TYPE_PACKET, NEXUS_META_SUBTYPE_PAYLOAD);
	ring_up(NR_RX);
	ph = alloc1();
	kern_buflet_set_data_length(kern_packet_get_next_buflet(ph, NULL), 5);
	kern_packet_set_link_multicast(ph);
	ck_assert_int_eq(kern_packet_finalize(ph), 0);
	rx_deliver(ph);
	up = pp_umd_packet(pp, fx.usds[0].sd_md_idx);
	ck_assert_uint_eq(up->pkt_length, 5);
	ck_assert_uint_eq(up->pkt_link_flags, 0);
	ck_assert_uint_eq(up->pkt_headroom, 0);
	ck_assert_uint_eq(up->pkt_l2_len, 0);
	ring_down();
}
END_TEST

static Suite *
kern_packet_suite(void)
{
	Suite *s = suite_create("kern_packet");
	TCase *tc = tcase_create("packets");
	TCase *tr = tcase_create("rings");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pool_alloc_free);
	tcase_add_test_raise_signal(tc, test_double_free_aborts, SIGABRT);
	tcase_add_test(tc, test_handle_tags);
	tcase_add_test(tc, test_fresh_packet_and_buflet);
	tcase_add_test(tc, test_buflet_ranges);
	tcase_add_test(tc, test_finalize_quantum);
	tcase_add_test(tc, test_finalize_raw);
	tcase_add_test(tc, test_finalize_big_headroom);
	tcase_add_test(tc, test_finalize_payload_and_options);
	tcase_add_test(tc, test_link_accessors);
	tcase_add_test(tc, test_class_flow_trace);
	tcase_add_test(tc, test_checksum_flags_time);
	tcase_add_test(tc, test_copy_bytes);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, test_tx_internalize_good_raw);
	tcase_add_test(tr, test_tx_headroom_must_be_offset);
	tcase_add_test(tr, test_tx_data_within_limit);
	tcase_add_test(tr, test_tx_length_is_buflet_sum);
	tcase_add_test(tr, test_tx_buffer_is_the_kernels);
	tcase_add_test(tr, test_tx_no_chain_yet);
	tcase_add_test(tr, test_tx_csum_stuff_in_packet);
	tcase_add_test(tr, test_tx_csum_start_in_packet);
	tcase_add_test(tr, test_tx_l2_limit_exact);
	tcase_add_test(tr, test_tx_payload_has_no_headroom);
	tcase_add_test(tr, test_tx_dropped_passes_empty);
	tcase_add_test(tr, test_rx_externalize_raw);
	tcase_add_test(tr, test_rx_externalize_payload_hides_link);
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(kern_packet_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
