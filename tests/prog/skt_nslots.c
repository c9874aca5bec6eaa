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

struct ns_state {
	channel_t ns_ch;
	enum skt_wait_how ns_how;
	uint64_t ns_count;
	uint64_t ns_sent;
	uint64_t ns_rcvd;
	uint32_t ns_buf_size;
	uint64_t ns_waits;
};

static void ns_send(struct ns_state *ns)
{
	channel_ring_t tx = skt_tx(ns->ns_ch);
	channel_slot_t s = NULL, last = NULL;
	uint32_t avail, i, ctr;
	slot_prop_t p;

	skt_wait_write(ns->ns_ch, ns->ns_how);
	ns->ns_waits++;
	avail = os_channel_available_slot_count(tx);
	T_TRUE(avail > 0);
	for (i = 0; i < avail && ns->ns_sent < ns->ns_count; i++) {
		s = os_channel_get_next_slot(tx, last, &p);
		T_NONNULL(s);
		T_EQ(p.sp_len, ns->ns_buf_size);
		ctr = (uint32_t)ns->ns_sent++;
		memcpy((void *)(uintptr_t)p.sp_buf_ptr, &ctr, 4);
		p.sp_len = 4;
		os_channel_set_slot_properties(tx, s, &p);
		last = s;
	}
	T_OK(os_channel_advance_slot(tx, last));
	T_OK(os_channel_sync(ns->ns_ch, CHANNEL_SYNC_TX));
}

static void ns_receive(struct ns_state *ns)
{
	channel_ring_t rx = skt_rx(ns->ns_ch);
	channel_slot_t s = NULL, last = NULL;
	uint32_t avail, i, ctr;
	slot_prop_t p;

	skt_wait_read(ns->ns_ch, ns->ns_how);
	ns->ns_waits++;
	avail = os_channel_available_slot_count(rx);
	T_TRUE(avail > 0);
	for (i = 0; i < avail; i++) {
		s = os_channel_get_next_slot(rx, last, &p);
		T_NONNULL(s);
		T_EQ(p.sp_len, 4);
		memcpy(&ctr, (const void *)(uintptr_t)p.sp_buf_ptr, 4);
		if (ctr != (uint32_t)ns->ns_rcvd)
			SKT_FAIL("slot %" PRIu64 ": counter %u (loss, "
			    "duplicate or reorder)", ns->ns_rcvd, ctr);
		ns->ns_rcvd++;
		last = s;
	}
	T_TRUE(ns->ns_rcvd <= ns->ns_sent);
	/* Advance only: the RX sync is left to the next wait. */
	T_OK(os_channel_advance_slot(rx, last));
}

static void ns_parse(int argc, char **argv, struct ns_state *ns)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--select") == 0)
			ns->ns_how = SKT_SELECT;
		else if (strcmp(argv[i], "--poll") == 0)
			ns->ns_how = SKT_POLL;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			ns->ns_count = strtoull(argv[++i], NULL, 0);
		else
			SKT_FAIL("usage: %s [--poll|--select] [-n COUNT]",
			    argv[0]);
	}
}

static void ns_read_attrs(struct ns_state *ns)
{
	channel_attr_t attr = os_channel_attr_create();
	uint64_t slots;

	T_NONNULL(attr);
	T_OK(os_channel_read_attr(ns->ns_ch, attr));
	slots = skt_ch_attr_get(attr, CHANNEL_ATTR_TX_SLOTS);
	ns->ns_buf_size = (uint32_t)skt_ch_attr_get(attr,
	    CHANNEL_ATTR_SLOT_BUF_SIZE);
	os_channel_attr_destroy(attr);
	T_EQ(slots, 128);
	T_TRUE(ns->ns_buf_size >= 4);
	if (ns->ns_count == 0)
		ns->ns_count = slots;
}

int main(int argc, char **argv)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;
	struct ns_state ns = { .ns_how = SKT_POLL };
	struct skt_nexus nx;
	struct skt_echo echo;
	double t0;

	skt_set_prog(argv[0]);
	ns_parse(argc, argv, &ns);
	skt_upipe_setup(&nx, "nslots", &p);
	skt_echo_start(&echo, nx.sn_inst, NEXUS_PORT_USER_PIPE_SERVER);
	ns.ns_ch = skt_channel_open_simple(nx.sn_inst,
	    NEXUS_PORT_USER_PIPE_CLIENT);
	ns_read_attrs(&ns);
	t0 = skt_now();
	while (ns.ns_rcvd < ns.ns_count) {
		if (ns.ns_sent < ns.ns_count)
			ns_send(&ns);
		ns_receive(&ns);
	}
	skt_echo_stop(&echo);
	T_EQ(echo.se_count, ns.ns_count);
	os_channel_destroy(ns.ns_ch);
	skt_nexus_teardown(&nx);
	printf("%s: PASS (%s): %" PRIu64 " slots, %" PRIu64 " waits, %.3f s\n",
	    skt_prog, skt_how_name(ns.ns_how), ns.ns_count, ns.ns_waits,
	    skt_now() - t0);
	return 0;
}
