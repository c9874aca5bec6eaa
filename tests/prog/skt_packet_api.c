/*
 * skt_packet_api - every os_packet_* / os_buflet_* accessor, the two
 * checksum helpers and the nexus calls that had only in-process tests,
 * on a real netif channel with the user packet pool, through whichever
 * door libskywalk picks.
 *
 *   skt_packet_api [-n N]     N frames (default 64) through the loop
 *
 * Theory of operation.  The Check suites prove the accessors against a
 * kernel linked into the test; this program proves them against the
 * daemon's own packet pool, seen through the shared mapping a door
 * handed out: the metadata the library writes is the daemon's object,
 * so a layout or mapping mistake that an in-process test cannot see
 * shows here.  A daemon-owned loop netif (CTL_NETIF_ATTACH loop|create)
 * needs no root and no TAP.  Each packet is allocated from the pool,
 * every accessor is set and read back with the values, return codes and
 * errnos the spec (§2.8) gives, then the packet is finalized, attached,
 * sent, and comes back through the loop intact; it is freed, and after a
 * purge every packet of the pool is free again.  Before that, a user
 * pipe shows the ring timestamps (sync time, the peer's notify time).
 *
 * Exit 0 when every check holds; the first broken one prints FAIL.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <skywalk/os_skywalk_private.h>
#include <skywalk/skchan_ctl.h>

#include "skt_netif.h"
#include "skt_util.h"

static const packet_svc_class_t pa_classes[] = {
	PKT_SC_BK_SYS, PKT_SC_BK, PKT_SC_BE, PKT_SC_RD, PKT_SC_OAM, PKT_SC_AV,
	PKT_SC_RV, PKT_SC_VI, PKT_SC_SIG, PKT_SC_VO, PKT_SC_CTL,
};

/* ---- control ---------------------------------------------------------------- */

static int pa_ctl(uint32_t cmd, void *req)
{
	struct skchan_ctl *ctl = skchan_ctl_open();
	int rc, err;

	T_NONNULL(ctl);
	rc = skchan_ctl_call(ctl, cmd, req);
	err = errno;
	skchan_ctl_close(ctl);
	errno = err;
	return rc;
}

static void pa_attach(const char *ifname, uuid_t nx)
{
	struct skc_ctl_netif_attach na;

	memset(&na, 0, sizeof(na));
	snprintf(na.na_ifname, sizeof(na.na_ifname), "%s", ifname);
	na.na_flags = SKC_NETIF_LOOP | SKC_NETIF_CREATE;
	if (pa_ctl(SKC_IOC_CTL_NETIF_ATTACH, &na) != 0)
		SKT_FAIL("attach %s: %s", ifname, strerror(errno));
	uuid_copy(nx, na.na_nx_uuid);
}

static void pa_detach(const char *ifname)
{
	struct skc_ctl_netif_detach nd;

	memset(&nd, 0, sizeof(nd));
	snprintf(nd.nd_ifname, sizeof(nd.nd_ifname), "%s", ifname);
	T_EQ(pa_ctl(SKC_IOC_CTL_NETIF_DETACH, &nd), 0);
}

/* Every packet of the pool is free again (after the caller's purge). */
static void pa_pool_whole(const char *ifname)
{
	struct skc_ctl_netif_lookup nl;

	memset(&nl, 0, sizeof(nl));
	snprintf(nl.nl_ifname, sizeof(nl.nl_ifname), "%s", ifname);
	T_EQ(pa_ctl(SKC_IOC_CTL_NETIF_LOOKUP, &nl), 0);
	T_NE(nl.nl_pool_pkts, 0);
	T_EQ(nl.nl_pool_pkts_free, nl.nl_pool_pkts);
}

/* ---- the channel ------------------------------------------------------------ */

