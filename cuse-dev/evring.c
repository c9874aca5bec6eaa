/*
 * evring.c - the event ring of a user-packet-pool channel.
 *
 * Theory of operation
 *
 * With CHMODE_EVENT_RING (which needs the user packet pool) a channel
 * gets one more pool ring, CR_KIND_EVENT, that the kernel fills like an
 * RX ring.  Each slot carries a packet of the channel's pool whose
 * buffer holds events (spec 2.6):
 *
 *   | emd_etype | emd_nevents | ev_type ev_flags _ ev_dlen | data | ... |
 *     struct __kern_channel_event_metadata   record (12 + ev_dlen)
 *
 * Records of one type go into the same buffer while it is still queued
 * (not yet published) and has room; every record but the last carries
 * CHANNEL_EVENT_FLAG_MORE_EVENT.  A posted event waits in the kernel
 * ring until the channel's next sync publishes it; the packet becomes
 * the process's then, and comes back through the free ring
 * (os_channel_event_free).  No room in the ring or no packet in the
 * pool: the event is dropped and counted (us_events_dropped), never
 * blocking the data path that noticed it.
 *
 * What is posted (docs/upp.md): CHANNEL_EVENT_PACKET_TRANSMIT_STATUS
 * for a TX frame the device refused (a driver calls
 * kern_channel_tx_status_post), and CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED
 * for a TX packet dropped past its deadline with expiry action NOTIFY
 * (upp.c).
 */
#include <errno.h>
#include <string.h>

#include "channel_var.h"
#include "kern_channel.h"
#include "upp_var.h"

#define EV_MD_SZ        (sizeof(struct __kern_channel_event_metadata))
#define EV_REC_SZ       (sizeof(struct __kern_channel_event))

bool
evring_enabled(const struct kern_channel *ch)
{
	return ch != NULL && ch->ch_upp != NULL &&
	    ch->ch_upp->cu_has[UPP_EVENT];
}

static uint8_t *
ev_buf(const struct kern_pbufpool *pp, obj_idx_t idx)
{
	return pp_kqum(pp, idx)->kq_buf.kb_addr;
}

/* Append one record at off of packet idx's buffer; the length grows. */
static void
ev_put_record(struct kern_pbufpool *pp, obj_idx_t idx, uint32_t off,
    os_channel_event_type_t type, const void *data, uint16_t len)
{
	struct kern_quantum *kq = pp_kqum(pp, idx);
	struct __kern_channel_event rec;

	memset(&rec, 0, sizeof(rec));
	rec.ev_type = type;
	rec.ev_dlen = len;
	memcpy(ev_buf(pp, idx) + off, &rec, EV_REC_SZ);
	memcpy(ev_buf(pp, idx) + off + EV_REC_SZ, data, len);
	kq->kq_buf.kb_dlen = off + (uint32_t)EV_REC_SZ + len;
	kq->kq_len = kq->kq_buf.kb_dlen;
}

/* The queued buffer takes one more record of its type, if it fits. */
static bool
ev_append(struct ch_upp *cu, os_channel_event_type_t type, const void *data,
    uint16_t len)
{
	struct kern_channel_ring *kr = &cu->cu_krs[UPP_EVENT];
	obj_idx_t idx;
	struct __kern_channel_event_metadata md;
	struct __kern_channel_event last;

	if (!cu->cu_ev_open)
		return false;
	idx = kr->ckr_ksds[cu->cu_ev_slot];
	memcpy(&md, ev_buf(cu->cu_pp, idx), EV_MD_SZ);
	if (md.emd_etype != type ||
	    cu->cu_ev_off + EV_REC_SZ + len > cu->cu_pp->pp_buf_size)
		return false;
	memcpy(&last, ev_buf(cu->cu_pp, idx) + cu->cu_ev_last, EV_REC_SZ);
	last.ev_flags |= CHANNEL_EVENT_FLAG_MORE_EVENT;
	memcpy(ev_buf(cu->cu_pp, idx) + cu->cu_ev_last, &last, EV_REC_SZ);
	ev_put_record(cu->cu_pp, idx, cu->cu_ev_off, type, data, len);
	md.emd_nevents++;
	memcpy(ev_buf(cu->cu_pp, idx), &md, EV_MD_SZ);
	cu->cu_ev_last = cu->cu_ev_off;
	cu->cu_ev_off += (uint32_t)EV_REC_SZ + len;
	return true;
}

