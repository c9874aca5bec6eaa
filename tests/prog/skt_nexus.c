/*
 * skt_nexus - provider and instance life cycle, attribute round trip.
 *
 * Behaviours §5 scenario 6 (XNU sktc_build_nexus and the register
 * rules of __nexus_register).  Checks, in order: the nexus attribute
 * object's own rules (read-only attributes ENOTSUP, unknown EINVAL);
 * that every requested provider parameter reads back unchanged and the
 * rest come back filled in; the user-pipe defaults (1 ring, 128 slots,
 * 2048-byte buffers; too few slots silently become the default); the
 * register errors with Apple's return conventions (library checks give
 * a positive errno, kernel checks -1 and errno); distinct instances;
 * ENOENT for unknown or foreign providers and instances; and that
 * destroying a controller takes its providers and instances with it.
 */
#include "skt_util.h"

#define NX_BOGUS_ATTR ((nexus_attr_type_t)999)

static void nx_attr_rules(void)
{
	static const nexus_attr_type_t ro[] = {
		NEXUS_ATTR_SLOT_META_SIZE, NEXUS_ATTR_IFINDEX,
		NEXUS_ATTR_STATS_SIZE, NEXUS_ATTR_FLOWADV_MAX,
		NEXUS_ATTR_CHECKSUM_OFFLOAD, NEXUS_ATTR_USER_PACKET_POOL,
		NEXUS_ATTR_ADV_SIZE,
	};
	nexus_attr_t attr = os_nexus_attr_create();
	uint64_t v;
	size_t i;

	T_NONNULL(attr);
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		if (os_nexus_attr_set(attr, ro[i], 1) != ENOTSUP)
			SKT_FAIL("os_nexus_attr_set(attr %d): expected ENOTSUP",
			    (int)ro[i]);
	T_RET(os_nexus_attr_set(attr, NX_BOGUS_ATTR, 1), EINVAL);
	T_RET(os_nexus_attr_set(NULL, NEXUS_ATTR_TX_RINGS, 1), EINVAL);
	T_RET(os_nexus_attr_get(attr, NX_BOGUS_ATTR, &v), EINVAL);
	T_RET(os_nexus_attr_get(attr, NEXUS_ATTR_TX_RINGS, NULL), EINVAL);
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_TX_SLOTS, 77));
	T_OK(os_nexus_attr_get(attr, NEXUS_ATTR_TX_SLOTS, &v));
	T_EQ(v, 77);
	os_nexus_attr_destroy(attr);
	skt_ok("nexus attr: read-only ENOTSUP, unknown EINVAL, set/get");
}

static int nx_register(nexus_controller_t ctl, nexus_type_t type,
    nexus_attr_t attr, uuid_t *prov)
{
	nexus_name_t name;

	skt_name(name, "nexus");
	return os_nexus_controller_register_provider(ctl, name, type, attr,
	    prov);
}

static uint64_t nx_read(nexus_controller_t ctl, const uuid_t prov,
    nexus_attr_type_t t)
{
	nexus_attr_t attr = os_nexus_attr_create();
	uint64_t v;

	T_NONNULL(attr);
	T_OK(os_nexus_controller_read_provider_attr(ctl, prov, attr));
	v = skt_nx_attr_get(attr, t);
	os_nexus_attr_destroy(attr);
	return v;
}

static void nx_explicit(void)
{
	struct skt_nx_params p = { 2, 64, 4096, 1, 1 };
	struct skt_nexus nx;

	skt_upipe_setup(&nx, "explicit", &p);    /* reads everything back */
	T_NE(nx_read(nx.sn_ctl, nx.sn_prov, NEXUS_ATTR_SLOT_META_SIZE), 0);
	T_NE(nx_read(nx.sn_ctl, nx.sn_prov, NEXUS_ATTR_MAX_FRAGS), 0);
	T_EQ(nx_read(nx.sn_ctl, nx.sn_prov, NEXUS_ATTR_USER_CHANNEL), 1);
	skt_nexus_teardown(&nx);
	skt_ok("explicit parameters read back unchanged");
}

static void nx_defaults(long slots, const char *what)
{
	struct skt_nx_params p = { -1, slots, -1, 1, -1 };
	nexus_controller_t ctl = os_nexus_controller_create();
	nexus_attr_t attr = skt_nx_attr(&p);
	uuid_t prov;

	T_NONNULL(ctl);
	T_OK(nx_register(ctl, NEXUS_TYPE_USER_PIPE, attr, &prov));
	T_EQ(nx_read(ctl, prov, NEXUS_ATTR_TX_RINGS), 1);
	T_EQ(nx_read(ctl, prov, NEXUS_ATTR_RX_RINGS), 1);
	T_EQ(nx_read(ctl, prov, NEXUS_ATTR_TX_SLOTS), 128);
	T_EQ(nx_read(ctl, prov, NEXUS_ATTR_RX_SLOTS), 128);
	T_EQ(nx_read(ctl, prov, NEXUS_ATTR_SLOT_BUF_SIZE), 2048);
	T_EQ(nx_read(ctl, prov, NEXUS_ATTR_REJECT_ON_CLOSE), 0);
	T_OK(os_nexus_controller_deregister_provider(ctl, prov));
	os_nexus_attr_destroy(attr);
	os_nexus_controller_destroy(ctl);
	skt_ok("defaults: %s", what);
}