static channel_t pa_open(const uuid_t nx)
{
	channel_attr_t attr = os_channel_attr_create();
	nexus_type_t type = (nexus_type_t)-1;
	uint64_t ext = 1, v = 0;
	channel_t ch;

	T_NONNULL(attr);
	T_OK(os_channel_attr_set(attr, CHANNEL_ATTR_USER_PACKET_POOL, 1));
	ch = os_channel_create_extended(nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_DIR_TX_RX, CHANNEL_RING_ID_ANY, attr);
	if (ch == NULL)
		SKT_FAIL("channel open: %s", strerror(errno));
	T_OK(os_channel_read_attr(ch, attr));
	T_OK(os_channel_attr_get(attr, CHANNEL_ATTR_USER_PACKET_POOL, &v));
	T_EQ(v, 1);
	os_channel_attr_destroy(attr);
	/* spec 2.2: the cached provider type and extensions; always 0 */
	T_OK(os_channel_read_nexus_extension_info(ch, &type, &ext));
	T_EQ(type, NEXUS_TYPE_NET_IF);
	T_EQ(ext, 0);
	return ch;
}

/* ---- accessors, one group per function family -------------------------------- */

static void pa_link(packet_t ph, buflet_t b)
{
	uint32_t lim = os_buflet_get_data_limit(b);

	T_EQ(os_packet_get_link_broadcast(ph), 0);
	T_EQ(os_packet_get_link_multicast(ph), 0);
	T_EQ(os_packet_get_link_ethfcs(ph), 0);
	T_OK(os_packet_set_link_broadcast(ph));
	T_OK(os_packet_set_link_multicast(ph));
	T_OK(os_packet_set_link_ethfcs(ph));
	T_EQ(os_packet_get_link_broadcast(ph), 1);
	T_EQ(os_packet_get_link_multicast(ph), 1);
	T_EQ(os_packet_get_link_ethfcs(ph), 1);
	T_OK(os_packet_set_headroom(ph, 16));
	T_EQ(os_packet_get_headroom(ph), 16);
	/* a headroom at or past the first buflet's limit: ERANGE */
	if (lim <= 255)
		T_RET(os_packet_set_headroom(ph, (uint8_t)lim), ERANGE);
	T_OK(os_packet_set_link_header_length(ph, 14));
	T_EQ(os_packet_get_link_header_length(ph), 14);
}

static void pa_transport(packet_t ph)
{
	T_EQ(os_packet_get_transport_traffic_background(ph), 0);
	T_EQ(os_packet_get_transport_traffic_realtime(ph), 0);
	T_EQ(os_packet_get_transport_retransmit(ph), 0);
	T_OK(os_packet_set_transport_traffic_background(ph));
	T_OK(os_packet_set_transport_traffic_realtime(ph));
	T_OK(os_packet_set_transport_retransmit(ph));
	T_OK(os_packet_set_transport_last_packet(ph));
	T_EQ(os_packet_get_transport_traffic_background(ph), 1);
	T_EQ(os_packet_get_transport_traffic_realtime(ph), 1);
	T_EQ(os_packet_get_transport_retransmit(ph), 1);
}

/* Only the eleven PKT_SC_* values; a traffic class maps onto one. */
static void pa_class(packet_t ph)
{
	size_t i;

	for (i = 0; i < sizeof(pa_classes) / sizeof(pa_classes[0]); i++) {
		T_OK(os_packet_set_service_class(ph, pa_classes[i]));
		T_EQ(os_packet_get_service_class(ph), pa_classes[i]);
	}
	T_RET(os_packet_set_service_class(ph, (packet_svc_class_t)0x1234),
	    EINVAL);
	T_EQ(os_packet_get_service_class(ph), PKT_SC_CTL);
	T_OK(os_packet_set_traffic_class(ph, PKT_TC_VO));
	T_EQ(os_packet_get_traffic_class(ph), PKT_TC_VO);
	T_EQ(os_packet_get_service_class(ph), PKT_SC_VO);
	T_OK(os_packet_set_traffic_class(ph, PKT_TC_BK));
	T_EQ(os_packet_get_service_class(ph), PKT_SC_BK);
	T_OK(os_packet_set_traffic_class(ph, PKT_TC_BE));
	T_EQ(os_packet_get_traffic_class(ph), PKT_TC_BE);
}

