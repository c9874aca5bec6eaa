/*
 * check_defunct.c - defunct, in-process (channel.c, kern_channel.c,
 * skmem.c, the SKC_IOC_CTL_DEFUNCT request).
 *
 * Objective (behaviours §4.7, spec §5.1 "Defunct"): the control request
 * defuncts every eligible channel of a pid and counts them; a user pipe
 * only when every open end is DEFUNCT_OK (oneslotukd: otherwise nothing
 * changes and traffic flows); a defunct channel has CSM_ACTIVE clear and
 * a schema that is otherwise intact, while every other byte of its span
 * reads zero -- the shared pool only once no live channel uses it; its
 * requests but INFO fail ENXIO, its poll says POLLHUP plus the read
 * bits, its armed waiter fires; its rings, packets and ticket are given
 * back at once, its handle and arena stay until close, and then every
 * count returns to zero.  Permission (EPERM for another uid unless
 * root, nothing changed), EINVAL for pid <= 0 and reserved fields, ESRCH
 * for a process that does not exist.  The KPI's kern_channel_defunct()
 * is the same path.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "kern_harness.h"
#include "../../cuse-dev/channel_var.h"
#include "../../cuse-dev/kern_channel.h"
#include "../../cuse-dev/nx_kpipe.h"
#include "../../cuse-dev/sk_ctl.h"

/* Pids nobody else uses in-process: channels are matched by pid only. */
#define DF_PID_A        1000001
#define DF_PID_B        1000002

static struct sk_file *ctl;

static void
setup(void)
{
	kh_setup();
	kh_cred = KH_CRED_NOBODY;
	ctl = kh_ctl_open();
}

static void
teardown(void)
{
	sk_file_close(ctl);
	kh_teardown();
}

static struct sk_cred
df_cred(pid_t pid, uid_t uid)
{
	return (struct sk_cred){ pid, uid, getgid() };
}

/* Open with kh_cred set to cred (the harness opens as kh_cred). */
static void
df_open(struct kh_chan *c, struct sk_cred cred, const uuid_t nx,
    nexus_port_t port, uint32_t mode)
{
	struct sk_cred saved = kh_cred;

	kh_cred = cred;
	ck_assert_int_eq(kh_chan_open_key(c, nx, port, CHANNEL_RING_ID_ANY,
	    mode, NULL, 0), 0);
	kh_cred = saved;
}

/* The request, as caller; -errno, or the count. */
static int
df_request(struct sk_cred caller, pid_t pid)
{
	struct skc_ctl_defunct df;
	struct sk_cred saved = kh_cred;
	int err;

	memset(&df, 0, sizeof(df));
	df.df_pid = pid;
	kh_cred = caller;
	err = kh_ioctl(ctl, SKC_IOC_CTL_DEFUNCT, &df);
	kh_cred = saved;
	return err != 0 ? err : (int)df.df_count;
}

static int
df_defunct(pid_t pid)
{
	return df_request(df_cred(getpid(), getuid()), pid);
}

/*
 * First byte of the span that is not zero, in every region but the
 * schema and, with pool false, the pool (buffers, metadata) it shares.
 */
static size_t
df_first_nonzero(const struct kh_chan *c, bool pool)
{
	const struct skc_map *mp = &c->req.co_map;
	uint32_t r;
	size_t i;

	for (r = 0; r < mp->mp_nregions; r++) {
		const struct skc_map_region *mr = &mp->mp_regions[r];

		if (mr->mr_fd == CH_FD_SCHEMA ||
		    (mr->mr_fd == CH_FD_POOL && !pool))
			continue;
		for (i = mr->mr_span_off; i < mr->mr_span_off + mr->mr_len;
		    i++) {
			if (c->span[i] != 0)
				return i;
		}
	}
	return 0;
}

