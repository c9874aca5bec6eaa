/*
 * skt_kpipe - the kernel-pipe loopback nexus, as XNU's k* tests use it.
 *
 * Behaviours §5 scenario 3 (XNU "oneslotkp"/"oneslotks", "nslotskp"/
 * "nslotsks", "debug_verify_k" without kqueue).  The daemon owns an
 * anonymous KERNEL_PIPE instance whose provider echoes every TX packet
 * into the same channel's RX ring (cuse-dev/nx_kpipe.c); its UUID comes
 * from -u UUID or $SKCHAN_KPIPE_UUID (the daemon logs it at start as
 * "kpipe loopback nexus <uuid>").
 *
 *   skt_kpipe [-u UUID] oneslot [--poll|--select]
 *       one 54-byte slot there and back; every wait reports exactly the
 *       requested bit; same bytes and length come back.
 *   skt_kpipe [-u UUID] nslots [--poll|--select] [-n COUNT]
 *       fill exactly the available TX slots with a 4-byte counter, TX
 *       sync, read exactly the available RX slots and never RX-sync
 *       explicitly; COUNT defaults to TX_SLOTS (128).
 *   skt_kpipe [-u UUID] errors
 *       attributes (KERNEL_PIPE, QUANTUM/PAYLOAD, 1 ring, 128 slots, 2048
 *       bytes); port 1 => EDOM; user packet pool, event ring and low
 *       latency => ENOTSUP; a second open of port 0 => EBUSY; userland
 *       may not register a KERNEL_PIPE provider (EINVAL).
 */
#include "skt_util.h"

static const char kp_msg[] =
    "Time flies like an arrow;  fruit flies like a banana.";

struct kp_opts {
	uuid_t ko_uuid;
	const char *ko_mode;
	enum skt_wait_how ko_how;
	uint64_t ko_count;
};

/* ---- oneslot --------------------------------------------------------- */

static void kp_oneslot_send(channel_t ch, enum skt_wait_how how)
{
	channel_ring_t tx = skt_tx(ch);
	channel_slot_t s;
	slot_prop_t p;

	if (how == SKT_POLL)
		skt_poll_exact(ch, POLLWRNORM);
	else
		skt_select_exact(ch, 1, 1);
	T_TRUE(os_channel_available_slot_count(tx) > 0);
	s = os_channel_get_next_slot(tx, NULL, &p);
	T_NONNULL(s);
	T_NE(p.sp_buf_ptr, 0);
	T_EQ(p.sp_len, 2048);
	memcpy((void *)(uintptr_t)p.sp_buf_ptr, kp_msg, sizeof(kp_msg));
	p.sp_len = sizeof(kp_msg);
	os_channel_set_slot_properties(tx, s, &p);
	T_OK(os_channel_advance_slot(tx, s));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
	skt_ok("sent %zu bytes after %s reported writable", sizeof(kp_msg),
	    skt_how_name(how));
}

static void kp_oneslot_receive(channel_t ch, enum skt_wait_how how)
{
	channel_ring_t rx = skt_rx(ch);
	channel_slot_t s;
	slot_prop_t p;

	skt_wait_read(ch, how);
	T_TRUE(os_channel_available_slot_count(rx) >= 1);
	s = os_channel_get_next_slot(rx, NULL, &p);
	T_NONNULL(s);
	T_EQ(p.sp_len, sizeof(kp_msg));
	if (memcmp((const void *)(uintptr_t)p.sp_buf_ptr, kp_msg,
	    sizeof(kp_msg)) != 0)
		SKT_FAIL("RX payload differs from what was sent");
	T_OK(os_channel_advance_slot(rx, s));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
	T_EQ(os_channel_available_slot_count(rx), 0);
	skt_ok("the same %zu bytes came back", sizeof(kp_msg));
}

static void kp_oneslot(const struct kp_opts *o)
{
	channel_t ch = skt_channel_open_simple(o->ko_uuid,
	    NEXUS_PORT_KERNEL_PIPE_CLIENT);

	kp_oneslot_send(ch, o->ko_how);
	kp_oneslot_receive(ch, o->ko_how);
	os_channel_destroy(ch);
	printf("%s: PASS oneslot (%s)\n", skt_prog, skt_how_name(o->ko_how));
}

/* ---- nslots ---------------------------------------------------------- */

static void kp_nslots(struct kp_opts *o)
{
	struct skt_stream ks = { .ss_how = o->ko_how };
	channel_attr_t attr = os_channel_attr_create();
	double t0;

	ks.ss_ch = skt_channel_open_simple(o->ko_uuid,
	    NEXUS_PORT_KERNEL_PIPE_CLIENT);
	T_NONNULL(attr);
	T_OK(os_channel_read_attr(ks.ss_ch, attr));
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_TX_SLOTS), 128);
	ks.ss_buf_size = (uint32_t)skt_ch_attr_get(attr,
	    CHANNEL_ATTR_SLOT_BUF_SIZE);
	os_channel_attr_destroy(attr);
	if (o->ko_count == 0)
		o->ko_count = 128;
	ks.ss_count = o->ko_count;
	t0 = skt_now();
	skt_stream_run(&ks);
	os_channel_destroy(ks.ss_ch);
	printf("%s: PASS nslots (%s): %" PRIu64 " slots, %.3f s\n", skt_prog,
	    skt_how_name(o->ko_how), o->ko_count, skt_now() - t0);
}

