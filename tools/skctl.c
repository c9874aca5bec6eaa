/*
 * skctl - look inside a running cuse-dev, and (later) steer it.
 *
 * Theory of operation.  Every subcommand is one or a few control
 * requests (skchan_abi.h) sent through libskywalk's own doors
 * (skchan_ctl.h), so skctl reaches the daemon exactly as a Skywalk
 * program would, honouring SKCHAN_DOOR / SKCHAN_DEVICE / SKCHAN_SOCKET;
 * --door, --device and --socket simply set those variables.  The reply
 * is printed for a person (a tree, aligned columns) or, with --json, as
 * one JSON object for scripts.
 *
 * A request the daemon does not know (ENOTTY: an older daemon, or one
 * built without that part) reads "not supported by this daemon".
 *
 * Exit status: 0 success, 1 failure (daemon not reachable, request
 * refused, not supported), 2 bad arguments (usage on stderr).  See
 * skctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#include <skywalk/skchan_ctl.h>

#define SKCTL_EX_OK 0
#define SKCTL_EX_FAIL 1
#define SKCTL_EX_USAGE 2

static const char *skctl_prog = "skctl";

/* Parsed command line. */
struct skctl_opts {
	bool o_json;
	bool o_create;
	bool o_loop; /* attach an in-daemon loop device */
	int o_rings; /* -1: not given */
	int o_slots;
	long o_pid; /* --pid, -1: not given */
	const char *o_cmd;
	char **o_args; /* operands after the command */
	int o_nargs;
};

struct skctl_cmd {
	const char *c_name;
	int (*c_run)(struct skchan_ctl *ctl, const struct skctl_opts *o);
	int c_min_args;
	int c_max_args;
};

/* ---- JSON output --------------------------------------------------------- */

/*
 * A tiny writer: one object, nested objects and arrays, two-space
 * indentation.  Strings are escaped so that any byte sequence (provider
 * names are bytes from userland) comes out as valid JSON: bytes >= 0x80
 * are written as \u00XX (their Latin-1 reading).
 */
#define JS_DEPTH_MAX 8

struct js {
	int j_depth;
	bool j_first[JS_DEPTH_MAX];
};

static struct js skctl_js;

static void
js_indent(struct js *j)
{
	for (int i = 0; i < j->j_depth; i++)
		fputs("  ", stdout);
}

static void
js_raw_str(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	putchar('"');
	for (i = 0; i < max && p[i] != '\0'; i++) {
		if (p[i] == '"' || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			printf("\\u%04x", p[i]);
		else
			putchar(p[i]);
	}
	putchar('"');
}

/* Comma, newline, indentation and the key, before any value. */
static void
js_key(struct js *j, const char *key)
{
	if (j->j_depth > 0) {
		if (!j->j_first[j->j_depth])
			putchar(',');
		j->j_first[j->j_depth] = false;
		putchar('\n');
	}
	js_indent(j);
	if (key != NULL) {
		js_raw_str(key, SIZE_MAX);
		fputs(": ", stdout);
	}
}

static void
js_open(struct js *j, const char *key, char bracket)
{
	js_key(j, key);
	putchar(bracket);
	if (j->j_depth + 1 < JS_DEPTH_MAX)
		j->j_depth++;
	j->j_first[j->j_depth] = true;
}

static void
js_close(struct js *j, char bracket)
{
	bool empty = j->j_first[j->j_depth];

	j->j_depth--;
	if (!empty) {
		putchar('\n');
		js_indent(j);
	}
	putchar(bracket);
	if (j->j_depth == 0)
		putchar('\n');
}

static void
js_str(struct js *j, const char *key, const char *val, size_t max)
{
	js_key(j, key);
	js_raw_str(val, max);
}

static void
js_u64(struct js *j, const char *key, uint64_t val)
{
	js_key(j, key);
	printf("%" PRIu64, val);
}

static void
js_i64(struct js *j, const char *key, int64_t val)
{
	js_key(j, key);
	printf("%" PRId64, val);
}

static void
js_bool(struct js *j, const char *key, bool val)
{
	js_key(j, key);
	fputs(val ? "true" : "false", stdout);
}

/* A UUID, or null when it is the null UUID. */
static void
js_uuid(struct js *j, const char *key, const uuid_t u)
{
	char s[37];

	js_key(j, key);
	if (uuid_is_null(u)) {
		fputs("null", stdout);
		return;
	}
	uuid_unparse_lower(u, s);
	printf("\"%s\"", s);
}

/* ---- names --------------------------------------------------------------- */

static const char *
skctl_type_name(uint32_t type)
{
	static const char *const names[] = {
	    [NEXUS_TYPE_USER_PIPE] = "user-pipe",
	    [NEXUS_TYPE_KERNEL_PIPE] = "kernel-pipe",
	    [NEXUS_TYPE_NET_IF] = "netif",
	    [NEXUS_TYPE_FLOW_SWITCH] = "flowswitch",
	    [NEXUS_TYPE_MONITOR] = "monitor",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type] != NULL)
		return names[type];
	return "unknown";
}

static const char *
skctl_door_name(uint32_t door)
{
	switch (door) {
	case SKC_CTL_DOOR_CUSE:
		return "cuse";
	case SKC_CTL_DOOR_SOCKET:
		return "socket";
	case SKC_CTL_DOOR_LOCAL:
		return "local";
	default:
		return "kernel";
	}
}

struct skctl_bit {
	uint64_t b_bit;
	const char *b_name;
};

static const struct skctl_bit skctl_feats[] = {
    {SKC_CTL_FEAT_LIST, "list"},
    {SKC_CTL_FEAT_KPIPE, "kpipe"},
    {SKC_CTL_FEAT_NETIF, "netif"},
    {SKC_CTL_FEAT_DEFUNCT, "defunct"},
    {SKC_CTL_FEAT_RING_STATS, "ring-stats"},
    {0, NULL},
};

static const struct skctl_bit skctl_modes[] = {
    {CHMODE_MONITOR_TX, "monitor-tx"},
    {CHMODE_MONITOR_RX, "monitor-rx"},
    {CHMODE_MONITOR_NO_COPY, "monitor-no-copy"},
    {CHMODE_USER_PACKET_POOL, "user-packet-pool"},
    {CHMODE_DEFUNCT_OK, "defunct-ok"},
    {CHMODE_FILTER, "filter"},
    {CHMODE_EVENT_RING, "event-ring"},
    {CHMODE_LOW_LATENCY, "low-latency"},
    {CHMODE_EXCLUSIVE, "exclusive"},
    {CHMODE_KERNEL, "kernel"},
    {CHMODE_HOST, "host"},
    {0, NULL},
};

static const struct skctl_bit skctl_nx_flags[] = {
    {SKC_CTL_NEF_INVALIDATED, "invalidated"},
    {SKC_CTL_NEF_REJECT, "rejected"},
    {SKC_CTL_NEF_KERNEL, "kernel"},
    {0, NULL},
};