/* pool: the shared pool must be revoked too (no live user left). */
static void
df_assert_dead_pool(struct kh_chan *c, bool pool)
{
	struct skc_channel_opt o;
	struct ch_ev_thresh t = { CHANNEL_THRESHOLD_UNIT_SLOTS, 2 };

	ck_assert(!(c->schema->csm_flags & CSM_ACTIVE));
	ck_assert_uint_eq(c->schema->csm_ver, CSM_CURRENT_VERSION);
	ck_assert_uint_ne(c->schema->csm_tx_rings, 0);
	ck_assert_uint_eq(df_first_nonzero(c, pool), 0);
	ck_assert_int_eq(kh_sync(c, CHANNEL_SYNC_TX), -ENXIO);
	ck_assert_int_eq(kh_sync(c, CHANNEL_SYNC_RX), -ENXIO);
	memset(&o, 0, sizeof(o));
	o.co_opt = CHOPT_TX_LOWAT_THRESH;
	o.co_len = sizeof(t);
	memcpy(o.co_data, &t, sizeof(t));
	ck_assert_int_eq(kh_ioctl(c->f, SKC_IOC_CHANNEL_SET_OPT, &o), -ENXIO);
	ck_assert_int_eq(kh_ioctl(c->f, SKC_IOC_CHANNEL_INFO, &c->info), 0);
	ck_assert_uint_eq(kh_poll(c, POLLIN | POLLOUT, 1), POLLHUP | POLLIN);
	ck_assert_uint_eq(kh_poll(c, POLLOUT, 1), POLLHUP);
}

static void
df_assert_dead(struct kh_chan *c)
{
	df_assert_dead_pool(c, true);
}

