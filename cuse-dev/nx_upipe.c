/*
 * nx_upipe.c - the user pipe nexus: two ports joined back to back.
 *
 * Theory of operation
 *
 * An instance has two ports (client 0, server 1) with R TX and R RX
 * rings each; TX ring r of one port feeds RX ring r of the other:
 *
 *     port 0  TX r  ----swap---->  RX r  port 1
 *     port 0  RX r  <----swap----  TX r  port 1
 *
 * The pipe state (one packet pool, shared by both ends, and the 4R
 * kernel rings) is created when the first channel connects and destroyed
 * when the last one disconnects, as XNU creates a pipe's rings with its
 * first adapter; while either end stays open, the rings keep their
 * state, so slots queued to an end that is closed wait for its reopen.
 *
 * Every slot of every ring always holds exactly one pool object; data
 * moves by swapping objects between a TX slot and an RX slot, never by
 * copying.  So the pool needs one object per slot: 2 ports x R rings x
 * (TX slots + RX slots).
 *
 * A TX sync on one end moves min(queued, room in the peer's RX) slots
 * and wakes the peer; an RX sync reclaims what its user released (kring
 * prologue) and then pulls whatever the peer has queued (XNU's "internal
 * TX sync"), waking the peer's writers.  Each side's user-visible
 * indices change only at its own sync (kring finalize).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "channel_var.h"

struct nx_upipe {
	struct kern_pbufpool *up_pp;
	struct kern_channel_ring *up_krings;    /* [port][dir][ring] */
	uint32_t up_rings;
	uint32_t up_users;                      /* connected channels */
};

static struct kern_channel_ring *
upipe_kring(struct nx_upipe *up, nexus_port_t port, enum kr_txrx dir,
    uint32_t r)
{
	return &up->up_krings[((size_t)port * 2 + dir) * up->up_rings + r];
}

static int
upipe_nx_init(struct kern_nexus *nx)
{
	struct nx_upipe *up = calloc(1, sizeof(*up));

	if (up == NULL)
		return -ENOMEM;
	up->up_rings = nx->nx_params.nxp_tx_rings;
	nx->nx_arg = up;
	return 0;
}

static void
upipe_state_destroy(struct nx_upipe *up)
{
	uint32_t i;

	if (up->up_krings != NULL) {
		for (i = 0; i < NX_UPIPE_MAXPORTS * 2 * up->up_rings; i++)
			kr_fini(&up->up_krings[i]);
	}
	free(up->up_krings);
	up->up_krings = NULL;
	pp_destroy(up->up_pp);
	up->up_pp = NULL;
}

static void
upipe_nx_fini(struct kern_nexus *nx)
{
	struct nx_upipe *up = nx->nx_arg;

	upipe_state_destroy(up);
	free(up);
	nx->nx_arg = NULL;
}

static int
upipe_state_create(struct kern_nexus *nx, struct nx_upipe *up)
{
	const struct nxprov_params *p = &nx->nx_params;
	uint32_t per_port = up->up_rings * (p->nxp_tx_slots + p->nxp_rx_slots);
	obj_idx_t obj = 0;
	char name[64];
	uint32_t port, r;
	int err = 0;

	snprintf(name, sizeof(name), "skchan:pool:upipe-%02x%02x%02x%02x",
	    nx->nx_uuid[0], nx->nx_uuid[1], nx->nx_uuid[2], nx->nx_uuid[3]);
	up->up_pp = pp_create(name, NX_UPIPE_MAXPORTS * per_port,
	    p->nxp_buf_size, p->nxp_md_type, p->nxp_md_subtype);
	up->up_krings = calloc((size_t)NX_UPIPE_MAXPORTS * 2 * up->up_rings,
	    sizeof(*up->up_krings));
	if (up->up_pp == NULL || up->up_krings == NULL)
		err = -ENOMEM;
	for (port = 0; port < NX_UPIPE_MAXPORTS && err == 0; port++) {
		for (r = 0; r < up->up_rings && err == 0; r++) {
			err = kr_init(upipe_kring(up, port, NR_TX, r), NR_TX,
			    (uint16_t)r, (nexus_port_t)port, p->nxp_tx_slots,
			    up->up_pp, obj);
			obj += p->nxp_tx_slots;
			err = err ? err : kr_init(upipe_kring(up, port, NR_RX,
			    r), NR_RX, (uint16_t)r, (nexus_port_t)port,
			    p->nxp_rx_slots, up->up_pp, obj);
			obj += p->nxp_rx_slots;
		}
	}
	for (r = 0; err == 0 && r < NX_UPIPE_MAXPORTS * 2 * up->up_rings; r++) {
		up->up_krings[r].ckr_ctx = up;
		up->up_krings[r].ckr_nx = nx;
	}
	if (err != 0)
		upipe_state_destroy(up);
	return err;
}

/* No packet pool, event ring, low latency, monitor or filter on pipes. */
static int
upipe_ch_check(struct kern_nexus *nx, uint32_t mode)
{
	if (mode & (CHMODE_USER_PACKET_POOL | CHMODE_EVENT_RING |
	    CHMODE_LOW_LATENCY | CHMODE_MONITOR | CHMODE_FILTER))
		return -ENOTSUP;
	return 0;
}