/* "a,b,c" for a person, or "-" when no bit is set. */
static void
skctl_print_bits(const struct skctl_bit *tab, uint64_t bits)
{
	const char *sep = "";

	for (; tab->b_name != NULL; tab++) {
		if (bits & tab->b_bit) {
			printf("%s%s", sep, tab->b_name);
			sep = ",";
		}
	}
	if (*sep == '\0')
		putchar('-');
}

static void
js_bits(struct js *j, const char *key, const struct skctl_bit *tab,
	uint64_t bits)
{
	js_open(j, key, '[');
	for (; tab->b_name != NULL; tab++) {
		if (bits & tab->b_bit)
			js_str(j, NULL, tab->b_name, SIZE_MAX);
	}
	js_close(j, ']');
}

/* A name from the daemon for a terminal: bounded, printable only. */
static void
skctl_print_name(const char *s, size_t max)
{
	size_t i;

	putchar('"');
	for (i = 0; i < max && s[i] != '\0'; i++)
		putchar(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
	putchar('"');
}

static const char *
skctl_uuid_str(const uuid_t u, char buf[37])
{
	if (uuid_is_null(u))
		return "-";
	uuid_unparse_lower(u, buf);
	return buf;
}

/* ---- errors -------------------------------------------------------------- */

static int
skctl_fail(const char *what, int err)
{
	if (err == ENOTTY)
		fprintf(stderr, "%s: %s: not supported by this daemon\n",
			skctl_prog, what);
	else
		fprintf(stderr, "%s: %s: %s\n", skctl_prog, what,
			strerror(err));
	return SKCTL_EX_FAIL;
}

/* ---- stats and info ------------------------------------------------------ */

/* clang-format off */
#define SKCTL_STAT(f)   { #f + 3, offsetof(struct skc_ctl_stats, f), \
	sizeof(((struct skc_ctl_stats *)0)->f) }
/* clang-format on */

struct skctl_stat_field {
	const char *sf_name;
	size_t sf_off;
	size_t sf_size;
};

static const struct skctl_stat_field skctl_stat_fields[] = {
    SKCTL_STAT(cs_files),     SKCTL_STAT(cs_controllers),
    SKCTL_STAT(cs_providers), SKCTL_STAT(cs_instances),
    SKCTL_STAT(cs_channels),  SKCTL_STAT(cs_arenas),
    SKCTL_STAT(cs_memfds),    SKCTL_STAT(cs_bindings),
    SKCTL_STAT(cs_tickets),   SKCTL_STAT(cs_arena_bytes),
    SKCTL_STAT(cs_requests),  SKCTL_STAT(cs_errors),
    SKCTL_STAT(cs_kills),
};

#define SKCTL_NSTATS (sizeof(skctl_stat_fields) / sizeof(skctl_stat_fields[0]))

static uint64_t
skctl_stat_value(const struct skc_ctl_stats *st, size_t i)
{
	const struct skctl_stat_field *sf = &skctl_stat_fields[i];
	const char *p = (const char *)st + sf->sf_off;
	uint32_t v32;
	uint64_t v64;

	if (sf->sf_size == sizeof(v32)) {
		memcpy(&v32, p, sizeof(v32));
		return v32;
	}
	memcpy(&v64, p, sizeof(v64));
	return v64;
}

static void
skctl_stats_json(struct js *j, const char *key, const struct skc_ctl_stats *st)
{
	size_t i;

	js_open(j, key, '{');
	for (i = 0; i < SKCTL_NSTATS; i++)
		js_u64(j, skctl_stat_fields[i].sf_name,
		       skctl_stat_value(st, i));
	js_close(j, '}');
}

static int
skctl_cmd_stats(struct skchan_ctl *ctl, const struct skctl_opts *o)
{
	struct skc_ctl_stats st;
	size_t i;

	if (skchan_ctl_stats(ctl, &st) < 0)
		return skctl_fail("stats", errno);
	if (o->o_json) {
		skctl_stats_json(&skctl_js, NULL, &st);
		return SKCTL_EX_OK;
	}
	for (i = 0; i < SKCTL_NSTATS; i++)
		printf("%-12s %" PRIu64 "\n", skctl_stat_fields[i].sf_name,
		       skctl_stat_value(&st, i));
	return SKCTL_EX_OK;
}

/* The path of the door a handle went through, as libskywalk chose it. */
static const char *
skctl_door_path(int door)
{
	const char *env =
	    door == SKC_CTL_DOOR_CUSE ? "SKCHAN_DEVICE" : "SKCHAN_SOCKET";
	const char *s = getenv(env);

	if (s != NULL && *s != '\0')
		return s;
	return door == SKC_CTL_DOOR_CUSE ? SKCHAN_DEFAULT_DEVICE
					 : SKCHAN_DEFAULT_SOCKET;
}

static void
skctl_fmt_time(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%" PRIu64, ns);
}

