/*
 * sk_kern.c - the kernel's entry points: handles and request dispatch.
 *
 * Theory of operation
 *
 * A handle (struct sk_file) is one open of /dev/skchan or one socket
 * connection.  It starts fresh and becomes a nexus controller
 * (NEXUS_OPEN) or a channel (CHANNEL_OPEN), once: a second open on the
 * same handle is EBUSY.  Closing the handle closes what it became.
 *
 * Close is synchronous on XNU but not through our doors: the CUSE
 * release and the socket EOF reach us after close(2) has returned.  So
 * the library sends HANDLE_CLOSE first, and the handle is torn down
 * then and there; it stays on the list, SKF_CLOSED and holding nothing,
 * failing every request with EBADF, until the door's release frees it.
 * The daemon is single-threaded, so a request racing with the close is
 * served wholly before or wholly after it.
 *
 * Every request goes through sk_file_ioctl():
 *
 *   cmd --> skk_dispatch[_IOC_NR(cmd)] --> skk_copyin() --> handler
 *
 * The table entry carries the full command (so a size or direction
 * mismatch is an unknown command, ENOTTY), a name for logs, the size,
 * which kind of handle it needs and the handler.  skk_copyin() is the
 * one place that validates a request's framing: length, header version
 * (ENOTSUP), header size and flags and every reserved field (EINVAL).
 * Handlers return 0 or -errno; that is all the doors see.
 *
 * Lifetime: handles are kept on a list so that sk_kern_fini() can close
 * whatever the doors did not, and leave nothing behind.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel_var.h"
#include "nx_netif.h"
#include "sk_ctl.h"
#include "skmem_var.h"

uint64_t sk_md_redzone_cookie;
uuid_t sk_kern_uuid;
struct sk_counters sk_counters;

enum skf_kind {
	SKF_FRESH = 0,
	SKF_CTL,
	SKF_CHAN,
	SKF_CLOSED,                     /* HANDLE_CLOSE done: empty */
};

struct sk_file {
	enum skf_kind f_kind;
	enum sk_door f_door;
	struct sk_cred f_cred;          /* the opener */
	struct sk_waiter *f_waiter;
	struct nxctl *f_nxctl;
	struct kern_channel *f_ch;
	TAILQ_ENTRY(sk_file) f_link;
};

static TAILQ_HEAD(skk_file_list, sk_file) skk_files = TAILQ_HEAD_INITIALIZER(skk_files);
static uint32_t skk_nfiles;

uint64_t
sk_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* XNU's skywalk_kill_process(): the offender gets SIGABRT, nobody else. */
void
sk_kill_process(const struct sk_cred *cred, const char *why)
{
	sk_counters.skc_kills++;
	SK_RD("pid %d: %s%s", (int)cred->cr_pid, why,
	    cred->cr_pid > 0 ? ": SIGABRT" : " (pid unknown, not killed)");
	if (cred->cr_pid > 0)
		kill(cred->cr_pid, SIGABRT);
}

/* ---- dispatch table ------------------------------------------------------- */

/* Which handle a request needs. */
enum skk_need {
	SKK_FRESH,                      /* becomes something: EBUSY if not fresh */
	SKK_CTL,                        /* ENODEV unless a controller */
	SKK_CHAN,                       /* ENODEV unless a channel */
	SKK_ANY,
};

struct skk_req {
	struct sk_file *r_file;
	const struct sk_cred *r_cred;
	void *r_arg;
	struct sk_fds *r_fds;
};

typedef int (*skk_handler_t)(struct skk_req *r);

struct skk_op {
	uint32_t op_cmd;
	enum skk_need op_need;
	const char *op_name;
	size_t op_size;
	skk_handler_t op_handler;
	int (*op_reserved)(const void *arg);    /* reserved fields all zero? */
};

static int
skk_nexus_open(struct skk_req *r)
{
	struct skc_nexus_open *req = r->r_arg;

	if (req->no_init.ni_version != NEXUSCTL_INIT_CURRENT_VERSION)
		return -ENOTSUP;
	r->r_file->f_nxctl = nxctl_create(r->r_cred);
	if (r->r_file->f_nxctl == NULL)
		return -ENOMEM;
	r->r_file->f_kind = SKF_CTL;
	req->no_init.ni_guard = 0;
	return 0;
}

static int
skk_nexus_register(struct skk_req *r)
{
	return nxctl_register(r->r_file->f_nxctl, r->r_arg);
}

static int
skk_nexus_deregister(struct skk_req *r)
{
	struct skc_nexus_uuid *req = r->r_arg;

	return nxctl_deregister(r->r_file->f_nxctl, req->nu_uuid);
}

