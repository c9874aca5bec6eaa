/*
 * check_sk_ctl.c - the introspection requests (cuse-dev/sk_ctl.c) and
 * the library's control SPI (libos/skchan_ctl.c).
 *
 * Objective: CTL_INFO tells the truth (pid, version, door, the UUID
 * every schema carries, the same counts as CTL_STATS) and rejects
 * non-zero reserved fields; CTL_LIST describes every provider, instance,
 * channel and ring with the kernel's own values, in its documented
 * order, filtered by kind, a page at a time; a cursor outlives counter
 * changes but not a change of the object set (ESTALE), and forged
 * cursors are refused.  The SPI, over a socket served by the real
 * kernel, stitches pages into one array, restarts a walk that went
 * stale, gives up with EAGAIN when the set never holds still, and
 * reports an unknown request as ENOTTY.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <skywalk/skchan_ctl.h>

#include "kern_harness.h"
#include "../../backend/backend.h"
#include "../../cuse-dev/channel_var.h"
#include "../../cuse-dev/evloop.h"
#include "../../cuse-dev/nx_kpipe.h"
#include "../../cuse-dev/nx_netif.h"

static struct sk_file *ctl;

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
	ctl = NULL;
	kh_teardown();
}

/* ---- helpers ------------------------------------------------------------- */

static int
info(struct skc_ctl_info *in)
{
	memset(in, 0, sizeof(*in));
	return kh_ioctl(ctl, SKC_IOC_CTL_INFO, in);
}

/* One page; the request is zeroed except kinds and cursor. */
static int
list_page(struct skc_ctl_list *ls, uint32_t kinds, uint64_t cursor)
{
	memset(ls, 0, sizeof(*ls));
	ls->ls_kinds = kinds;
	ls->ls_cursor = cursor;
	return kh_ioctl(ctl, SKC_IOC_CTL_LIST, ls);
}

#define ENTS_MAX 256

/* A whole walk; returns the number of entries in ents. */
static size_t
list_all(uint32_t kinds, struct skc_ctl_ent *ents)
{
	static struct skc_ctl_list ls;
	uint64_t cursor = 0;
	size_t n = 0;

	do {
		ck_assert_int_eq(list_page(&ls, kinds, cursor), 0);
		ck_assert_uint_le(n + ls.ls_count, ENTS_MAX);
		memcpy(ents + n, ls.ls_ent, ls.ls_count * sizeof(*ents));
		n += ls.ls_count;
		cursor = ls.ls_cursor;
	} while (cursor != 0);
	ck_assert_uint_eq(ls.ls_total, n);
	return n;
}

static const struct skc_ctl_ent *
find(const struct skc_ctl_ent *ents, size_t n, unsigned kind, const uuid_t u)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ents[i].le_kind == kind &&
		    uuid_compare(ents[i].le_uuid, u) == 0)
			return &ents[i];
	}
	return NULL;
}

static size_t
count_kind(const struct skc_ctl_ent *ents, size_t n, unsigned kind)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ents[i].le_kind == kind;
	return c;
}

static void
register_upipe_anon(uint32_t rings, uint32_t slots, int anon, uuid_t prov)
{
	struct kh_prov kp = {
	    .requested = NXPREQ_TX_RINGS | NXPREQ_RX_RINGS | NXPREQ_TX_SLOTS |
			 NXPREQ_RX_SLOTS | NXPREQ_ANONYMOUS,
	    .rings = rings,
	    .slots = slots,
	    .anonymous = anon,
	    .type = NEXUS_TYPE_USER_PIPE,
	};

	ck_assert_int_eq(kh_register(ctl, &kp, prov), 0);
}

static void
register_upipe(uint32_t rings, uint32_t slots, uuid_t prov)
{
	register_upipe_anon(rings, slots, 1, prov);
}

static uint64_t
realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- CTL_INFO ------------------------------------------------------------ */

START_TEST(test_info_identity)
{
	struct skc_ctl_info in, in2;
	struct skc_ctl_stats st;
	struct kh_chan c;
	uuid_t nx;

	ck_assert_int_eq(info(&in), 0);
	ck_assert_uint_eq(in.di_hdr.rh_version, SKCHAN_ABI_VERSION);
	ck_assert_uint_eq(in.di_abi_version, SKCHAN_ABI_VERSION);
	ck_assert_uint_eq(in.di_nr_max, SKC_IOC_NR_MAX);
	ck_assert_int_eq(in.di_pid, getpid());
	ck_assert_uint_eq(in.di_door, SKC_CTL_DOOR_LOCAL);
	ck_assert_uint_ne(in.di_features & SKC_CTL_FEAT_LIST, 0);
	ck_assert_ptr_nonnull(
	    memchr(in.di_version, '\0', sizeof(in.di_version)));
	ck_assert_ptr_nonnull(strstr(in.di_version, "cuse-dev"));
	ck_assert_uint_le(in.di_start_ns, realtime_ns());
	ck_assert_uint_gt(in.di_start_ns, realtime_ns() - 60000000000ull);
	ck_assert(!uuid_is_null(in.di_kern_uuid));
	/* the loopback flag and the UUID agree */
	ck_assert_int_eq(!uuid_is_null(in.di_kpipe_uuid),
			 (in.di_features & SKC_CTL_FEAT_KPIPE) != 0);
	/* every schema carries the same per-start UUID */
	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(uuid_compare(c.schema->csm_kern_uuid, in.di_kern_uuid),
			 0);
	/* the counts are CTL_STATS' (one more request, one more handle) */
	ck_assert_int_eq(info(&in2), 0);
	sk_kern_stats(&st);
	ck_assert_uint_eq(in2.di_stats.cs_channels, 1);
	ck_assert_uint_eq(in2.di_stats.cs_providers, st.cs_providers);
	ck_assert_uint_eq(in2.di_stats.cs_instances, st.cs_instances);
	ck_assert_uint_eq(in2.di_stats.cs_files, st.cs_files);
	ck_assert_uint_eq(in2.di_stats.cs_arenas, st.cs_arenas);
	ck_assert_uint_eq(in2.di_stats.cs_requests, st.cs_requests);
	ck_assert_uint_eq(in2.di_stats.cs_hdr.rh_version, 0);
	ck_assert_uint_ge(in2.di_uptime_ns, in.di_uptime_ns);
	ck_assert_uint_eq(in2.di_start_ns, in.di_start_ns);
	kh_chan_close(&c);
}
END_TEST

