/*
 * os_channel_attr.c - channel attributes: what a program asks for before
 * os_channel_create_extended() and what it reads back afterwards.
 *
 * Theory of operation: a channel_attr_t is plain process memory owned by
 * the caller (create/clone/destroy); nothing here talks to the kernel.
 * Every attribute is one 32-bit field of struct channel_attr, so get and
 * set are driven by one table saying, per attribute type, where the
 * field is and what may be done with it: read it, set it, or refuse a
 * set with ENOTSUP because the nexus decides it (rings, sizes, ...).
 * The few with rules of their own (monitor and threshold units must be
 * valid values, NO_AUTO_SYNC is always on) are checked before the table
 * is applied.  Unknown types, and the ones Apple never implemented
 * (host rings, reading FILTER, setting NEXUS_TYPE), give EINVAL.
 *
 * After create and read_attr, ch_info2attr() overwrites every field from
 * the channel's info and schema, keeping only the caller's key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os_channel_var.h"

#define CHAF_GET 0x01  /* readable */
#define CHAF_SET 0x02  /* settable, stored as (uint32_t)value */
#define CHAF_RO 0x04   /* decided by the nexus: set => ENOTSUP */
#define CHAF_BOOL 0x08 /* stored and read back as 0/1 */

struct cha_field {
	uint16_t cf_off;  /* offsetof(struct channel_attr, ...) */
	uint8_t cf_flags; /* CHAF_*; 0 = not implemented */
};

#define CHA_F(field, flags)                                                    \
	{                                                                      \
		(uint16_t) offsetof(struct channel_attr, field), (flags)       \
	}
#define CHA_NEXUS(field) CHA_F(field, CHAF_GET | CHAF_RO)

static const struct cha_field cha_fields[] = {
    [CHANNEL_ATTR_TX_RINGS] = CHA_NEXUS(cha_tx_rings),
    [CHANNEL_ATTR_RX_RINGS] = CHA_NEXUS(cha_rx_rings),
    [CHANNEL_ATTR_TX_SLOTS] = CHA_NEXUS(cha_tx_slots),
    [CHANNEL_ATTR_RX_SLOTS] = CHA_NEXUS(cha_rx_slots),
    [CHANNEL_ATTR_SLOT_BUF_SIZE] = CHA_NEXUS(cha_buf_size),
    [CHANNEL_ATTR_SLOT_META_SIZE] = CHA_NEXUS(cha_meta_size),
    [CHANNEL_ATTR_EXCLUSIVE] = CHA_F(cha_exclusive, CHAF_GET | CHAF_SET),
    [CHANNEL_ATTR_MONITOR] = CHA_F(cha_monitor, CHAF_GET | CHAF_SET),
    [CHANNEL_ATTR_TX_LOWAT_UNIT] =
	CHA_F(cha_tx_lowat.cet_unit, CHAF_GET | CHAF_SET),
    [CHANNEL_ATTR_TX_LOWAT_VALUE] =
	CHA_F(cha_tx_lowat.cet_value, CHAF_GET | CHAF_SET),
    [CHANNEL_ATTR_RX_LOWAT_UNIT] =
	CHA_F(cha_rx_lowat.cet_unit, CHAF_GET | CHAF_SET),
    [CHANNEL_ATTR_RX_LOWAT_VALUE] =
	CHA_F(cha_rx_lowat.cet_value, CHAF_GET | CHAF_SET),
    /* readable, but a set is EINVAL (not in Apple's ENOTSUP list) */
    [CHANNEL_ATTR_NEXUS_TYPE] = CHA_F(cha_nexus_type, CHAF_GET),
    [CHANNEL_ATTR_NEXUS_EXTENSIONS] = CHA_NEXUS(cha_nexus_extensions),
    [CHANNEL_ATTR_NEXUS_MHINTS] = CHA_NEXUS(cha_nexus_mhints),
    [CHANNEL_ATTR_NEXUS_IFINDEX] = CHA_NEXUS(cha_nexus_ifindex),
    [CHANNEL_ATTR_NEXUS_STATS_SIZE] = CHA_NEXUS(cha_stats_size),
    [CHANNEL_ATTR_NEXUS_FLOWADV_MAX] = CHA_NEXUS(cha_flowadv_max),
    [CHANNEL_ATTR_NEXUS_META_TYPE] = CHA_NEXUS(cha_nexus_meta_type),
    [CHANNEL_ATTR_NEXUS_META_SUBTYPE] = CHA_NEXUS(cha_nexus_meta_subtype),
    [CHANNEL_ATTR_NEXUS_CHECKSUM_OFFLOAD] =
	CHA_NEXUS(cha_nexus_checksum_offload),
    [CHANNEL_ATTR_USER_PACKET_POOL] =
	CHA_F(cha_user_packet_pool, CHAF_GET | CHAF_SET | CHAF_BOOL),
    [CHANNEL_ATTR_NEXUS_ADV_SIZE] = CHA_NEXUS(cha_nexusadv_size),
    [CHANNEL_ATTR_NEXUS_DEFUNCT_OK] =
	CHA_F(cha_nexus_defunct_ok, CHAF_GET | CHAF_SET | CHAF_BOOL),
    /* settable, but reading it back was never implemented */
    [CHANNEL_ATTR_FILTER] = CHA_F(cha_filter, CHAF_SET),
    [CHANNEL_ATTR_EVENT_RING] =
	CHA_F(cha_enable_event_ring, CHAF_GET | CHAF_SET | CHAF_BOOL),
    [CHANNEL_ATTR_MAX_FRAGS] = CHA_NEXUS(cha_max_frags),
    [CHANNEL_ATTR_NUM_BUFFERS] = CHA_NEXUS(cha_num_buffers),
    [CHANNEL_ATTR_LOW_LATENCY] =
	CHA_F(cha_low_latency, CHAF_GET | CHAF_SET | CHAF_BOOL),
    [CHANNEL_ATTR_LARGE_BUF_SIZE] = CHA_NEXUS(cha_large_buf_size),
};