static int
skk_nexus_create(struct skk_req *r)
{
	return nxctl_nexus_create(r->r_file->f_nxctl, r->r_arg);
}

static int
skk_nexus_destroy(struct skk_req *r)
{
	struct skc_nexus_uuid *req = r->r_arg;

	return nxctl_nexus_destroy(r->r_file->f_nxctl, req->nu_uuid);
}

static int
skk_nexus_get_opt(struct skk_req *r)
{
	return nxctl_get_opt(r->r_file->f_nxctl, r->r_arg);
}

static int
skk_nexus_set_opt(struct skk_req *r)
{
	return nxctl_set_opt(r->r_file->f_nxctl, r->r_cred, r->r_arg);
}

static int
skk_channel_open(struct skk_req *r)
{
	struct sk_file *f = r->r_file;
	int err;

	err = ch_open(r->r_cred, f->f_door, f->f_waiter, r->r_arg, &f->f_ch);
	if (err != 0)
		return err;
	f->f_kind = SKF_CHAN;
	if (r->r_fds != NULL)
		ch_fds(f->f_ch, r->r_fds);
	return 0;
}

static int
skk_channel_info(struct skk_req *r)
{
	return ch_get_info(r->r_file->f_ch, r->r_arg);
}

static int
skk_channel_sync(struct skk_req *r)
{
	struct skc_channel_sync *req = r->r_arg;

	return ch_sync(r->r_file->f_ch, r->r_cred, req->cs_mode,
	    req->cs_flags);
}

static int
skk_channel_get_opt(struct skk_req *r)
{
	return ch_get_opt(r->r_file->f_ch, r->r_arg);
}

static int
skk_channel_set_opt(struct skk_req *r)
{
	return ch_set_opt(r->r_file->f_ch, r->r_arg);
}

/* The socket door's poll: same as sk_file_poll(), armed. */
static int
skk_channel_poll(struct skk_req *r)
{
	struct skc_channel_poll *req = r->r_arg;

	req->cp_revents = ch_poll(r->r_file->f_ch, r->r_cred, req->cp_events,
	    1);
	return 0;
}

static int
skk_arena_fetch(struct skk_req *r)
{
	return ch_arena_fetch(r->r_cred, r->r_arg, r->r_fds);
}

static int
skk_ctl_stats(struct skk_req *r)
{
	struct skc_ctl_stats *req = r->r_arg;
	struct skc_req_hdr hdr = req->cs_hdr;

	sk_kern_stats(req);
	req->cs_hdr = hdr;
	return 0;
}

static int
skk_ctl_info(struct skk_req *r)
{
	return sk_ctl_info(r->r_arg, r->r_file->f_door);
}

static int
skk_ctl_list(struct skk_req *r)
{
	return sk_ctl_list(r->r_arg);
}

/* Daemon-owned netifs (nx_netif.c); attach/detach check the caller. */
static int
skk_ctl_netif_attach(struct skk_req *r)
{
	return nx_netif_ctl_attach(r->r_cred, r->r_arg);
}

static int
skk_ctl_netif_detach(struct skk_req *r)
{
	return nx_netif_ctl_detach(r->r_cred, r->r_arg);
}

static int
skk_ctl_netif_lookup(struct skk_req *r)
{
	return nx_netif_ctl_lookup(r->r_arg);
}

/* pid_shutdown_sockets (kern_channel.c); the caller's uid is checked. */
static int
skk_ctl_defunct(struct skk_req *r)
{
	return kern_channel_defunct_pid(r->r_cred, r->r_arg);
}

/* What sk_file_close and HANDLE_CLOSE share: close what f became. */
static void
skk_file_teardown(struct sk_file *f)
{
	if (f->f_kind == SKF_CHAN)
		ch_close(f->f_ch);
	else if (f->f_kind == SKF_CTL)
		nxctl_close(f->f_nxctl);
	f->f_ch = NULL;
	f->f_nxctl = NULL;
}

/*
 * XNU's close, ahead of the door's release.  A thread of the owner still
 * polling the channel is woken first (as XNU's drain wakes selectors)
 * and finds the handle closed.
 */
static int
skk_handle_close(struct skk_req *r)
{
	struct sk_file *f = r->r_file;

	if (f->f_kind == SKF_CHAN)
		ch_wakeup(f->f_ch);
	skk_file_teardown(f);
	f->f_kind = SKF_CLOSED;
	return 0;
}