static void pa_csum(packet_t ph)
{
	uint16_t start = 0, stuff = 0;
	packet_csum_flags_t f;

	T_OK(os_packet_set_inet_checksum(ph, PACKET_CSUM_PARTIAL, 34, 50));
	f = os_packet_get_inet_checksum(ph, &start, &stuff);
	T_EQ(f, PACKET_CSUM_PARTIAL);
	T_EQ(start, 34);
	T_EQ(stuff, 50);
	os_packet_add_inet_csum_flags(ph, PACKET_CSUM_ZERO_INVERT);
	f = os_packet_get_inet_checksum(ph, NULL, NULL);
	T_EQ(f, PACKET_CSUM_PARTIAL | PACKET_CSUM_ZERO_INVERT);
	T_OK(os_packet_set_inet_checksum(ph, 0, 0, 0));
	T_EQ(os_packet_get_inet_checksum(ph, NULL, NULL), 0);
}

static void pa_group(packet_t ph)
{
	T_EQ(os_packet_get_group_start(ph), 0);
	T_EQ(os_packet_get_group_end(ph), 0);
	os_packet_set_group_start(ph);
	os_packet_set_group_end(ph);
	T_EQ(os_packet_get_group_start(ph), 1);
	T_EQ(os_packet_get_group_end(ph), 1);
}

/* Optional fields: ENOENT while unset, EINVAL for a NULL out pointer. */
static void pa_optional(packet_t ph)
{
	packet_expiry_action_t act = PACKET_EXPIRY_ACTION_NONE;
	uint32_t gen = 0;
	uint64_t t = 0;

	T_RET(os_packet_get_compression_generation_count(ph, &gen), ENOENT);
	T_RET(os_packet_get_expire_time(ph, &t), ENOENT);
	T_RET(os_packet_get_expiry_action(ph, &act), ENOENT);
	T_OK(os_packet_set_compression_generation_count(ph, 7));
	T_OK(os_packet_get_compression_generation_count(ph, &gen));
	T_EQ(gen, 7);
	T_RET(os_packet_get_compression_generation_count(ph, NULL), EINVAL);
	T_OK(os_packet_set_expire_time(ph, 123456789ULL));
	T_OK(os_packet_get_expire_time(ph, &t));
	T_EQ(t, 123456789ULL);
	T_RET(os_packet_get_expire_time(ph, NULL), EINVAL);
	T_OK(os_packet_set_expiry_action(ph, PACKET_EXPIRY_ACTION_DROP));
	T_OK(os_packet_get_expiry_action(ph, &act));
	T_EQ(act, PACKET_EXPIRY_ACTION_DROP);
	/* leave no expiry on a packet we send: the loop must carry it */
	T_OK(os_packet_set_expire_time(ph, 0));
	T_OK(os_packet_set_expiry_action(ph, PACKET_EXPIRY_ACTION_NONE));
}

static void pa_ids(packet_t ph, uint32_t seq)
{
	static const char tok[] = "skchan-token";
	packet_id_t id, back;
	uint8_t got[32];
	uint16_t len = sizeof(got);

	T_OK(os_packet_set_token(ph, tok, sizeof(tok)));
	T_OK(os_packet_get_token(ph, got, &len));
	T_EQ(len, sizeof(tok));
	T_TRUE(memcmp(got, tok, sizeof(tok)) == 0);
	memset(&id, 0, sizeof(id));
	id.pktid_version = OS_PACKET_PKTID_VERSION_1;
	id.pktid_sequence_number = (uint16_t)seq;
	id.pktid_stream_identifier = seq;
	T_OK(os_packet_set_packetid(ph, &id));
	memset(&back, 0xff, sizeof(back));
	T_OK(os_packet_get_packetid(ph, &back));
	T_TRUE(memcmp(&id, &back, sizeof(id)) == 0);
	os_packet_set_trace_id(ph, 0xabc0000 + seq);
	T_EQ(os_packet_get_trace_id(ph), 0xabc0000 + seq);
	os_packet_trace_event(ph, 1);
}

