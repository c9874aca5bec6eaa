/*
 * fdtab.c - what libskywalk knows about each controller and channel fd.
 *
 * Theory of operation.  On XNU a controller or channel fd is a kernel
 * object with a guard, a mapping and close-on-fork; here it is a plain
 * fd to the daemon, so the library keeps the rest beside it: an array
 * indexed by fd, grown on demand, behind one mutex.  Entries are small
 * and copied out under the lock, so no caller ever holds a pointer into
 * the array while another thread grows it.  The lock is taken once per
 * system call; that is noise next to the round trip the call makes.
 *
 * poll() on a program with no socket-door channel must cost nothing:
 * fdt_nsock counts live socket-door channels and is read without the
 * lock, so poll's fast path is one atomic load.
 *
 * An fd closed with close(2) instead of guarded_close_np leaves a stale
 * entry (XNU would raise a guard exception; Linux cannot).  The entry
 * records the file's device and inode, so code about to act on an fd it
 * did not just open (poll) can tell the fd was reused.
 *
 * Fork: XNU's descriptors are close-on-fork.  The child handler closes
 * every recorded fd and unmaps every span, silently, before the child
 * runs any code of its own.  Silently means no request either: the
 * HANDLE_CLOSE that guarded_close_np sends would tear down the parent's
 * channel, which shares the handle; the child's close(2) only drops a
 * reference to it.  prepare takes every lock libos has (door
 * stripes, then this table's) so the child never inherits one held by a
 * thread that did not survive the fork.  Lock order: stripe, then table.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "door.h"

#define FDT_MIN_CAP 64

static pthread_mutex_t fdt_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fdt_ent *fdt_tab; /* indexed by fd */
static size_t fdt_cap;
static atomic_uint fdt_nsock; /* socket-door channels */
static pthread_once_t fdt_fork_once = PTHREAD_ONCE_INIT;

static int
fdt_is_sock_channel(const struct fdt_ent *e)
{
	return e->fe_type == FDT_CHANNEL && e->fe_door == UDOOR_SOCKET;
}

static int
fdt_grow(size_t need)
{
	size_t cap = fdt_cap ? fdt_cap : FDT_MIN_CAP;
	struct fdt_ent *t;

	while (cap <= need)
		cap *= 2;
	t = realloc(fdt_tab, cap * sizeof(*t));
	if (t == NULL)
		return -1;
	memset(t + fdt_cap, 0, (cap - fdt_cap) * sizeof(*t));
	fdt_tab = t;
	fdt_cap = cap;
	return 0;
}

int
fdt_insert(int fd, const struct fdt_ent *e)
{
	struct stat st;
	int rc = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		errno = EBADF;
		return -1;
	}
	pthread_mutex_lock(&fdt_lock);
	if ((size_t)fd >= fdt_cap && fdt_grow((size_t)fd) < 0) {
		rc = -1;
		goto out;
	}
	if (fdt_is_sock_channel(&fdt_tab[fd]))
		atomic_fetch_sub(&fdt_nsock, 1);
	fdt_tab[fd] = *e;
	fdt_tab[fd].fe_dev = st.st_dev;
	fdt_tab[fd].fe_ino = st.st_ino;
	if (fdt_is_sock_channel(e))
		atomic_fetch_add(&fdt_nsock, 1);
out:
	pthread_mutex_unlock(&fdt_lock);
	if (rc < 0)
		errno = ENOMEM;
	return rc;
}

/* Caller holds fdt_lock. */
static const struct fdt_ent *
fdt_get(int fd)
{
	if (fd < 0 || (size_t)fd >= fdt_cap || fdt_tab[fd].fe_type == FDT_FREE)
		return NULL;
	return &fdt_tab[fd];
}

int
fdt_lookup(int fd, struct fdt_ent *e)
{
	const struct fdt_ent *t;

	pthread_mutex_lock(&fdt_lock);
	t = fdt_get(fd);
	if (t != NULL)
		*e = *t;
	pthread_mutex_unlock(&fdt_lock);
	if (t == NULL) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

size_t
fdt_lookup_pollfds(const struct pollfd *pfd, size_t n, struct fdt_ent *out)
{
	const struct fdt_ent *t;
	size_t i, nsock = 0;

	pthread_mutex_lock(&fdt_lock);
	for (i = 0; i < n; i++) {
		t = fdt_get(pfd[i].fd);
		out[i] = t != NULL ? *t : (struct fdt_ent){.fe_evfd = -1};
		nsock += (size_t)fdt_is_sock_channel(&out[i]);
	}
	pthread_mutex_unlock(&fdt_lock);
	return nsock;
}

int
fdt_same_file(int fd, const struct fdt_ent *e)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (uint64_t)st.st_dev == e->fe_dev &&
	       (uint64_t)st.st_ino == e->fe_ino;
}

int
fdt_remove(int fd, uint64_t guard, struct fdt_ent *e)
{
	struct fdt_ent *t;
	int err = 0;

	pthread_mutex_lock(&fdt_lock);
	t = (struct fdt_ent *)fdt_get(fd);
	if (t == NULL)
		err = EBADF;
	else if (t->fe_guard != guard)
		err = EPERM;
	else {
		*e = *t;
		if (fdt_is_sock_channel(t))
			atomic_fetch_sub(&fdt_nsock, 1);
		memset(t, 0, sizeof(*t));
	}
	pthread_mutex_unlock(&fdt_lock);
	errno = err;
	return err ? -1 : 0;
}

unsigned
fdt_sock_channels(void)
{
	return atomic_load_explicit(&fdt_nsock, memory_order_relaxed);
}

void
fdt_release(int fd, const struct fdt_ent *e)
{
	if (e->fe_base != NULL)
		uarena_unmap(e->fe_base, e->fe_size);
	if (e->fe_evfd >= 0)
		close(e->fe_evfd);
	close(fd);
}

/*
 * A guard only has to make closing someone else's fd by accident
 * unlikely; when the kernel's pool is not ready, clock and counter do.
 */
uint64_t
fdt_new_guard(void)
{
	static atomic_uint_fast64_t ctr;
	struct timespec ts;
	uint64_t g = 0;

	if (getrandom(&g, sizeof(g), GRND_NONBLOCK) != sizeof(g)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		g = ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^
		    (atomic_fetch_add(&ctr, 1) * 0x9e3779b97f4a7c15ULL);
	}
	return g != 0 ? g : 1;
}

/* ---- fork ------------------------------------------------------------- */

static void
fdt_atfork_prepare(void)
{
	udoor_atfork_prepare();
	pthread_mutex_lock(&fdt_lock);
}

static void
fdt_atfork_parent(void)
{
	pthread_mutex_unlock(&fdt_lock);
	udoor_atfork_release();
}

/* The child: only this thread exists; drop everything XNU would. */
static void
fdt_atfork_child(void)
{
	int err = errno;
	size_t fd;

	pthread_mutex_unlock(&fdt_lock);
	udoor_atfork_release();
	for (fd = 0; fd < fdt_cap; fd++) {
		if (fdt_tab[fd].fe_type == FDT_FREE)
			continue;
		fdt_release((int)fd, &fdt_tab[fd]);
		memset(&fdt_tab[fd], 0, sizeof(fdt_tab[fd]));
	}
	atomic_store(&fdt_nsock, 0);
	errno = err;
}

static void
fdt_fork_register(void)
{
	pthread_atfork(fdt_atfork_prepare, fdt_atfork_parent, fdt_atfork_child);
}

void
libos_atfork_init(void)
{
	pthread_once(&fdt_fork_once, fdt_fork_register);
}