static void
skctl_fmt_uptime(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ull;

	snprintf(buf, len,
		 "%" PRIu64 "d %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64,
		 s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
}

static void
skctl_info_json(const struct skc_ctl_info *in, int door)
{
	struct js *j = &skctl_js;
	char when[64];

	skctl_fmt_time(in->di_start_ns, when, sizeof(when));
	js_open(j, NULL, '{');
	js_str(j, "version", in->di_version, sizeof(in->di_version));
	js_i64(j, "pid", in->di_pid);
	js_str(j, "started", when, sizeof(when));
	js_u64(j, "start_ns", in->di_start_ns);
	js_u64(j, "uptime_ns", in->di_uptime_ns);
	js_str(j, "door", skctl_door_name((uint32_t)door), SIZE_MAX);
	js_str(j, "door_path", skctl_door_path(door), SIZE_MAX);
	js_u64(j, "abi_version", in->di_abi_version);
	js_u64(j, "nr_max", in->di_nr_max);
	js_bits(j, "features", skctl_feats, in->di_features);
	js_uuid(j, "kern_uuid", in->di_kern_uuid);
	js_uuid(j, "kpipe_uuid", in->di_kpipe_uuid);
	skctl_stats_json(j, "stats", &in->di_stats);
	js_close(j, '}');
}

static void
skctl_info_text(const struct skc_ctl_info *in, int door)
{
	const struct skc_ctl_stats *st = &in->di_stats;
	char when[64], up[64], u[37];

	skctl_fmt_time(in->di_start_ns, when, sizeof(when));
	skctl_fmt_uptime(in->di_uptime_ns, up, sizeof(up));
	printf("daemon      %.*s\n", (int)sizeof(in->di_version),
	       in->di_version);
	printf("pid         %d\n", in->di_pid);
	printf("started     %s (up %s)\n", when, up);
	printf("door        %s %s\n", skctl_door_name((uint32_t)door),
	       skctl_door_path(door));
	printf("abi         version %u, requests 1..%u\n", in->di_abi_version,
	       in->di_nr_max);
	printf("features    ");
	skctl_print_bits(skctl_feats, in->di_features);
	printf("\nkern uuid   %s\n", skctl_uuid_str(in->di_kern_uuid, u));
	printf("kpipe uuid  %s\n", uuid_is_null(in->di_kpipe_uuid)
				       ? "none"
				       : skctl_uuid_str(in->di_kpipe_uuid, u));
	printf("objects     %u handles, %u controllers, %u providers, "
	       "%u instances, %u channels, %u bindings\n",
	       st->cs_files, st->cs_controllers, st->cs_providers,
	       st->cs_instances, st->cs_channels, st->cs_bindings);
	printf("memory      %u arenas, %u memfds, %" PRIu64 " bytes, "
	       "%u tickets\n",
	       st->cs_arenas, st->cs_memfds, st->cs_arena_bytes,
	       st->cs_tickets);
	printf("requests    %" PRIu64 " served, %" PRIu64 " failed, %" PRIu64
	       " kills\n",
	       st->cs_requests, st->cs_errors, st->cs_kills);
}

static int
skctl_cmd_info(struct skchan_ctl *ctl, const struct skctl_opts *o)
{
	struct skc_ctl_info in;

	if (skchan_ctl_info(ctl, &in) < 0)
		return skctl_fail("info", errno);
	if (o->o_json)
		skctl_info_json(&in, skchan_ctl_door(ctl));
	else
		skctl_info_text(&in, skchan_ctl_door(ctl));
	return SKCTL_EX_OK;
}

static int
skctl_cmd_kpipe_uuid(struct skchan_ctl *ctl, const struct skctl_opts *o)
{
	struct skc_ctl_info in;
	char u[37];

	if (skchan_ctl_info(ctl, &in) < 0)
		return skctl_fail("kpipe-uuid", errno);
	if (uuid_is_null(in.di_kpipe_uuid)) {
		fprintf(stderr,
			"%s: kpipe-uuid: this daemon has no "
			"kernel-pipe loopback instance\n",
			skctl_prog);
		return SKCTL_EX_FAIL;
	}
	if (o->o_json) {
		js_open(&skctl_js, NULL, '{');
		js_uuid(&skctl_js, "kpipe_uuid", in.di_kpipe_uuid);
		js_close(&skctl_js, '}');
	} else {
		printf("%s\n", skctl_uuid_str(in.di_kpipe_uuid, u));
	}
	return SKCTL_EX_OK;
}

/* ---- list: JSON ---------------------------------------------------------- */

static void
skctl_prov_json(struct js *j, const struct skc_ctl_ent *e)
{
	const struct skc_ctl_prov_ent *p = &e->le_u.lu_prov;

	js_uuid(j, "uuid", e->le_uuid);
	js_str(j, "name", p->pe_name, sizeof(p->pe_name));
	js_str(j, "type", skctl_type_name(p->pe_type), SIZE_MAX);
	js_i64(j, "owner_pid", p->pe_owner_pid);
	js_u64(j, "owner_uid", p->pe_owner_uid);
	js_u64(j, "instances", p->pe_instances);
	js_u64(j, "tx_rings", p->pe_tx_rings);
	js_u64(j, "rx_rings", p->pe_rx_rings);
	js_u64(j, "tx_slots", p->pe_tx_slots);
	js_u64(j, "rx_slots", p->pe_rx_slots);
	js_u64(j, "buf_size", p->pe_buf_size);
	js_u64(j, "meta_size", p->pe_meta_size);
	js_bool(j, "anonymous", (p->pe_nxp_flags & NXPF_ANONYMOUS) != 0);
	js_bool(j, "user_channels", (p->pe_nxp_flags & NXPF_USER_CHANNEL) != 0);
}

static void
skctl_nexus_json(struct js *j, const struct skc_ctl_ent *e)
{
	const struct skc_ctl_nexus_ent *n = &e->le_u.lu_nexus;

	js_uuid(j, "uuid", e->le_uuid);
	js_uuid(j, "provider", e->le_parent);
	js_str(j, "name", n->ne_name, sizeof(n->ne_name));
	js_str(j, "type", skctl_type_name(n->ne_type), SIZE_MAX);
	js_i64(j, "owner_pid", n->ne_owner_pid);
	js_bits(j, "flags", skctl_nx_flags, e->le_flags);
	js_u64(j, "ports", n->ne_ports);
	js_u64(j, "channels", n->ne_channels);
	js_u64(j, "bound_ports", n->ne_bound);
	js_u64(j, "tx_rings", n->ne_tx_rings);
	js_u64(j, "rx_rings", n->ne_rx_rings);
	js_u64(j, "tx_slots", n->ne_tx_slots);
	js_u64(j, "rx_slots", n->ne_rx_slots);
	if (n->ne_ifname[0] != '\0')
		js_str(j, "ifname", n->ne_ifname, sizeof(n->ne_ifname));
}

static void
skctl_chan_json(struct js *j, const struct skc_ctl_ent *e)
{
	const struct skc_ctl_chan_ent *c = &e->le_u.lu_chan;

	js_uuid(j, "uuid", e->le_uuid);
	js_uuid(j, "nexus", e->le_parent);
	js_u64(j, "port", c->ce_port);
	js_i64(j, "pid", c->ce_pid);
	js_u64(j, "uid", c->ce_uid);
	js_str(j, "door", skctl_door_name(c->ce_door), SIZE_MAX);
	js_bits(j, "mode", skctl_modes, c->ce_mode);
	js_bool(j, "defunct", (e->le_flags & SKC_CTL_CEF_DEFUNCT) != 0);
	if (c->ce_ring_id == CHANNEL_RING_ID_ANY)
		js_str(j, "ring_id", "any", SIZE_MAX);
	else
		js_u64(j, "ring_id", c->ce_ring_id);
	js_u64(j, "first_tx_ring", c->ce_first_tx_ring);
	js_u64(j, "last_tx_ring", c->ce_last_tx_ring);
	js_u64(j, "first_rx_ring", c->ce_first_rx_ring);
	js_u64(j, "last_rx_ring", c->ce_last_rx_ring);
	js_u64(j, "num_bufs", c->ce_num_bufs);
	js_u64(j, "map_size", c->ce_map_size);
}

static void
skctl_ring_json(struct js *j, const struct skc_ctl_ent *e)
{
	const struct skc_ctl_ring_ent *r = &e->le_u.lu_ring;
	bool stats = !(e->le_flags & SKC_CTL_REF_NOSTATS);

	js_uuid(j, "channel", e->le_parent);
	js_str(j, "kind", r->re_kind == SKC_CTL_RING_TX ? "tx" : "rx",
	       SIZE_MAX);
	js_u64(j, "ring_id", r->re_ring_id);
	js_u64(j, "port", r->re_port);
	js_u64(j, "num_slots", r->re_num_slots);
	js_u64(j, "khead", r->re_khead);
	js_u64(j, "ktail", r->re_ktail);
	js_u64(j, "rhead", r->re_rhead);
	js_u64(j, "rtail", r->re_rtail);
	js_u64(j, "sync_time_ns", r->re_sync_time);
	js_u64(j, "notify_time_ns", r->re_notify_time);
	js_bool(j, "stats", stats);
	if (!stats)
		return;
	js_u64(j, "packets", r->re_packets);
	js_u64(j, "bytes", r->re_bytes);
	if (!(e->le_flags & SKC_CTL_REF_NODROPS))
		js_u64(j, "drops", r->re_drops);
}

struct skctl_kind {
	unsigned k_kind;
	const char *k_word; /* the subcommand operand */
	const char *k_key;  /* the JSON key */
	void (*k_json)(struct js *j, const struct skc_ctl_ent *e);
	void (*k_row)(const struct skc_ctl_ent *e);
	const char *k_header;
};

static void
skctl_list_json(const struct skctl_kind *k, const struct skc_ctl_ent *ents,
		size_t n)
{
	struct js *j = &skctl_js;
	size_t i;

	js_open(j, k->k_key, '[');
	for (i = 0; i < n; i++) {
		if (ents[i].le_kind != k->k_kind)
			continue;
		js_open(j, NULL, '{');
		k->k_json(j, &ents[i]);
		js_close(j, '}');
	}
	js_close(j, ']');
}

/* ---- list: text ---------------------------------------------------------- */

static void
skctl_prov_row(const struct skc_ctl_ent *e)
{
	const struct skc_ctl_prov_ent *p = &e->le_u.lu_prov;
	char u[37];

	printf("%-36s %-11s %7d %4u %5u/%-5u %5u/%-5u %6u  ",
	       skctl_uuid_str(e->le_uuid, u), skctl_type_name(p->pe_type),
	       p->pe_owner_pid, p->pe_instances, p->pe_tx_rings, p->pe_rx_rings,
	       p->pe_tx_slots, p->pe_rx_slots, p->pe_buf_size);
	skctl_print_name(p->pe_name, sizeof(p->pe_name));
	putchar('\n');
}

static void
skctl_nexus_row(const struct skc_ctl_ent *e)
{
	const struct skc_ctl_nexus_ent *n = &e->le_u.lu_nexus;
	char u[37], pu[37];

	printf("%-36s %-36s %-11s %7d %5u %4u %-8s ",
	       skctl_uuid_str(e->le_uuid, u), skctl_uuid_str(e->le_parent, pu),
	       skctl_type_name(n->ne_type), n->ne_owner_pid, n->ne_ports,
	       n->ne_channels, n->ne_ifname[0] ? n->ne_ifname : "-");
	skctl_print_bits(skctl_nx_flags, e->le_flags);
	putchar('\n');
}

static void
skctl_chan_row(const struct skc_ctl_ent *e)
{
	const struct skc_ctl_chan_ent *c = &e->le_u.lu_chan;
	char u[37], nu[37];

	printf("%-36s %-36s %4u %7d %5u %-6s %2u-%-2u %2u-%-2u %s",
	       skctl_uuid_str(e->le_uuid, u), skctl_uuid_str(e->le_parent, nu),
	       c->ce_port, c->ce_pid, c->ce_uid, skctl_door_name(c->ce_door),
	       c->ce_first_tx_ring, c->ce_last_tx_ring, c->ce_first_rx_ring,
	       c->ce_last_rx_ring,
	       (e->le_flags & SKC_CTL_CEF_DEFUNCT) ? "defunct " : "");
	skctl_print_bits(skctl_modes, c->ce_mode);
	putchar('\n');
}

/* Counters, or "-" when the kernel does not keep them. */
static void
skctl_ring_counters(const struct skc_ctl_ent *e)
{
	const struct skc_ctl_ring_ent *r = &e->le_u.lu_ring;

	if (e->le_flags & SKC_CTL_REF_NOSTATS) {
		printf("%10s %12s %8s", "-", "-", "-");
		return;
	}
	printf("%10" PRIu64 " %12" PRIu64, r->re_packets, r->re_bytes);
	if (e->le_flags & SKC_CTL_REF_NODROPS)
		printf(" %8s", "-");
	else
		printf(" %8" PRIu64, r->re_drops);
}

static void
skctl_ring_row(const struct skc_ctl_ent *e)
{
	const struct skc_ctl_ring_ent *r = &e->le_u.lu_ring;
	char u[37];

	printf("%-36s %-2s %4u %4u %5u %5u %5u %5u %5u ",
	       skctl_uuid_str(e->le_parent, u),
	       r->re_kind == SKC_CTL_RING_TX ? "tx" : "rx", r->re_ring_id,
	       r->re_port, r->re_num_slots, r->re_khead, r->re_ktail,
	       r->re_rhead, r->re_rtail);
	skctl_ring_counters(e);
	putchar('\n');
}

static const struct skctl_kind skctl_kinds[] = {
    {SKC_CTL_KIND_PROVIDER, "providers", "providers", skctl_prov_json,
     skctl_prov_row,
     "UUID                                 TYPE"
     "          OWNER INST RINGS tx/rx SLOTS tx/rx    BUF  NAME"},
    {SKC_CTL_KIND_NEXUS, "instances", "instances", skctl_nexus_json,
     skctl_nexus_row,
     "UUID                                 PROVIDER"
     "                             TYPE          OWNER PORTS CHAN IFNAME"
     "   FLAGS"},
    {SKC_CTL_KIND_CHANNEL, "channels", "channels", skctl_chan_json,
     skctl_chan_row,
     "UUID                                 NEXUS"
     "                                PORT     PID   UID DOOR   TX    RX"
     "    MODE"},
    {SKC_CTL_KIND_RING, "rings", "rings", skctl_ring_json, skctl_ring_row,
     "CHANNEL                              DIR   ID PORT"
     " SLOTS KHEAD KTAIL RHEAD RTAIL    PACKETS        BYTES    DROPS"},
};

#define SKCTL_NKINDS (sizeof(skctl_kinds) / sizeof(skctl_kinds[0]))

static void
skctl_list_table(const struct skctl_kind *k, const struct skc_ctl_ent *ents,
		 size_t n)
{
	size_t i;

	printf("%s\n", k->k_header);
	for (i = 0; i < n; i++) {
		if (ents[i].le_kind == k->k_kind)
			k->k_row(&ents[i]);
	}
}

/* ---- list: the tree ------------------------------------------------------ */

/*
 * providers
 *   instances (by le_parent)
 *     channels
 *       rings
 * then the instances whose provider is not listed (kernel-owned ones,
 * and invalidated ones whose provider is gone), each with its subtree.
 */
static void
skctl_tree_ring(const struct skc_ctl_ent *e)
{
	const struct skc_ctl_ring_ent *r = &e->le_u.lu_ring;

	printf("      %s ring %u: %u slots, khead %u ktail %u rhead %u "
	       "rtail %u",
	       r->re_kind == SKC_CTL_RING_TX ? "tx" : "rx", r->re_ring_id,
	       r->re_num_slots, r->re_khead, r->re_ktail, r->re_rhead,
	       r->re_rtail);
	if (!(e->le_flags & SKC_CTL_REF_NOSTATS))
		printf(", %" PRIu64 " packets, %" PRIu64 " bytes",
		       r->re_packets, r->re_bytes);
	if (!(e->le_flags & (SKC_CTL_REF_NOSTATS | SKC_CTL_REF_NODROPS)))
		printf(", %" PRIu64 " drops", r->re_drops);
	putchar('\n');
}

static void
skctl_tree_chan(const struct skc_ctl_ent *e, const struct skc_ctl_ent *ents,
		size_t n)
{
	const struct skc_ctl_chan_ent *c = &e->le_u.lu_chan;
	char u[37];
	size_t i;

	printf("    channel %s: port %u, pid %d uid %u, %s door, rings "
	       "tx %u-%u rx %u-%u, mode ",
	       skctl_uuid_str(e->le_uuid, u), c->ce_port, c->ce_pid, c->ce_uid,
	       skctl_door_name(c->ce_door), c->ce_first_tx_ring,
	       c->ce_last_tx_ring, c->ce_first_rx_ring, c->ce_last_rx_ring);
	skctl_print_bits(skctl_modes, c->ce_mode);
	printf("%s\n", (e->le_flags & SKC_CTL_CEF_DEFUNCT) ? ", DEFUNCT" : "");
	for (i = 0; i < n; i++) {
		if (ents[i].le_kind == SKC_CTL_KIND_RING &&
		    uuid_compare(ents[i].le_parent, e->le_uuid) == 0)
			skctl_tree_ring(&ents[i]);
	}
}

static void
skctl_tree_nexus(const struct skc_ctl_ent *e, const struct skc_ctl_ent *ents,
		 size_t n)
{
	const struct skc_ctl_nexus_ent *x = &e->le_u.lu_nexus;
	char u[37];
	size_t i;

	printf("  instance %s: %s, %u/%u channels/ports",
	       skctl_uuid_str(e->le_uuid, u), skctl_type_name(x->ne_type),
	       x->ne_channels, x->ne_ports);
	if (x->ne_ifname[0] != '\0')
		printf(", interface %.*s", (int)sizeof(x->ne_ifname),
		       x->ne_ifname);
	if (e->le_flags != 0) {
		printf(", ");
		skctl_print_bits(skctl_nx_flags, e->le_flags);
	}
	putchar('\n');
	for (i = 0; i < n; i++) {
		if (ents[i].le_kind == SKC_CTL_KIND_CHANNEL &&
		    uuid_compare(ents[i].le_parent, e->le_uuid) == 0)
			skctl_tree_chan(&ents[i], ents, n);
	}
}

static void
skctl_tree_prov(const struct skc_ctl_ent *e)
{
	const struct skc_ctl_prov_ent *p = &e->le_u.lu_prov;
	char u[37];

	printf("provider %s ", skctl_uuid_str(e->le_uuid, u));
	skctl_print_name(p->pe_name, sizeof(p->pe_name));
	printf(": %s, owner pid %d, rings %u/%u, slots %u/%u, buf %u\n",
	       skctl_type_name(p->pe_type), p->pe_owner_pid, p->pe_tx_rings,
	       p->pe_rx_rings, p->pe_tx_slots, p->pe_rx_slots, p->pe_buf_size);
}

static bool
skctl_has_provider(const uuid_t prov, const struct skc_ctl_ent *ents, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ents[i].le_kind == SKC_CTL_KIND_PROVIDER &&
		    uuid_compare(ents[i].le_uuid, prov) == 0)
			return true;
	}
	return false;
}