START_TEST(test_info_framing)
{
	struct skc_ctl_info in;
	struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_SOCKET, NULL);
	struct kh_chan c;
	uuid_t nx;

	memset(&in, 0, sizeof(in));
	in.di_reserved[3] = 1;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_CTL_INFO, &in), -EINVAL);
	/* outputs are overwritten, whatever came in */
	memset(&in, 0xa5, offsetof(struct skc_ctl_info, di_reserved));
	memset(in.di_reserved, 0, sizeof(in.di_reserved));
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_CTL_INFO, &in), 0);
	ck_assert_int_eq(in.di_pid, getpid());
	ck_assert_uint_eq(in.di_stats.cs_reserved0, 0);
	/* any handle: a fresh one (door reported), and a channel */
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CTL_INFO, &in), 0);
	ck_assert_uint_eq(in.di_door, SKC_CTL_DOOR_SOCKET);
	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, 1, CHANNEL_RING_ID_ANY), 0);
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(kh_ioctl(c.f, SKC_IOC_CTL_INFO, &in), 0);
	/* a size the daemon does not know is another command */
	ck_assert_int_eq(sk_file_ioctl(ctl, &kh_cred,
				       _IOWR('W', 16, struct skc_ctl_stats),
				       &in, sizeof(struct skc_ctl_stats), NULL),
			 -ENOTTY);
	kh_chan_close(&c);
	sk_file_close(f);
}
END_TEST

/* ---- CTL_LIST: contents -------------------------------------------------- */

START_TEST(test_list_empty)
{
	struct skc_ctl_list ls;

	ck_assert_int_eq(list_page(&ls, 0, 0), 0);
	ck_assert_uint_eq(ls.ls_count, 0);
	ck_assert_uint_eq(ls.ls_total, 0);
	ck_assert_uint_eq(ls.ls_cursor, 0);
}
END_TEST

START_TEST(test_list_provider_and_instance)
{
	static struct skc_ctl_ent ents[ENTS_MAX];
	const struct skc_ctl_ent *e;
	uuid_t prov, nx1, nx2, key = {1, 2, 3};
	size_t n;

	register_upipe_anon(2, 32, 0, prov);
	ck_assert_int_eq(kh_nexus_create(ctl, prov, nx1), 0);
	ck_assert_int_eq(kh_nexus_create(ctl, prov, nx2), 0);
	ck_assert_int_eq(
	    kh_bind(ctl, nx2, 1, NEXUS_BIND_KEY, 0, key, sizeof(key)), 0);
	n = list_all(0, ents);
	ck_assert_uint_eq(n, 3);
	/* order: the provider first, then its instances */
	ck_assert_uint_eq(ents[0].le_kind, SKC_CTL_KIND_PROVIDER);
	e = find(ents, n, SKC_CTL_KIND_PROVIDER, prov);
	ck_assert_ptr_nonnull(e);
	ck_assert(uuid_is_null(e->le_parent));
	ck_assert_str_eq(e->le_u.lu_prov.pe_name, "kh-test");
	ck_assert_uint_eq(e->le_u.lu_prov.pe_type, NEXUS_TYPE_USER_PIPE);
	ck_assert_int_eq(e->le_u.lu_prov.pe_owner_pid, kh_cred.cr_pid);
	ck_assert_uint_eq(e->le_u.lu_prov.pe_owner_uid, kh_cred.cr_uid);
	ck_assert_uint_eq(e->le_u.lu_prov.pe_instances, 2);
	ck_assert_uint_eq(e->le_u.lu_prov.pe_tx_rings, 2);
	ck_assert_uint_eq(e->le_u.lu_prov.pe_rx_slots, 32);
	ck_assert_uint_eq(e->le_u.lu_prov.pe_nxp_flags & NXPF_ANONYMOUS, 0);
	e = find(ents, n, SKC_CTL_KIND_NEXUS, nx2);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(uuid_compare(e->le_parent, prov), 0);
	ck_assert_uint_eq(e->le_flags, 0);
	ck_assert_str_eq(e->le_u.lu_nexus.ne_name, "kh-test");
	ck_assert_uint_eq(e->le_u.lu_nexus.ne_ports, 2);
	ck_assert_uint_eq(e->le_u.lu_nexus.ne_channels, 0);
	ck_assert_uint_eq(e->le_u.lu_nexus.ne_bound, 1);
	ck_assert_uint_eq(e->le_u.lu_nexus.ne_tx_slots, 32);
	ck_assert_str_eq(e->le_u.lu_nexus.ne_ifname, "");
	ck_assert_uint_eq(
	    find(ents, n, SKC_CTL_KIND_NEXUS, nx1)->le_u.lu_nexus.ne_bound, 0);
}
END_TEST

