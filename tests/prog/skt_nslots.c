/*
 * skt_nslots - stream N slots through an echo peer, RX syncs implicit.
 *
 * Behaviours §5 scenario 4 (XNU "nslotsup" / "nslotsus", "mslots*").
 * An echo worker thread serves port 1; on port 0 we read TX_SLOTS and
 * SLOT_BUF_SIZE from the channel, then repeatedly: wait writable, fill
 * exactly the available TX slots (each offered at the full buffer size)
 * with a 4-byte counter, advance, TX sync; wait readable, consume
 * exactly the available RX slots (each 4 bytes long, counters strictly
 * consecutive from 0), advance -- and never call an RX sync: the next
 * poll()/select() must do it.  Every wait must report exactly the
 * requested bit.  N defaults to TX_SLOTS (nslots); -n sets it (mslots).
 *
 * usage: skt_nslots [--poll|--select] [-n COUNT]
 */
#include "skt_util.h"

static void ns_parse(int argc, char **argv, struct skt_stream *ns)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--select") == 0)
			ns->ss_how = SKT_SELECT;
		else if (strcmp(argv[i], "--poll") == 0)
			ns->ss_how = SKT_POLL;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			ns->ss_count = strtoull(argv[++i], NULL, 0);
		else
			SKT_FAIL("usage: %s [--poll|--select] [-n COUNT]",
			    argv[0]);
	}
}

static void ns_read_attrs(struct skt_stream *ns)
{
	channel_attr_t attr = os_channel_attr_create();
	uint64_t slots;

	T_NONNULL(attr);
	T_OK(os_channel_read_attr(ns->ss_ch, attr));
	slots = skt_ch_attr_get(attr, CHANNEL_ATTR_TX_SLOTS);
	ns->ss_buf_size = (uint32_t)skt_ch_attr_get(attr,
	    CHANNEL_ATTR_SLOT_BUF_SIZE);
	os_channel_attr_destroy(attr);
	T_EQ(slots, 128);
	T_TRUE(ns->ss_buf_size >= 4);
	if (ns->ss_count == 0)
		ns->ss_count = slots;
}

int main(int argc, char **argv)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;
	struct skt_stream ns = { .ss_how = SKT_POLL };
	struct skt_nexus nx;
	struct skt_echo echo;
	double t0;

	skt_set_prog(argv[0]);
	ns_parse(argc, argv, &ns);
	skt_upipe_setup(&nx, "nslots", &p);
	skt_echo_start(&echo, nx.sn_inst, NEXUS_PORT_USER_PIPE_SERVER);
	ns.ss_ch = skt_channel_open_simple(nx.sn_inst,
	    NEXUS_PORT_USER_PIPE_CLIENT);
	ns_read_attrs(&ns);
	t0 = skt_now();
	skt_stream_run(&ns);
	skt_echo_stop(&echo);
	T_EQ(echo.se_count, ns.ss_count);
	os_channel_destroy(ns.ss_ch);
	skt_nexus_teardown(&nx);
	printf("%s: PASS (%s): %" PRIu64 " slots, %" PRIu64 " waits, %.3f s\n",
	    skt_prog, skt_how_name(ns.ss_how), ns.ss_count, ns.ss_waits,
	    skt_now() - t0);
	return 0;
}