static int
skk_rsv_nexus_register(const void *arg)
{
	const struct skc_nexus_register *req = arg;
	size_t i;

	for (i = 0; i < sizeof(req->nr_pad); i++) {
		if (req->nr_pad[i] != 0)
			return -EINVAL;
	}
	return 0;
}

static int
skk_rsv_channel_info(const void *arg)
{
	const struct skc_channel_info *req = arg;
	size_t i;

	for (i = 0; i < sizeof(req->ci_pad); i++) {
		if (req->ci_pad[i] != 0)
			return -EINVAL;
	}
	return 0;
}

static int
skk_rsv_arena_fetch(const void *arg)
{
	const struct skc_arena_fetch *req = arg;

	return req->af_reserved != 0 ? -EINVAL : 0;
}

static int
skk_rsv_ctl_stats(const void *arg)
{
	const struct skc_ctl_stats *req = arg;
	size_t i;

	if (req->cs_reserved0 != 0)
		return -EINVAL;
	for (i = 0; i < sizeof(req->cs_reserved) / sizeof(req->cs_reserved[0]);
	    i++) {
		if (req->cs_reserved[i] != 0)
			return -EINVAL;
	}
	return 0;
}

static int
skk_rsv_handle_close(const void *arg)
{
	const struct skc_handle_close *req = arg;

	return req->hc_reserved != 0 ? -EINVAL : 0;
}

#define SKK_OP(nr, cmd, type, need, fn, rsv)                            \
	[nr] = { cmd, need, #cmd, sizeof(type), fn, rsv }

static const struct skk_op skk_dispatch[] = {
	SKK_OP(1, SKC_IOC_NEXUS_OPEN, struct skc_nexus_open, SKK_FRESH,
	    skk_nexus_open, NULL),
	SKK_OP(2, SKC_IOC_NEXUS_REGISTER, struct skc_nexus_register, SKK_CTL,
	    skk_nexus_register, skk_rsv_nexus_register),
	SKK_OP(3, SKC_IOC_NEXUS_DEREGISTER, struct skc_nexus_uuid, SKK_CTL,
	    skk_nexus_deregister, NULL),
	SKK_OP(4, SKC_IOC_NEXUS_CREATE, struct skc_nexus_create, SKK_CTL,
	    skk_nexus_create, NULL),
	SKK_OP(5, SKC_IOC_NEXUS_DESTROY, struct skc_nexus_uuid, SKK_CTL,
	    skk_nexus_destroy, NULL),
	SKK_OP(6, SKC_IOC_NEXUS_GET_OPT, struct skc_nexus_opt, SKK_CTL,
	    skk_nexus_get_opt, NULL),
	SKK_OP(7, SKC_IOC_NEXUS_SET_OPT, struct skc_nexus_opt, SKK_CTL,
	    skk_nexus_set_opt, NULL),
	SKK_OP(8, SKC_IOC_CHANNEL_OPEN, struct skc_channel_open, SKK_FRESH,
	    skk_channel_open, NULL),
	SKK_OP(9, SKC_IOC_CHANNEL_INFO, struct skc_channel_info, SKK_CHAN,
	    skk_channel_info, skk_rsv_channel_info),
	SKK_OP(10, SKC_IOC_CHANNEL_SYNC, struct skc_channel_sync, SKK_CHAN,
	    skk_channel_sync, NULL),
	SKK_OP(11, SKC_IOC_CHANNEL_GET_OPT, struct skc_channel_opt, SKK_CHAN,
	    skk_channel_get_opt, NULL),
	SKK_OP(12, SKC_IOC_CHANNEL_SET_OPT, struct skc_channel_opt, SKK_CHAN,
	    skk_channel_set_opt, NULL),
	SKK_OP(13, SKC_IOC_CHANNEL_POLL, struct skc_channel_poll, SKK_CHAN,
	    skk_channel_poll, NULL),
	SKK_OP(14, SKC_IOC_ARENA_FETCH, struct skc_arena_fetch, SKK_ANY,
	    skk_arena_fetch, skk_rsv_arena_fetch),
	SKK_OP(15, SKC_IOC_CTL_STATS, struct skc_ctl_stats, SKK_ANY,
	    skk_ctl_stats, skk_rsv_ctl_stats),
	SKK_OP(16, SKC_IOC_CTL_INFO, struct skc_ctl_info, SKK_ANY,
	    skk_ctl_info, sk_ctl_info_reserved),
	SKK_OP(17, SKC_IOC_CTL_LIST, struct skc_ctl_list, SKK_ANY,
	    skk_ctl_list, sk_ctl_list_reserved),
	SKK_OP(18, SKC_IOC_CTL_NETIF_ATTACH, struct skc_ctl_netif_attach,
	    SKK_ANY, skk_ctl_netif_attach, nx_netif_ctl_attach_reserved),
	SKK_OP(19, SKC_IOC_CTL_NETIF_DETACH, struct skc_ctl_netif_detach,
	    SKK_ANY, skk_ctl_netif_detach, nx_netif_ctl_detach_reserved),
	SKK_OP(20, SKC_IOC_CTL_NETIF_LOOKUP, struct skc_ctl_netif_lookup,
	    SKK_ANY, skk_ctl_netif_lookup, nx_netif_ctl_lookup_reserved),
	SKK_OP(21, SKC_IOC_CTL_DEFUNCT, struct skc_ctl_defunct, SKK_ANY,
	    skk_ctl_defunct, kern_channel_defunct_reserved),
	SKK_OP(22, SKC_IOC_HANDLE_CLOSE, struct skc_handle_close, SKK_ANY,
	    skk_handle_close, skk_rsv_handle_close),
};

_Static_assert(sizeof(skk_dispatch) / sizeof(skk_dispatch[0]) ==
    SKC_IOC_NR_MAX + 1, "dispatch table must cover 1..SKC_IOC_NR_MAX");

/* Every slot of the table is filled (checked once, at init). */
static int
skk_dispatch_check(void)
{
	unsigned nr;

	for (nr = 1; nr <= SKC_IOC_NR_MAX; nr++) {
		if (skk_dispatch[nr].op_handler == NULL ||
		    _IOC_NR(skk_dispatch[nr].op_cmd) != nr)
			return -1;
	}
	return 0;
}

static const struct skk_op *
skk_lookup(uint32_t cmd)
{
	unsigned nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != SKC_IOC_MAGIC || nr == 0 || nr > SKC_IOC_NR_MAX)
		return NULL;
	if (skk_dispatch[nr].op_cmd != cmd)
		return NULL;
	return &skk_dispatch[nr];
}

