/*
 * check_nexus.c - request dispatch, controllers, providers, instances
 * and port binding.
 *
 * Objective: the copy-in rules of the dispatch table (ENOTTY, EINVAL,
 * ENOTSUP, ENODEV, EBUSY); spec behaviours scenario 6 (provider
 * registration defaults/limits/errors and read-back, instance life
 * cycle) and scenario 9 (binding by key and pid, at the kernel level);
 * the NXOPT lists; a controller's close frees everything it made.
 */
#include "kern_harness.h"

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
	kh_teardown();
}

static const struct kh_prov upipe_defaults = {
	.type = NEXUS_TYPE_USER_PIPE,
};

/* ---- dispatch ------------------------------------------------------------- */

START_TEST(test_dispatch_framing)
{
	struct skc_nexus_uuid nu;
	struct skc_ctl_stats st;
	struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, NULL);

	memset(&nu, 0, sizeof(nu));
	kh_hdr(&nu, SKC_IOC_NEXUS_DESTROY);
	/* unknown number, wrong direction/size encoding, wrong magic */
	ck_assert_int_eq(sk_file_ioctl(ctl, &kh_cred, _IOW('W', 99, nu), &nu,
	    sizeof(nu), NULL), -ENOTTY);
	ck_assert_int_eq(sk_file_ioctl(ctl, &kh_cred, _IOR('W', 5, nu), &nu,
	    sizeof(nu), NULL), -ENOTTY);
	ck_assert_int_eq(sk_file_ioctl(ctl, &kh_cred, _IOW('X', 5, nu), &nu,
	    sizeof(nu), NULL), -ENOTTY);
	ck_assert_int_eq(sk_file_ioctl(ctl, &kh_cred, _IOW('W', 0, nu), &nu,
	    sizeof(nu), NULL), -ENOTTY);
	/* length */
	ck_assert_int_eq(sk_file_ioctl(ctl, &kh_cred, SKC_IOC_NEXUS_DESTROY,
	    &nu, sizeof(nu) - 1, NULL), -EINVAL);
	/* header */
	nu.nu_hdr.rh_version = 2;
	ck_assert_int_eq(sk_file_ioctl(ctl, &kh_cred, SKC_IOC_NEXUS_DESTROY,
	    &nu, sizeof(nu), NULL), -ENOTSUP);
	kh_hdr(&nu, SKC_IOC_NEXUS_DESTROY);
	nu.nu_hdr.rh_size = 8;
	ck_assert_int_eq(sk_file_ioctl(ctl, &kh_cred, SKC_IOC_NEXUS_DESTROY,
	    &nu, sizeof(nu), NULL), -EINVAL);
	kh_hdr(&nu, SKC_IOC_NEXUS_DESTROY);
	nu.nu_hdr.rh_flags = 1;
	ck_assert_int_eq(sk_file_ioctl(ctl, &kh_cred, SKC_IOC_NEXUS_DESTROY,
	    &nu, sizeof(nu), NULL), -EINVAL);
	/* reserved fields */
	memset(&st, 0, sizeof(st));
	st.cs_reserved[3] = 1;
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CTL_STATS, &st), -EINVAL);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CTL_STATS, &st), 0);
	ck_assert_uint_eq(st.cs_files, 2);
	ck_assert_uint_eq(st.cs_controllers, 1);
	ck_assert_uint_ge(st.cs_errors, 7);
	/* handle kinds */
	ck_assert_int_eq(kh_ioctl(f, SKC_IOC_NEXUS_DESTROY, &nu), -ENODEV);
	{
		struct skc_channel_sync cs;

		memset(&cs, 0, sizeof(cs));
		ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_CHANNEL_SYNC, &cs),
		    -ENODEV);
	}
	{
		struct skc_nexus_open no;

		memset(&no, 0, sizeof(no));
		no.no_init.ni_version = NEXUSCTL_INIT_CURRENT_VERSION;
		ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_OPEN, &no),
		    -EBUSY);
		no.no_init.ni_version = 9;
		ck_assert_int_eq(kh_ioctl(f, SKC_IOC_NEXUS_OPEN, &no),
		    -ENOTSUP);
	}
	ck_assert_uint_eq(sk_file_poll(ctl, &kh_cred, POLLIN, 0), POLLERR);
	sk_file_close(f);
}
END_TEST