#define CHA_NFIELDS (sizeof(cha_fields) / sizeof(cha_fields[0]))

/* Every field the table names is 32 bits wide. */
_CASSERT(sizeof(channel_threshold_unit_t) == 4);
_CASSERT(sizeof(nexus_meta_type_t) == 4);
_CASSERT(sizeof(nexus_meta_subtype_t) == 4);
_CASSERT(CHA_NFIELDS == CHANNEL_ATTR_LARGE_BUF_SIZE + 1);

static const struct cha_field *
cha_field(channel_attr_type_t type)
{
	if ((unsigned)type >= CHA_NFIELDS || cha_fields[type].cf_flags == 0)
		return NULL;
	return &cha_fields[type];
}

static uint32_t *
cha_slot(struct channel_attr *cha, const struct cha_field *f)
{
	return (uint32_t *)(void *)((char *)cha + f->cf_off);
}

/* Values that must come from a closed set before they are stored. */
static int
cha_set_check(channel_attr_type_t type, uint64_t value)
{
	switch (type) {
	case CHANNEL_ATTR_NO_AUTO_SYNC:
		/* only "no auto sync" exists; asking for auto sync fails */
		return value == 0 ? ENOTSUP : 0;
	case CHANNEL_ATTR_MONITOR:
		return value <= CHANNEL_MONITOR_COPY ? 0 : EINVAL;
	case CHANNEL_ATTR_TX_LOWAT_UNIT:
	case CHANNEL_ATTR_RX_LOWAT_UNIT:
		return value <= CHANNEL_THRESHOLD_UNIT_BYTES ? 0 : EINVAL;
	default:
		return 0;
	}
}

int
os_channel_attr_set(const channel_attr_t cha, const channel_attr_type_t type,
		    const uint64_t value)
{
	const struct cha_field *f;
	int err;

	if (cha == NULL)
		return EINVAL;
	if ((err = cha_set_check(type, value)) != 0 ||
	    type == CHANNEL_ATTR_NO_AUTO_SYNC)
		return err;
	if ((f = cha_field(type)) == NULL)
		return EINVAL;
	if (f->cf_flags & CHAF_RO)
		return ENOTSUP;
	if (!(f->cf_flags & CHAF_SET))
		return EINVAL;
	*cha_slot(cha, f) =
	    (f->cf_flags & CHAF_BOOL) ? (value != 0) : (uint32_t)value;
	return 0;
}

int
os_channel_attr_get(const channel_attr_t cha, const channel_attr_type_t type,
		    uint64_t *value)
{
	const struct cha_field *f;
	uint32_t v;

	if (cha == NULL || value == NULL)
		return EINVAL;
	if (type == CHANNEL_ATTR_NO_AUTO_SYNC) {
		*value = 1;
		return 0;
	}
	if ((f = cha_field(type)) == NULL || !(f->cf_flags & CHAF_GET))
		return EINVAL;
	v = *cha_slot(cha, f);
	*value = (f->cf_flags & CHAF_BOOL) ? (v != 0) : v;
	return 0;
}

channel_attr_t
os_channel_attr_create(void)
{
	/* all zero: thresholds {SLOTS, 0}, every mode off, no key */
	return calloc(1, sizeof(struct channel_attr));
}

channel_attr_t
os_channel_attr_clone(const channel_attr_t cha)
{
	struct channel_attr *ncha = os_channel_attr_create();

	if (ncha == NULL || cha == NULL)
		return ncha;
	*ncha = *cha;
	ncha->cha_key = NULL;
	ncha->cha_key_len = 0;
	if (cha->cha_key != NULL && cha->cha_key_len != 0 &&
	    os_channel_attr_set_key(ncha, cha->cha_key, cha->cha_key_len) !=
		0) {
		os_channel_attr_destroy(ncha);
		errno = ENOMEM;
		return NULL;
	}
	return ncha;
}