/*
 * Requests are copied into an aligned kernel buffer before anything looks
 * at them: some carry 64-byte aligned structs, and a door's buffer need
 * not be aligned at all.  Results are copied back afterwards.
 */
#define SKK_ARG_MAX     sizeof(struct skc_nexus_opt)
_Static_assert(sizeof(struct skc_channel_open) <= SKK_ARG_MAX &&
    sizeof(struct skc_nexus_register) <= SKK_ARG_MAX &&
    sizeof(struct skc_channel_info) <= SKK_ARG_MAX &&
    sizeof(struct skc_ctl_stats) <= SKK_ARG_MAX, "request buffer");

union skk_argbuf {
	uint8_t ab_bytes[SKK_ARG_MAX];
	struct skc_nexus_register ab_align;     /* the strictest alignment */
};

/* The one place a request's framing is checked. */
static int
skk_copyin(const struct skk_op *op, const void *arg, size_t len,
    union skk_argbuf *kbuf)
{
	const struct skc_req_hdr *hdr = (const void *)kbuf->ab_bytes;

	if (arg == NULL || len != _IOC_SIZE(op->op_cmd) || len != op->op_size)
		return -EINVAL;
	memcpy(kbuf->ab_bytes, arg, len);
	if (hdr->rh_version != SKCHAN_ABI_VERSION)
		return -ENOTSUP;
	if (hdr->rh_size != len || hdr->rh_flags != 0)
		return -EINVAL;
	return op->op_reserved != NULL ? op->op_reserved(kbuf) : 0;
}

static int
skk_need_ok(const struct skk_op *op, const struct sk_file *f)
{
	if (f->f_kind == SKF_CLOSED)
		return -EBADF;
	switch (op->op_need) {
	case SKK_FRESH:
		return f->f_kind == SKF_FRESH ? 0 : -EBUSY;
	case SKK_CTL:
		return f->f_kind == SKF_CTL ? 0 : -ENODEV;
	case SKK_CHAN:
		return f->f_kind == SKF_CHAN ? 0 : -ENODEV;
	default:
		return 0;
	}
}

int
sk_file_ioctl(struct sk_file *f, const struct sk_cred *cred, uint32_t cmd,
    void *arg, size_t len, struct sk_fds *fds)
{
	const struct skk_op *op = skk_lookup(cmd);
	union skk_argbuf kbuf;
	struct skk_req r = { f, cred, &kbuf, fds };
	int err;

	sk_counters.skc_requests++;
	if (fds != NULL)
		fds->f_count = 0;
	if (op == NULL)
		err = -ENOTTY;
	else
		err = skk_copyin(op, arg, len, &kbuf);
	if (err == 0)
		err = skk_need_ok(op, f);
	if (err == 0) {
		err = op->op_handler(&r);
		memcpy(arg, kbuf.ab_bytes, len);
	}
	if (err != 0) {
		sk_counters.skc_errors++;
		SK_DF(SK_VERB_DEFAULT, "%s: %d", op ? op->op_name : "?", err);
	}
	return err;
}

