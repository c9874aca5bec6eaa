/*
 * skt_oneslot - one slot there and back through an echo peer.
 *
 * Behaviours §5 scenario 2 (XNU "oneslotup" / "oneslotus").  An echo
 * worker thread serves port 1 of upipe(1 ring, 128 slots); on port 0 we
 * wait for writability, send the 54-byte message in one TX slot, wait
 * for readability and find the same 54 bytes in the first RX slot.  The
 * waits use poll() (--poll, the default) or select() (--select) and must
 * report exactly the requested bit: POLLWRNORM then POLLRDNORM, or for
 * select the write bit alone on an r+w+e call, then the read bit with no
 * exception bit.
 */
#include "skt_util.h"

static const char os_msg[] =
    "Time flies like an arrow;  fruit flies like a banana.";

static void os_send(channel_t ch, enum skt_wait_how how)
{
	channel_ring_t tx = skt_tx(ch);
	channel_slot_t s;
	slot_prop_t p;

	if (how == SKT_POLL)
		skt_poll_exact(ch, POLLWRNORM);
	else
		skt_select_exact(ch, 1, 1);
	skt_ok("%s reports writable, exactly", skt_how_name(how));
	T_TRUE(os_channel_available_slot_count(tx) > 0);
	s = os_channel_get_next_slot(tx, NULL, &p);
	T_NONNULL(s);
	T_NE(p.sp_buf_ptr, 0);
	T_EQ(p.sp_len, 2048);
	memcpy((void *)(uintptr_t)p.sp_buf_ptr, os_msg, sizeof(os_msg));
	p.sp_len = sizeof(os_msg);
	os_channel_set_slot_properties(tx, s, &p);
	T_OK(os_channel_advance_slot(tx, s));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
	skt_ok("sent %zu bytes", sizeof(os_msg));
}

static void os_receive(channel_t ch, enum skt_wait_how how)
{
	channel_ring_t rx = skt_rx(ch);
	channel_slot_t s;
	slot_prop_t p;

	skt_wait_read(ch, how);
	skt_ok("%s reports readable, exactly", skt_how_name(how));
	T_TRUE(os_channel_available_slot_count(rx) >= 1);
	s = os_channel_get_next_slot(rx, NULL, &p);
	T_NONNULL(s);
	T_EQ(p.sp_len, sizeof(os_msg));
	if (memcmp((const void *)(uintptr_t)p.sp_buf_ptr, os_msg,
	    sizeof(os_msg)) != 0)
		SKT_FAIL("RX payload differs from what was sent: \"%.*s\"",
		    (int)sizeof(os_msg), (const char *)(uintptr_t)p.sp_buf_ptr);
	T_OK(os_channel_advance_slot(rx, s));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
	skt_ok("received the same %zu bytes", sizeof(os_msg));
}

int main(int argc, char **argv)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;
	enum skt_wait_how how = SKT_POLL;
	struct skt_nexus nx;
	struct skt_echo echo;
	channel_t ch;

	skt_set_prog(argv[0]);
	if (argc > 1 && strcmp(argv[1], "--select") == 0)
		how = SKT_SELECT;
	else if (argc > 1 && strcmp(argv[1], "--poll") != 0)
		SKT_FAIL("usage: %s [--poll|--select]", argv[0]);
	p.np_rings = 1;
	p.np_slots = 128;
	skt_upipe_setup(&nx, "oneslot", &p);
	skt_echo_start(&echo, nx.sn_inst, NEXUS_PORT_USER_PIPE_SERVER);
	ch = skt_channel_open_simple(nx.sn_inst, NEXUS_PORT_USER_PIPE_CLIENT);
	os_send(ch, how);
	os_receive(ch, how);
	skt_echo_stop(&echo);
	T_EQ(echo.se_count, 1);
	os_channel_destroy(ch);
	skt_nexus_teardown(&nx);
	printf("%s: PASS (%s)\n", skt_prog, skt_how_name(how));
	return 0;
}