/* ---- providers ------------------------------------------------------------ */

static void
read_back(const uuid_t prov, struct nxprov_params *p)
{
	struct skc_nexus_opt o;
	struct nxprov_reg_ent ent;

	memset(&o, 0, sizeof(o));
	memset(&ent, 0, sizeof(ent));
	o.no_opt = NXOPT_NEXUS_PROV_ENTRY;
	o.no_len = sizeof(ent);
	uuid_copy(ent.npre_prov_uuid, prov);
	memcpy(o.no_data, &ent, sizeof(ent));
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_GET_OPT, &o), 0);
	ck_assert_uint_eq(o.no_len, sizeof(ent));
	memcpy(&ent, o.no_data, sizeof(ent));
	*p = ent.npre_prov_params;
}

START_TEST(test_register_explicit)
{
	struct kh_prov kp = {
		.requested = NXPREQ_TX_RINGS | NXPREQ_RX_RINGS |
		    NXPREQ_TX_SLOTS | NXPREQ_RX_SLOTS | NXPREQ_BUF_SIZE |
		    NXPREQ_ANONYMOUS | NXPREQ_REJECT_ON_CLOSE,
		.rings = 3, .slots = 100, .buf_size = 4096, .anonymous = 1,
		.reject_on_close = 1, .type = NEXUS_TYPE_USER_PIPE,
	};
	struct nxprov_params p;
	uuid_t prov;

	ck_assert_int_eq(kh_register(ctl, &kp, prov), 0);
	ck_assert(!uuid_is_null(prov));
	read_back(prov, &p);
	ck_assert_uint_eq(p.nxp_type, NEXUS_TYPE_USER_PIPE);
	ck_assert_uint_eq(p.nxp_tx_rings, 3);
	ck_assert_uint_eq(p.nxp_rx_rings, 3);
	ck_assert_uint_eq(p.nxp_tx_slots, 100);
	ck_assert_uint_eq(p.nxp_rx_slots, 100);
	ck_assert_uint_eq(p.nxp_buf_size, 4096);
	ck_assert(p.nxp_flags & NXPF_ANONYMOUS);
	ck_assert(p.nxp_flags & NXPF_USER_CHANNEL);
	ck_assert_uint_eq(p.nxp_reject_on_close, 1);
	ck_assert_uint_ne(p.nxp_meta_size, 0);
	ck_assert_uint_ne(p.nxp_max_frags, 0);
	ck_assert_uint_eq(p.nxp_md_type, NEXUS_META_TYPE_QUANTUM);
	ck_assert_uint_eq(p.nxp_md_subtype, NEXUS_META_SUBTYPE_PAYLOAD);
	ck_assert_str_eq((char *)p.nxp_name, "kh-test");
}
END_TEST