/* A new buffer at the ring's kernel tail: ENOBUFS if no room or packet. */
static int
ev_new_buffer(struct ch_upp *cu, os_channel_event_type_t type,
    const void *data, uint16_t len)
{
	struct kern_channel_ring *kr = &cu->cu_krs[UPP_EVENT];
	struct __kern_channel_event_metadata md = { type, 1 };
	obj_idx_t idx;

	if (kr_rx_space(kr) == 0 ||
	    EV_MD_SZ + EV_REC_SZ + len > cu->cu_pp->pp_buf_size)
		return ENOBUFS;
	idx = pp_alloc(cu->cu_pp);
	if (idx == OBJ_IDX_NONE)
		return ENOBUFS;
	memcpy(ev_buf(cu->cu_pp, idx), &md, EV_MD_SZ);
	ev_put_record(cu->cu_pp, idx, EV_MD_SZ, type, data, len);
	pp_kqum(cu->cu_pp, idx)->kq_qflags = QUM_F_FINALIZED;
	kr->ckr_ksds[kr->ckr_ktail] = idx;
	cu->cu_ev_open = true;
	cu->cu_ev_slot = kr->ckr_ktail;
	cu->cu_ev_last = EV_MD_SZ;
	cu->cu_ev_off = EV_MD_SZ + (uint32_t)EV_REC_SZ + len;
	kr->ckr_ktail = kr_next(kr, kr->ckr_ktail);
	return 0;
}

/*
 * Queue one event for the channel's process; it sees it after its next
 * sync.  0, ENOTSUP (no event ring), ENOBUFS (dropped, counted).
 */
int
evring_post(struct kern_channel *ch, os_channel_event_type_t type,
    const void *data, uint16_t len)
{
	struct ch_upp *cu;
	int err = 0;

	if (!evring_enabled(ch) || ch_is_dead(ch))
		return ENOTSUP;
	cu = ch->ch_upp;
	if (!ev_append(cu, type, data, len))
		err = ev_new_buffer(cu, type, data, len);
	if (err != 0) {
		cu->cu_stats.us_events_dropped++;
		return err;
	}
	cu->cu_stats.us_events++;
	return 0;
}

/*
 * Validated like RX: the slots the process took are its own already
 * (given at publish time), so only the indices move.  0 or -EFAULT.
 */
int
evring_prologue(struct kern_channel *ch)
{
	struct kern_channel_ring *kr = &ch->ch_upp->cu_krs[UPP_EVENT];
	slot_idx_t head;
	int err = kr_pool_prologue(kr, &head);

	if (err != 0)
		return err;
	kr->ckr_rhead = kr->ckr_khead = head;
	return 0;
}

/* Publish what was posted since the last sync; it is the process's now. */
void
evring_sync(struct kern_channel *ch)
{
	struct ch_upp *cu = ch->ch_upp;
	struct kern_channel_ring *kr = &cu->cu_krs[UPP_EVENT];
	slot_idx_t i;

	for (i = kr->ckr_rtail; i != kr->ckr_ktail; i = kr_next(kr, i)) {
		kr_slot_publish(kr, i, QUM_F_FINALIZED);
		upp_pkt_give(ch, kr->ckr_ksds[i]);
		kr->ckr_ksds[i] = OBJ_IDX_NONE;
	}
	cu->cu_ev_open = false;
	kr->ckr_rtail = kr->ckr_ktail;
	kr->ckr_sync_time = sk_now_ns();
	kr_publish_indices(kr);
}

/* ---- the driver's side (KPI addition) ------------------------------------------ */

bool
kern_channel_tx_status_wanted(const struct kern_channel_ring *kr)
{
	return kr->ckr_tx == NR_TX && evring_enabled(kr->ckr_ch);
}

int
kern_channel_tx_status_post(struct kern_channel_ring *kr, uint64_t ph,
    int32_t status)
{
	os_channel_event_packet_transmit_status_t ev;
	int err;

	if (!kern_channel_tx_status_wanted(kr))
		return ENOTSUP;
	memset(&ev, 0, sizeof(ev));
	upp_packet_id(SK_PTR_ADDR_KPKT(ph), &ev.packet_id);
	ev.packet_status = status;
	err = evring_post(kr->ckr_ch, CHANNEL_EVENT_PACKET_TRANSMIT_STATUS,
	    &ev, sizeof(ev));
	if (err == 0)
		kr->ckr_ch->ch_upp->cu_stats.us_tx_status++;
	return err;
}
