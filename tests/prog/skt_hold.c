/*
 * skt_hold - take daemon resources, say READY, and wait to be killed.
 *
 * The victim for tests/integration/31-kill.sh: the daemon must free
 * everything a client held when the client dies at any instant (design
 * brief §3).  Modes:
 *
 *   controller  a controller with three providers (one named, with a
 *               bound port) and two instances each
 *   channels    + both ends of a pipe open, slots queued in each
 *               direction and not consumed
 *   syncing     + a loop that fills, syncs and polls without pause, so
 *               that the kill lands in the middle of requests
 *
 * After READY the process never exits by itself: it sleeps (or syncs)
 * until SIGKILL.
 */
#include "skt_util.h"

static struct skt_nexus hd_nx[3];

static void hd_controller(void)
{
	struct skt_nx_params anon = { 2, 64, -1, 1, -1 };
	struct skt_nx_params named = { 1, 32, -1, 0, -1 };
	uuid_t extra, key;
	int i;

	for (i = 0; i < 3; i++) {
		skt_upipe_setup(&hd_nx[i], "hold", i == 2 ? &named : &anon);
		T_OK(os_nexus_controller_alloc_provider_instance(
		    hd_nx[i].sn_ctl, hd_nx[i].sn_prov, &extra));
	}
	uuid_generate_random(key);
	T_OK(os_nexus_controller_bind_provider_instance(hd_nx[2].sn_ctl,
	    hd_nx[2].sn_inst, 1, -1, NULL, key, sizeof(key),
	    NEXUS_BIND_KEY));
}

/* Queues n slots on ch's TX ring and syncs them towards the peer. */
static void hd_queue(channel_t ch, uint32_t n)
{
	channel_ring_t tx = skt_tx(ch);
	channel_slot_t s = NULL, last = NULL;
	slot_prop_t p;
	uint32_t i;

	for (i = 0; i < n; i++) {
		s = os_channel_get_next_slot(tx, last, &p);
		if (s == NULL)
			break;
		p.sp_len = 60;
		os_channel_set_slot_properties(tx, s, &p);
		last = s;
	}
	if (last == NULL)
		return;
	T_OK(os_channel_advance_slot(tx, last));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
}

/* Fill, sync, drain, poll: never idle, so SIGKILL lands mid-request. */
__attribute__((noreturn))
static void hd_spin(channel_t a, channel_t b)
{
	struct pollfd pfd;

	for (;;) {
		channel_ring_t rx = skt_rx(b);
		channel_slot_t s = NULL, last = NULL;
		slot_prop_t p;

		hd_queue(a, 16);
		(void)os_channel_sync(b, CHANNEL_SYNC_RX);
		while ((s = os_channel_get_next_slot(rx, last, &p)) != NULL)
			last = s;
		if (last != NULL)
			T_OK(os_channel_advance_slot(rx, last));
		pfd = (struct pollfd){ os_channel_get_fd(b), POLLIN, 0 };
		(void)poll(&pfd, 1, 0);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	channel_t a, b;

	skt_set_prog(argv[0]);
	if (strcmp(mode, "controller") != 0 && strcmp(mode, "channels") != 0 &&
	    strcmp(mode, "syncing") != 0)
		SKT_FAIL("usage: %s controller|channels|syncing", argv[0]);
	hd_controller();
	if (strcmp(mode, "controller") != 0) {
		a = skt_channel_open_simple(hd_nx[0].sn_inst, 0);
		b = skt_channel_open_simple(hd_nx[0].sn_inst, 1);
		hd_queue(a, 40);
		hd_queue(b, 10);
		if (strcmp(mode, "syncing") == 0) {
			printf("READY\n");
			hd_spin(a, b);
		}
	}
	printf("READY\n");
	for (;;)
		pause();
}
