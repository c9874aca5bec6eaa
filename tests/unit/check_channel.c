/*
 * check_channel.c - channels: open checks, info, the mapped span, tickets,
 * options, reject_on_close, and life after the nexus is destroyed.
 *
 * Objective: spec behaviours scenario 8 (ring-id bounds and open errors)
 * at the kernel level; the span is laid out and protected as the mmap
 * contract says (schema and slot descriptors read-only to the client);
 * the arena ticket works once and only for its opener; every handle's
 * close leaves the kernel at its baseline.
 */
#include <fcntl.h>
#include <sys/wait.h>

#include "kern_harness.h"

/* Under AddressSanitizer, let the expected SIGSEGVs be signals. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "handle_segv=0";
}

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
	if (ctl != NULL)
		sk_file_close(ctl);
	kh_teardown();
}

/* Scenario 8: 4 rings; ANY owns all, one ring owns one; 4 is EINVAL. */
START_TEST(test_ring_ids)
{
	struct kh_chan c;
	struct ch_info *ci = &c.info.ci_info;
	uint32_t r;

	kh_upipe(ctl, 4, 128, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_uint_eq(ci->cinfo_first_tx_ring, 0);
	ck_assert_uint_eq(ci->cinfo_last_tx_ring, 3);
	ck_assert_uint_eq(ci->cinfo_first_rx_ring, 0);
	ck_assert_uint_eq(ci->cinfo_last_rx_ring, 3);
	ck_assert_uint_eq(c.schema->csm_tx_rings, 4);
	ck_assert_uint_eq(c.schema->csm_rx_rings, 4);
	for (r = 0; r < 4; r++) {
		ck_assert_uint_eq(kh_tx(&c, r)->ring_id, r);
		ck_assert_uint_eq(kh_tx(&c, r)->ring_kind, CR_KIND_TX);
		ck_assert_uint_eq(kh_rx(&c, r)->ring_kind, CR_KIND_RX);
	}
	kh_chan_close(&c);
	for (r = 0; r < 4; r++) {
		ck_assert_int_eq(kh_chan_open(&c, nx, 0, r), 0);
		ck_assert_uint_eq(ci->cinfo_first_tx_ring, r);
		ck_assert_uint_eq(ci->cinfo_last_tx_ring, r);
		ck_assert_uint_eq(ci->cinfo_ch_ring_id, r);
		ck_assert_uint_eq(c.schema->csm_tx_rings, 1);
		ck_assert_uint_eq(kh_tx(&c, 0)->ring_id, r);
		kh_chan_close(&c);
	}
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, 4), -EINVAL);
}
END_TEST

START_TEST(test_open_errors)
{
	struct kh_chan c, d;
	uuid_t bogus, null;

	kh_upipe(ctl, 2, 8, 1, 0, nx);
	uuid_clear(null);
	uuid_generate_random(bogus);
	ck_assert_int_eq(kh_chan_open(&c, null, 0, CHANNEL_RING_ID_ANY),
	    -EINVAL);
	ck_assert_int_eq(kh_chan_open(&c, bogus, 0, CHANNEL_RING_ID_ANY),
	    -ENOENT);
	ck_assert_int_eq(kh_chan_open(&c, nx, 2, CHANNEL_RING_ID_ANY), -EDOM);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_ANY,
	    CHANNEL_RING_ID_ANY), -EDOM);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_USER_PACKET_POOL, NULL, 0), -ENOTSUP);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_LOW_LATENCY, NULL, 0), -ENOTSUP);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_EVENT_RING, NULL, 0), -EINVAL);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, CHANNEL_RING_ID_ANY,
	    CHMODE_MONITOR | CHMODE_USER_PACKET_POOL, NULL, 0), -EINVAL);

	/* One owner per {port, ring}; ANY owns them all. */
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&d, nx, 0, CHANNEL_RING_ID_ANY), -EBUSY);
	ck_assert_int_eq(kh_chan_open(&d, nx, 0, 1), -EBUSY);
	kh_chan_close(&c);
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, 0), 0);
	ck_assert_int_eq(kh_chan_open(&d, nx, 0, 1), 0);
	kh_chan_close(&d);
	ck_assert_int_eq(kh_chan_open(&d, nx, 0, CHANNEL_RING_ID_ANY), -EBUSY);

	/* A handle becomes one thing, once. */
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_OPEN, &c.req), -EBUSY);
	kh_chan_close(&c);
}
END_TEST