/* ---- errors and attributes ------------------------------------------- */

static void kp_check_attrs(channel_t ch)
{
	channel_attr_t attr = os_channel_attr_create();

	T_NONNULL(attr);
	T_OK(os_channel_read_attr(ch, attr));
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_NEXUS_TYPE),
	    NEXUS_TYPE_KERNEL_PIPE);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_NEXUS_META_TYPE),
	    CHANNEL_NEXUS_META_TYPE_QUANTUM);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_NEXUS_META_SUBTYPE),
	    CHANNEL_NEXUS_META_SUBTYPE_PAYLOAD);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_TX_RINGS), 1);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_RX_RINGS), 1);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_TX_SLOTS), 128);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_RX_SLOTS), 128);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_SLOT_BUF_SIZE), 2048);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_USER_PACKET_POOL), 0);
	os_channel_attr_destroy(attr);
	skt_ok("attributes: KERNEL_PIPE, QUANTUM/PAYLOAD, 1x128x2048");
}

/* Open port 0 with one boolean attribute set; expect errno e. */
static void kp_open_fails(const uuid_t uuid, channel_attr_type_t t, int e,
    const char *what)
{
	channel_attr_t attr = os_channel_attr_create();

	T_NONNULL(attr);
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_NEXUS_DEFUNCT_OK, 1));
	if (t == CHANNEL_ATTR_EVENT_RING)
		T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_USER_PACKET_POOL,
		    1));
	T_OK(os_channel_attr_set(attr, t, 1));
	T_NULL_ERRNO(os_channel_create_extended(uuid,
	    NEXUS_PORT_KERNEL_PIPE_CLIENT, CHANNEL_DIR_TX_RX,
	    CHANNEL_RING_ID_ANY, attr), e);
	os_channel_attr_destroy(attr);
	skt_ok("%s => %s", what, strerror(e));
}

static void kp_register_refused(void)
{
	nexus_controller_t ncd = os_nexus_controller_create();
	nexus_attr_t attr = os_nexus_attr_create();
	nexus_name_t name;
	uuid_t prov;

	T_NONNULL(ncd);
	T_NONNULL(attr);
	skt_name(name, "kpipe");
	T_SYSERR(os_nexus_controller_register_provider(ncd, name,
	    NEXUS_TYPE_KERNEL_PIPE, attr, &prov), EINVAL);
	os_nexus_attr_destroy(attr);
	os_nexus_controller_destroy(ncd);
	skt_ok("registering a KERNEL_PIPE provider => EINVAL");
}

static void kp_errors(const struct kp_opts *o)
{
	channel_t ch;

	T_NULL_ERRNO(os_channel_create(o->ko_uuid, 1), EDOM);
	skt_ok("port 1 => EDOM");
	kp_open_fails(o->ko_uuid, CHANNEL_ATTR_USER_PACKET_POOL, ENOTSUP,
	    "user packet pool");
	kp_open_fails(o->ko_uuid, CHANNEL_ATTR_EVENT_RING, ENOTSUP,
	    "event ring");
	kp_open_fails(o->ko_uuid, CHANNEL_ATTR_LOW_LATENCY, ENOTSUP,
	    "low latency");
	ch = skt_channel_open_simple(o->ko_uuid, NEXUS_PORT_KERNEL_PIPE_CLIENT);
	kp_check_attrs(ch);
	T_NULL_ERRNO(os_channel_create(o->ko_uuid, 0), EBUSY);
	skt_ok("second open of port 0 => EBUSY");
	os_channel_destroy(ch);
	kp_register_refused();
	printf("%s: PASS errors\n", skt_prog);
}

/* ---- command line ---------------------------------------------------- */

static void kp_usage(void)
{
	SKT_FAIL("usage: %s [-u UUID] oneslot|nslots|errors [--poll|--select] "
	    "[-n COUNT]", skt_prog);
}

static void kp_uuid(struct kp_opts *o, const char *s)
{
	if (s == NULL || uuid_parse(s, o->ko_uuid) != 0)
		SKT_FAIL("no kpipe loopback UUID (-u, or SKCHAN_KPIPE_UUID): "
		    "\"%s\"", s != NULL ? s : "");
}

static void kp_parse(int argc, char **argv, struct kp_opts *o)
{
	const char *u = getenv("SKCHAN_KPIPE_UUID");
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-u") == 0 && i + 1 < argc)
			u = argv[++i];
		else if (strcmp(argv[i], "--poll") == 0)
			o->ko_how = SKT_POLL;
		else if (strcmp(argv[i], "--select") == 0)
			o->ko_how = SKT_SELECT;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			o->ko_count = strtoull(argv[++i], NULL, 0);
		else if (o->ko_mode == NULL && argv[i][0] != '-')
			o->ko_mode = argv[i];
		else
			kp_usage();
	}
	if (o->ko_mode == NULL)
		kp_usage();
	kp_uuid(o, u);
}

int main(int argc, char **argv)
{
	struct kp_opts o = { .ko_how = SKT_POLL };

	skt_set_prog(argv[0]);
	kp_parse(argc, argv, &o);
	if (strcmp(o.ko_mode, "oneslot") == 0)
		kp_oneslot(&o);
	else if (strcmp(o.ko_mode, "nslots") == 0)
		kp_nslots(&o);
	else if (strcmp(o.ko_mode, "errors") == 0)
		kp_errors(&o);
	else
		kp_usage();
	return 0;
}