START_TEST(test_list_channels_and_rings)
{
	static struct skc_ctl_ent ents[ENTS_MAX];
	const struct skc_ctl_ent *e;
	struct kh_chan a, b;
	uuid_t nx;
	size_t n, i;

	kh_upipe(ctl, 2, 16, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(kh_chan_open(&b, nx, 1, 1), 0);
	/* three slots from a to b, b receives them */
	for (i = 0; i < 3; i++)
		kh_tx_put(&a, kh_tx(&a, 0), 60, 0x11);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	n = list_all(0, ents);
	/* 1 provider, 1 instance, 2 channels, 2x2 + 1x2 rings */
	ck_assert_uint_eq(n, 1 + 1 + 2 + 6);
	e = find(ents, n, SKC_CTL_KIND_NEXUS, nx);
	ck_assert_uint_eq(e->le_u.lu_nexus.ne_channels, 2);
	e = find(ents, n, SKC_CTL_KIND_CHANNEL, a.info.ci_info.cinfo_ch_id);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(uuid_compare(e->le_parent, nx), 0);
	ck_assert_uint_eq(e->le_u.lu_chan.ce_port, 0);
	ck_assert_int_eq(e->le_u.lu_chan.ce_pid, kh_cred.cr_pid);
	ck_assert_uint_eq(e->le_u.lu_chan.ce_door, SKC_CTL_DOOR_LOCAL);
	ck_assert_uint_eq(e->le_u.lu_chan.ce_mode, CHMODE_DEFUNCT_OK);
	ck_assert_uint_eq(e->le_u.lu_chan.ce_ring_id, CHANNEL_RING_ID_ANY);
	ck_assert_uint_eq(e->le_u.lu_chan.ce_first_tx_ring, 0);
	ck_assert_uint_eq(e->le_u.lu_chan.ce_last_tx_ring, 1);
	ck_assert_uint_eq(e->le_u.lu_chan.ce_map_size, a.span_size);
	ck_assert_uint_eq(e->le_flags, 0);
	e = find(ents, n, SKC_CTL_KIND_CHANNEL, b.info.ci_info.cinfo_ch_id);
	ck_assert_uint_eq(e->le_u.lu_chan.ce_ring_id, 1);
	ck_assert_uint_eq(e->le_u.lu_chan.ce_first_rx_ring, 1);
	ck_assert_uint_eq(e->le_u.lu_chan.ce_last_rx_ring, 1);
	/* rings come last, each naming its channel, with kernel indices */
	for (i = n - 6; i < n; i++) {
		ck_assert_uint_eq(ents[i].le_kind, SKC_CTL_KIND_RING);
		ck_assert(uuid_is_null(ents[i].le_uuid));
		ck_assert_uint_eq(ents[i].le_u.lu_ring.re_num_slots, 16);
		/* the user pipe does not count through the KPI */
		ck_assert_uint_eq(ents[i].le_flags, SKC_CTL_REF_NOSTATS);
	}
	e = &ents[n - 6]; /* a's TX ring 0 */
	ck_assert_int_eq(uuid_compare(e->le_parent, a.info.ci_info.cinfo_ch_id),
			 0);
	ck_assert_uint_eq(e->le_u.lu_ring.re_kind, SKC_CTL_RING_TX);
	ck_assert_uint_eq(e->le_u.lu_ring.re_ring_id, 0);
	ck_assert_uint_eq(e->le_u.lu_ring.re_port, 0);
	ck_assert_uint_eq(e->le_u.lu_ring.re_rhead, 3);
	ck_assert_uint_eq(e->le_u.lu_ring.re_khead, 3);
	ck_assert_uint_eq(e->le_u.lu_ring.re_rhead, kh_tx(&a, 0)->ring_head);
	ck_assert_uint_eq(e->le_u.lu_ring.re_rtail, kh_tx(&a, 0)->ring_tail);
	ck_assert_uint_ne(e->le_u.lu_ring.re_sync_time, 0);
	e = &ents[n - 4]; /* a's RX ring 0 */
	ck_assert_uint_eq(e->le_u.lu_ring.re_kind, SKC_CTL_RING_RX);
	ck_assert_uint_eq(e->le_u.lu_ring.re_ring_id, 0);
	e = &ents[n - 1]; /* b's only RX ring: ring 1 */
	ck_assert_int_eq(uuid_compare(e->le_parent, b.info.ci_info.cinfo_ch_id),
			 0);
	ck_assert_uint_eq(e->le_u.lu_ring.re_ring_id, 1);
	ck_assert_uint_eq(e->le_u.lu_ring.re_port, 1);
	kh_chan_close(&b);
	kh_chan_close(&a);
}
END_TEST

START_TEST(test_list_kinds)
{
	static struct skc_ctl_ent ents[ENTS_MAX];
	struct skc_ctl_list ls;
	struct kh_chan a;
	uuid_t nx;
	size_t n;

	kh_upipe(ctl, 3, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	n = list_all(SKC_CTL_KIND_BIT(SKC_CTL_KIND_RING), ents);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(count_kind(ents, n, SKC_CTL_KIND_RING), 6);
	n = list_all(SKC_CTL_KIND_BIT(SKC_CTL_KIND_CHANNEL) |
			 SKC_CTL_KIND_BIT(SKC_CTL_KIND_PROVIDER),
		     ents);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ents[0].le_kind, SKC_CTL_KIND_PROVIDER);
	ck_assert_uint_eq(ents[1].le_kind, SKC_CTL_KIND_CHANNEL);
	ck_assert_uint_eq(list_all(SKC_CTL_KINDS_ALL, ents), 1 + 1 + 1 + 6);
	/* unknown kinds, reserved field */
	ck_assert_int_eq(list_page(&ls, 1u << 0, 0), -EINVAL);
	ck_assert_int_eq(list_page(&ls, 1u << 5, 0), -EINVAL);
	memset(&ls, 0, sizeof(ls));
	ls.ls_reserved = 1;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_CTL_LIST, &ls), -EINVAL);
	kh_chan_close(&a);
}
END_TEST