static void
df_assert_alive(struct kh_chan *c)
{
	ck_assert(c->schema->csm_flags & CSM_ACTIVE);
	ck_assert_int_eq(kh_sync(c, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(c, CHANNEL_SYNC_RX), 0);
}

/* Send n slots of val from a and show them on b. */
static void
df_pipe_send(struct kh_chan *a, struct kh_chan *b, uint32_t n, uint8_t val)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		kh_tx_put(a, kh_tx(a, 0), 64, val);
	ck_assert_int_eq(kh_sync(a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(b, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(b, 0)), n);
	ck_assert_uint_eq(kh_slot_buf(b, kh_rx(b, 0),
	    kh_rx(b, 0)->ring_head)[0], val);
}

/* ---- user pipe ---------------------------------------------------------- */

START_TEST(test_upipe_pair_defunct)
{
	struct sk_cred cr = df_cred(DF_PID_A, getuid());
	struct skc_ctl_stats before, after;
	struct kh_chan a, b;
	uuid_t nx;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	df_open(&a, cr, nx, 0, CHMODE_DEFUNCT_OK);
	df_open(&b, cr, nx, 1, CHMODE_DEFUNCT_OK);
	df_pipe_send(&a, &b, 3, 0x5a);
	kh_tx_put(&b, kh_tx(&b, 0), 10, 0x33);  /* queued, not synced */
	ck_assert_uint_eq(kh_poll(&a, POLLIN, 1), 0);    /* a armed */
	sk_kern_stats(&before);
	ck_assert_int_eq(df_defunct(DF_PID_A), 2);
	ck_assert_uint_eq(a.fired, 1);
	df_assert_dead(&a);
	df_assert_dead(&b);
	/* The handles and their arenas stay until closed. */
	sk_kern_stats(&after);
	ck_assert_uint_eq(after.cs_channels, 2);
	ck_assert_uint_eq(after.cs_arenas, before.cs_arenas);
	ck_assert_int_eq(df_defunct(DF_PID_A), 0);       /* nothing left */
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* oneslotukd: the server end is not DEFUNCT_OK, so nothing happens. */
START_TEST(test_upipe_peer_not_ok)
{
	struct sk_cred cr = df_cred(DF_PID_A, getuid());
	struct sk_cred srv = df_cred(DF_PID_B, getuid());
	struct kh_chan a, b;
	uuid_t nx;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	df_open(&a, cr, nx, 0, CHMODE_DEFUNCT_OK);
	df_open(&b, srv, nx, 1, 0);
	ck_assert_int_eq(df_defunct(DF_PID_A), 0);
	ck_assert_int_eq(df_defunct(DF_PID_B), 0);
	df_assert_alive(&a);
	df_assert_alive(&b);
	df_pipe_send(&a, &b, 2, 0x11);
	df_pipe_send(&b, &a, 1, 0x22);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/*
 * Two processes, one pipe: the first one's end goes, the peer keeps
 * working as after a close (what it sends waits in the rings, and a
 * reopened end finds it), and the shared pool stays readable for it;
 * once the peer goes too, the pool is revoked.
 */
START_TEST(test_upipe_one_end_then_the_other)
{
	struct kh_chan a, b, a2;
	uuid_t nx;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	df_open(&a, df_cred(DF_PID_A, getuid()), nx, 0, CHMODE_DEFUNCT_OK);
	df_open(&b, df_cred(DF_PID_B, getuid()), nx, 1, CHMODE_DEFUNCT_OK);
	df_pipe_send(&a, &b, 2, 0x44);
	ck_assert_int_eq(df_defunct(DF_PID_A), 1);
	df_assert_dead_pool(&a, false);
	ck_assert_uint_ne(df_first_nonzero(&a, true), 0);
	df_assert_alive(&b);
	/* b's received buffers are intact: the pool is b's too. */
	ck_assert_uint_eq(kh_avail(kh_rx(&b, 0)), 2);
	ck_assert_uint_eq(kh_slot_buf(&b, kh_rx(&b, 0),
	    kh_rx(&b, 0)->ring_head)[0], 0x44);
	kh_tx_put(&b, kh_tx(&b, 0), 20, 0x66);
	ck_assert_int_eq(kh_sync(&b, CHANNEL_SYNC_TX), 0);
	/* Port 0 stays claimed until the defunct handle closes. */
	ck_assert_int_eq(kh_chan_open(&a2, nx, 0, CHANNEL_RING_ID_ANY),
	    -EBUSY);
	kh_chan_close(&a);
	df_open(&a2, df_cred(DF_PID_A, getuid()), nx, 0, CHMODE_DEFUNCT_OK);
	ck_assert_int_eq(kh_sync(&a2, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&a2, 0)), 1);
	ck_assert_uint_eq(kh_slot_buf(&a2, kh_rx(&a2, 0),
	    kh_rx(&a2, 0)->ring_head)[0], 0x66);
	kh_chan_close(&a2);
	ck_assert_int_eq(df_defunct(DF_PID_B), 1);
	df_assert_dead(&b);             /* the pool too: nobody left */
	kh_chan_close(&b);
}
END_TEST

/*
 * Both ends defunct: the pipe state went with them.  A fresh open of a
 * port whose defunct handle closed gets a new pool and works, while the
 * other defunct handle still holds the old one.
 */
START_TEST(test_upipe_reopen_after_both)
{
	struct kh_chan a, b, a2;
	uuid_t nx;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	df_open(&a, df_cred(DF_PID_A, getuid()), nx, 0, CHMODE_DEFUNCT_OK);
	df_open(&b, df_cred(DF_PID_A, getuid()), nx, 1, CHMODE_DEFUNCT_OK);
	df_pipe_send(&a, &b, 4, 0x77);
	ck_assert_int_eq(df_defunct(DF_PID_A), 2);
	kh_chan_close(&a);
	df_open(&a2, df_cred(DF_PID_B, getuid()), nx, 0, CHMODE_DEFUNCT_OK);
	ck_assert_int_eq(kh_sync(&a2, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&a2, 0)), 0);
	kh_tx_put(&a2, kh_tx(&a2, 0), 30, 0x12);
	ck_assert_int_eq(kh_sync(&a2, CHANNEL_SYNC_TX), 0);
	df_assert_dead(&b);             /* untouched by the new pool */
	df_assert_alive(&a2);
	kh_chan_close(&b);
	kh_chan_close(&a2);
}
END_TEST

/* Per-ring channels of one process on a 2-ring pipe: each goes. */
START_TEST(test_upipe_per_ring_channels)
{
	struct sk_cred cr = df_cred(DF_PID_A, getuid());
	struct sk_cred saved = kh_cred;
	struct kh_chan r0, r1, b;
	uuid_t nx;

	kh_upipe(ctl, 2, 16, 1, 0, nx);
	kh_cred = cr;
	ck_assert_int_eq(kh_chan_open(&r0, nx, 0, 0), 0);
	ck_assert_int_eq(kh_chan_open(&r1, nx, 0, 1), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, CHANNEL_RING_ID_ANY), 0);
	kh_cred = saved;
	df_pipe_send(&r0, &b, 2, 0x21);
	ck_assert_int_eq(df_defunct(DF_PID_A), 3);
	df_assert_dead(&r0);
	df_assert_dead(&r1);
	df_assert_dead(&b);
	kh_chan_close(&r0);
	kh_chan_close(&r1);
	kh_chan_close(&b);
}
END_TEST

/* ---- kernel pipe ---------------------------------------------------------- */