START_TEST(test_register_defaults_and_limits)
{
	struct kh_prov kp = upipe_defaults;
	struct nxprov_params p;
	uuid_t prov;

	ck_assert_int_eq(kh_register(ctl, &kp, prov), 0);
	read_back(prov, &p);
	ck_assert_uint_eq(p.nxp_tx_rings, 1);
	ck_assert_uint_eq(p.nxp_tx_slots, 128);
	ck_assert_uint_eq(p.nxp_buf_size, 2048);
	ck_assert(!(p.nxp_flags & NXPF_ANONYMOUS));
	ck_assert_uint_eq(p.nxp_reject_on_close, 0);

	kp.requested = NXPREQ_TX_SLOTS | NXPREQ_RX_SLOTS | NXPREQ_BUF_SIZE;
	kp.slots = 1;                   /* below min: default */
	kp.buf_size = 512;
	ck_assert_int_eq(kh_register(ctl, &kp, prov), 0);
	read_back(prov, &p);
	ck_assert_uint_eq(p.nxp_tx_slots, 128);
	ck_assert_uint_eq(p.nxp_buf_size, 2048);

	kp.slots = 4097;                /* above max: ENOMEM */
	kp.buf_size = 2048;
	ck_assert_int_eq(kh_register(ctl, &kp, prov), -ENOMEM);
	kp.slots = 4096;
	kp.buf_size = 16385;
	ck_assert_int_eq(kh_register(ctl, &kp, prov), -ENOMEM);
	kp = upipe_defaults;
	kp.requested = NXPREQ_TX_RINGS | NXPREQ_RX_RINGS;
	kp.rings = 9;
	ck_assert_int_eq(kh_register(ctl, &kp, prov), -ENOMEM);
}
END_TEST

START_TEST(test_register_errors)
{
	struct kh_prov kp = upipe_defaults;
	struct skc_nexus_register nr;
	uuid_t prov;

	kp.type = NEXUS_TYPE_KERNEL_PIPE;
	ck_assert_int_eq(kh_register(ctl, &kp, prov), -EINVAL);
	kp.type = NEXUS_TYPE_FLOW_SWITCH;      /* no domain yet */
	ck_assert_int_eq(kh_register(ctl, &kp, prov), -EINVAL);
	kp.type = (nexus_type_t)77;
	ck_assert_int_eq(kh_register(ctl, &kp, prov), -EINVAL);

	/* TX rings must equal RX rings on a pipe */
	memset(&nr, 0, sizeof(nr));
	nr.nr_reg.nxpreg_version = NXPROV_REG_CURRENT_VERSION;
	nr.nr_reg.nxpreg_requested = NXPREQ_TX_RINGS | NXPREQ_RX_RINGS;
	nr.nr_reg.nxpreg_params.nxp_namelen = 1;
	nr.nr_reg.nxpreg_params.nxp_name[0] = 'x';
	nr.nr_reg.nxpreg_params.nxp_tx_rings = 2;
	nr.nr_reg.nxpreg_params.nxp_rx_rings = 3;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr), -EINVAL);
	nr.nr_reg.nxpreg_params.nxp_rx_rings = 2;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr), 0);
	/* empty name, bad version, type-restricted attributes */
	nr.nr_reg.nxpreg_params.nxp_namelen = 0;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr), -EINVAL);
	nr.nr_reg.nxpreg_params.nxp_namelen = 65;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr), -EINVAL);
	nr.nr_reg.nxpreg_params.nxp_namelen = 1;
	nr.nr_reg.nxpreg_version = 2;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr), -EINVAL);
	nr.nr_reg.nxpreg_version = NXPROV_REG_CURRENT_VERSION;
	nr.nr_reg.nxpreg_requested = NXPREQ_QMAP;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr), -EINVAL);
	nr.nr_reg.nxpreg_requested = NXPREQ_MAX_FRAGS;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr), -EINVAL);
	nr.nr_reg.nxpreg_requested = 0;
	nr.nr_pad[3] = 1;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr), -EINVAL);
}
END_TEST

/* ---- instances ------------------------------------------------------------ */