/* Destroyed instances with open channels stay visible, flagged. */
START_TEST(test_list_invalidated)
{
	static struct skc_ctl_ent ents[ENTS_MAX];
	struct skc_nexus_uuid nu;
	const struct skc_ctl_ent *e;
	struct kh_chan a;
	uuid_t prov, nx;
	size_t n;

	register_upipe(1, 8, prov);
	ck_assert_int_eq(kh_nexus_create(ctl, prov, nx), 0);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	memset(&nu, 0, sizeof(nu));
	uuid_copy(nu.nu_uuid, nx);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DESTROY, &nu), 0);
	n = list_all(0, ents);
	e = find(ents, n, SKC_CTL_KIND_NEXUS, nx);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->le_flags, SKC_CTL_NEF_INVALIDATED);
	ck_assert_int_eq(e->le_u.lu_nexus.ne_owner_pid, 0);
	ck_assert_uint_eq(find(ents, n, SKC_CTL_KIND_PROVIDER, prov)
			      ->le_u.lu_prov.pe_instances,
			  0);
	ck_assert_uint_eq(count_kind(ents, n, SKC_CTL_KIND_CHANNEL), 1);
	kh_chan_close(&a);
	ck_assert_uint_eq(list_all(SKC_CTL_KIND_BIT(SKC_CTL_KIND_NEXUS), ents),
			  0);
}
END_TEST

/* The kernel's own defunct (no request triggers it yet) shows. */
START_TEST(test_list_defunct_flag)
{
	static struct skc_ctl_ent ents[ENTS_MAX];
	const struct kern_nexus *knx = NULL;
	struct kh_chan a;
	uuid_t nx;
	size_t n;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	while ((knx = nx_iter(knx)) != NULL) {
		if (uuid_compare(knx->nx_uuid, nx) == 0)
			ch_defunct(TAILQ_FIRST(&knx->nx_channels));
	}
	n = list_all(SKC_CTL_KIND_BIT(SKC_CTL_KIND_CHANNEL), ents);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ents[0].le_flags, SKC_CTL_CEF_DEFUNCT);
	kh_chan_close(&a);
}
END_TEST

/*
 * The kernel-pipe loopback: reported by CTL_INFO, listed as a kernel-owned
 * instance (on nx_kpipe.c's list, with no listed provider), and its rings
 * carry the packets and bytes the provider reports through the KPI.
 */
START_TEST(test_kpipe_loopback)
{
	static struct skc_ctl_ent ents[ENTS_MAX];
	const struct skc_ctl_ent *e;
	struct skc_ctl_info in;
	struct kh_chan a;
	uuid_t nx, prov, unx;
	size_t n, i;

	ck_assert_int_eq(nx_kpipe_loopback_start(), 0);
	ck_assert_int_eq(nx_kpipe_loopback_uuid(nx), 0);
	ck_assert_int_eq(info(&in), 0);
	ck_assert_int_eq(uuid_compare(in.di_kpipe_uuid, nx), 0);
	ck_assert_uint_ne(in.di_features & SKC_CTL_FEAT_KPIPE, 0);
	register_upipe(1, 8, prov); /* nexus.c's list comes first */
	ck_assert_int_eq(kh_nexus_create(ctl, prov, unx), 0);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	for (i = 0; i < 4; i++)
		kh_tx_put(&a, kh_tx(&a, 0), 100, (uint8_t)i);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_RX), 0);
	n = list_all(0, ents);
	ck_assert_uint_eq(ents[2].le_kind, SKC_CTL_KIND_NEXUS);
	ck_assert_int_eq(uuid_compare(ents[2].le_uuid, nx), 0);
	e = &ents[2];
	ck_assert_uint_eq(e->le_flags, SKC_CTL_NEF_KERNEL);
	ck_assert_uint_eq(e->le_u.lu_nexus.ne_type, NEXUS_TYPE_KERNEL_PIPE);
	ck_assert_int_eq(e->le_u.lu_nexus.ne_owner_pid, 0);
	ck_assert_uint_eq(e->le_u.lu_nexus.ne_channels, 1);
	ck_assert_ptr_null(find(ents, n, SKC_CTL_KIND_PROVIDER, e->le_parent));
	e = find(ents, n, SKC_CTL_KIND_CHANNEL, a.info.ci_info.cinfo_ch_id);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(uuid_compare(e->le_parent, nx), 0);
	for (i = 0; i < n; i++) {
		if (ents[i].le_kind != SKC_CTL_KIND_RING)
			continue;
		ck_assert_uint_eq(ents[i].le_flags, SKC_CTL_REF_NODROPS);
		ck_assert_uint_eq(ents[i].le_u.lu_ring.re_packets, 4);
		ck_assert_uint_eq(ents[i].le_u.lu_ring.re_bytes, 400);
	}
	ck_assert_uint_eq(count_kind(ents, n, SKC_CTL_KIND_RING), 2);
	kh_chan_close(&a);
	nx_kpipe_loopback_stop();
	ck_assert_int_eq(info(&in), 0);
	ck_assert(uuid_is_null(in.di_kpipe_uuid));
	ck_assert_uint_eq(in.di_features & SKC_CTL_FEAT_KPIPE, 0);
}
END_TEST