static void
skctl_tree_orphans(const struct skc_ctl_ent *ents, size_t n)
{
	bool header = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (ents[i].le_kind != SKC_CTL_KIND_NEXUS ||
		    skctl_has_provider(ents[i].le_parent, ents, n))
			continue;
		if (!header)
			printf("(no provider listed)\n");
		header = true;
		skctl_tree_nexus(&ents[i], ents, n);
	}
}

static void
skctl_tree(const struct skc_ctl_ent *ents, size_t n)
{
	size_t i, k;

	if (n == 0) {
		printf("(no providers, instances or channels)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		if (ents[i].le_kind != SKC_CTL_KIND_PROVIDER)
			continue;
		skctl_tree_prov(&ents[i]);
		for (k = 0; k < n; k++) {
			if (ents[k].le_kind == SKC_CTL_KIND_NEXUS &&
			    uuid_compare(ents[k].le_parent, ents[i].le_uuid) ==
				0)
				skctl_tree_nexus(&ents[k], ents, n);
		}
	}
	skctl_tree_orphans(ents, n);
}

/* ---- list ---------------------------------------------------------------- */

static const struct skctl_kind *
skctl_kind_find(const char *word)
{
	size_t i;

	for (i = 0; i < SKCTL_NKINDS; i++) {
		if (strcmp(skctl_kinds[i].k_word, word) == 0)
			return &skctl_kinds[i];
	}
	return NULL;
}

static void
skctl_list_print(const struct skctl_kind *k, const struct skc_ctl_ent *ents,
		 size_t n, bool json)
{
	size_t i;

	if (!json) {
		if (k != NULL)
			skctl_list_table(k, ents, n);
		else
			skctl_tree(ents, n);
		return;
	}
	js_open(&skctl_js, NULL, '{');
	for (i = 0; i < SKCTL_NKINDS; i++) {
		if (k == NULL || k == &skctl_kinds[i])
			skctl_list_json(&skctl_kinds[i], ents, n);
	}
	js_close(&skctl_js, '}');
}

static int
skctl_cmd_list(struct skchan_ctl *ctl, const struct skctl_opts *o)
{
	const struct skctl_kind *k = NULL;
	struct skc_ctl_ent *ents = NULL;
	size_t n = 0;

	if (o->o_nargs == 1)
		k = skctl_kind_find(o->o_args[0]);
	if (skchan_ctl_list(ctl, k != NULL ? SKC_CTL_KIND_BIT(k->k_kind) : 0,
			    &ents, &n) < 0)
		return skctl_fail("list", errno);
	skctl_list_print(k, ents, n, o->o_json);
	free(ents);
	return SKCTL_EX_OK;
}

/* ---- netif: attach, detach, lookup --------------------------------------- */

static void
skctl_attach_json(const struct skc_ctl_netif_attach *na)
{
	struct js *j = &skctl_js;

	js_open(j, NULL, '{');
	js_str(j, "ifname", na->na_ifname, sizeof(na->na_ifname));
	js_u64(j, "ifindex", na->na_ifindex);
	js_uuid(j, "nx_uuid", na->na_nx_uuid);
	js_uuid(j, "provider_uuid", na->na_prov_uuid);
	js_uuid(j, "attach_uuid", na->na_attach_uuid);
	js_close(j, '}');
}

/* Text: the instance UUID alone, the one thing a script needs next. */
static int
skctl_cmd_attach(struct skchan_ctl *ctl, const struct skctl_opts *o)
{
	struct skc_ctl_netif_attach na;
	char u[37];

	memset(&na, 0, sizeof(na));
	snprintf(na.na_ifname, sizeof(na.na_ifname), "%s", o->o_args[0]);
	na.na_flags = o->o_create ? SKC_NETIF_CREATE : 0;
	na.na_flags |= o->o_loop ? SKC_NETIF_LOOP : 0;
	na.na_rings = o->o_rings > 0 ? (uint32_t)o->o_rings : 0;
	na.na_tx_slots = o->o_slots > 0 ? (uint32_t)o->o_slots : 0;
	na.na_rx_slots = na.na_tx_slots;
	if (skchan_ctl_call(ctl, SKC_IOC_CTL_NETIF_ATTACH, &na) < 0)
		return skctl_fail("attach", errno);
	if (o->o_json)
		skctl_attach_json(&na);
	else
		printf("%s\n", skctl_uuid_str(na.na_nx_uuid, u));
	return SKCTL_EX_OK;
}

/* IFNAME, or the instance UUID when the operand parses as one. */
static int
skctl_cmd_detach(struct skchan_ctl *ctl, const struct skctl_opts *o)
{
	struct skc_ctl_netif_detach nd;
	const char *arg = o->o_args[0];

	memset(&nd, 0, sizeof(nd));
	if (uuid_parse(arg, nd.nd_nx_uuid) != 0) {
		uuid_clear(nd.nd_nx_uuid);
		if (strlen(arg) >= sizeof(nd.nd_ifname))
			return skctl_fail("detach", ENAMETOOLONG);
		snprintf(nd.nd_ifname, sizeof(nd.nd_ifname), "%s", arg);
	}
	if (skchan_ctl_call(ctl, SKC_IOC_CTL_NETIF_DETACH, &nd) < 0)
		return skctl_fail("detach", errno);
	if (o->o_json) {
		js_open(&skctl_js, NULL, '{');
		js_str(&skctl_js, "detached", arg, SIZE_MAX);
		js_close(&skctl_js, '}');
	}
	return SKCTL_EX_OK;
}

static const struct skctl_bit skctl_netif_flags[] = {
    {SKC_NETIF_F_DAEMON, "daemon"},
    {SKC_NETIF_F_GONE, "gone"},
    {SKC_NETIF_F_LOOP, "loop"},
    {SKC_NETIF_F_CREATED, "created"},
    {0, NULL},
};

static const struct skctl_bit skctl_link_bits[] = {
    {1, "up"},
    {2, "running"},
    {0, NULL},
};

static const char *const skctl_drop_names[SKC_NETIF_DROP_NREASONS] = {
    [SKC_NETIF_DROP_NO_CHANNEL] = "no_channel",
    [SKC_NETIF_DROP_RING_FULL] = "ring_full",
    [SKC_NETIF_DROP_TRUNCATED] = "truncated",
    [SKC_NETIF_DROP_ERROR] = "error",
    [SKC_NETIF_DROP_BADLEN] = "bad_length",
    [SKC_NETIF_DROP_LINK_DOWN] = "link_down",
    [SKC_NETIF_DROP_GONE] = "gone",
    [SKC_NETIF_DROP_NO_PACKET] = "no_packet",
};

static const char *
skctl_drop_name(unsigned i)
{
	return skctl_drop_names[i] != NULL ? skctl_drop_names[i] : "other";
}

static void
skctl_hwaddr(const uint8_t *a, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2],
		 a[3], a[4], a[5]);
}