/* ---- handles -------------------------------------------------------------- */

struct sk_file *
sk_file_open(const struct sk_cred *cred, enum sk_door door,
    struct sk_waiter *w)
{
	struct sk_file *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->f_cred = *cred;
	f->f_door = door;
	f->f_waiter = w;
	TAILQ_INSERT_TAIL(&skk_files, f, f_link);
	skk_nfiles++;
	return f;
}

void
sk_file_close(struct sk_file *f)
{
	if (f == NULL)
		return;
	skk_file_teardown(f);
	TAILQ_REMOVE(&skk_files, f, f_link);
	skk_nfiles--;
	free(f);
}

/* The handles are here, so the door of a channel is looked up here. */
enum sk_door
sk_kern_channel_door(const struct kern_channel *ch)
{
	const struct sk_file *f;

	TAILQ_FOREACH(f, &skk_files, f_link) {
		if (f->f_kind == SKF_CHAN && f->f_ch == ch)
			return f->f_door;
	}
	return (enum sk_door)SKC_CTL_DOOR_NONE;
}

/* Every channel a handle became; fn may defunct it, never close it. */
int
sk_kern_channel_foreach(int (*fn)(struct kern_channel *ch, void *arg),
    void *arg)
{
	struct sk_file *f;
	int err;

	TAILQ_FOREACH(f, &skk_files, f_link) {
		if (f->f_kind == SKF_CHAN && (err = fn(f->f_ch, arg)) != 0)
			return err;
	}
	return 0;
}

/* Non-channel handles have nothing to wait for: POLLERR. */
unsigned
sk_file_poll(struct sk_file *f, const struct sk_cred *cred, unsigned events,
    int arm)
{
	if (f->f_kind != SKF_CHAN)
		return POLLERR;
	return ch_poll(f->f_ch, cred, events, arm);
}

void
sk_kern_stats(struct skc_ctl_stats *st)
{
	struct skmem_stats ms;
	struct nx_stats ns;

	skmem_stats_get(&ms);
	nx_stats_get(&ns);
	memset(st, 0, sizeof(*st));
	st->cs_files = skk_nfiles;
	st->cs_controllers = ns.nxs_controllers;
	st->cs_providers = ns.nxs_providers;
	st->cs_instances = ns.nxs_instances;
	st->cs_channels = ch_count();
	st->cs_arenas = ms.sms_arenas;
	st->cs_memfds = ms.sms_memfds;
	st->cs_bindings = ns.nxs_bindings;
	st->cs_tickets = ms.sms_tickets;
	st->cs_arena_bytes = ms.sms_bytes;
	st->cs_requests = sk_counters.skc_requests;
	st->cs_errors = sk_counters.skc_errors;
	st->cs_kills = sk_counters.skc_kills;
}

/* ---- global life cycle ---------------------------------------------------- */

int
sk_kern_init(void)
{
	if (skk_dispatch_check() != 0) {
		SK_ERR("dispatch table incomplete");
		return -EINVAL;
	}
	do {
		skmem_random(&sk_md_redzone_cookie,
		    sizeof(sk_md_redzone_cookie));
	} while (sk_md_redzone_cookie == 0);
	uuid_generate_random(sk_kern_uuid);
	memset(&sk_counters, 0, sizeof(sk_counters));
	sk_ctl_init();
	return 0;
}

static struct sk_file *
skk_first_channel(void)
{
	struct sk_file *f;

	TAILQ_FOREACH(f, &skk_files, f_link) {
		if (f->f_kind == SKF_CHAN)
			return f;
	}
	return NULL;
}

/* Close what the doors left open; channels first, they use controllers'. */
void
sk_kern_fini(void)
{
	struct sk_file *f;

	while ((f = skk_first_channel()) != NULL)
		sk_file_close(f);
	/* The analyzer does not follow TAILQ_REMOVE's store through
	 * tqe_prev into the head, so it thinks f stays first. */
	while ((f = TAILQ_FIRST(&skk_files)) != NULL)
		sk_file_close(f); // NOLINT(clang-analyzer-unix.Malloc)
	nx_fini();
	skmem_fini();
}
