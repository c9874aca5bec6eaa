/*
 * door.h - what the two doors of cuse-dev share.
 *
 * A door turns a client's request into a call of sk_kern.h and the
 * kernel's answer into a reply.  Both doors need the same three things:
 *
 *  - the caller's credentials as the kernel wants them (struct sk_cred:
 *    a thread-group id, never a thread id; 0 when unknown), built from a
 *    CUSE request (thread id + uid/gid) or from SO_PEERCRED (cred.c);
 *  - the same framing rule for a request (door_req_check());
 *  - an aligned buffer big enough for any request struct (union door_req:
 *    some structs embed 64-byte aligned members, and neither a FUSE
 *    buffer nor a socket byte stream promises that alignment).
 *
 * The doors themselves (door_cuse.c, door_sock.c) are created by main.c
 * on one event loop (evloop.h).
 */
#ifndef DOOR_H
#define DOOR_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sk_kern.h"

struct evl;

/* ---- requests ---------------------------------------------------------- */

/* Every request struct of skchan_abi.h: the size and alignment a door's
 * request buffer needs. */
union door_req {
	struct skc_req_hdr hdr;
	struct skc_nexus_open nexus_open;
	struct skc_nexus_register nexus_register;
	struct skc_nexus_uuid nexus_uuid;
	struct skc_nexus_create nexus_create;
	struct skc_nexus_opt nexus_opt;
	struct skc_channel_open channel_open;
	struct skc_channel_info channel_info;
	struct skc_channel_sync channel_sync;
	struct skc_channel_opt channel_opt;
	struct skc_channel_poll channel_poll;
	struct skc_arena_fetch arena_fetch;
	struct skc_ctl_stats ctl_stats;
};

#define DOOR_REQ_MAX	sizeof(union door_req)

/*
 * The framing rule both doors apply before the kernel sees a request:
 * the command must be one of ours (type SKC_IOC_MAGIC: else ENOTTY, as a
 * driver answers an ioctl it does not know) and len must be exactly the
 * size encoded in it, which must hold at least the request header and
 * fit union door_req (else EINVAL).
 * Returns 0 or -errno.  Which commands exist is the kernel's business.
 */
static inline int door_req_check(uint32_t cmd, size_t len)
{
	if (_IOC_TYPE(cmd) != SKC_IOC_MAGIC)
		return -ENOTTY;
	if (_IOC_SIZE(cmd) != len || len > DOOR_REQ_MAX ||
	    len < sizeof(struct skc_req_hdr))
		return -EINVAL;
	return 0;
}

/* ---- credentials (cred.c) ------------------------------------------------ */

/* Root of the proc file system; tests point it at a fake tree. */
extern const char *door_proc_root;

/*
 * Thread id -> thread-group id, through <proc>/<tid>/status "Tgid:".
 * Returns 0 when it cannot be known: tid <= 0 (a CUSE caller in another
 * pid namespace has tid 0), the thread is gone, or the file is odd.
 */
pid_t door_tid_to_tgid(pid_t tid);

/* The "Tgid:" value of a /proc/<pid>/status text; 0 if absent or bad. */
pid_t door_parse_tgid(const char *status, size_t len);

/*
 * A one-entry memory of the last tid -> tgid answer, kept per CUSE
 * handle so the hot requests (sync) cost one access(2) instead of
 * reading a status file.  A remembered answer is used only after
 * checking that <proc>/<tgid>/task/<tid> still exists: the calling
 * thread is alive while its request is served, so that path exists iff
 * the thread belongs to that group right now (a reused tid in another
 * process fails the check).
 */
struct door_tidcache {
	pid_t tc_tid;
	pid_t tc_tgid;
};

pid_t door_tid_to_tgid_cached(struct door_tidcache *tc, pid_t tid);

/* Credentials of a CUSE caller (fuse_req_ctx: thread id, uid, gid). */
void door_cred_from_req(struct sk_cred *cr, struct door_tidcache *tc,
    pid_t tid, uid_t uid, gid_t gid);

/* Credentials of a connected Unix socket's peer (SO_PEERCRED, taken at
 * connect time).  0 or -errno. */
int door_cred_from_socket(int fd, struct sk_cred *cr);

/* ---- the doors (for main.c and tests) ---------------------------------- */

struct door_cuse;
struct door_sock;

/* Door statistics, for the log at exit and for tests. */
struct door_sock_stats {
	uint64_t ss_accepted;		/* connections ever accepted */
	uint32_t ss_live;		/* connections open now */
	uint64_t ss_requests;		/* frames dispatched to the kernel */
	uint64_t ss_bad_frames;		/* answered EINVAL/ENOTTY by the door */
	uint64_t ss_closed_bad;		/* dropped: undelimitable frame */
	uint64_t ss_closed_slow;	/* dropped: would block on reply */
	uint64_t ss_accept_fail;	/* accept errors (EMFILE ...) */
};

/*
 * The socket door.  door_sock_new() makes a door with no listening
 * socket; door_sock_listen() adds one at path (creating the parent
 * directory, removing a stale socket, applying mode after bind);
 * door_sock_attach() serves an already connected stream socket (the
 * door takes ownership of fd; tests use a socketpair).  door_sock_free()
 * closes every connection (sk_file_close for each handle), the
 * listening socket, and unlinks the path it created.
 */
struct door_sock *door_sock_new(struct evl *l);
int door_sock_listen(struct door_sock *ds, const char *path, mode_t mode);
int door_sock_attach(struct door_sock *ds, int fd);
void door_sock_close_all(struct door_sock *ds);
void door_sock_free(struct door_sock *ds);
void door_sock_get_stats(const struct door_sock *ds,
    struct door_sock_stats *st);

/*
 * The CUSE door.  door_cuse_new() opens /dev/cuse (-errno on failure:
 * -ENOENT/-ENODEV when the kernel has no CUSE) and registers the session
 * fd in the loop; the device appears once the kernel's CUSE_INIT has
 * been answered, which happens inside the loop: on_ready(arg) is called
 * then (after chmod of the device node to dev_mode).  door_cuse_failed()
 * tells whether the session ended (device could not be created, or the
 * connection was aborted); on_ready is then never called and main
 * should stop.  door_cuse_close_all() releases every open handle;
 * door_cuse_free() then tears the session down and the device vanishes.
 */
struct door_cuse *door_cuse_new(struct evl *l, const char *devname,
    mode_t dev_mode, void (*on_ready)(void *arg), void (*on_fail)(void *arg),
    void *arg, int *errp);
int door_cuse_failed(const struct door_cuse *dc);
void door_cuse_close_all(struct door_cuse *dc);
void door_cuse_free(struct door_cuse *dc);

#endif /* DOOR_H */