START_TEST(test_bad_version_and_key)
{
	struct kh_chan c;
	struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, NULL);
	struct skc_channel_open req;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	memset(&req, 0, sizeof(req));
	req.co_init.ci_version = 2;
	uuid_copy(req.co_init.ci_nx_uuid, nx);
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CHANNEL_OPEN, &req), -ENOTSUP);
	req.co_init.ci_version = CHANNEL_INIT_CURRENT_VERSION;
	req.co_init.ci_key_len = NEXUS_MAX_KEY_LEN + 1;
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CHANNEL_OPEN, &req), -EINVAL);
	req.co_init.ci_key_len = 0;
	req.co_init.ci_tx_lowat.cet_unit = 7;
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CHANNEL_OPEN, &req), -EINVAL);
	sk_file_close(f);
	/* A key on an anonymous nexus is simply not needed. */
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, CHANNEL_RING_ID_ANY, 0,
	    "k", 1), 0);
	kh_chan_close(&c);
}
END_TEST

/* ch_info, schema and user rings describe the nexus (scenario 7). */
START_TEST(test_info_and_schema)
{
	struct kh_chan c;
	struct ch_info *ci = &c.info.ci_info;
	struct __user_channel_ring *tx, *rx;

	kh_upipe(ctl, 1, 64, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, 1, CHANNEL_RING_ID_ANY), 0);
	ck_assert(!uuid_is_null(ci->cinfo_ch_id));
	ck_assert_int_eq(uuid_compare(ci->cinfo_nx_uuid, nx), 0);
	ck_assert_uint_eq(ci->cinfo_nx_port, 1);
	ck_assert_uint_eq(ci->cinfo_ch_mode, CHMODE_DEFUNCT_OK);
	ck_assert_uint_eq(ci->cinfo_nxprov_params.nxp_type,
	    NEXUS_TYPE_USER_PIPE);
	ck_assert_uint_eq(ci->cinfo_nxprov_params.nxp_tx_slots, 64);
	ck_assert_uint_eq(ci->cinfo_nxprov_params.nxp_buf_size, 2048);
	ck_assert_uint_ne(ci->cinfo_nxprov_params.nxp_meta_size, 0);
	ck_assert_uint_eq(ci->cinfo_num_bufs, 2 * (64 + 64));
	ck_assert_uint_eq(ci->cinfo_mem_base, 0);
	ck_assert_uint_eq(ci->cinfo_mem_map_size, c.req.co_map.mp_span_size);
	ck_assert_uint_eq(ci->cinfo_tx_lowat.cet_unit,
	    CHANNEL_THRESHOLD_UNIT_SLOTS);
	ck_assert_uint_eq(ci->cinfo_tx_lowat.cet_value, 1);

	ck_assert_uint_eq(c.schema->csm_ver, CSM_CURRENT_VERSION);
	ck_assert(c.schema->csm_flags & CSM_ACTIVE);
	ck_assert_str_eq(c.schema->csm_kern_name, "skchan cuse-dev 0.1.0");
	ck_assert(!uuid_is_null(c.schema->csm_kern_uuid));
	ck_assert_uint_ne(c.schema->csm_md_redzone_cookie, 0);
	ck_assert_uint_eq(c.schema->csm_md_type, NEXUS_META_TYPE_QUANTUM);
	ck_assert_uint_eq(c.schema->csm_md_subtype, NEXUS_META_SUBTYPE_PAYLOAD);
	ck_assert_uint_eq(c.schema->csm_allocator_ring_pairs, 0);
	ck_assert_uint_eq(c.schema->csm_num_event_rings, 0);

	tx = kh_tx(&c, 0);
	rx = kh_rx(&c, 0);
	ck_assert_uint_eq(tx->ring_num_slots, 64);
	ck_assert_uint_eq(tx->ring_def_buf_size, 2048);
	ck_assert_uint_eq(tx->ring_head, 0);
	ck_assert_uint_eq(tx->ring_khead, 0);
	ck_assert_uint_eq(tx->ring_tail, 63);
	ck_assert_uint_eq(rx->ring_tail, 0);
	ck_assert_uint_eq(kh_avail(tx), 63);
	/* Every TX slot is prefilled with a full-size empty packet. */
	ck_assert(kh_sd(&c, tx, 63)->sd_flags & SD_IDX_VALID);
	ck_assert_uint_eq(kh_slot_md(&c, tx, 5)->qum_buf[0].buf_dlim, 2048);
	ck_assert_ptr_eq((uint8_t *)tx + tx->ring_sd_base,
	    (uint8_t *)kh_sd(&c, tx, 0));
	kh_chan_close(&c);
}
END_TEST