START_TEST(test_instances)
{
	struct kh_prov kp = upipe_defaults;
	struct skc_nexus_uuid nu;
	struct skc_ctl_stats st;
	uuid_t prov, nx1, nx2, bogus;
	struct sk_file *other = kh_ctl_open();

	ck_assert_int_eq(kh_register(ctl, &kp, prov), 0);
	ck_assert_int_eq(kh_nexus_create(ctl, prov, nx1), 0);
	ck_assert_int_eq(kh_nexus_create(ctl, prov, nx2), 0);
	ck_assert(!uuid_is_null(nx1));
	ck_assert_int_ne(uuid_compare(nx1, nx2), 0);
	uuid_generate_random(bogus);
	ck_assert_int_eq(kh_nexus_create(ctl, bogus, nx1), -ENOENT);
	/* another controller sees neither the provider nor the instance */
	ck_assert_int_eq(kh_nexus_create(other, prov, bogus), -ENOENT);
	memset(&nu, 0, sizeof(nu));
	uuid_copy(nu.nu_uuid, nx2);
	ck_assert_int_eq(kh_ioctl(other, SKC_IOC_NEXUS_DESTROY, &nu), -ENOENT);
	uuid_copy(nu.nu_uuid, prov);
	ck_assert_int_eq(kh_ioctl(other, SKC_IOC_NEXUS_DEREGISTER, &nu),
	    -ENOENT);
	/* free, then unknown */
	uuid_copy(nu.nu_uuid, nx2);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DESTROY, &nu), 0);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DESTROY, &nu), -ENOENT);
	uuid_clear(nu.nu_uuid);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DESTROY, &nu), -EINVAL);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DEREGISTER, &nu),
	    -EINVAL);
	/* deregister takes the remaining instance with it */
	uuid_copy(nu.nu_uuid, prov);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DEREGISTER, &nu), 0);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DEREGISTER, &nu),
	    -ENOENT);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_providers, 0);
	ck_assert_uint_eq(st.cs_instances, 0);
	sk_file_close(other);
}
END_TEST

START_TEST(test_controller_close_frees_all)
{
	struct skc_ctl_stats st;
	struct kh_chan c;
	uuid_t nx;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	kh_upipe(ctl, 2, 8, 0, 0, nx);
	kh_upipe(ctl, 1, 8, 1, 0, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY), 0);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_providers, 3);
	ck_assert_uint_eq(st.cs_instances, 3);
	sk_file_close(ctl);
	ctl = NULL;
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_providers, 0);
	ck_assert_uint_eq(st.cs_instances, 1);  /* kept by its channel */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	kh_chan_close(&c);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_instances, 0);
}
END_TEST

/* ---- lists ---------------------------------------------------------------- */

static struct skc_list *
get_list(uint32_t opt, const uuid_t key, uint32_t cap, int *err)
{
	static struct skc_nexus_opt o;
	struct skc_list *l = (void *)o.no_data;

	memset(&o, 0, sizeof(o));
	o.no_opt = opt;
	o.no_len = cap;
	if (key != NULL)
		uuid_copy(l->lh_uuid, key);
	*err = kh_ioctl(ctl, SKC_IOC_NEXUS_GET_OPT, &o);
	return l;
}

START_TEST(test_lists)
{
	struct kh_prov kp = upipe_defaults;
	struct kh_chan c;
	struct skc_list *l;
	uuid_t prov, nx, nx2;
	int err;

	kp.requested = NXPREQ_ANONYMOUS;
	kp.anonymous = 1;
	ck_assert_int_eq(kh_register(ctl, &kp, prov), 0);
	ck_assert_int_eq(kh_nexus_create(ctl, prov, nx), 0);
	ck_assert_int_eq(kh_nexus_create(ctl, prov, nx2), 0);
	l = get_list(NXOPT_NEXUS_PROV_LIST, NULL, SKC_OPT_DATA_MAX, &err);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(l->lh_count, 1);
	l = get_list(NXOPT_NEXUS_LIST, prov, SKC_OPT_DATA_MAX, &err);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(l->lh_total, 2);
	/* a short buffer gets what fits, and the true total */
	l = get_list(NXOPT_NEXUS_LIST, prov, sizeof(*l) + 16, &err);
	ck_assert_uint_eq(l->lh_count, 1);
	ck_assert_uint_eq(l->lh_total, 2);
	l = get_list(NXOPT_NEXUS_LIST, prov, 4, &err);
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_int_eq(kh_chan_open(&c, nx, 1, CHANNEL_RING_ID_ANY), 0);
	l = get_list(NXOPT_CHANNEL_LIST, nx, SKC_OPT_DATA_MAX, &err);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(l->lh_count, 1);
	ck_assert_int_eq(uuid_compare(*(uuid_t *)(l + 1),
	    c.info.ci_info.cinfo_ch_id), 0);
	kh_chan_close(&c);
	l = get_list(NXOPT_CHANNEL_LIST, prov, SKC_OPT_DATA_MAX, &err);
	ck_assert_int_eq(err, -ENOENT);
	l = get_list(12345, NULL, SKC_OPT_DATA_MAX, &err);
	ck_assert_int_eq(err, -ENOPROTOOPT);
}
END_TEST

