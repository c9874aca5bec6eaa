/*
 * os_channel_event.h - events delivered on a channel's event ring.
 *
 * An event handle is a packet handle whose buffer holds a batch of event
 * records; the walkers below step through it without copying.  The
 * record layout itself is in os_channel_private.h.
 */
#ifndef _SKYWALK_OS_CHANNEL_EVENT_H_
#define _SKYWALK_OS_CHANNEL_EVENT_H_

#include <skywalk/skywalk_compat.h>
#include <skywalk/os_packet.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OS_CHANNEL_EVENT_HAS_PACKET_EXPIRY_STATUS 1

/*
 * These enumerations have a fixed width in shared records, which C99/C11
 * enums cannot promise, so each is an integer type plus its constants.
 */
typedef uint32_t os_channel_event_type_t;
enum {
	CHANNEL_EVENT_PACKET_TRANSMIT_STATUS = 1,
	CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED = 2
};

/* packet_status of a transmit-status event */
typedef int32_t os_channel_event_error_t;
enum {
	CHANNEL_EVENT_SUCCESS = 0,
	CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_FLUSH = 1,
	CHANNEL_EVENT_PKT_TRANSMIT_STATUS_ERR_RETRY_FAILED = 2
};

typedef uint16_t os_channel_event_packet_tx_expiration_status_t;
enum {
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_NOT_EXPIRED = 0,
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_DROPPED = 1,
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ERR_EXPIRED_NOT_DROPPED = 2
};

/* Where along the path the expiry was noticed. */
typedef uint16_t os_channel_packet_tx_expiration_origin_t;
enum {
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_NONE = 0,
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_HW = 1,
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_DRIVER = 2,
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_NETIF = 3,
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_FSW = 4,
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_AQM = 5,
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_CHANNEL = 6,
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_PROTO_1 = 7,
	CHANNEL_EVENT_PKT_TRANSMIT_EXPIRED_ORIGIN_PROTO_2 = 8
};

/* Payload of CHANNEL_EVENT_PACKET_TRANSMIT_STATUS (20 bytes). */
typedef struct os_channel_event_packet_transmit_status {
	packet_id_t packet_id;
	int32_t packet_status; /* os_channel_event_error_t */
} os_channel_event_packet_transmit_status_t;

/* Payload of CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED (40 bytes). */
typedef struct os_channel_event_packet_transmit_expired {
	packet_id_t packet_id;
	uint64_t packet_tx_expiration_deadline;
	uint64_t packet_tx_expiration_timestamp;
	uint16_t packet_tx_expiration_status; /* ..._tx_expiration_status_t */
	uint16_t packet_tx_expiration_origin; /* ..._tx_expiration_origin_t */
} os_channel_event_packet_transmit_expired_t;

SK_STATIC_ASSERT(sizeof(os_channel_event_packet_transmit_status_t) == 20,
		 "transmit status payload size");
SK_STATIC_ASSERT(sizeof(os_channel_event_packet_transmit_expired_t) == 40,
		 "transmit expired payload size");
SK_STATIC_ASSERT(offsetof(os_channel_event_packet_transmit_expired_t,
			  packet_tx_expiration_status) == 32,
		 "expired status offset");

/* Distinct event subtypes a consumer may have to handle. */
#define OS_CHANNEL_EVENT_MAX_SUBEVENT_COUNT 3

/* Big enough for any payload above. */
union __os_channel_event_largest_event_payload {
	os_channel_event_packet_transmit_status_t tx;
	os_channel_event_packet_transmit_expired_t ex;
};
#define CHANNEL_EVENT_MAX_PAYLOAD_LEN                                          \
	(sizeof(union __os_channel_event_largest_event_payload))

typedef uint64_t os_channel_event_handle_t;   /* a packet handle */
typedef mach_vm_address_t os_channel_event_t; /* address of one record */

struct os_channel_event_data {
	os_channel_event_type_t event_type;
	boolean_t event_more;	    /* another record follows */
	uint16_t event_data_length; /* bytes at event_data */
	uint8_t *event_data;	    /* points into the mapped buffer */
};

extern int
os_channel_event_get_next_event(const os_channel_event_handle_t event_handle,
				const os_channel_event_t prev_event,
				os_channel_event_t *event);
extern int os_channel_event_get_event_data(const os_channel_event_t,
					   struct os_channel_event_data *);

#ifdef __cplusplus
}
#endif

#endif /* !_SKYWALK_OS_CHANNEL_EVENT_H_ */