/* A daemon-owned netif on a loop device: listed with its interface. */
START_TEST(test_netif_ifname)
{
	static struct skc_ctl_ent ents[ENTS_MAX];
	struct skc_ctl_netif_attach na;
	struct skc_ctl_netif_detach nd;
	const struct skc_ctl_ent *e;
	struct skc_ctl_info in;
	size_t n;

	ck_assert_int_eq(info(&in), 0);
	ck_assert_uint_ne(in.di_features & SKC_CTL_FEAT_NETIF, 0);
	memset(&na, 0, sizeof(na));
	strcpy(na.na_ifname, "skctl-lo0");
	na.na_flags = SKC_NETIF_LOOP | SKC_NETIF_CREATE;
	na.na_rings = 2;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_CTL_NETIF_ATTACH, &na), 0);
	n = list_all(0, ents);
	e = find(ents, n, SKC_CTL_KIND_NEXUS, na.na_nx_uuid);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->le_u.lu_nexus.ne_ifname, "skctl-lo0");
	ck_assert_uint_eq(e->le_u.lu_nexus.ne_type, NEXUS_TYPE_NET_IF);
	ck_assert_uint_eq(e->le_u.lu_nexus.ne_tx_rings, 2);
	ck_assert_int_eq(uuid_compare(e->le_parent, na.na_prov_uuid), 0);
	ck_assert_ptr_nonnull(
	    find(ents, n, SKC_CTL_KIND_PROVIDER, na.na_prov_uuid));
	memset(&nd, 0, sizeof(nd));
	strcpy(nd.nd_ifname, "skctl-lo0");
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_CTL_NETIF_DETACH, &nd), 0);
	ck_assert_uint_eq(list_all(0, ents), 0);
}
END_TEST

/* ---- netif rings: traffic and drops ------------------------------------ */

/*
 * A netif's rings report the provider's packet/byte counts and the
 * device queue's drops, by side.  The event loop serves the loop
 * device's queue as the daemon's would.
 */
#define NR_DEV "skctl-lo1"

static struct evl *nr_evl;

static void
nr_setup(void)
{
	setup();
	kh_cred = KH_CRED_SELF;
	nr_evl = evl_new();
	ck_assert_ptr_nonnull(nr_evl);
	nx_netif_set_evloop(nr_evl);
}

static void
nr_teardown(void)
{
	teardown();
	nx_netif_set_evloop(NULL);
	evl_free(nr_evl);
	skb_loop_destroy(NR_DEV);
}

static void
nr_pump(void)
{
	int i;

	for (i = 0; i < 16 && evl_run_once(nr_evl, 0) > 0; i++)
		continue;
}

/* One 64-byte broadcast frame on TX ring 0 (the library's part). */
static void
nr_tx(struct kh_chan *c, uint8_t seed)
{
	struct __user_channel_ring *ring = kh_tx(c, 0);
	uint32_t s = ring->ring_head;
	struct __user_packet *up = (void *)kh_slot_md(c, ring, s);
	uint8_t *p = kh_slot_buf(c, ring, s);

	memset(p, 0xff, 6);
	memset(p + 6, seed, 64 - 6);
	p[6] = 0x02;
	p[12] = 0x88;
	p[13] = 0xb5;
	up->pkt_length = 64;
	up->pkt_qum_buf.buf_doff = 0;
	up->pkt_qum_buf.buf_dlen = 64;
	up->pkt_headroom = 0;
	up->pkt_l2_len = 14;
	ring->ring_head = kh_next(ring, s);
}