/* ---- binding (scenario 9) ------------------------------------------------- */

START_TEST(test_bind_key)
{
	static const char key0[16] = "key-zero........";
	static const char key1[16] = "key-one.........";
	struct kh_chan c, d;
	struct skc_ctl_stats st;
	uuid_t nx;

	kh_upipe(ctl, 2, 8, 0, 0, nx);
	ck_assert_int_eq(kh_bind(ctl, nx, 0, NBR_MATCH_KEY, -1, key0, 16), 0);
	ck_assert_int_eq(kh_bind(ctl, nx, 0, NBR_MATCH_KEY, -1, key0, 16),
	    -EEXIST);
	ck_assert_int_eq(kh_bind(ctl, nx, 1, NBR_MATCH_KEY, -1, key1, 16), 0);
	ck_assert_int_eq(kh_bind(ctl, nx, 1, NBR_MATCH_KEY, -1, key1, 16),
	    -EEXIST);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_bindings, 2);

	ck_assert_int_eq(kh_chan_open(&c, nx, 0, CHANNEL_RING_ID_ANY),
	    -EACCES);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, CHANNEL_RING_ID_ANY, 0,
	    key1, 16), -EACCES);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, CHANNEL_RING_ID_ANY, 0,
	    key0, 15), -EACCES);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, CHANNEL_RING_ID_ANY, 0,
	    key0, 16), 0);
	kh_chan_close(&c);
	/* the binding outlives the channel */
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, 0, 0, key0, 16), 0);
	ck_assert_int_eq(kh_chan_open_key(&d, nx, 0, 1, 0, key0, 16), 0);
	kh_chan_close(&c);
	kh_chan_close(&d);
	ck_assert_int_eq(kh_chan_open(&c, nx, 1, 1), -EACCES);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 1, 1, 0, key1, 16), 0);
	kh_chan_close(&c);

	ck_assert_int_eq(kh_unbind(ctl, nx, 0), 0);
	ck_assert_int_eq(kh_unbind(ctl, nx, 0), -ENOENT);
	ck_assert_int_eq(kh_unbind(ctl, nx, 2), -EDOM);
	ck_assert_int_eq(kh_unbind(ctl, nx, NEXUS_PORT_ANY), -EINVAL);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 0, 0, 0, key0, 16),
	    -EACCES);
}
END_TEST