static void
skctl_queue_json(struct js *j, const struct skc_netif_qstats *q)
{
	unsigned i;

	js_open(j, NULL, '{');
	js_u64(j, "rx_packets", q->nq_rx_packets);
	js_u64(j, "rx_bytes", q->nq_rx_bytes);
	js_u64(j, "tx_packets", q->nq_tx_packets);
	js_u64(j, "tx_bytes", q->nq_tx_bytes);
	js_u64(j, "tx_pushback", q->nq_tx_pushback);
	js_open(j, "drops", '{');
	for (i = 0; i < SKC_NETIF_DROP_NREASONS; i++)
		js_u64(j, skctl_drop_name(i), q->nq_drops[i]);
	js_close(j, '}');
	js_close(j, '}');
}

static uint32_t
skctl_nqueues(const struct skc_ctl_netif_lookup *nl)
{
	return nl->nl_rings < SKC_NETIF_QUEUES_MAX ? nl->nl_rings
						   : SKC_NETIF_QUEUES_MAX;
}

static void
skctl_lookup_json(const struct skc_ctl_netif_lookup *nl)
{
	struct js *j = &skctl_js;
	char hw[18];
	uint32_t i;

	skctl_hwaddr(nl->nl_hwaddr, hw);
	js_open(j, NULL, '{');
	js_str(j, "ifname", nl->nl_ifname, sizeof(nl->nl_ifname));
	js_u64(j, "ifindex", nl->nl_ifindex);
	js_uuid(j, "nx_uuid", nl->nl_nx_uuid);
	js_uuid(j, "attach_uuid", nl->nl_attach_uuid);
	js_bits(j, "flags", skctl_netif_flags, nl->nl_flags);
	js_u64(j, "mtu", nl->nl_mtu);
	js_bits(j, "link", skctl_link_bits, nl->nl_link);
	js_str(j, "hwaddr", hw, sizeof(hw));
	js_u64(j, "rings", nl->nl_rings);
	js_u64(j, "channels", nl->nl_channels);
	js_open(j, "pool", '{');        /* 0s: no channel, no pool */
	js_u64(j, "packets", nl->nl_pool_pkts);
	js_u64(j, "packets_free", nl->nl_pool_pkts_free);
	js_u64(j, "buflets", nl->nl_pool_bfts);
	js_u64(j, "buflets_free", nl->nl_pool_bfts_free);
	js_close(j, '}');
	js_open(j, "queues", '[');
	for (i = 0; i < skctl_nqueues(nl); i++)
		skctl_queue_json(j, &nl->nl_q[i]);
	js_close(j, ']');
	js_close(j, '}');
}