static void pa_vlan(packet_t ph)
{
	uint16_t tag = 0;
	boolean_t tagged = 0;

	T_RET(os_packet_get_vlan_tag(ph, &tag, &tagged), ENOENT);
	T_OK(os_packet_set_vlan_tag(ph, 0xa123, 1));
	T_OK(os_packet_get_vlan_tag(ph, &tag, &tagged));
	T_EQ(tag, 0xa123);
	T_EQ(tagged, 1);
	T_EQ(os_packet_get_vlan_id(tag), 0x123);
	T_EQ(os_packet_get_vlan_priority(tag), 5);
}

static void pa_misc(packet_t ph)
{
	T_EQ(os_packet_get_wake_flag(ph), 0);
	T_EQ(os_packet_get_truncated(ph), 0);
	T_EQ(os_packet_get_aggregation_type(ph), 0);
	T_EQ(os_packet_get_keep_alive(ph), 0);
	os_packet_set_keep_alive(ph, 1);
	T_EQ(os_packet_get_keep_alive(ph), 1);
	os_packet_set_keep_alive(ph, 0);
	T_EQ(os_packet_get_keep_alive(ph), 0);
	T_OK(os_packet_set_app_metadata(ph, PACKET_APP_METADATA_TYPE_VOICE,
	    PACKET_VOICE_APP_METADATA_SPEECH));
	T_OK(os_packet_set_protocol_segment_size(ph, 1400));
	os_packet_set_tso_flags(ph, PACKET_TSO_IPV4);
	os_packet_set_tso_flags(ph, 0);
	os_packet_set_l4s_flag(ph);
	os_packet_set_tx_timestamp(ph, 42);
	T_EQ(os_packet_get_segment_count(ph), 0);
}

static void pa_flow(packet_t ph, uint32_t seq)
{
	uuid_t u, back, zero;

	uuid_generate(u);
	u[15] = (uint8_t)seq;
	uuid_clear(zero);
	os_packet_set_flow_uuid(ph, u);
	os_packet_get_flow_uuid(ph, &back);
	T_EQ(uuid_compare(back, u), 0);
	os_packet_clear_flow_uuid(ph);
	os_packet_get_flow_uuid(ph, &back);
	T_EQ(uuid_compare(back, zero), 0);
}

/* Increment from 0; decrement reports the new count; ERANGE at 0. */
static void pa_use_count(packet_t ph)
{
	uint16_t n = 99;

	T_OK(os_packet_increment_use_count(ph));
	T_OK(os_packet_increment_use_count(ph));
	T_OK(os_packet_decrement_use_count(ph, &n));
	T_EQ(n, 1);
	T_OK(os_packet_decrement_use_count(ph, &n));
	T_EQ(n, 0);
	T_RET(os_packet_decrement_use_count(ph, &n), ERANGE);
}

/* Buflet: address and object are the buffer start; limits agree. */
static uint32_t pa_fill(buflet_t b, uint32_t seq)
{
	uint8_t tmp[SKT_NF_MAX];
	uint32_t l = skt_nf_fill(tmp, 'c', seq);

	T_EQ((uintptr_t)os_buflet_get_object_address(b),
	    (uintptr_t)os_buflet_get_data_address(b));
	T_EQ(os_buflet_get_object_limit(b), os_buflet_get_data_limit(b));
	T_TRUE(os_buflet_get_data_limit(b) >= l);
	memcpy(os_buflet_get_data_address(b), tmp, l);
	T_OK(os_buflet_set_data_offset(b, 0));
	T_EQ(os_buflet_get_data_offset(b), 0);
	T_OK(os_buflet_set_data_length(b, l));
	T_EQ(os_buflet_get_data_length(b), l);
	return l;
}

