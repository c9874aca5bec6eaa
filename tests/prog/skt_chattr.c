/*
 * skt_chattr - channel attributes reflect the nexus; attr error cases.
 *
 * Behaviours §5 scenario 7 (XNU channel-worker checks) and the rules of
 * os_channel_attr_set/_set_key/_get_key.  On upipe(2 rings, 64 slots,
 * 4096-byte buffers) a channel's attributes -- both the attr object that
 * was passed to create (which create overwrites) and a fresh
 * os_channel_read_attr() -- must equal the provider's parameters, with
 * nexus type USER_PIPE, metadata QUANTUM/PAYLOAD, no packet pool,
 * DEFUNCT_OK as requested and NO_AUTO_SYNC always 1.  The attribute
 * object itself: read-only attributes ENOTSUP, NO_AUTO_SYNC=0 ENOTSUP,
 * bad monitor or threshold unit EINVAL, unknown types EINVAL, and the
 * key set/get rules (EINVAL on inconsistent pointer/length or > 1024
 * bytes, ENOMEM on a short buffer, NULL buffer returns the length).
 */
#include "skt_util.h"

#define CA_RINGS 2
#define CA_SLOTS 64
#define CA_BUF 4096

static void ca_check(channel_attr_t attr, uint64_t meta_size, const char *who)
{
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_TX_RINGS), CA_RINGS);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_RX_RINGS), CA_RINGS);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_TX_SLOTS), CA_SLOTS);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_RX_SLOTS), CA_SLOTS);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_SLOT_BUF_SIZE), CA_BUF);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_SLOT_META_SIZE), meta_size);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_NEXUS_TYPE),
	    NEXUS_TYPE_USER_PIPE);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_NEXUS_META_TYPE),
	    CHANNEL_NEXUS_META_TYPE_QUANTUM);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_NEXUS_META_SUBTYPE),
	    CHANNEL_NEXUS_META_SUBTYPE_PAYLOAD);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_USER_PACKET_POOL), 0);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_NEXUS_DEFUNCT_OK), 1);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_NO_AUTO_SYNC), 1);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_EXCLUSIVE), 0);
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_MONITOR), CHANNEL_MONITOR_OFF);
	skt_ok("%s: attributes match the provider", who);
}

static uint64_t ca_meta_size(const struct skt_nexus *nx)
{
	nexus_attr_t na = os_nexus_attr_create();
	uint64_t v;

	T_NONNULL(na);
	T_OK(os_nexus_controller_read_provider_attr(nx->sn_ctl, nx->sn_prov,
	    na));
	v = skt_nx_attr_get(na, NEXUS_ATTR_SLOT_META_SIZE);
	os_nexus_attr_destroy(na);
	T_NE(v, 0);
	return v;
}

static void ca_channel(const struct skt_nexus *nx)
{
	struct skt_ch_opts o = SKT_CH_OPTS_DEFAULT;
	uint64_t meta = ca_meta_size(nx);
	channel_attr_t attr = skt_ch_attr(&o), fresh;
	channel_t ch = skt_channel_try(nx->sn_inst, 0, &o, attr);

	T_NONNULL(ch);
	ca_check(attr, meta, "attr passed to create");
	fresh = os_channel_attr_create();
	T_NONNULL(fresh);
	T_OK(os_channel_read_attr(ch, fresh));
	ca_check(fresh, meta, "os_channel_read_attr");
	T_EQ(os_channel_ring_id(ch, CHANNEL_LAST_TX_RING) -
	    os_channel_ring_id(ch, CHANNEL_FIRST_TX_RING), CA_RINGS - 1);
	os_channel_attr_destroy(fresh);
	os_channel_attr_destroy(attr);
	os_channel_destroy(ch);
}