static void
skctl_queue_text(uint32_t qi, const struct skc_netif_qstats *q)
{
	unsigned i;

	printf("queue %-5u rx %" PRIu64 " packets %" PRIu64
	       " bytes, tx %" PRIu64 " packets %" PRIu64 " bytes, %" PRIu64
	       " pushbacks\n"
	       "            drops:",
	       qi, q->nq_rx_packets, q->nq_rx_bytes, q->nq_tx_packets,
	       q->nq_tx_bytes, q->nq_tx_pushback);
	for (i = 0; i < SKC_NETIF_DROP_NREASONS; i++)
		printf(" %s %" PRIu64, skctl_drop_name(i), q->nq_drops[i]);
	putchar('\n');
}

static void
skctl_lookup_text(const struct skc_ctl_netif_lookup *nl)
{
	char u[37], hw[18];
	uint32_t i;

	skctl_hwaddr(nl->nl_hwaddr, hw);
	printf("interface   %.*s (ifindex %u), mtu %u, hwaddr %s, link ",
	       (int)sizeof(nl->nl_ifname), nl->nl_ifname, nl->nl_ifindex,
	       nl->nl_mtu, hw);
	skctl_print_bits(skctl_link_bits, nl->nl_link);
	printf("\ninstance    %s\n", skctl_uuid_str(nl->nl_nx_uuid, u));
	printf("attachment  %s\nflags       ",
	       skctl_uuid_str(nl->nl_attach_uuid, u));
	skctl_print_bits(skctl_netif_flags, nl->nl_flags);
	printf("\nrings       %u, %u channels\n", nl->nl_rings,
	       nl->nl_channels);
	printf("pool        %u packets (%u free), %u buflets (%u free)\n",
	       nl->nl_pool_pkts, nl->nl_pool_pkts_free, nl->nl_pool_bfts,
	       nl->nl_pool_bfts_free);
	for (i = 0; i < skctl_nqueues(nl); i++)
		skctl_queue_text(i, &nl->nl_q[i]);
}