/* Spec 2.8: offset + length past the limit fails finalize with ERANGE
 * and leaves the packet with length 0; put right, it finalizes. */
static void pa_finalize_erange(packet_t ph, buflet_t b, uint32_t l)
{
	T_OK(os_buflet_set_data_length(b, os_buflet_get_data_limit(b) + 1));
	T_RET(os_packet_finalize(ph), ERANGE);
	T_EQ(os_packet_get_data_length(ph), 0);
	T_OK(os_buflet_set_data_length(b, l));
}

/* One packet from the pool, every accessor exercised, finalized. */
static packet_t pa_packet(channel_t ch, uint32_t seq)
{
	packet_t ph;
	buflet_t b;
	uint32_t l;

	T_OK(os_channel_packet_alloc(ch, &ph));
	T_EQ(os_packet_get_buflet_count(ph), 1);
	b = os_packet_get_next_buflet(ph, NULL);
	T_NONNULL(b);
	T_TRUE(os_packet_get_next_buflet(ph, b) == NULL);
	pa_link(ph, b);
	pa_transport(ph);
	pa_class(ph);
	pa_csum(ph);
	pa_group(ph);
	pa_optional(ph);
	pa_ids(ph, seq);
	pa_vlan(ph);
	pa_misc(ph);
	pa_flow(ph, seq);
	pa_use_count(ph);
	l = pa_fill(b, seq);
	pa_finalize_erange(ph, b, l);
	T_OK(os_packet_finalize(ph));
	T_EQ(os_packet_get_data_length(ph), l);
	/* finalize moved the buflet's offset (0) into the headroom */
	T_EQ(os_packet_get_headroom(ph), 0);
	return ph;
}

/* ---- through the loop ------------------------------------------------------- */

static void pa_send(channel_t ch, uint32_t seq)
{
	channel_ring_t tx = os_channel_tx_ring(ch,
	    os_channel_ring_id(ch, CHANNEL_FIRST_TX_RING));
	slot_prop_t prop;
	channel_slot_t s = os_channel_get_next_slot(tx, NULL, &prop);

	T_NONNULL(s);
	T_OK(os_channel_slot_attach_packet(tx, s, pa_packet(ch, seq)));
	T_OK(os_channel_advance_slot(tx, s));
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_TX));
}

/* The frame seq comes back byte for byte; its packet goes to the pool. */
static int pa_take(channel_t ch, uint32_t seq)
{
	channel_ring_t rx = os_channel_rx_ring(ch,
	    os_channel_ring_id(ch, CHANNEL_FIRST_RX_RING));
	uint8_t want[SKT_NF_MAX];
	channel_slot_t s;
	slot_prop_t prop;
	packet_t ph;
	buflet_t b;
	uint32_t got, len;
	const uint8_t *d;
	int found = 0;

	while ((s = os_channel_get_next_slot(rx, NULL, &prop)) != NULL) {
		ph = os_channel_slot_get_packet(rx, s);
		T_NE(ph, 0);
		T_OK(os_channel_slot_detach_packet(rx, s, ph));
		b = os_packet_get_next_buflet(ph, NULL);
		d = (const uint8_t *)os_buflet_get_data_address(b) +
		    os_buflet_get_data_offset(b);
		len = os_packet_get_data_length(ph);
		T_EQ(os_buflet_get_data_length(b), len);
		if (skt_nf_ours(d, len, 'c', &got) && got == seq) {
			T_EQ(skt_nf_fill(want, 'c', seq), len);
			T_TRUE(memcmp(d, want, len) == 0);
			found = 1;
		}
		T_OK(os_channel_packet_free(ch, ph));
		T_OK(os_channel_advance_slot(rx, s));
	}
	T_OK(os_channel_sync(ch, CHANNEL_SYNC_RX));
	return found;
}

