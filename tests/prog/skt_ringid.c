/*
 * skt_ringid - ring-id bounds and channel open errors.
 *
 * Behaviours §5 scenario 8 (XNU "ringidtx" / "ringidrx") on upipe(4
 * rings).  Ring ANY binds rings 0..3 (ring 4 does not exist); a channel
 * bound to ring r sees only ring r, as both first and last.  Opening
 * ring 4 fails EINVAL.  One owner per {port, ring}: a second ANY open of
 * a port fails EBUSY, as does ANY over a single bound ring, while two
 * different rings of one port may be open together.  Port 2 of a pipe
 * is EDOM, a null nexus UUID EINVAL, an unknown one ENOENT.
 */
#include "skt_util.h"

#define RI_RINGS 4

static channel_t ri_open(const uuid_t uuid, nexus_port_t port, ring_id_t r)
{
	struct skt_ch_opts o = SKT_CH_OPTS_DEFAULT;

	o.co_ring = r;
	return skt_channel_open(uuid, port, &o);
}

static channel_t ri_try(const uuid_t uuid, nexus_port_t port, ring_id_t r)
{
	struct skt_ch_opts o = SKT_CH_OPTS_DEFAULT;
	channel_attr_t attr = skt_ch_attr(&o);
	channel_t ch;
	int e;

	o.co_ring = r;
	ch = skt_channel_try(uuid, port, &o, attr);
	e = errno;
	os_channel_attr_destroy(attr);
	errno = e;
	return ch;
}

static void ri_check_bound(channel_t ch, ring_id_t first, ring_id_t last)
{
	ring_id_t r;

	T_EQ(os_channel_ring_id(ch, CHANNEL_FIRST_TX_RING), first);
	T_EQ(os_channel_ring_id(ch, CHANNEL_LAST_TX_RING), last);
	T_EQ(os_channel_ring_id(ch, CHANNEL_FIRST_RX_RING), first);
	T_EQ(os_channel_ring_id(ch, CHANNEL_LAST_RX_RING), last);
	for (r = 0; r <= RI_RINGS; r++) {
		int in = r >= first && r <= last;

		if ((os_channel_tx_ring(ch, r) != NULL) != in)
			SKT_FAIL("tx_ring(%u) %s with rings %u..%u", r,
			    in ? "NULL" : "non-NULL", first, last);
		if ((os_channel_rx_ring(ch, r) != NULL) != in)
			SKT_FAIL("rx_ring(%u) %s with rings %u..%u", r,
			    in ? "NULL" : "non-NULL", first, last);
	}
}

static void ri_bounds(const uuid_t uuid)
{
	channel_t ch;
	ring_id_t r;

	ch = ri_open(uuid, 0, CHANNEL_RING_ID_ANY);
	ri_check_bound(ch, 0, RI_RINGS - 1);
	os_channel_destroy(ch);
	skt_ok("ring ANY: rings 0..3, ring 4 NULL");
	for (r = 0; r < RI_RINGS; r++) {
		ch = ri_open(uuid, 0, r);
		ri_check_bound(ch, r, r);
		os_channel_destroy(ch);
	}
	skt_ok("ring r: only ring r, for r = 0..3");
	T_NULL_ERRNO(ri_try(uuid, 0, RI_RINGS), EINVAL);
	skt_ok("ring 4: EINVAL");
}

static void ri_ownership(const uuid_t uuid)
{
	channel_t a, b;

	a = ri_open(uuid, 0, CHANNEL_RING_ID_ANY);
	T_NULL_ERRNO(ri_try(uuid, 0, CHANNEL_RING_ID_ANY), EBUSY);
	T_NULL_ERRNO(ri_try(uuid, 0, 2), EBUSY);
	b = ri_open(uuid, 1, CHANNEL_RING_ID_ANY);
	os_channel_destroy(b);
	os_channel_destroy(a);
	skt_ok("second open of a port: EBUSY; the other port is free");
	a = ri_open(uuid, 0, 0);
	b = ri_open(uuid, 0, 1);
	T_NULL_ERRNO(ri_try(uuid, 0, 1), EBUSY);
	T_NULL_ERRNO(ri_try(uuid, 0, CHANNEL_RING_ID_ANY), EBUSY);
	os_channel_destroy(a);
	os_channel_destroy(b);
	a = ri_open(uuid, 0, CHANNEL_RING_ID_ANY);
	os_channel_destroy(a);
	skt_ok("rings 0 and 1 together; ANY over them EBUSY; freed on close");
}

static void ri_errors(const uuid_t uuid)
{
	uuid_t null_uuid, bogus;

	uuid_clear(null_uuid);
	uuid_generate_random(bogus);
	T_NULL_ERRNO(ri_try(uuid, 2, CHANNEL_RING_ID_ANY), EDOM);
	T_NULL_ERRNO(ri_try(uuid, 1000, CHANNEL_RING_ID_ANY), EDOM);
	T_NULL_ERRNO(ri_try(null_uuid, 0, CHANNEL_RING_ID_ANY), EINVAL);
	T_NULL_ERRNO(ri_try(bogus, 0, CHANNEL_RING_ID_ANY), ENOENT);
	T_NULL_ERRNO(os_channel_create_extended(uuid, 0, (ring_dir_t)7,
	    CHANNEL_RING_ID_ANY, NULL), EINVAL);
	skt_ok("port 2: EDOM, null UUID: EINVAL, unknown UUID: ENOENT, "
	    "bad direction: EINVAL");
}

int main(int argc, char **argv)
{
	struct skt_nx_params p = { RI_RINGS, 128, -1, 1, -1 };
	struct skt_nexus nx;

	(void)argc;
	skt_set_prog(argv[0]);
	skt_upipe_setup(&nx, "ringid", &p);
	ri_bounds(nx.sn_inst);
	ri_ownership(nx.sn_inst);
	ri_errors(nx.sn_inst);
	skt_nexus_teardown(&nx);
	printf("%s: PASS\n", skt_prog);
	return 0;
}
