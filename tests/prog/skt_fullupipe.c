/*
 * skt_fullupipe - exact slot accounting across a full user pipe.
 *
 * Behaviours §5 scenario 1 (XNU "fullupipe").  One process opens both
 * ends of upipe(1 ring, 100 slots, reject_on_close) and checks, with no
 * waiting at all, the exact available counts after every fill, advance
 * and sync: a TX ring of n slots offers n-1; the peer's RX sees nothing
 * until its own RX sync; a TX sync into a full peer RX changes nothing
 * visible; a peer RX sync pulls pending TX slots; each side's counts
 * change only at its own sync.  Each slot also carries a counter so the
 * order of arrival is checked.
 */
#include "skt_util.h"

#define FU_SLOTS 100
#define FU_USABLE (FU_SLOTS - 1)

static uint32_t fu_tx_seq;
static uint32_t fu_rx_seq;

/* Walks all 99 TX slots, stamping counters; advances past the last. */
static void fu_fill(channel_ring_t tx)
{
	channel_slot_t s = NULL, last = NULL;
	slot_prop_t p;
	int n = 0;

	while ((s = os_channel_get_next_slot(tx, last, &p)) != NULL) {
		T_NE(p.sp_buf_ptr, 0);
		T_EQ(p.sp_len, tx->chrd_ring->ring_def_buf_size);
		memcpy((void *)(uintptr_t)p.sp_buf_ptr, &fu_tx_seq, 4);
		fu_tx_seq++;
		os_channel_set_slot_properties(tx, s, &p);
		last = s;
		n++;
	}
	T_EQ(n, FU_USABLE);
	T_TRUE(os_channel_get_next_slot(tx, last, NULL) == NULL);
	T_OK(os_channel_advance_slot(tx, last));
}

/* Consumes all 99 RX slots, checking counters in order. */
static void fu_drain(channel_ring_t rx)
{
	channel_slot_t s = NULL, last = NULL;
	slot_prop_t p;
	uint32_t v;
	int n = 0;

	while ((s = os_channel_get_next_slot(rx, last, &p)) != NULL) {
		T_NE(p.sp_buf_ptr, 0);
		T_EQ(p.sp_len, rx->chrd_ring->ring_def_buf_size);
		memcpy(&v, (const void *)(uintptr_t)p.sp_buf_ptr, 4);
		if (v != fu_rx_seq)
			SKT_FAIL("RX slot %d: counter %u, expected %u", n, v,
			    fu_rx_seq);
		fu_rx_seq++;
		last = s;
		n++;
	}
	T_EQ(n, FU_USABLE);
	T_OK(os_channel_advance_slot(rx, last));
}

#define FU_AVAIL(tx, rx, t, r) do {                                            \
	T_EQ(os_channel_available_slot_count(tx), (t));                        \
	T_EQ(os_channel_available_slot_count(rx), (r));                        \
} while (0)

static void fu_run(channel_t ch0, channel_t ch1)
{
	channel_ring_t tx0 = skt_tx(ch0), rx1 = skt_rx(ch1);

	/* 1: a fresh TX ring offers n-1 slots; the peer RX is empty. */
	FU_AVAIL(tx0, rx1, FU_USABLE, 0);
	T_TRUE(os_channel_get_next_slot(rx1, NULL, NULL) == NULL);
	fu_fill(tx0);
	skt_ok("step 1: 99 TX slots filled, peer RX empty");

	/* 2: an RX sync sees nothing that was never TX-synced. */
	FU_AVAIL(tx0, rx1, 0, 0);
	T_OK(os_channel_sync(ch1, CHANNEL_SYNC_RX));
	FU_AVAIL(tx0, rx1, 0, 0);
	skt_ok("step 2: RX sync before TX sync shows 0/0");

	/* 3: TX sync moves kernel-side; the peer has not synced. */
	T_OK(os_channel_sync(ch0, CHANNEL_SYNC_TX));
	FU_AVAIL(tx0, rx1, FU_USABLE, 0);
	skt_ok("step 3: TX sync frees 99, peer RX still 0");

	/* 4: refill; a TX sync into the full peer RX changes nothing. */
	fu_fill(tx0);
	FU_AVAIL(tx0, rx1, 0, 0);
	T_OK(os_channel_sync(ch0, CHANNEL_SYNC_TX));
	FU_AVAIL(tx0, rx1, 0, 0);
	skt_ok("step 4: TX sync with full peer RX shows 0/0");

	/* 5: the peer's RX sync shows the first 99. */
	T_OK(os_channel_sync(ch1, CHANNEL_SYNC_RX));
	FU_AVAIL(tx0, rx1, 0, FU_USABLE);
	skt_ok("step 5: peer RX sync shows 99");

	/* 6: consume; the next RX sync pulls the 99 pending TX slots. */
	fu_drain(rx1);
	FU_AVAIL(tx0, rx1, 0, 0);
	T_OK(os_channel_sync(ch1, CHANNEL_SYNC_RX));
	FU_AVAIL(tx0, rx1, 0, FU_USABLE);
	skt_ok("step 6: RX sync pulls the pending 99, TX side unchanged");

	/* 7: consume; only our own TX sync shows the freed TX slots. */
	fu_drain(rx1);
	FU_AVAIL(tx0, rx1, 0, 0);
	T_OK(os_channel_sync(ch0, CHANNEL_SYNC_TX));
	FU_AVAIL(tx0, rx1, FU_USABLE, 0);
	skt_ok("step 7: TX sync frees 99 again");
}

int main(int argc, char **argv)
{
	struct skt_nx_params p = { 1, FU_SLOTS, -1, 1, 1 };
	struct skt_nexus nx;
	channel_t ch0, ch1;

	(void)argc;
	skt_set_prog(argv[0]);
	skt_upipe_setup(&nx, "fullupipe", &p);
	ch0 = skt_channel_open_simple(nx.sn_inst, NEXUS_PORT_USER_PIPE_CLIENT);
	ch1 = skt_channel_open_simple(nx.sn_inst, NEXUS_PORT_USER_PIPE_SERVER);
	T_EQ(skt_tx(ch0)->chrd_ring->ring_num_slots, FU_SLOTS);
	fu_run(ch0, ch1);
	T_EQ(fu_rx_seq, 2 * FU_USABLE);
	os_channel_destroy(ch0);
	os_channel_destroy(ch1);
	skt_nexus_teardown(&nx);
	printf("%s: PASS\n", skt_prog);
	return 0;
}