START_TEST(test_kpipe_defunct)
{
	struct kh_chan c;
	uuid_t lo;
	uint32_t i;

	ck_assert_int_eq(nx_kpipe_loopback_start(), 0);
	ck_assert_int_eq(nx_kpipe_loopback_uuid(lo), 0);
	df_open(&c, df_cred(DF_PID_A, getuid()), lo, 0, CHMODE_DEFUNCT_OK);
	for (i = 0; i < 4; i++)
		kh_tx_put(&c, kh_tx(&c, 0), 32, (uint8_t)(i + 1));
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), POLLIN);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 4);
	ck_assert_int_eq(df_defunct(DF_PID_A), 1);
	df_assert_dead(&c);
	kh_chan_close(&c);
	nx_kpipe_loopback_stop();
}
END_TEST

START_TEST(test_not_defunct_ok_stays)
{
	struct kh_chan c;
	uuid_t lo;

	ck_assert_int_eq(nx_kpipe_loopback_start(), 0);
	ck_assert_int_eq(nx_kpipe_loopback_uuid(lo), 0);
	df_open(&c, df_cred(DF_PID_A, getuid()), lo, 0, 0);
	ck_assert_int_eq(df_defunct(DF_PID_A), 0);
	df_assert_alive(&c);
	kh_chan_close(&c);
	nx_kpipe_loopback_stop();
}
END_TEST

/* ---- the KPI is the same path ------------------------------------------- */

START_TEST(test_kpi_then_request)
{
	struct kh_chan a, b;
	struct kern_nexus *knx = NULL;
	struct kern_channel *ch;
	struct proc p = { .p_cred = df_cred(DF_PID_A, getuid()) };
	uuid_t nx;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	df_open(&a, p.p_cred, nx, 0, CHMODE_DEFUNCT_OK);
	df_open(&b, p.p_cred, nx, 1, CHMODE_DEFUNCT_OK);
	ck_assert_int_eq(nx_lookup_for_open(nx, &knx), 0);
	ch = TAILQ_FIRST(&knx->nx_channels);
	kern_channel_defunct(&p, ch);
	kern_channel_memstatus(&p, 1, ch);      /* nothing to drain */
	ck_assert_int_eq(df_defunct(DF_PID_A), 1);      /* the other end */
	df_assert_dead(&a);
	df_assert_dead(&b);
	kh_chan_close(&a);
	kh_chan_close(&b);
}
END_TEST

/* ---- resources given back ------------------------------------------------- */

/* A CUSE open mints a ticket; defunct takes it back. */
START_TEST(test_ticket_released)
{
	struct sk_cred cr = df_cred(DF_PID_A, getuid());
	struct sk_file *f = sk_file_open(&cr, SK_DOOR_CUSE, NULL);
	struct skc_channel_open co;
	struct skc_arena_fetch af;
	struct skc_ctl_stats st;
	uuid_t nx;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	memset(&co, 0, sizeof(co));
	co.co_init.ci_version = CHANNEL_INIT_CURRENT_VERSION;
	co.co_init.ci_ch_mode = CHMODE_DEFUNCT_OK;
	co.co_init.ci_ch_ring_id = CHANNEL_RING_ID_ANY;
	uuid_copy(co.co_init.ci_nx_uuid, nx);
	kh_hdr(&co, SKC_IOC_CHANNEL_OPEN);
	ck_assert_int_eq(sk_file_ioctl(f, &cr, SKC_IOC_CHANNEL_OPEN, &co,
	    sizeof(co), NULL), 0);
	ck_assert_uint_ne(co.co_ticket, 0);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_tickets, 1);
	ck_assert_int_eq(df_defunct(DF_PID_A), 1);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_tickets, 0);
	memset(&af, 0, sizeof(af));
	af.af_ticket = co.co_ticket;
	kh_hdr(&af, SKC_IOC_ARENA_FETCH);
	ck_assert_int_eq(sk_file_ioctl(ctl, &cr, SKC_IOC_ARENA_FETCH, &af,
	    sizeof(af), NULL), -ENOENT);
	sk_file_close(f);
}
END_TEST