START_TEST(test_netif_ring_counters)
{
	static struct skc_ctl_ent ents[ENTS_MAX];
	struct skc_ctl_netif_attach na;
	const struct skc_ctl_ring_ent *r;
	struct kh_chan c;
	size_t n, i;
	int seen = 0;

	memset(&na, 0, sizeof(na));
	strcpy(na.na_ifname, NR_DEV);
	na.na_flags = SKC_NETIF_LOOP | SKC_NETIF_CREATE;
	na.na_tx_slots = 32;
	na.na_rx_slots = 8;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_CTL_NETIF_ATTACH, &na), 0);
	ck_assert_int_eq(kh_chan_open(&c, na.na_nx_uuid, NEXUS_PORT_NET_IF_DEV,
				      CHANNEL_RING_ID_ANY),
			 0);
	/* 12 frames out; 7 RX slots take them, 5 wait in the device (a
	 * full ring takes nothing more; nx_netif.c): no drop, yet reported
	 * (le_flags 0: the ring carries its queue's drops) */
	for (i = 0; i < 12; i++)
		nr_tx(&c, (uint8_t)i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	nr_pump();
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	nr_pump();
	n = list_all(SKC_CTL_KIND_BIT(SKC_CTL_KIND_RING), ents);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++) {
		r = &ents[i].le_u.lu_ring;
		ck_assert_uint_eq(ents[i].le_flags, 0);
		if (r->re_kind == SKC_CTL_RING_TX) {
			ck_assert_uint_eq(r->re_drops, 0);
			ck_assert_uint_eq(r->re_packets, 12);
			ck_assert_uint_eq(r->re_bytes, 12 * 64);
		} else {
			ck_assert_uint_eq(r->re_drops, 0);
			ck_assert_uint_eq(r->re_packets, 7);
			ck_assert_uint_eq(r->re_bytes, 7 * 64);
		}
		seen |= 1 << r->re_kind;
	}
	ck_assert_int_eq(seen, (1 << SKC_CTL_RING_TX) | (1 << SKC_CTL_RING_RX));
	kh_chan_close(&c);
}
END_TEST

/* ---- CTL_LIST: pages and cursors ----------------------------------------- */

START_TEST(test_list_pages)
{
	static struct skc_ctl_ent ents[ENTS_MAX];
	struct skc_ctl_list ls;
	uuid_t prov[30];
	size_t n, i, pages = 0;
	uint64_t cursor = 0;

	for (i = 0; i < 30; i++)
		register_upipe(1, 8, prov[i]);
	do {
		ck_assert_int_eq(list_page(&ls, 0, cursor), 0);
		ck_assert_uint_eq(ls.ls_total, 30);
		ck_assert_uint_le(ls.ls_count, SKC_CTL_LIST_MAX);
		pages++;
		cursor = ls.ls_cursor;
	} while (cursor != 0);
	ck_assert_uint_eq(pages,
			  (30 + SKC_CTL_LIST_MAX - 1) / SKC_CTL_LIST_MAX);
	/* every provider exactly once, in registration order */
	n = list_all(0, ents);
	ck_assert_uint_eq(n, 30);
	for (i = 0; i < 30; i++)
		ck_assert_int_eq(uuid_compare(ents[i].le_uuid, prov[i]), 0);
}
END_TEST

/* Many channels and rings: every object once, in walk order. */
START_TEST(test_list_many)
{
	static struct skc_ctl_ent ents[ENTS_MAX];
	static struct kh_chan c[40];
	uuid_t nx;
	size_t n, i, k;

	for (i = 0; i < 20; i++) {
		kh_upipe(ctl, 2, 8, 1, 0, nx);
		ck_assert_int_eq(
		    kh_chan_open(&c[2 * i], nx, 0, CHANNEL_RING_ID_ANY), 0);
		ck_assert_int_eq(
		    kh_chan_open(&c[2 * i + 1], nx, 1, CHANNEL_RING_ID_ANY), 0);
	}
	n = list_all(0, ents);
	ck_assert_uint_eq(n, 20 + 20 + 40 + 40 * 4);
	ck_assert_uint_eq(count_kind(ents, 20, SKC_CTL_KIND_PROVIDER), 20);
	ck_assert_uint_eq(count_kind(ents + 40, 40, SKC_CTL_KIND_CHANNEL), 40);
	for (i = 0; i < n; i++) {
		for (k = i + 1; k < n; k++)
			ck_assert_int_ne(memcmp(&ents[i], &ents[k],
						offsetof(struct skc_ctl_ent,
							 le_u.lu_ring.re_port)),
					 0);
	}
	for (i = 0; i < 40; i++)
		kh_chan_close(&c[i]);
}
END_TEST

/* Exactly one full page: the cursor says "complete" at once. */
START_TEST(test_list_exact_page)
{
	struct skc_ctl_list ls;
	uuid_t prov;
	size_t i;

	for (i = 0; i < SKC_CTL_LIST_MAX; i++)
		register_upipe(1, 8, prov);
	ck_assert_int_eq(list_page(&ls, 0, 0), 0);
	ck_assert_uint_eq(ls.ls_count, SKC_CTL_LIST_MAX);
	ck_assert_uint_eq(ls.ls_cursor, 0);
}
END_TEST