/* One attribute on a fresh attr object, then register and expect. */
static int nx_try(nexus_controller_t ctl, nexus_type_t type,
    nexus_attr_type_t t, uint64_t v)
{
	nexus_attr_t attr = os_nexus_attr_create();
	uuid_t prov;
	int r;

	T_NONNULL(attr);
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_ANONYMOUS, 1));
	T_OK(os_nexus_attr_set(attr, t, v));
	r = nx_register(ctl, type, attr, &prov);
	os_nexus_attr_destroy(attr);
	if (r == 0)
		SKT_FAIL("register type %d with attr %d = %" PRIu64
		    " succeeded", (int)type, (int)t, v);
	return r;
}

static void nx_register_errors(nexus_controller_t ctl)
{
	nexus_attr_t attr = os_nexus_attr_create();
	nexus_name_t empty = { 0 };
	uuid_t prov;

	T_NONNULL(attr);
	T_SYSERR(nx_register(ctl, NEXUS_TYPE_KERNEL_PIPE, attr, &prov), EINVAL);
	T_RET(os_nexus_controller_register_provider(ctl, empty,
	    NEXUS_TYPE_USER_PIPE, attr, &prov), EINVAL);
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_TX_RINGS, 2));
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_RX_RINGS, 3));
	T_SYSERR(nx_register(ctl, NEXUS_TYPE_USER_PIPE, attr, &prov), EINVAL);
	os_nexus_attr_destroy(attr);
	skt_ok("register: kernel pipe, empty name, TX != RX rings");

	T_RET(nx_try(ctl, NEXUS_TYPE_NET_IF, NEXUS_ATTR_REJECT_ON_CLOSE, 1),
	    EINVAL);
	T_RET(nx_try(ctl, NEXUS_TYPE_USER_PIPE, NEXUS_ATTR_MAX_FRAGS, 2),
	    EINVAL);
	T_RET(nx_try(ctl, NEXUS_TYPE_USER_PIPE, NEXUS_ATTR_QMAP,
	    NEXUS_QMAP_TYPE_DEFAULT), EINVAL);
	skt_ok("register: type-specific attributes on the wrong type");

	T_SYSERR(nx_try(ctl, NEXUS_TYPE_USER_PIPE, NEXUS_ATTR_TX_SLOTS, 5000),
	    ENOMEM);
	T_SYSERR(nx_try(ctl, NEXUS_TYPE_USER_PIPE, NEXUS_ATTR_SLOT_BUF_SIZE,
	    32768), ENOMEM);
	skt_ok("register: above the maximum gives ENOMEM");
}

static void nx_instances(nexus_controller_t ctl, nexus_controller_t other)
{
	nexus_attr_t attr = os_nexus_attr_create();
	uuid_t prov, a, b, bogus;

	T_NONNULL(attr);
	T_OK(os_nexus_attr_set(attr, NEXUS_ATTR_ANONYMOUS, 1));
	T_OK(nx_register(ctl, NEXUS_TYPE_USER_PIPE, attr, &prov));
	os_nexus_attr_destroy(attr);
	T_OK(os_nexus_controller_alloc_provider_instance(ctl, prov, &a));
	T_OK(os_nexus_controller_alloc_provider_instance(ctl, prov, &b));
	T_TRUE(!uuid_is_null(a) && !uuid_is_null(b));
	T_TRUE(uuid_compare(a, b) != 0);
	skt_ok("two instances, two distinct UUIDs");

	uuid_generate_random(bogus);
	T_SYSERR(os_nexus_controller_alloc_provider_instance(ctl, bogus, &a),
	    ENOENT);
	T_SYSERR(os_nexus_controller_free_provider_instance(other, a), ENOENT);
	T_SYSERR(os_nexus_controller_deregister_provider(other, prov), ENOENT);
	T_OK(os_nexus_controller_free_provider_instance(ctl, a));
	T_SYSERR(os_nexus_controller_free_provider_instance(ctl, a), ENOENT);
	T_SYSERR(os_nexus_controller_free_provider_instance(ctl, bogus),
	    ENOENT);
	T_OK(os_nexus_controller_free_provider_instance(ctl, b));
	T_OK(os_nexus_controller_deregister_provider(ctl, prov));
	T_SYSERR(os_nexus_controller_deregister_provider(ctl, prov), ENOENT);
	T_SYSERR(os_nexus_controller_deregister_provider(ctl, bogus), ENOENT);
	T_RET(os_nexus_controller_read_provider_attr(ctl, prov, NULL), EINVAL);
	skt_ok("unknown and foreign providers/instances give ENOENT");
}

/* A controller's death closes its providers and instances. */
static void nx_destroy_closes(void)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;
	struct skt_nexus nx;
	uuid_t inst;

	skt_upipe_setup(&nx, "destroy", &p);
	uuid_copy(inst, nx.sn_inst);
	os_nexus_controller_destroy(nx.sn_ctl);
	T_NULL_ERRNO(os_channel_create(inst, NEXUS_PORT_USER_PIPE_CLIENT),
	    ENOENT);
	skt_ok("destroying the controller removed its instance");
}

int main(int argc, char **argv)
{
	nexus_controller_t ctl, other;

	(void)argc;
	skt_set_prog(argv[0]);
	nx_attr_rules();
	nx_explicit();
	nx_defaults(-1, "1 ring, 128 slots, 2048-byte buffers");
	nx_defaults(1, "1 slot requested becomes 128");
	ctl = os_nexus_controller_create();
	other = os_nexus_controller_create();
	T_NONNULL(ctl);
	T_NONNULL(other);
	nx_register_errors(ctl);
	nx_instances(ctl, other);
	os_nexus_controller_destroy(other);
	os_nexus_controller_destroy(ctl);
	nx_destroy_closes();
	printf("%s: PASS\n", skt_prog);
	return 0;
}