static int
upipe_ch_rings(struct nx_upipe *up, struct kern_channel *ch)
{
	uint32_t r, n = 0;

	ch->ch_tx_krings = calloc(up->up_rings, sizeof(*ch->ch_tx_krings));
	ch->ch_rx_krings = calloc(up->up_rings, sizeof(*ch->ch_rx_krings));
	if (ch->ch_tx_krings == NULL || ch->ch_rx_krings == NULL) {
		free(ch->ch_tx_krings);
		free(ch->ch_rx_krings);
		ch->ch_tx_krings = ch->ch_rx_krings = NULL;
		return -ENOMEM;
	}
	for (r = 0; r < up->up_rings; r++) {
		if (!(ch->ch_rings_mask & (1ull << r)))
			continue;
		ch->ch_tx_krings[n] = upipe_kring(up, ch->ch_port, NR_TX, r);
		ch->ch_rx_krings[n++] = upipe_kring(up, ch->ch_port, NR_RX, r);
	}
	ch->ch_nrings = n;
	return 0;
}

static int
upipe_ch_connect(struct kern_nexus *nx, struct kern_channel *ch)
{
	struct nx_upipe *up = nx->nx_arg;
	int err;

	if (up->up_pp == NULL) {
		err = upipe_state_create(nx, up);
		if (err != 0)
			return err;
	}
	err = upipe_ch_rings(up, ch);
	if (err != 0) {
		if (up->up_users == 0)
			upipe_state_destroy(up);
		return err;
	}
	ch->ch_pp = up->up_pp;
	up->up_users++;
	return 0;
}

static void
upipe_ch_disconnect(struct kern_nexus *nx, struct kern_channel *ch)
{
	struct nx_upipe *up = nx->nx_arg;
	uint32_t i;

	for (i = 0; i < ch->ch_nrings; i++) {
		kr_unbind(ch->ch_tx_krings[i]);
		kr_unbind(ch->ch_rx_krings[i]);
	}
	free(ch->ch_tx_krings);
	free(ch->ch_rx_krings);
	ch->ch_tx_krings = ch->ch_rx_krings = NULL;
	if (--up->up_users == 0)
		upipe_state_destroy(up);
}

/* Move queued TX slots into the peer's RX ring; returns how many. */
static uint32_t
upipe_transfer(struct kern_channel_ring *tx, struct kern_channel_ring *rx)
{
	struct kern_pbufpool *pp = tx->ckr_pp;
	uint32_t n = kr_tx_pending(tx), room = kr_rx_space(rx), k;

	if (n > room)
		n = room;
	for (k = 0; k < n; k++) {
		kr_slot_swap(tx, tx->ckr_khead, rx, rx->ckr_ktail);
		rx->ckr_ready_bytes +=
		    pp_kqum(pp, rx->ckr_ksds[rx->ckr_ktail])->kq_len;
		tx->ckr_khead = kr_next(tx, tx->ckr_khead);
		rx->ckr_ktail = kr_next(rx, rx->ckr_ktail);
	}
	tx->ckr_ktail = kr_prev(tx, tx->ckr_khead);
	return n;
}

static struct kern_channel_ring *
upipe_peer(struct kern_channel_ring *kr, enum kr_txrx peer_dir)
{
	struct nx_upipe *up = kr->ckr_ctx;

	return upipe_kring(up, (nexus_port_t)(1 - kr->ckr_port), peer_dir,
	    kr->ckr_ring_id);
}

static void
upipe_wake(struct kern_channel_ring *kr)
{
	if (kr->ckr_ch != NULL)
		ch_wakeup(kr->ckr_ch);
}

static int
upipe_txsync(struct kern_channel_ring *kr)
{
	struct kern_channel_ring *peer = upipe_peer(kr, NR_RX);

	kr_note_sync(kr, peer, sk_now_ns());
	if (upipe_transfer(kr, peer) > 0)
		upipe_wake(peer);
	return 0;
}

static int
upipe_rxsync(struct kern_channel_ring *kr)
{
	struct kern_channel_ring *peer = upipe_peer(kr, NR_TX);

	kr_note_sync(kr, peer, sk_now_ns());
	kr_reclaim(kr);                 /* what our user released */
	if (upipe_transfer(peer, kr) > 0)
		upipe_wake(peer);
	return 0;
}

const struct nxdom nx_upipe_dom = {
	.nxdom_name = "user-pipe",
	.nxdom_type = NEXUS_TYPE_USER_PIPE,
	.nxdom_flags = NXDOMF_USER_REGISTER | NXDOMF_TXRX_EQUAL,
	.nxdom_md_type = NEXUS_META_TYPE_QUANTUM,
	.nxdom_md_subtype = NEXUS_META_SUBTYPE_PAYLOAD,
	.nxdom_ports = NX_UPIPE_MAXPORTS,
	.nxdom_rings = { NX_UPIPE_RINGS_DEF, NX_UPIPE_RINGS_MIN,
		NX_UPIPE_RINGS_MAX },
	.nxdom_slots = { NX_UPIPE_SLOTS_DEF, NX_UPIPE_SLOTS_MIN,
		NX_UPIPE_SLOTS_MAX },
	.nxdom_buf_size = { NX_UPIPE_BUFSIZE_DEF, NX_UPIPE_BUFSIZE_MIN,
		NX_UPIPE_BUFSIZE_MAX },
	.nxdom_meta_size = sizeof(struct __quantum),
	.nxdom_max_frags = 1,
	.nxdom_nx_init = upipe_nx_init,
	.nxdom_nx_fini = upipe_nx_fini,
	.nxdom_ch_check = upipe_ch_check,
	.nxdom_ch_connect = upipe_ch_connect,
	.nxdom_ch_disconnect = upipe_ch_disconnect,
	.nxdom_txsync = upipe_txsync,
	.nxdom_rxsync = upipe_rxsync,
};