START_TEST(test_bind_errors)
{
	static const char bigkey[NEXUS_MAX_KEY_LEN + 1];
	uuid_t nx, anon, null, bogus;
	struct sk_file *other = kh_ctl_open();

	kh_upipe(ctl, 1, 8, 0, 0, nx);
	kh_upipe(ctl, 1, 8, 1, 0, anon);
	uuid_clear(null);
	uuid_generate_random(bogus);
	ck_assert_int_eq(kh_bind(ctl, anon, 0, NBR_MATCH_KEY, -1, "k", 1),
	    -ENXIO);
	ck_assert_int_eq(kh_unbind(ctl, anon, 0), -ENXIO);
	ck_assert_int_eq(kh_bind(ctl, nx, 0, 0, -1, "k", 1), -EINVAL);
	ck_assert_int_eq(kh_bind(ctl, nx, 0, NBR_MATCH_KEY, -1, "k", 0),
	    -EINVAL);
	ck_assert_int_eq(kh_bind(ctl, nx, 0, NBR_MATCH_KEY, -1, bigkey,
	    NEXUS_MAX_KEY_LEN + 1), -EINVAL);
	ck_assert_int_eq(kh_bind(ctl, null, 0, NBR_MATCH_KEY, -1, "k", 1),
	    -EINVAL);
	ck_assert_int_eq(kh_bind(ctl, bogus, 0, NBR_MATCH_KEY, -1, "k", 1),
	    -ENOENT);
	ck_assert_int_eq(kh_bind(other, nx, 0, NBR_MATCH_KEY, -1, "k", 1),
	    -ENOENT);
	ck_assert_int_eq(kh_bind(ctl, nx, 2, NBR_MATCH_KEY, -1, "k", 1),
	    -EDOM);
	ck_assert_int_eq(kh_bind(ctl, nx, NEXUS_PORT_ANY, NBR_MATCH_KEY, -1,
	    "k", 1), -EPERM);
	ck_assert_int_eq(kh_bind(ctl, nx, 0, NBR_MATCH_PID, 0x3ffffffe, NULL,
	    0), -ESRCH);
	ck_assert_int_eq(kh_bind(ctl, nx, 0, NBR_MATCH_EXEC_UUID, -1, NULL,
	    0), -ENOTSUP);
	sk_file_close(other);
}
END_TEST

START_TEST(test_bind_pid)
{
	struct kh_chan c;
	uuid_t nx;

	kh_upipe(ctl, 1, 8, 0, 0, nx);
	ck_assert_int_eq(kh_bind(ctl, nx, 1, NBR_MATCH_PID | NBR_MATCH_KEY,
	    getpid(), "kk", 2), 0);
	kh_cred = KH_CRED_NOBODY;               /* pid 0 never matches */
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 1, 0, 0, "kk", 2), -EACCES);
	kh_cred = KH_CRED_SELF;
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 1, 0, 0, "kx", 2), -EACCES);
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 1, 0, 0, "kk", 2), 0);
	kh_chan_close(&c);
	kh_cred.cr_pid = getppid();
	ck_assert_int_eq(kh_chan_open_key(&c, nx, 1, 0, 0, "kk", 2), -EACCES);
	kh_cred = KH_CRED_NOBODY;
}
END_TEST

START_TEST(test_config_and_unknown_opt)
{
	struct skc_nexus_opt o;
	struct nx_cfg_req *ncr = (void *)o.no_data;
	uuid_t nx;

	kh_upipe(ctl, 1, 8, 1, 0, nx);
	memset(&o, 0, sizeof(o));
	o.no_opt = NXOPT_NEXUS_CONFIG;
	o.no_len = sizeof(*ncr);
	uuid_copy(ncr->nc_nx_uuid, nx);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_SET_OPT, &o), -EPERM);
	o.no_opt = 4242;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_SET_OPT, &o),
	    -ENOPROTOOPT);
	o.no_opt = NXOPT_NEXUS_BIND;
	o.no_len = SKC_OPT_DATA_MAX + 1;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_SET_OPT, &o), -EINVAL);
	o.no_len = 10;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_SET_OPT, &o), -EINVAL);
}
END_TEST

static Suite *
nexus_suite(void)
{
	Suite *s = suite_create("nexus");
	TCase *tc = tcase_create("nexus");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dispatch_framing);
	tcase_add_test(tc, test_register_explicit);
	tcase_add_test(tc, test_register_defaults_and_limits);
	tcase_add_test(tc, test_register_errors);
	tcase_add_test(tc, test_instances);
	tcase_add_test(tc, test_controller_close_frees_all);
	tcase_add_test(tc, test_lists);
	tcase_add_test(tc, test_bind_key);
	tcase_add_test(tc, test_bind_errors);
	tcase_add_test(tc, test_bind_pid);
	tcase_add_test(tc, test_config_and_unknown_opt);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(nexus_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
