/*
 * skstat - print the daemon's object counts as key=value lines.
 *
 * Sends one SKC_IOC_CTL_STATS request through the door the environment
 * names (SKCHAN_DOOR, SKCHAN_DEVICE, SKCHAN_SOCKET; see skt_raw.h) and
 * prints struct skc_ctl_stats, one field per line, so that shell tests
 * can compare counts before and after (tests/lib/common.sh).  The
 * request's own handle is open while the counts are taken, so cs_files
 * includes it.  Exit status: 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "skt_raw.h"

/* The key is the field name without its "cs_" prefix. */
#define SS_PRINT(st, field)                                                    \
	printf("%s=%" PRIu64 "\n", &(#field)[3], (uint64_t)(st)->field)

static void ss_print(const struct skc_ctl_stats *st)
{
	SS_PRINT(st, cs_files);
	SS_PRINT(st, cs_controllers);
	SS_PRINT(st, cs_providers);
	SS_PRINT(st, cs_instances);
	SS_PRINT(st, cs_channels);
	SS_PRINT(st, cs_arenas);
	SS_PRINT(st, cs_memfds);
	SS_PRINT(st, cs_bindings);
	SS_PRINT(st, cs_tickets);
	SS_PRINT(st, cs_arena_bytes);
	SS_PRINT(st, cs_requests);
	SS_PRINT(st, cs_errors);
	SS_PRINT(st, cs_kills);
}

int main(int argc, char **argv)
{
	struct skc_ctl_stats st;
	struct skt_door d;
	int r;

	(void)argc;
	if (skt_door_open(&d) < 0) {
		fprintf(stderr, "%s: cannot reach %s: %s\n", argv[0],
		    skt_door_path(skt_door_is_cuse()), strerror(errno));
		return 1;
	}
	memset(&st, 0, sizeof(st));
	skt_req_hdr(&st.cs_hdr, sizeof(st));
	r = skt_raw_req(&d, SKC_IOC_CTL_STATS, &st, sizeof(st));
	skt_door_close(&d);
	if (r != 0) {
		fprintf(stderr, "%s: SKC_IOC_CTL_STATS: %s\n", argv[0],
		    r == SKT_RAW_CLOSED ? "daemon hung up" : strerror(r));
		return 1;
	}
	ss_print(&st);
	return 0;
}