static void ca_set_rules(void)
{
	static const channel_attr_type_t ro[] = {
		CHANNEL_ATTR_TX_RINGS, CHANNEL_ATTR_RX_RINGS,
		CHANNEL_ATTR_TX_SLOTS, CHANNEL_ATTR_RX_SLOTS,
		CHANNEL_ATTR_SLOT_BUF_SIZE, CHANNEL_ATTR_SLOT_META_SIZE,
		CHANNEL_ATTR_NEXUS_EXTENSIONS, CHANNEL_ATTR_NEXUS_MHINTS,
		CHANNEL_ATTR_NEXUS_IFINDEX, CHANNEL_ATTR_NEXUS_STATS_SIZE,
		CHANNEL_ATTR_NEXUS_FLOWADV_MAX, CHANNEL_ATTR_NEXUS_META_TYPE,
		CHANNEL_ATTR_NEXUS_META_SUBTYPE,
		CHANNEL_ATTR_NEXUS_CHECKSUM_OFFLOAD,
		CHANNEL_ATTR_NEXUS_ADV_SIZE, CHANNEL_ATTR_MAX_FRAGS,
		CHANNEL_ATTR_NUM_BUFFERS, CHANNEL_ATTR_LARGE_BUF_SIZE,
	};
	channel_attr_t attr = os_channel_attr_create();
	uint64_t v;
	size_t i;

	T_NONNULL(attr);
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		if (os_channel_attr_set(attr, ro[i], 1) != ENOTSUP)
			SKT_FAIL("os_channel_attr_set(attr %d): expected "
			    "ENOTSUP", (int)ro[i]);
	T_RET(os_channel_attr_set(attr, CHANNEL_ATTR_NO_AUTO_SYNC, 0), ENOTSUP);
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_NO_AUTO_SYNC, 1));
	T_RET(os_channel_attr_set(attr, CHANNEL_ATTR_MONITOR, 3), EINVAL);
	T_RET(os_channel_attr_set(attr, CHANNEL_ATTR_TX_LOWAT_UNIT, 2), EINVAL);
	T_RET(os_channel_attr_set(attr, CHANNEL_ATTR_RX_LOWAT_UNIT, 7), EINVAL);
	T_RET(os_channel_attr_set(attr, CHANNEL_ATTR_NEXUS_TYPE, 0), EINVAL);
	T_RET(os_channel_attr_set(attr, CHANNEL_ATTR_TX_HOST_RINGS, 1), EINVAL);
	T_RET(os_channel_attr_set(attr, (channel_attr_type_t)999, 1), EINVAL);
	T_RET(os_channel_attr_get(attr, CHANNEL_ATTR_FILTER, &v), EINVAL);
	T_RET(os_channel_attr_get(attr, CHANNEL_ATTR_RX_HOST_RINGS, &v), EINVAL);
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_TX_LOWAT_UNIT,
	    CHANNEL_THRESHOLD_UNIT_BYTES));
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_TX_LOWAT_UNIT),
	    CHANNEL_THRESHOLD_UNIT_BYTES);
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_MONITOR,
	    CHANNEL_MONITOR_COPY));
	T_EQ(skt_ch_attr_get(attr, CHANNEL_ATTR_MONITOR), CHANNEL_MONITOR_COPY);
	os_channel_attr_destroy(attr);
	skt_ok("attr set/get rules: ENOTSUP, EINVAL, round trips");
}

static void ca_key_rules(void)
{
	channel_attr_t attr = os_channel_attr_create(), clone;
	static uint8_t big[NEXUS_MAX_KEY_LEN + 1];
	uint8_t key[16], out[16], small[4];
	uint32_t len;

	T_NONNULL(attr);
	memset(key, 0xa5, sizeof(key));
	T_RET(os_channel_attr_set_key(attr, NULL, 4), EINVAL);
	T_RET(os_channel_attr_set_key(attr, key, 0), EINVAL);
	T_RET(os_channel_attr_set_key(attr, big, sizeof(big)), EINVAL);
	T_OK(os_channel_attr_set_key(attr, big, NEXUS_MAX_KEY_LEN));
	T_OK(os_channel_attr_set_key(attr, key, sizeof(key)));
	T_RET(os_channel_attr_get_key(attr, out, NULL), EINVAL);
	len = 0;
	T_OK(os_channel_attr_get_key(attr, NULL, &len));
	T_EQ(len, sizeof(key));
	len = sizeof(small);
	T_RET(os_channel_attr_get_key(attr, small, &len), ENOMEM);
	len = sizeof(out);
	T_OK(os_channel_attr_get_key(attr, out, &len));
	T_EQ(len, sizeof(key));
	T_TRUE(memcmp(out, key, sizeof(key)) == 0);
	clone = os_channel_attr_clone(attr);
	T_NONNULL(clone);
	memset(out, 0, sizeof(out));
	len = sizeof(out);
	T_OK(os_channel_attr_get_key(clone, out, &len));
	T_TRUE(len == sizeof(key) && memcmp(out, key, sizeof(key)) == 0);
	T_OK(os_channel_attr_set_key(attr, NULL, 0));
	len = 99;
	T_OK(os_channel_attr_get_key(attr, NULL, &len));
	T_EQ(len, 0);
	os_channel_attr_destroy(clone);
	os_channel_attr_destroy(attr);
	skt_ok("key set/get/clone rules");
}

int main(int argc, char **argv)
{
	struct skt_nx_params p = { CA_RINGS, CA_SLOTS, CA_BUF, 1, -1 };
	struct skt_nexus nx;

	(void)argc;
	skt_set_prog(argv[0]);
	ca_set_rules();
	ca_key_rules();
	skt_upipe_setup(&nx, "chattr", &p);
	ca_channel(&nx);
	skt_nexus_teardown(&nx);
	printf("%s: PASS\n", skt_prog);
	return 0;
}
