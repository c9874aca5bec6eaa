/*
 * sk_kern.h - the emulated kernel as the doors see it.
 *
 * cuse-dev is split in two layers.  The "kernel" (nexus, channels, rings,
 * arenas: every file of cuse-dev/ except the door_*.c files and main.c)
 * never includes a FUSE header and never touches a socket; the doors
 * (door_cuse.c: the CUSE character device, door_sock.c: the Unix socket)
 * only unpack a request and call the four functions below.  Unit tests,
 * fuzzers and tools drive the kernel through the same four functions.
 *
 * Threading: the daemon is single-threaded; one event loop (evloop.h)
 * serves every door, so the kernel takes no locks.  No kernel function
 * blocks.
 *
 * Error convention: kernel functions return 0 or a negative errno; the
 * doors turn that into the errno of the ioctl (CUSE) or sm_error (socket).
 */
#ifndef SK_KERN_H
#define SK_KERN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <skywalk/skchan_abi.h>

/* Who is calling.  cr_pid is a thread-group id; 0 means unknown (caller
 * in another pid namespace) and never matches anything. */
struct sk_cred {
	pid_t cr_pid;
	uid_t cr_uid;
	gid_t cr_gid;
};

/* Which door a handle came through (changes what an open returns). */
enum sk_door {
	SK_DOOR_CUSE = 1,       /* fds cannot travel: arena via ticket */
	SK_DOOR_SOCKET = 2,     /* fds travel with the reply */
	SK_DOOR_LOCAL = 3,      /* in-process (unit tests, tools) */
};

/*
 * A door's wakeup hook, one per handle, owned by the door and alive as
 * long as the handle.  The kernel calls w_fire() at most once per arming
 * (sk_file_poll with arm set), when the readiness it was armed for may
 * have changed; the door then tells its client (CUSE: poll notify;
 * socket: write the channel's eventfd).
 */
struct sk_waiter {
	void (*w_fire)(struct sk_waiter *w);
};

/* File descriptors a reply carries; borrowed from the kernel, which keeps
 * owning them (the door sends copies with SCM_RIGHTS). */
struct sk_fds {
	int f_fd[SKC_MAP_FDS_MAX];
	unsigned f_count;
};

struct sk_file;

/* Global kernel life cycle (main.c). */
int sk_kern_init(void);
void sk_kern_fini(void);

/* A new handle: an open() of /dev/skchan or a socket connection.
 * w may be NULL when the door never polls. */
struct sk_file *sk_file_open(const struct sk_cred *cred, enum sk_door door,
    struct sk_waiter *w);

/* The handle is gone (release, EOF, client death): free what it held. */
void sk_file_close(struct sk_file *f);

/*
 * One request.  arg holds len bytes: the struct of cmd, copied in; the
 * kernel writes results back into it.  Returns 0 or -errno.  fds, when
 * not NULL, receives descriptors to pass along with the reply.
 */
int sk_file_ioctl(struct sk_file *f, const struct sk_cred *cred,
    uint32_t cmd, void *arg, size_t len, struct sk_fds *fds);

/*
 * Readiness of a channel handle, with Skywalk's implicit syncs: POLLOUT
 * interest runs a TX sync, POLLIN interest an RX sync.  Returns revents;
 * when none of events is ready and arm is set, the handle's waiter fires
 * once later.  Non-channel handles report POLLERR.
 */
unsigned sk_file_poll(struct sk_file *f, const struct sk_cred *cred,
    unsigned events, int arm);

/* Counts for SKC_IOC_CTL_STATS (also usable in-process by tests). */
void sk_kern_stats(struct skc_ctl_stats *st);

#endif /* SK_KERN_H */