static int
skctl_cmd_lookup(struct skchan_ctl *ctl, const struct skctl_opts *o)
{
	struct skc_ctl_netif_lookup *nl = calloc(1, sizeof(*nl));
	int rc = SKCTL_EX_OK;

	if (nl == NULL)
		return skctl_fail("lookup", errno);
	snprintf(nl->nl_ifname, sizeof(nl->nl_ifname), "%s", o->o_args[0]);
	if (skchan_ctl_call(ctl, SKC_IOC_CTL_NETIF_LOOKUP, nl) < 0)
		rc = skctl_fail("lookup", errno);
	else if (o->o_json)
		skctl_lookup_json(nl);
	else
		skctl_lookup_text(nl);
	free(nl);
	return rc;
}

/* ---- defunct: the daemon's pid_shutdown_sockets -------------------------- */

/*
 * Every eligible channel of the process goes defunct.  Text: one line
 * saying how many; a process with channels none of which allowed it is
 * not an error (XNU leaves them be too).  An older daemon: ENOTTY.
 */
static int
skctl_cmd_defunct(struct skchan_ctl *ctl, const struct skctl_opts *o)
{
	struct skc_ctl_defunct df;

	memset(&df, 0, sizeof(df));
	df.df_pid = (int32_t)o->o_pid;
	if (skchan_ctl_call(ctl, SKC_IOC_CTL_DEFUNCT, &df) < 0)
		return skctl_fail("defunct", errno);
	if (o->o_json) {
		js_open(&skctl_js, NULL, '{');
		js_i64(&skctl_js, "pid", df.df_pid);
		js_u64(&skctl_js, "defuncted", df.df_count);
		js_close(&skctl_js, '}');
	} else {
		printf("pid %d: %u channel%s defunct\n", (int)df.df_pid,
		       df.df_count, df.df_count == 1 ? "" : "s");
	}
	return SKCTL_EX_OK;
}

/* ---- command line -------------------------------------------------------- */

static const struct skctl_cmd skctl_cmds[] = {
    {"info", skctl_cmd_info, 0, 0},
    {"list", skctl_cmd_list, 0, 1},
    {"kpipe-uuid", skctl_cmd_kpipe_uuid, 0, 0},
    {"stats", skctl_cmd_stats, 0, 0},
    {"attach", skctl_cmd_attach, 1, 1},
    {"detach", skctl_cmd_detach, 1, 1},
    {"lookup", skctl_cmd_lookup, 1, 1},
    {"defunct", skctl_cmd_defunct, 0, 0},
};

#define SKCTL_NCMDS (sizeof(skctl_cmds) / sizeof(skctl_cmds[0]))

static void
skctl_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: %s [--json] [--door cuse|socket|auto] [--device PATH]\n"
	    "             [--socket PATH] COMMAND [ARGS]\n"
	    "commands:\n"
	    "  info                       the daemon: version, pid, start, "
	    "features\n"
	    "  list [providers|instances|channels|rings]\n"
	    "                             objects (default: all, as a tree)\n"
	    "  stats                      object counts and request counters\n"
	    "  kpipe-uuid                 the kernel-pipe loopback instance\n"
	    "  attach IFNAME [--create|--loop] [--rings N] [--slots N]\n"
	    "  detach IFNAME|UUID\n"
	    "  lookup IFNAME\n"
	    "  defunct --pid PID\n"
	    "see skctl(8)\n",
	    skctl_prog);
}

static int skctl_bad(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* A bad command line: say what, then the usage; the caller exits 2. */
static int
skctl_bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", skctl_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	skctl_usage(stderr);
	return -1;
}

/* A positive decimal number up to max; -1 if s is not one. */
static long
skctl_number(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0 || v > max)
		return -1;
	return v;
}

enum {
	SKCTL_OPT_DOOR = 256,
	SKCTL_OPT_DEVICE,
	SKCTL_OPT_SOCKET,
	SKCTL_OPT_CREATE,
	SKCTL_OPT_LOOP,
	SKCTL_OPT_RINGS,
	SKCTL_OPT_SLOTS,
	SKCTL_OPT_PID,
};

static const struct option skctl_longopts[] = {
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {"door", required_argument, NULL, SKCTL_OPT_DOOR},
    {"device", required_argument, NULL, SKCTL_OPT_DEVICE},
    {"socket", required_argument, NULL, SKCTL_OPT_SOCKET},
    {"create", no_argument, NULL, SKCTL_OPT_CREATE},
    {"loop", no_argument, NULL, SKCTL_OPT_LOOP},
    {"rings", required_argument, NULL, SKCTL_OPT_RINGS},
    {"slots", required_argument, NULL, SKCTL_OPT_SLOTS},
    {"pid", required_argument, NULL, SKCTL_OPT_PID},
    {NULL, 0, NULL, 0},
};