void
os_channel_attr_destroy(const channel_attr_t cha)
{
	if (cha == NULL)
		return;
	free(cha->cha_key);
	free(cha);
}

static void
cha_key_clear(struct channel_attr *cha)
{
	free(cha->cha_key);
	cha->cha_key = NULL;
	cha->cha_key_len = 0;
}

int
os_channel_attr_set_key(const channel_attr_t cha, const void *key,
			const uint32_t key_len)
{
	void *copy;

	if (cha == NULL || (key == NULL) != (key_len == 0) ||
	    key_len > NEXUS_MAX_KEY_LEN)
		return EINVAL;
	/* the old key goes whatever happens, as Apple's does */
	cha_key_clear(cha);
	if (key_len == 0)
		return 0;
	if ((copy = malloc(key_len)) == NULL)
		return ENOMEM;
	memcpy(copy, key, key_len);
	cha->cha_key = copy;
	cha->cha_key_len = key_len;
	return 0;
}

int
os_channel_attr_get_key(const channel_attr_t cha, void *key, uint32_t *key_len)
{
	if (cha == NULL || key_len == NULL)
		return EINVAL;
	/* no buffer, or nothing stored: report the length only */
	if (key == NULL || cha->cha_key == NULL) {
		*key_len = cha->cha_key != NULL ? cha->cha_key_len : 0;
		return 0;
	}
	if (*key_len < cha->cha_key_len)
		return ENOMEM;
	memcpy(key, cha->cha_key, cha->cha_key_len);
	*key_len = cha->cha_key_len;
	return 0;
}

static uint32_t
ch_mode_monitor(uint32_t mode)
{
	if (!(mode & CHMODE_MONITOR))
		return CHANNEL_MONITOR_OFF;
	return (mode & CHMODE_MONITOR_NO_COPY) ? CHANNEL_MONITOR_NO_COPY
					       : CHANNEL_MONITOR_COPY;
}

/* The provider's parameters, as the nexus registered them. */
static void
ch_params2attr(const struct nxprov_params *p, struct channel_attr *cha)
{
	cha->cha_tx_rings = p->nxp_tx_rings;
	cha->cha_rx_rings = p->nxp_rx_rings;
	cha->cha_tx_slots = p->nxp_tx_slots;
	cha->cha_rx_slots = p->nxp_rx_slots;
	cha->cha_buf_size = p->nxp_buf_size;
	cha->cha_meta_size = p->nxp_meta_size;
	cha->cha_stats_size = p->nxp_stats_size;
	cha->cha_flowadv_max = p->nxp_flowadv_max;
	cha->cha_nexusadv_size = p->nxp_nexusadv_size;
	cha->cha_nexus_type = p->nxp_type;
	cha->cha_nexus_extensions = p->nxp_extensions;
	cha->cha_nexus_mhints = p->nxp_mhints;
	cha->cha_nexus_ifindex = p->nxp_ifindex;
	cha->cha_max_frags = p->nxp_max_frags;
	cha->cha_large_buf_size = p->nxp_large_buf_size;
	cha->cha_nexus_checksum_offload =
	    (p->nxp_capabilities & NXPCAP_CHECKSUM_PARTIAL)
		? CHANNEL_NEXUS_CHECKSUM_PARTIAL
		: 0;
}

/* The modes the kernel granted this channel. */
static void
ch_mode2attr(uint32_t mode, struct channel_attr *cha)
{
	cha->cha_exclusive = (mode & CHMODE_EXCLUSIVE) != 0;
	cha->cha_user_packet_pool = (mode & CHMODE_USER_PACKET_POOL) != 0;
	cha->cha_nexus_defunct_ok = (mode & CHMODE_DEFUNCT_OK) != 0;
	cha->cha_enable_event_ring = (mode & CHMODE_EVENT_RING) != 0;
	cha->cha_low_latency = (mode & CHMODE_LOW_LATENCY) != 0;
	cha->cha_monitor = ch_mode_monitor(mode);
}

void
ch_info2attr(const struct channel *chd, struct channel_attr *cha)
{
	const struct ch_info *ci = CHD_INFO(chd);
	void *key = cha->cha_key;
	uint32_t key_len = cha->cha_key_len;

	/* everything is replaced (FILTER too), except the caller's key */
	memset(cha, 0, sizeof(*cha));
	cha->cha_key = key;
	cha->cha_key_len = key_len;
	ch_params2attr(&ci->cinfo_nxprov_params, cha);
	ch_mode2attr(ci->cinfo_ch_mode, cha);
	cha->cha_tx_lowat = ci->cinfo_tx_lowat;
	cha->cha_rx_lowat = ci->cinfo_rx_lowat;
	cha->cha_nexus_meta_type = chd->chd_md_type;
	cha->cha_nexus_meta_subtype = chd->chd_md_subtype;
	cha->cha_num_buffers = ci->cinfo_num_bufs;
}