static void pa_roundtrip(channel_t ch, uint32_t seq)
{
	struct pollfd pfd = { os_channel_get_fd(ch), POLLIN, 0 };
	int tries;

	pa_send(ch, seq);
	for (tries = 0; tries < 50; tries++) {
		if (pa_take(ch, seq))
			return;
		(void)poll(&pfd, 1, 100);
	}
	SKT_FAIL("frame %u did not come back through the loop", seq);
}

/* ---- checksums and the nexus calls without a door test elsewhere ------------- */

static void pa_checksums(void)
{
	uint8_t src[64], dst[64];
	uint32_t i, sum, folded;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	sum = os_inet_checksum(src, sizeof(src), 0);
	folded = sum;
	while (folded >> 16)
		folded = (folded & 0xffff) + (folded >> 16);
	T_EQ(os_copy_and_inet_checksum(src, dst, sizeof(src), 0),
	    (~folded) & 0xffff);
	T_TRUE(memcmp(src, dst, sizeof(src)) == 0);
	/* the partial sum carries sum0 on */
	T_EQ(os_inet_checksum(src, sizeof(src), 5), sum + 5);
	skt_ok("os_inet_checksum, os_copy_and_inet_checksum");
}

static void pa_nexus(void)
{
	nexus_attr_t a = os_nexus_attr_create(), b;
	nexus_controller_t c = os_nexus_controller_create();
	uint64_t v = 0;
	struct ifnet_traffic_descriptor_common td = {
		.itd_type = IFNET_TRAFFIC_DESCRIPTOR_TYPE_INET,
		.itd_len = sizeof(td),
	};
	struct ifnet_traffic_rule_action ra = {
		.ra_type = IFNET_TRAFFIC_RULE_ACTION_STEER,
		.ra_len = sizeof(ra),
	};
	uuid_t rule, nobody;

	T_NONNULL(a);
	T_NONNULL(c);
	T_OK(os_nexus_attr_set(a, NEXUS_ATTR_TX_SLOTS, 77));
	b = os_nexus_attr_clone(a);
	T_NONNULL(b);
	T_TRUE(a != b);
	T_OK(os_nexus_attr_get(b, NEXUS_ATTR_TX_SLOTS, &v));
	T_EQ(v, 77);
	T_TRUE(os_nexus_controller_get_fd(c) >= 0);
	T_RET(os_nexus_controller_add_traffic_rule(c, "en0", &td, &ra, 0,
	    &rule), ENOTSUP);
	T_RET(os_nexus_controller_add_traffic_rule(c, NULL, &td, &ra, 0,
	    &rule), EINVAL);
	uuid_generate(rule);
	/* no such nexus: the shared controller's config request, ENOENT */
	uuid_generate(nobody);
	T_SYSERR(os_nexus_flow_set_wake_from_sleep(nobody, rule, false),
	    ENOENT);
	T_RET(os_nexus_controller_remove_traffic_rule(c, rule), ENOTSUP);
	T_RET(os_nexus_controller_remove_traffic_rule(c, NULL), EINVAL);
	T_RET(os_nexus_controller_iterate_traffic_rules(c, NULL, NULL), EINVAL);
	os_nexus_controller_destroy(c);
	os_nexus_attr_destroy(a);
	os_nexus_attr_destroy(b);
	skt_ok("nexus attr clone, controller fd, traffic rules (ENOTSUP), wake-from-sleep (ENOENT)");
}

/* The child makes a packet-only call on a quantum: it must die of
 * SIGABRT (the library's type check, spec 2.8 "a wrong type traps"). */
static void pa_expect_abort(packet_t qh)
{
	int st = 0;
	pid_t pid = fork();

	T_TRUE(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		(void)os_packet_get_headroom(qh);
		_exit(0);
	}
	T_EQ(waitpid(pid, &st, 0), pid);
	T_TRUE(WIFSIGNALED(st));
	T_EQ(WTERMSIG(st), SIGABRT);
}