/* --door/--device/--socket are the environment variables, spelled out. */
static int
skctl_door_opt(int c, const char *arg)
{
	if (c == SKCTL_OPT_DOOR && strcmp(arg, "cuse") != 0 &&
	    strcmp(arg, "socket") != 0 && strcmp(arg, "auto") != 0)
		return skctl_bad("--door: expected cuse, socket or auto, "
				 "not '%s'",
				 arg);
	if (*arg == '\0')
		return skctl_bad("empty path");
	setenv(c == SKCTL_OPT_DOOR     ? "SKCHAN_DOOR"
	       : c == SKCTL_OPT_DEVICE ? "SKCHAN_DEVICE"
				       : "SKCHAN_SOCKET",
	       arg, 1);
	return 0;
}

static int
skctl_count_opt(int *dst, const char *name, const char *arg)
{
	long v = skctl_number(arg, 65536);

	if (v < 0)
		return skctl_bad("%s: not a positive number: '%s'", name, arg);
	*dst = (int)v;
	return 0;
}

static int
skctl_opt(struct skctl_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'j':
		o->o_json = true;
		return 0;
	case SKCTL_OPT_DOOR:
	case SKCTL_OPT_DEVICE:
	case SKCTL_OPT_SOCKET:
		return skctl_door_opt(c, arg);
	case SKCTL_OPT_CREATE:
		o->o_create = true;
		return 0;
	case SKCTL_OPT_LOOP:
		o->o_loop = true;
		return 0;
	case SKCTL_OPT_RINGS:
		return skctl_count_opt(&o->o_rings, "--rings", arg);
	case SKCTL_OPT_SLOTS:
		return skctl_count_opt(&o->o_slots, "--slots", arg);
	case SKCTL_OPT_PID:
		o->o_pid = skctl_number(arg, INT32_MAX);
		return o->o_pid < 0 ? skctl_bad("--pid: not a process id: "
						"'%s'",
						arg)
				    : 0;
	default:
		return skctl_bad("unknown option");
	}
}

/* Options that only some commands take. */
static int
skctl_check_opts(const struct skctl_opts *o)
{
	bool attach = strcmp(o->o_cmd, "attach") == 0;
	bool defunct = strcmp(o->o_cmd, "defunct") == 0;

	if (!attach &&
	    (o->o_create || o->o_loop || o->o_rings > 0 || o->o_slots > 0))
		return skctl_bad("%s: --create, --loop, --rings and --slots go "
				 "with attach",
				 o->o_cmd);
	if (!defunct && o->o_pid > 0)
		return skctl_bad("%s: --pid goes with defunct", o->o_cmd);
	if (defunct && o->o_pid <= 0)
		return skctl_bad("%s: --pid PID is required", o->o_cmd);
	return 0;
}

/* Operands the command's own grammar wants. */
static int
skctl_check_args(const struct skctl_opts *o)
{
	const char *cmd = o->o_cmd;
	uuid_t u;

	if (strcmp(cmd, "list") == 0 && o->o_nargs == 1 &&
	    skctl_kind_find(o->o_args[0]) == NULL)
		return skctl_bad("list: expected providers, instances, "
				 "channels or rings, not '%s'",
				 o->o_args[0]);
	if ((strcmp(cmd, "attach") == 0 || strcmp(cmd, "lookup") == 0) &&
	    strlen(o->o_args[0]) >= IFNAMSIZ)
		return skctl_bad("interface name too long: '%s'", o->o_args[0]);
	if (strcmp(cmd, "detach") == 0 && strlen(o->o_args[0]) >= IFNAMSIZ &&
	    uuid_parse(o->o_args[0], u) != 0)
		return skctl_bad("detach: neither an interface name nor a "
				 "UUID: '%s'",
				 o->o_args[0]);
	if (o->o_nargs > 0 && o->o_args[0][0] == '\0')
		return skctl_bad("%s: empty operand", cmd);
	return 0;
}

static const struct skctl_cmd *
skctl_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < SKCTL_NCMDS; i++) {
		if (strcmp(skctl_cmds[i].c_name, name) == 0)
			return &skctl_cmds[i];
	}
	return NULL;
}

/* Returns the command, or NULL after a usage message (exit 2). */
static const struct skctl_cmd *
skctl_parse(int argc, char **argv, struct skctl_opts *o)
{
	const struct skctl_cmd *cmd;
	int c;

	while ((c = getopt_long(argc, argv, "jh", skctl_longopts, NULL)) !=
	       -1) {
		if (c == 'h') {
			skctl_usage(stdout);
			exit(SKCTL_EX_OK);
		}
		if (c == '?' || skctl_opt(o, c, optarg) < 0)
			return c == '?' ? (skctl_usage(stderr), NULL) : NULL;
	}
	if (optind >= argc)
		return skctl_bad("missing command"), NULL;
	o->o_cmd = argv[optind];
	o->o_args = argv + optind + 1;
	o->o_nargs = argc - optind - 1;
	cmd = skctl_cmd_find(o->o_cmd);
	if (cmd == NULL)
		return skctl_bad("unknown command '%s'", o->o_cmd), NULL;
	if (o->o_nargs < cmd->c_min_args || o->o_nargs > cmd->c_max_args)
		return skctl_bad("%s: wrong number of operands", o->o_cmd),
		       NULL;
	if (skctl_check_opts(o) < 0 || skctl_check_args(o) < 0)
		return NULL;
	return cmd;
}

static const char *
skctl_door_env(void)
{
	const char *s = getenv("SKCHAN_DOOR");

	return s != NULL && *s != '\0' ? s : "auto";
}

/*
 * ENXIO: libskywalk has already said which door failed and why, in one
 * line; add only which door setting was in force.
 */
static int
skctl_unreachable(int err)
{
	if (err == ENXIO)
		fprintf(stderr, "%s: daemon not reachable (door %s)\n",
			skctl_prog, skctl_door_env());
	else
		fprintf(stderr, "%s: daemon not reachable (door %s): %s\n",
			skctl_prog, skctl_door_env(), strerror(err));
	return SKCTL_EX_FAIL;
}

int
main(int argc, char **argv)
{
	struct skctl_opts o = {.o_rings = -1, .o_slots = -1, .o_pid = -1};
	const struct skctl_cmd *cmd;
	struct skchan_ctl *ctl;
	int rc;

	cmd = skctl_parse(argc, argv, &o);
	if (cmd == NULL)
		return SKCTL_EX_USAGE;
	ctl = skchan_ctl_open();
	if (ctl == NULL)
		return skctl_unreachable(errno);
	rc = cmd->c_run(ctl, &o);
	skchan_ctl_close(ctl);
	if (fflush(stdout) != 0)
		rc = SKCTL_EX_FAIL;
	return rc;
}