START_TEST(test_list_stale)
{
	struct skc_ctl_list ls;
	struct skc_nexus_uuid nu;
	struct kh_chan a;
	uuid_t prov, nx;
	uint64_t cursor;
	size_t i;

	for (i = 0; i < 20; i++)
		register_upipe(1, 8, prov);
	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&a, nx, 0, CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(list_page(&ls, 0, 0), 0);
	cursor = ls.ls_cursor;
	ck_assert_uint_ne(cursor, 0);
	/* indices and counters moving do not invalidate a cursor */
	kh_tx_put(&a, kh_tx(&a, 0), 10, 0);
	ck_assert_int_eq(kh_sync(&a, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(list_page(&ls, 0, cursor), 0);
	ck_assert_uint_eq(ls.ls_count, SKC_CTL_LIST_MAX);
	/* a new object does */
	register_upipe(1, 8, prov);
	ck_assert_int_eq(list_page(&ls, 0, cursor), -ESTALE);
	ck_assert_uint_eq(ls.ls_count, 0);
	/* and so does one that went away (same count as before) */
	ck_assert_int_eq(list_page(&ls, 0, 0), 0);
	cursor = ls.ls_cursor;
	memset(&nu, 0, sizeof(nu));
	uuid_copy(nu.nu_uuid, prov);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DEREGISTER, &nu), 0);
	register_upipe(1, 8, prov);
	ck_assert_int_eq(list_page(&ls, 0, cursor), -ESTALE);
	/* a cursor belongs to its kinds */
	ck_assert_int_eq(list_page(&ls, 0, 0), 0);
	ck_assert_int_eq(list_page(&ls,
				   SKC_CTL_KIND_BIT(SKC_CTL_KIND_RING) |
				       SKC_CTL_KIND_BIT(SKC_CTL_KIND_PROVIDER),
				   ls.ls_cursor),
			 -ESTALE);
	kh_chan_close(&a);
}
END_TEST

START_TEST(test_list_forged_cursor)
{
	struct skc_ctl_list ls;
	uuid_t prov;
	size_t i;

	for (i = 0; i < 20; i++)
		register_upipe(1, 8, prov);
	/* position 0 is only ever "start", with nothing else */
	ck_assert_int_eq(list_page(&ls, 0, 1ull << 32), -EINVAL);
	/* the right fingerprint, a position past the end */
	ck_assert_int_eq(list_page(&ls, 0, 0), 0);
	ck_assert_int_eq(
	    list_page(&ls, 0, (ls.ls_cursor & ~0xffffffffull) | 1000), -ESTALE);
	/* a random one */
	ck_assert_int_eq(list_page(&ls, 0, 0x1234567800000003ull), -ESTALE);
}
END_TEST

/* ---- the SPI, over a socket served by this kernel ------------------------ */

/*
 * One server thread plays the socket door: it reads frames and hands
 * them to sk_file_ioctl().  The client blocks while a request is served,
 * so the kernel is never used by two threads at once.  sv_hook runs
 * inside the server before the sv_hook_at'th CTL_LIST and changes the
 * object set, making the client's walk stale.
 */
static char sv_dir[64], sv_path[128];
static int sv_lfd = -1;
static pthread_t sv_thread;
static unsigned sv_lists, sv_hook_at, sv_hook_every;

static void
sv_hook(void)
{
	uuid_t prov;

	register_upipe(1, 8, prov);
}

static void
sv_maybe_hook(uint32_t cmd)
{
	if (cmd != SKC_IOC_CTL_LIST)
		return;
	sv_lists++;
	if (sv_hook_at != 0 &&
	    (sv_lists == sv_hook_at ||
	     (sv_hook_every && sv_lists > sv_hook_at && sv_lists % 2 == 0)))
		sv_hook();
}

