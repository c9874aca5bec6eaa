/*
 * door.h - libskywalk's way into the emulated kernel, and the per-fd
 * state kept for the handles it opens.  Internal to libos: nothing here
 * is exported from libskywalk.so (see libskywalk.map).
 *
 * Layers, top to bottom:
 *
 *   os_nexus.c / os_channel*.c    Apple's API
 *   syscalls.c                    __nexus_*, __channel_*, guarded_close_np
 *   door.c                        open a handle, carry one request
 *   cuse-dev                      the kernel (ioctl or Unix socket)
 *
 * fdtab.c records what each handle is (controller or channel, which
 * door, its guard, its mapped span, its wakeup eventfd); arena.c maps a
 * channel's span; poll.c uses both to give poll/select on socket-door
 * channels the implicit syncs the kernel gives CUSE ones.
 *
 * Names: udoor_ (door.c), fdt_ (fdtab.c), uarena_ (arena.c).  The "u"
 * keeps the user side apart from cuse-dev's door_ and skmem_ names:
 * unit tests link the kernel and the library into one program.
 *
 * Error convention inside libos: functions here return 0 (or an fd) on
 * success and -1 with errno set on failure, like the system calls they
 * implement, so syscalls.c can pass results straight through.
 */
#ifndef SKCHAN_LIBOS_DOOR_H
#define SKCHAN_LIBOS_DOOR_H

#include <stddef.h>
#include <stdint.h>
#include <skywalk/skchan_abi.h>

/* Which door a handle was opened through. */
enum udoor_kind {
	UDOOR_NONE = 0,
	UDOOR_CUSE = 1,	  /* ioctl on a /dev/skchan fd */
	UDOOR_SOCKET = 2, /* framed requests on a Unix stream socket */
};

/* Most descriptors one reply can carry: the arena memfds + the eventfd. */
#define UDOOR_FDS_MAX (SKC_MAP_FDS_MAX + 1)

/* Descriptors received with a reply; the caller owns (closes) them. */
struct udoor_fds {
	int df_fd[UDOOR_FDS_MAX];
	unsigned df_count;
};

/*
 * Open one new handle to the daemon, honouring SKCHAN_DOOR
 * (cuse|socket|auto), SKCHAN_DEVICE and SKCHAN_SOCKET.  Returns the fd
 * (O_CLOEXEC) and stores the door in *kind; when no door works returns
 * -1 with errno ENXIO and prints one line to stderr, once per process.
 */
int udoor_open(enum udoor_kind *kind);

/* Connect a fresh socket to the daemon (socket path rules only). */
int udoor_sock_connect(void);

/* Fill a request header: current version, the struct's size, flags 0. */
void udoor_hdr_init(struct skc_req_hdr *hdr, size_t size);

/*
 * Carry one request: req holds the struct of cmd (_IOC_SIZE(cmd) bytes)
 * and receives the reply.  fds, when not NULL, receives descriptors the
 * reply carries (socket door only); otherwise any are closed.  Returns 0,
 * or -1 with errno = the daemon's error or a transport error (ENXIO when
 * the daemon is gone, EIO when its reply is malformed).
 */
int udoor_call(int fd, enum udoor_kind kind, uint32_t cmd, void *req,
	       struct udoor_fds *fds);

/* Close every descriptor in fds. */
void udoor_fds_close(struct udoor_fds *fds);

/* Fork handlers (registered by libos_atfork_init). */
void udoor_atfork_prepare(void);
void udoor_atfork_release(void);

/*
 * Register libos's fork handlers once.  XNU closes controller and
 * channel fds in a forked child (close-on-fork); the child handler does
 * the same for every fd in fdtab, silently.
 */
void libos_atfork_init(void);

/* ---- fdtab.c: what libskywalk knows about each of its fds ----------- */

enum fdt_type {
	FDT_FREE = 0,
	FDT_CONTROLLER = 1, /* nexus controller (__nexus_open) */
	FDT_CHANNEL = 2,    /* channel (__channel_open) */
};

/* Entry flags. */
#define FDTF_SHARED 0x1 /* the process's shared user controller */

struct fdt_ent {
	enum fdt_type fe_type;
	enum udoor_kind fe_door;
	uint32_t fe_flags; /* FDTF_* */
	uint64_t fe_guard; /* what guarded_close_np must be shown */
	void *fe_base;	   /* channel: mapped span, or NULL */
	size_t fe_size;	   /* channel: span size */
	int fe_evfd;	   /* socket-door channel: wakeup eventfd, or -1 */
	uint64_t fe_dev;   /* identity of the open file, so that an fd */
	uint64_t fe_ino;   /* closed behind our back is not mistaken */
};

/* Record fd (fills fe_dev/fe_ino itself).  0, or -1/errno. */
int fdt_insert(int fd, const struct fdt_ent *e);

/* Copy out fd's entry.  0, or -1 with errno EBADF (not ours). */
int fdt_lookup(int fd, struct fdt_ent *e);

/* True if fd is still the file recorded in e (not closed and reused). */
int fdt_same_file(int fd, const struct fdt_ent *e);

/*
 * Forget fd if guard matches, handing back its entry so the caller can
 * release what it holds.  -1 with errno EPERM on a guard mismatch,
 * EBADF if fd is not ours.
 */
int fdt_remove(int fd, uint64_t guard, struct fdt_ent *e);

/* Number of live socket-door channels: zero keeps poll on its fast path. */
unsigned fdt_sock_channels(void);

/*
 * Look up the fds of a poll set under one lock: stores each entry in
 * out[i] (fe_type FDT_FREE when not ours).  Returns how many are
 * socket-door channels.
 */
struct pollfd;
size_t fdt_lookup_pollfds(const struct pollfd *pfd, size_t n,
			  struct fdt_ent *out);

/* Release what an entry holds (span, eventfd), then close fd. */
void fdt_release(int fd, const struct fdt_ent *e);

/* A fresh random guard (never 0). */
uint64_t fdt_new_guard(void);

/* ---- arena.c: a channel's shared memory ---------------------------- */

/*
 * Check a daemon-supplied map against the nfds memfds it came with
 * (fds may be NULL to check the map alone).  Returns 0 or EIO.
 */
int uarena_validate(const struct skc_map *mp, const int *fds, unsigned nfds);

/*
 * Map the span described by mp from memfds fds[0..nfds-1] (which the
 * caller still owns).  Returns 0 and the base in *basep, or -1/errno
 * (EIO for a map the daemon should never have sent).
 */
int uarena_map(const struct skc_map *mp, const int *fds, unsigned nfds,
	       void **basep);

/* Undo uarena_map. */
void uarena_unmap(void *base, size_t size);

/* ---- poll.c -------------------------------------------------------- */

/* Drain a wakeup eventfd without blocking. */
void poll_drain_evfd(int evfd);

#endif /* SKCHAN_LIBOS_DOOR_H */