/* Read-only regions stay read-only, whatever the client tries. */
START_TEST(test_protections)
{
	struct kh_chan c;
	const struct skc_map *mp;
	uint32_t i;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	mp = &c.req.co_map;
	ck_assert_uint_eq(mp->mp_nregions, 6);
	ck_assert_uint_eq(mp->mp_nfds, c.fds.f_count);
	for (i = 0; i < mp->mp_nregions; i++) {
		const struct skc_map_region *mr = &mp->mp_regions[i];
		void *p;

		ck_assert_uint_eq(mr->mr_span_off % 4096, 0);
		if (mr->mr_prot & SKC_PROT_WRITE)
			continue;
		p = mmap(NULL, mr->mr_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		    c.fds.f_fd[mr->mr_fd], (off_t)mr->mr_fd_off);
		ck_assert_ptr_eq(p, MAP_FAILED);
		ck_assert_int_eq(errno, EPERM);
	}
	/* schema and slot descriptors are the read-only ones */
	ck_assert_uint_eq(mp->mp_regions[0].mr_prot, SKC_PROT_READ);
	ck_assert_uint_eq(mp->mp_regions[4].mr_prot, SKC_PROT_READ);
	ck_assert_uint_eq(mp->mp_regions[5].mr_prot, SKC_PROT_READ);
	/* and no client can shrink a region under the daemon */
	for (i = 0; i < c.fds.f_count; i++)
		ck_assert_int_ne(ftruncate(c.fds.f_fd[i], 0), 0);
	kh_chan_close(&c);
}
END_TEST

START_TEST(test_write_schema_faults)
{
	struct kh_chan c;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	*(volatile uint32_t *)(uintptr_t)&c.schema->csm_flags = 0;
}
END_TEST

/* ARENA_FETCH: once, by the opener's pid and uid, never by pid 0. */
START_TEST(test_ticket)
{
	struct sk_file *f, *g;
	struct skc_channel_open req;
	struct skc_arena_fetch af;
	struct sk_fds fds;
	struct sk_cred other;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	kh_cred = KH_CRED_SELF;
	f = sk_file_open(&kh_cred, SK_DOOR_CUSE, NULL);
	memset(&req, 0, sizeof(req));
	req.co_init.ci_version = CHANNEL_INIT_CURRENT_VERSION;
	req.co_init.ci_ch_ring_id = CHANNEL_RING_ID_ANY;
	uuid_copy(req.co_init.ci_nx_uuid, nx);
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CHANNEL_OPEN, &req), 0);
	ck_assert_uint_ne(req.co_ticket, 0);

	g = sk_file_open(&kh_cred, SK_DOOR_SOCKET, NULL);
	memset(&af, 0, sizeof(af));
	kh_hdr(&af, SKC_IOC_ARENA_FETCH);
	af.af_ticket = req.co_ticket + 1;
	ck_assert_int_eq(sk_file_ioctl(g, &kh_cred, SKC_IOC_ARENA_FETCH, &af,
	    sizeof(af), &fds), -ENOENT);
	af.af_ticket = req.co_ticket;
	other = kh_cred;
	other.cr_pid = 0;
	ck_assert_int_eq(sk_file_ioctl(g, &other, SKC_IOC_ARENA_FETCH, &af,
	    sizeof(af), &fds), -EPERM);
	other = kh_cred;
	other.cr_uid += 1;
	ck_assert_int_eq(sk_file_ioctl(g, &other, SKC_IOC_ARENA_FETCH, &af,
	    sizeof(af), &fds), -EPERM);
	ck_assert_int_eq(sk_file_ioctl(g, &kh_cred, SKC_IOC_ARENA_FETCH, &af,
	    sizeof(af), &fds), 0);
	ck_assert_uint_eq(af.af_nfds, 4);
	ck_assert_uint_eq(fds.f_count, 4);
	ck_assert_int_ge(fcntl(fds.f_fd[0], F_GET_SEALS), 0);
	ck_assert_int_eq(sk_file_ioctl(g, &kh_cred, SKC_IOC_ARENA_FETCH, &af,
	    sizeof(af), &fds), -ENOENT);
	sk_file_close(g);
	sk_file_close(f);
}
END_TEST

/* An unclaimed ticket dies with its channel. */
START_TEST(test_ticket_dies_with_channel)
{
	struct sk_file *f;
	struct skc_channel_open req;
	struct skc_ctl_stats st;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	f = sk_file_open(&kh_cred, SK_DOOR_CUSE, NULL);
	memset(&req, 0, sizeof(req));
	req.co_init.ci_version = CHANNEL_INIT_CURRENT_VERSION;
	uuid_copy(req.co_init.ci_nx_uuid, nx);
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CHANNEL_OPEN, &req), 0);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_tickets, 1);
	sk_file_close(f);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_tickets, 0);
}
END_TEST