/* The list shows it defunct, with no rings left. */
START_TEST(test_list_shows_defunct)
{
	struct skc_ctl_list ls;
	struct kh_chan a;
	uuid_t nx;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	df_open(&a, df_cred(DF_PID_A, getuid()), nx, 0, CHMODE_DEFUNCT_OK);
	ck_assert_int_eq(df_defunct(DF_PID_A), 1);
	memset(&ls, 0, sizeof(ls));
	ls.ls_kinds = SKC_CTL_KIND_BIT(SKC_CTL_KIND_CHANNEL) |
	    SKC_CTL_KIND_BIT(SKC_CTL_KIND_RING);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_CTL_LIST, &ls), 0);
	ck_assert_uint_eq(ls.ls_count, 1);
	ck_assert_uint_eq(ls.ls_ent[0].le_kind, SKC_CTL_KIND_CHANNEL);
	ck_assert_uint_ne(ls.ls_ent[0].le_flags & SKC_CTL_CEF_DEFUNCT, 0);
	kh_chan_close(&a);
}
END_TEST

/* ---- the request's errors ------------------------------------------------- */

START_TEST(test_permission)
{
	struct kh_chan a;
	uuid_t nx;

	kh_upipe(ctl, 1, 16, 1, 0, nx);
	df_open(&a, df_cred(DF_PID_A, 4242), nx, 0, CHMODE_DEFUNCT_OK);
	ck_assert_int_eq(df_request(df_cred(77, 4343), DF_PID_A), -EPERM);
	df_assert_alive(&a);
	ck_assert_int_eq(df_request(df_cred(77, 4242), DF_PID_A), 1);
	kh_chan_close(&a);
	df_open(&a, df_cred(DF_PID_A, 4242), nx, 0, CHMODE_DEFUNCT_OK);
	ck_assert_int_eq(df_request(df_cred(77, 0), DF_PID_A), 1);  /* root */
	kh_chan_close(&a);
}
END_TEST

static pid_t
df_dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return pid;
}

START_TEST(test_errors)
{
	struct skc_ctl_defunct df;

	ck_assert_int_eq(df_defunct(0), -EINVAL);
	ck_assert_int_eq(df_defunct(-1), -EINVAL);
	ck_assert_int_eq(df_defunct(df_dead_pid()), -ESRCH);
	ck_assert_int_eq(df_defunct(getpid()), 0);      /* alive, no channel */
	memset(&df, 0, sizeof(df));
	df.df_pid = getpid();
	df.df_reserved[0] = 1;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_CTL_DEFUNCT, &df), -EINVAL);
	/* any handle may ask, like the other control requests */
	{
		struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, NULL);

		memset(&df, 0, sizeof(df));
		df.df_pid = getpid();
		ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CTL_DEFUNCT, &df), 0);
		sk_file_close(f);
	}
}
END_TEST

/* ---- the region revocation itself ------------------------------------------ */

/* A FUTURE_WRITE-sealed region cannot be punched; it is cleared. */
START_TEST(test_region_revoke_ro)
{
	struct skmem_region sr;
	uint8_t *p;

	ck_assert_int_eq(skmem_region_create(&sr, "skchan:test:ro", 8192,
	    SKMEM_REGION_F_USER_RO), 0);
	p = mmap(NULL, sr.sr_size, PROT_READ, MAP_SHARED, sr.sr_fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	memset(sr.sr_addr, 0xa5, sr.sr_size);
	ck_assert_uint_eq(p[5000], 0xa5);
	ck_assert_int_ne(fallocate(sr.sr_fd, FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, 0, (off_t)sr.sr_size), 0);
	skmem_region_revoke(&sr);
	ck_assert_uint_eq(p[0], 0);
	ck_assert_uint_eq(p[5000], 0);
	ck_assert_uint_eq(p[sr.sr_size - 1], 0);
	munmap(p, sr.sr_size);
	skmem_region_destroy(&sr);
}
END_TEST

static Suite *
defunct_suite(void)
{
	Suite *s = suite_create("defunct");
	TCase *tc = tcase_create("defunct");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_upipe_pair_defunct);
	tcase_add_test(tc, test_upipe_peer_not_ok);
	tcase_add_test(tc, test_upipe_one_end_then_the_other);
	tcase_add_test(tc, test_upipe_reopen_after_both);
	tcase_add_test(tc, test_upipe_per_ring_channels);
	tcase_add_test(tc, test_kpipe_defunct);
	tcase_add_test(tc, test_not_defunct_ok_stays);
	tcase_add_test(tc, test_kpi_then_request);
	tcase_add_test(tc, test_ticket_released);
	tcase_add_test(tc, test_list_shows_defunct);
	tcase_add_test(tc, test_permission);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_region_revoke_ro);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(defunct_suite());
	int nfailed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