/* A user pipe's slot holds a quantum: the quantum calls work on it. */
static void pa_quantum(channel_ring_t rx)
{
	channel_slot_t s;
	slot_prop_t prop;
	packet_t qh;
	uuid_t u, back;

	s = os_channel_get_next_slot(rx, NULL, &prop);
	T_NONNULL(s);
	qh = os_channel_slot_get_packet(rx, s);
	T_NE(qh, 0);
	T_EQ(os_packet_get_data_length(qh), 60);
	T_EQ(os_packet_get_buflet_count(qh), 1);
	T_NONNULL(os_packet_get_next_buflet(qh, NULL));
	T_OK(os_packet_set_service_class(qh, PKT_SC_VI));
	T_EQ(os_packet_get_service_class(qh), PKT_SC_VI);
	uuid_generate(u);
	os_packet_set_flow_uuid(qh, u);
	os_packet_get_flow_uuid(qh, &back);
	T_EQ(uuid_compare(u, back), 0);
	pa_expect_abort(qh);
	T_OK(os_channel_advance_slot(rx, s));
}

/*
 * Spec 4.1: on a user pipe each ring's sync time is its own last sync
 * and its notify time the peer's last sync -- read back by the library
 * from the ring the daemon published.
 */
static void pa_ring_times(void)
{
	struct skt_nx_params p = SKT_NX_PARAMS_DEFAULT;
	struct skt_nexus nx;
	channel_t a, b;
	channel_ring_t tx, rx;
	channel_slot_t s;
	slot_prop_t prop;
	uint64_t t;

	skt_upipe_setup(&nx, "pktapi", &p);
	a = skt_channel_open_simple(nx.sn_inst, 0);
	b = skt_channel_open_simple(nx.sn_inst, 1);
	tx = skt_tx(a);
	rx = skt_rx(b);
	T_EQ(os_channel_ring_sync_time(tx), 0);
	T_EQ(os_channel_ring_notify_time(rx), 0);
	s = os_channel_get_next_slot(tx, NULL, &prop);
	T_NONNULL(s);
	prop.sp_len = 60;
	os_channel_set_slot_properties(tx, s, &prop);
	T_OK(os_channel_advance_slot(tx, s));
	T_OK(os_channel_sync(a, CHANNEL_SYNC_TX));
	t = os_channel_ring_sync_time(tx);
	T_NE(t, 0);
	T_OK(os_channel_sync(b, CHANNEL_SYNC_RX));
	T_EQ(os_channel_ring_notify_time(rx), t);
	T_NE(os_channel_ring_sync_time(rx), 0);
	pa_quantum(rx);
	os_channel_destroy(a);
	os_channel_destroy(b);
	skt_nexus_teardown(&nx);
	skt_ok("user pipe: notify time is the peer's last sync time; "
	    "quantum calls work, a packet-only call traps");
}

/* ---- main ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	char name[IFNAMSIZ];
	uint32_t n = 64, i;
	channel_t ch;
	uuid_t nx;

	skt_set_prog(argv[0]);
	if (argc == 3 && strcmp(argv[1], "-n") == 0)
		n = (uint32_t)strtoul(argv[2], NULL, 0);
	else if (argc != 1)
		SKT_FAIL("usage: skt_packet_api [-n N]");
	pa_checksums();
	pa_nexus();
	pa_ring_times();
	snprintf(name, sizeof(name), "skpa%d", (int)getpid() % 100000);
	pa_attach(name, nx);
	ch = pa_open(nx);
	for (i = 0; i < n; i++)
		pa_roundtrip(ch, i);
	skt_ok("%u packets: every accessor, then out and back intact", n);
	T_OK(os_channel_packet_pool_purge(ch));
	pa_pool_whole(name);
	os_channel_destroy(ch);
	pa_detach(name);
	skt_ok("pool whole again; netif %s detached", name);
	return 0;
}