START_TEST(test_lowat_opts)
{
	struct kh_chan c;
	struct skc_channel_opt o;
	struct ch_ev_thresh t;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	memset(&o, 0, sizeof(o));
	o.co_opt = CHOPT_RX_LOWAT_THRESH;
	o.co_len = sizeof(t);
	t.cet_unit = CHANNEL_THRESHOLD_UNIT_BYTES;
	t.cet_value = 1000000;
	memcpy(o.co_data, &t, sizeof(t));
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_SET_OPT, &o), 0);
	o.co_len = sizeof(o.co_data);
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_GET_OPT, &o), 0);
	ck_assert_uint_eq(o.co_len, sizeof(t));
	memcpy(&t, o.co_data, sizeof(t));
	ck_assert_uint_eq(t.cet_unit, CHANNEL_THRESHOLD_UNIT_BYTES);
	ck_assert_uint_eq(t.cet_value, 15 * 2048);
	t.cet_unit = 9;
	memcpy(o.co_data, &t, sizeof(t));
	o.co_len = sizeof(t);
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_SET_OPT, &o), -EINVAL);
	o.co_opt = 99;
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_SET_OPT, &o),
	    -ENOPROTOOPT);
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_GET_OPT, &o),
	    -ENOPROTOOPT);
	o.co_opt = CHOPT_IF_ADV_CONF;
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_SET_OPT, &o), -ENOTSUP);
	kh_chan_close(&c);
}
END_TEST

START_TEST(test_sync_args)
{
	struct kh_chan c;
	struct skc_channel_sync cs;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_sync(&c, 7), -EINVAL);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_UPP), -EINVAL);
	memset(&cs, 0, sizeof(cs));
	cs.cs_mode = CHANNEL_SYNC_TX;
	cs.cs_flags = CHANNEL_SYNCF_ALLOC;
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CHANNEL_SYNC, &cs), -EINVAL);
	kh_chan_close(&c);
}
END_TEST

/* reject_on_close: once one end closes, the other fails with ENXIO. */
START_TEST(test_reject_on_close)
{
	struct kh_chan a, b;
	struct skc_channel_opt o;

	kh_upipe(ctl, 1, 8, 1, 1, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	ck_assert_uint_eq(kh_poll(&a, POLLIN, 1), 0);
	kh_chan_close(&b);
	ck_assert_uint_eq(a.fired, 1);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), -ENXIO);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_RX), -ENXIO);
	ck_assert_uint_eq(kh_poll(&a, POLLIN | POLLOUT, 0), POLLHUP | POLLIN);
	ck_assert_uint_eq(kh_poll(&a, POLLWRNORM, 0), POLLHUP);
	memset(&o, 0, sizeof(o));
	o.co_opt = CHOPT_TX_LOWAT_THRESH;
	o.co_len = sizeof(struct ch_ev_thresh);
	ck_assert_int_eq(kh_ioctl(a.f, SKC_IOC_CHANNEL_SET_OPT, &o), -ENXIO);
	ck_assert_int_eq(kh_ioctl(a.f, SKC_IOC_CHANNEL_INFO, &a.info), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), -ENXIO);
	kh_chan_close(&a);
}
END_TEST

/* Destroyed nexus: new opens EBUSY, open channels keep working. */
START_TEST(test_destroyed_nexus)
{
	struct kh_chan a, b, c;
	struct skc_nexus_uuid nu;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	memset(&nu, 0, sizeof(nu));
	uuid_copy(nu.nu_uuid, nx);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DESTROY, &nu), 0);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DESTROY, &nu), -ENOENT);
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, 0), -EBUSY);
	kh_tx_put(&a, kh_tx(&a, 0), 3, 3);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 1);
	/* Even the controller may go first. */
	sk_file_close(ctl);
	ctl = NULL;
	kh_chan_close(&a);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_RX), 0);
	kh_chan_close(&b);
}
END_TEST

/* Handles closed in any order leave nothing behind (fixture checks). */
START_TEST(test_close_everything_anyhow)
{
	/* static: the waiters must outlive the handles (sk_kern.h) */
	static struct kh_chan a, b;

	kh_upipe(ctl, 2, 32, 1, 1, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, 1), 0);
	kh_tx_put(&a, kh_tx(&a, 1), 3, 3);
	ck_assert_uint_eq(kh_poll(&b, POLLIN, 1), 0);
	/* sk_kern_fini() in the fixture closes a, b and ctl for us. */
	munmap(a.span, a.span_size);
	munmap(b.span, b.span_size);
}
END_TEST

static Suite *
channel_suite(void)
{
	Suite *s = suite_create("channel");
	TCase *tc = tcase_create("channel");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ring_ids);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_bad_version_and_key);
	tcase_add_test(tc, test_info_and_schema);
	tcase_add_test(tc, test_protections);
	tcase_add_test_raise_signal(tc, test_write_schema_faults, SIGSEGV);
	tcase_add_test(tc, test_ticket);
	tcase_add_test(tc, test_ticket_dies_with_channel);
	tcase_add_test(tc, test_lowat_opts);
	tcase_add_test(tc, test_sync_args);
	tcase_add_test(tc, test_reject_on_close);
	tcase_add_test(tc, test_destroyed_nexus);
	tcase_add_test(tc, test_close_everything_anyhow);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(channel_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
