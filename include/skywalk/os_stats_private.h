/*
 * os_stats_private.h - statistics regions a nexus may share with its
 * channels (at csm_stats_ofs, kernel-written, read-only to the process).
 *
 * Only the flow switch publishes protocol statistics and skchan does not
 * emulate a flow switch, so the counter sets are opaque arrays whose
 * sizes are ours; what matters is that os_channel_get_stats_region()
 * can hand out a pointer to each one.
 */
#ifndef _SKYWALK_OS_STATS_H_
#define _SKYWALK_OS_STATS_H_

#include <skywalk/skywalk_compat.h>
#include <skywalk/os_channel.h>
#include <skywalk/os_nexus_private.h>

#ifdef __cplusplus
extern "C" {
#endif

/* csm_stats_type: what the statistics region holds. */
typedef enum {
	NEXUS_STATS_TYPE_INVALID = 0,
	NEXUS_STATS_TYPE_FSW = 1,	 /* struct __nx_stats_fsw */
	NEXUS_STATS_TYPE_CHAN_ERRORS = 2 /* struct __nx_stats_channel_errors */
} nexus_stats_type_t;

/* Counter-set sizes (ours; see above). */
#define SK_IP_STATS_MAX 64
#define SK_IP6_STATS_MAX 64
#define SK_TCP_STATS_MAX 128
#define SK_UDP_STATS_MAX 32
#define SK_QUIC_STATS_MAX 32

struct ip_stats {
	uint64_t _arr[SK_IP_STATS_MAX];
};
struct ip6_stats {
	uint64_t _arr[SK_IP6_STATS_MAX];
};
struct tcp_stats {
	uint64_t _arr[SK_TCP_STATS_MAX];
};
struct udp_stats {
	uint64_t _arr[SK_UDP_STATS_MAX];
};
struct quic_stats {
	uint64_t _arr[SK_QUIC_STATS_MAX];
};

/* Flow-switch statistics, one set per CHANNEL_STATS_ID_*. */
struct __nx_stats_fsw {
	struct ip_stats nxs_ipstat;
	struct ip6_stats nxs_ip6stat;
	struct tcp_stats nxs_tcpstat;
	struct udp_stats nxs_udpstat;
	struct quic_stats nxs_quicstat;
};

/* Per-channel error counters (NEXUS_STATS_TYPE_CHAN_ERRORS); ours. */
struct __nx_stats_channel_errors {
	uint64_t nxs_cres_sync_errors;	/* ring validation failures */
	uint64_t nxs_cres_alloc_errors; /* packet-pool exhaustion */
	uint64_t nxs_cres_defunct;	/* operations refused: defunct */
	uint64_t _nxs_reserved[5];
};

#ifdef __cplusplus
}
#endif

#endif /* !_SKYWALK_OS_STATS_H_ */
