/*
 * os_channel_event.c - walking the records of one event-ring buffer.
 *
 * Theory of operation: os_channel_get_next_event_handle() hands the
 * program an event handle, a packet whose first buffer holds
 *
 *   | emd_etype, emd_nevents | record | record | ... |
 *     8 bytes                 ^ data offset + 8
 *
 * where each record is a 12-byte header {ev_type, ev_flags, ev_dlen}
 * followed by ev_dlen bytes of payload, and a record with
 * CHANNEL_EVENT_FLAG_MORE_EVENT set is followed by another.  The walk
 * never leaves [data start, data start + data length): the buffer is
 * shared memory, so every length in it is checked before it is used.
 * Nothing is copied; os_channel_event_t is the address of a record.
 */
#include <errno.h>

#include "os_channel_var.h"

/* The event data of a handle: [*lo, *hi).  EINVAL without a buffer. */
static int
ev_bounds(os_channel_event_handle_t eh, uintptr_t *lo, uintptr_t *hi)
{
	buflet_t b;

	if (eh == 0 || (b = os_packet_get_next_buflet(eh, NULL)) == NULL)
		return EINVAL;
	if (os_buflet_get_object_address(b) == NULL)
		return EINVAL;
	*lo = (uintptr_t)os_buflet_get_object_address(b) +
	      os_buflet_get_data_offset(b);
	*hi = *lo + os_buflet_get_data_length(b);
	return 0;
}

/* The record at ev, header and payload, lies within [lo, hi). */
static int
ev_fits(uintptr_t ev, uintptr_t lo, uintptr_t hi)
{
	const struct __kern_channel_event *cev = (const void *)ev;

	if (ev < lo || ev > hi || hi - ev < sizeof(*cev))
		return 0;
	return hi - ev - sizeof(*cev) >= cev->ev_dlen;
}

int
os_channel_event_get_next_event(const os_channel_event_handle_t event_handle,
				const os_channel_event_t prev_event,
				os_channel_event_t *event)
{
	const struct __kern_channel_event *prev;
	uintptr_t lo, hi, ev;
	int err;

	if (event == NULL)
		return EINVAL;
	*event = 0;
	if ((err = ev_bounds(event_handle, &lo, &hi)) != 0)
		return err;
	if (prev_event == 0) {
		ev = lo + __KERN_CHANNEL_EVENT_OFFSET;
	} else {
		if (!ev_fits((uintptr_t)prev_event, lo, hi))
			return ENXIO;
		prev = (const void *)(uintptr_t)prev_event;
		if (!(prev->ev_flags & CHANNEL_EVENT_FLAG_MORE_EVENT))
			return ENODATA;
		ev = (uintptr_t)prev_event + sizeof(*prev) + prev->ev_dlen;
	}
	if (!ev_fits(ev, lo, hi))
		return ENXIO;
	*event = (os_channel_event_t)ev;
	return 0;
}

int
os_channel_event_get_event_data(const os_channel_event_t event,
				struct os_channel_event_data *data)
{
	const struct __kern_channel_event *cev = (const void *)(uintptr_t)event;

	if (event == 0 || data == NULL)
		return EINVAL;
	if (cev->ev_type < CHANNEL_EVENT_MIN ||
	    cev->ev_type > CHANNEL_EVENT_MAX)
		return ENXIO;
	data->event_type = cev->ev_type;
	data->event_more = (cev->ev_flags & CHANNEL_EVENT_FLAG_MORE_EVENT) != 0;
	data->event_data_length = cev->ev_dlen;
	data->event_data = __DECONST(uint8_t *, cev->ev_data);
	return 0;
}