static int
sv_read(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void
sv_serve(int fd, struct sk_file *f)
{
	static union {
		struct skc_nexus_opt align;
		uint8_t b[4096];
	} buf;
	struct skc_msg m;

	while (sv_read(fd, &m, sizeof(m)) == 0 && m.sm_len <= sizeof(buf) &&
	       sv_read(fd, buf.b, m.sm_len) == 0) {
		sv_maybe_hook(m.sm_cmd);
		m.sm_error = -sk_file_ioctl(f, &kh_cred, m.sm_cmd, buf.b,
					    m.sm_len, NULL);
		if (write(fd, &m, sizeof(m)) != sizeof(m) ||
		    write(fd, buf.b, m.sm_len) != (ssize_t)m.sm_len)
			break;
	}
}

static void *
sv_main(void *arg)
{
	struct sk_file *f;
	int fd;

	(void)arg;
	while ((fd = accept(sv_lfd, NULL, NULL)) >= 0) {
		f = sk_file_open(&kh_cred, SK_DOOR_SOCKET, NULL);
		sv_serve(fd, f);
		sk_file_close(f);
		close(fd);
	}
	return NULL;
}

static void
sv_setup(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	setup();
	sv_lists = sv_hook_at = sv_hook_every = 0;
	strcpy(sv_dir, "/tmp/check_sk_ctl.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sv_dir));
	snprintf(sv_path, sizeof(sv_path), "%s/sock", sv_dir);
	strcpy(sun.sun_path, sv_path);
	sv_lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(sv_lfd, 0);
	ck_assert_int_eq(bind(sv_lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(sv_lfd, 4), 0);
	ck_assert_int_eq(pthread_create(&sv_thread, NULL, sv_main, NULL), 0);
	setenv("SKCHAN_DOOR", "socket", 1);
	setenv("SKCHAN_SOCKET", sv_path, 1);
}

static void
sv_teardown(void)
{
	shutdown(sv_lfd, SHUT_RDWR);
	pthread_join(sv_thread, NULL);
	close(sv_lfd);
	unlink(sv_path);
	rmdir(sv_dir);
	teardown();
}

START_TEST(test_spi_info_and_stats)
{
	struct skchan_ctl *c = skchan_ctl_open();
	struct skc_ctl_info in;
	struct skc_ctl_stats st;
	uuid_t prov;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(skchan_ctl_door(c), SKC_CTL_DOOR_SOCKET);
	register_upipe(1, 8, prov);
	ck_assert_int_eq(skchan_ctl_info(c, &in), 0);
	ck_assert_int_eq(in.di_pid, getpid());
	ck_assert_uint_eq(in.di_door, SKC_CTL_DOOR_SOCKET);
	ck_assert_uint_eq(in.di_stats.cs_providers, 1);
	ck_assert_int_eq(skchan_ctl_stats(c, &st), 0);
	ck_assert_uint_eq(st.cs_providers, 1);
	ck_assert_uint_eq(st.cs_files, 2); /* ctl + the server's */
	/* a request this kernel does not know */
	ck_assert_int_eq(
	    skchan_ctl_call(c, _IOWR(SKC_IOC_MAGIC, 99, struct skc_ctl_stats),
			    &st),
	    -1);
	ck_assert_int_eq(errno, ENOTTY);
	/* arguments */
	ck_assert_int_eq(skchan_ctl_call(c, SKC_IOC_CTL_STATS, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	skchan_ctl_close(c);
}
END_TEST

START_TEST(test_spi_list)
{
	struct skchan_ctl *c = skchan_ctl_open();
	struct skc_ctl_ent *ents = NULL;
	uuid_t prov[25];
	size_t n, i;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(skchan_ctl_list(c, 0, &ents, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(ents);
	for (i = 0; i < 25; i++)
		register_upipe(1, 8, prov[i]);
	ck_assert_int_eq(skchan_ctl_list(c, 0, &ents, &n), 0);
	ck_assert_uint_eq(n, 25);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(uuid_compare(ents[i].le_uuid, prov[i]), 0);
	free(ents);
	ck_assert_int_eq(skchan_ctl_list(c, 1u << 7, &ents, &n), -1);
	ck_assert_int_eq(errno, EINVAL);
	skchan_ctl_close(c);
}
END_TEST

/* The set changes under the second page once: one restart, one answer. */
START_TEST(test_spi_list_restarts)
{
	struct skchan_ctl *c = skchan_ctl_open();
	struct skc_ctl_ent *ents = NULL;
	uuid_t prov;
	size_t n, i;

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < 25; i++)
		register_upipe(1, 8, prov);
	sv_hook_at = 2;
	ck_assert_int_eq(skchan_ctl_list(c, 0, &ents, &n), 0);
	ck_assert_uint_eq(n, 26);
	ck_assert_uint_eq(sv_lists, 2 + 3); /* stale walk, then a full one */
	for (i = 1; i < n; i++)
		ck_assert_int_ne(
		    uuid_compare(ents[i].le_uuid, ents[i - 1].le_uuid), 0);
	free(ents);
	skchan_ctl_close(c);
}
END_TEST

/* A set that never holds still: give up, EAGAIN, nothing leaked. */
START_TEST(test_spi_list_gives_up)
{
	struct skchan_ctl *c = skchan_ctl_open();
	struct skc_ctl_ent *ents = NULL;
	uuid_t prov;
	size_t n = 12345, i;

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < 25; i++)
		register_upipe(1, 8, prov);
	sv_hook_at = 2;
	sv_hook_every = 1;
	ck_assert_int_eq(skchan_ctl_list(c, 0, &ents, &n), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_ptr_null(ents);
	ck_assert_uint_eq(n, 12345);
	skchan_ctl_close(c);
}
END_TEST

START_TEST(test_spi_no_daemon)
{
	setenv("SKCHAN_DOOR", "socket", 1);
	setenv("SKCHAN_SOCKET", "/nonexistent/skchan.sock", 1);
	ck_assert_ptr_null(skchan_ctl_open());
	ck_assert_int_eq(errno, ENXIO);
}
END_TEST

static Suite *
sk_ctl_suite(void)
{
	Suite *s = suite_create("sk_ctl");
	TCase *tc = tcase_create("kernel");
	TCase *spi = tcase_create("spi");
	TCase *nr = tcase_create("netif");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_info_identity);
	tcase_add_test(tc, test_info_framing);
	tcase_add_test(tc, test_list_empty);
	tcase_add_test(tc, test_list_provider_and_instance);
	tcase_add_test(tc, test_list_channels_and_rings);
	tcase_add_test(tc, test_list_kinds);
	tcase_add_test(tc, test_list_invalidated);
	tcase_add_test(tc, test_list_defunct_flag);
	tcase_add_test(tc, test_kpipe_loopback);
	tcase_add_test(tc, test_netif_ifname);
	tcase_add_test(tc, test_list_pages);
	tcase_add_test(tc, test_list_many);
	tcase_add_test(tc, test_list_exact_page);
	tcase_add_test(tc, test_list_stale);
	tcase_add_test(tc, test_list_forged_cursor);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(nr, nr_setup, nr_teardown);
	tcase_add_test(nr, test_netif_ring_counters);
	suite_add_tcase(s, nr);
	tcase_add_checked_fixture(spi, sv_setup, sv_teardown);
	tcase_add_test(spi, test_spi_info_and_stats);
	tcase_add_test(spi, test_spi_list);
	tcase_add_test(spi, test_spi_list_restarts);
	tcase_add_test(spi, test_spi_list_gives_up);
	tcase_add_test(spi, test_spi_no_daemon);
	suite_add_tcase(s, spi);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sk_ctl_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
