/*
 * door_cuse.c - the CUSE door: /dev/skchan as a character device.
 *
 * Theory of operation.  libfuse's CUSE lowlevel API, driven from our own
 * event loop instead of fuse_session_loop: we open /dev/cuse ourselves
 * (non-blocking), hand the fd to the session through the "/dev/fd/N"
 * mount point that fuse_session_mount() understands, and register it in
 * the loop; each readable event reads one request with
 * fuse_session_receive_buf() and lets fuse_session_process_buf() call
 * the handlers below.  No thread is ever started.  The first request is
 * the kernel's CUSE_INIT; answering it creates the device, after which
 * init_done runs: we fix the node's mode and tell main we are ready.
 *
 * Each open() of the device is one kernel handle (struct dc_handle in
 * fi->fh).  The handlers are a shim: unpack, call sk_kern.h, reply.
 *
 *   ioctl  restricted: the FUSE kernel copies _IOC_SIZE(cmd) bytes in
 *          (for _IOC_WRITE) and out (for _IOC_READ); we check that the
 *          sizes it announces match before the kernel sees anything.
 *          Descriptors the kernel returns are not passed on: a CUSE
 *          client fetches the arena with its ticket over the socket.
 *   poll   fi->poll_events = requested events; with a poll handle we
 *          arm the kernel's waiter, which later sends a poll notify.
 *          One handle per open file: a new poll replaces the old one.
 *   read/write  ENXIO, as on a Skywalk controller fd.
 *
 * Credentials come with every request (thread id, uid, gid of the
 * caller) and are mapped to a thread-group id per request (cred.c),
 * because a descriptor may be shared with, or inherited by, another
 * process.
 */
#define FUSE_USE_VERSION 35

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cuse_lowlevel.h>

#include "door.h"
#include "evloop.h"
#include "sk_log.h"

#define DC_CUSE_DEV	"/dev/cuse"
#define DC_BATCH	32	/* requests per wakeup: fairness */

struct dc_handle {
	struct door_cuse *h_door;
	struct sk_file *h_file;
	struct sk_waiter h_waiter;
	struct fuse_pollhandle *h_ph;	/* armed poll, or NULL */
	struct door_tidcache h_tc;
	struct dc_handle *h_next;
	struct dc_handle *h_prev;
};

struct door_cuse {
	struct evl *dc_loop;
	struct evl_watch *dc_watch;
	struct fuse_session *dc_se;
	struct fuse_buf dc_buf;
	int dc_fd;
	int dc_ready;
	int dc_failed;
	int dc_made_node;		/* we mknod'ed the node: unlink it */
	mode_t dc_mode;
	char dc_node[PATH_MAX];		/* /dev/<devname> */
	char dc_sysdev[PATH_MAX];	/* /sys/class/cuse/<name>/dev */
	void (*dc_on_ready)(void *arg);
	void (*dc_on_fail)(void *arg);
	void *dc_arg;
	struct dc_handle *dc_handles;
	unsigned dc_nhandles;
};

/* ---- handles ------------------------------------------------------------- */

static struct dc_handle *dc_fh(const struct fuse_file_info *fi)
{
	return (struct dc_handle *)(uintptr_t)fi->fh;
}

static void dc_ph_drop(struct dc_handle *h)
{
	if (h->h_ph != NULL)
		fuse_pollhandle_destroy(h->h_ph);
	h->h_ph = NULL;
}

/* The kernel says readiness may have changed: wake the poller. */
static void dc_fire(struct sk_waiter *w)
{
	struct dc_handle *h = (struct dc_handle *)((char *)w -
	    offsetof(struct dc_handle, h_waiter));

	if (h->h_ph == NULL)
		return;
	fuse_lowlevel_notify_poll(h->h_ph);
	dc_ph_drop(h);
}

static void dc_link(struct door_cuse *dc, struct dc_handle *h)
{
	h->h_next = dc->dc_handles;
	if (dc->dc_handles != NULL)
		dc->dc_handles->h_prev = h;
	dc->dc_handles = h;
	dc->dc_nhandles++;
}

static void dc_handle_close(struct dc_handle *h)
{
	struct door_cuse *dc = h->h_door;

	sk_file_close(h->h_file);
	dc_ph_drop(h);
	if (h->h_prev != NULL)
		h->h_prev->h_next = h->h_next;
	else
		dc->dc_handles = h->h_next;
	if (h->h_next != NULL)
		h->h_next->h_prev = h->h_prev;
	dc->dc_nhandles--;
	free(h);
}

static void dc_cred(fuse_req_t req, struct dc_handle *h, struct sk_cred *cr)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	door_cred_from_req(cr, h != NULL ? &h->h_tc : NULL, ctx->pid,
	    ctx->uid, ctx->gid);
}

/* ---- CUSE operations ---------------------------------------------------- */

static void dc_open(fuse_req_t req, struct fuse_file_info *fi)
{
	struct door_cuse *dc = fuse_req_userdata(req);
	struct sk_cred cr;
	struct dc_handle *h;

	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->h_door = dc;
	h->h_waiter.w_fire = dc_fire;
	dc_cred(req, h, &cr);
	h->h_file = sk_file_open(&cr, SK_DOOR_CUSE, &h->h_waiter);
	if (h->h_file == NULL) {
		free(h);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	dc_link(dc, h);
	fi->fh = (uintptr_t)h;
	fi->nonseekable = 1;
	fi->direct_io = 1;
	/* An interrupted open gets no release later: undo it now. */
	if (fuse_reply_open(req, fi) != 0)
		dc_handle_close(h);
}

static void dc_release(fuse_req_t req, struct fuse_file_info *fi)
{
	dc_handle_close(dc_fh(fi));
	fuse_reply_err(req, 0);
}

static void dc_read(fuse_req_t req, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	fuse_reply_err(req, ENXIO);
}

static void dc_write(fuse_req_t req, const char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	fuse_reply_err(req, ENXIO);
}

/*
 * What the FUSE kernel must have copied for a restricted ioctl: the
 * encoded size in for _IOC_WRITE, out for _IOC_READ, nothing otherwise.
 */
static int dc_ioctl_check(unsigned cmd, size_t in_bufsz, size_t out_bufsz)
{
	size_t size = _IOC_SIZE(cmd);
	int err = door_req_check(cmd, size);

	if (err != 0)
		return err;
	if (cmd == SKC_IOC_CHANNEL_POLL)
		return -ENOTTY;		/* socket door only: poll() the fd */
	if (in_bufsz != (_IOC_DIR(cmd) & _IOC_WRITE ? size : 0) ||
	    out_bufsz != (_IOC_DIR(cmd) & _IOC_READ ? size : 0))
		return -EINVAL;
	return 0;
}

static void dc_ioctl(fuse_req_t req, int icmd, void *arg,
    struct fuse_file_info *fi, unsigned flags, const void *in_buf,
    size_t in_bufsz, size_t out_bufsz)
{
	struct dc_handle *h = dc_fh(fi);
	unsigned cmd = (unsigned)icmd;
	union door_req r;
	struct sk_cred cr;
	int err;

	err = dc_ioctl_check(cmd, in_bufsz, out_bufsz);
	if (err != 0) {
		SK_DF(SK_VERB_DOOR, "cmd %#x in %zu out %zu: %d", cmd,
		    in_bufsz, out_bufsz, err);
		fuse_reply_err(req, -err);
		return;
	}
	memset(&r, 0, _IOC_SIZE(cmd));
	memcpy(&r, in_buf, in_bufsz);
	dc_cred(req, h, &cr);
	err = sk_file_ioctl(h->h_file, &cr, cmd, &r, _IOC_SIZE(cmd), NULL);
	SK_DF(SK_VERB_DOOR, "pid %d cmd %#x -> %d", (int)cr.cr_pid, cmd, err);
	if (err != 0)
		fuse_reply_err(req, -err);
	else
		fuse_reply_ioctl(req, 0, out_bufsz ? &r : NULL, out_bufsz);
}

static void dc_poll(fuse_req_t req, struct fuse_file_info *fi,
    struct fuse_pollhandle *ph)
{
	struct dc_handle *h = dc_fh(fi);
	unsigned events = fi->poll_events;
	unsigned revents;
	struct sk_cred cr;

	/* Kernels before FUSE 7.21 do not say what is wanted: assume all. */
	if (events == 0)
		events = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
	if (ph != NULL) {
		dc_ph_drop(h);
		h->h_ph = ph;
	}
	dc_cred(req, h, &cr);
	revents = sk_file_poll(h->h_file, &cr, events, ph != NULL);
	/* Ready now: the kernel armed nothing, the handle is not needed. */
	if (revents != 0 && h->h_ph == ph)
		dc_ph_drop(h);
	fuse_reply_poll(req, revents);
}

/* ---- device node -------------------------------------------------------- */

/* "maj:min\n" of the device CUSE just registered, from sysfs. */
static int dc_sys_devnum(const struct door_cuse *dc, dev_t *dev)
{
	unsigned maj, min;
	FILE *f;
	int n;

	f = fopen(dc->dc_sysdev, "re");
	if (f == NULL)
		return -errno;
	n = fscanf(f, "%u:%u", &maj, &min);
	fclose(f);
	if (n != 2)
		return -EINVAL;
	*dev = makedev(maj, min);
	return 0;
}

/*
 * devtmpfs normally creates the node (mode 0600) while the kernel
 * handles our CUSE_INIT answer.  On a /dev without devtmpfs we make it
 * ourselves, replacing a stale node of an earlier run.  Then the mode.
 */
static int dc_fix_node(struct door_cuse *dc)
{
	struct stat st;
	dev_t dev = 0;
	int err;

	err = dc_sys_devnum(dc, &dev);
	if (err != 0)
		return err;
	if (lstat(dc->dc_node, &st) == 0 &&
	    (!S_ISCHR(st.st_mode) || st.st_rdev != dev)) {
		SK_ERR("replacing stale %s", dc->dc_node);
		if (unlink(dc->dc_node) < 0)
			return -errno;
	}
	if (lstat(dc->dc_node, &st) < 0) {
		if (mknod(dc->dc_node, S_IFCHR | (dc->dc_mode & 0777), dev) < 0)
			return -errno;
		dc->dc_made_node = 1;
	}
	if (chmod(dc->dc_node, dc->dc_mode) < 0)
		return -errno;
	return 0;
}

/* Did the kernel take our CUSE_INIT answer?  A refused one (device name
 * taken, ...) aborts the connection, which polls as an error at once. */
static int dc_conn_alive(const struct door_cuse *dc)
{
	struct pollfd p = { .fd = dc->dc_fd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0)
		return 1;
	return !(p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

static void dc_init_done(void *userdata)
{
	struct door_cuse *dc = userdata;
	int err;

	if (!dc_conn_alive(dc)) {
		SK_ERR("the kernel refused to create %s (is another cuse-dev "
		    "running with that name?)", dc->dc_node);
		return;		/* the next read sees ENODEV: dc_fail */
	}
	err = dc_fix_node(dc);
	if (err != 0)
		SK_ERR("%s: %s (the device exists but may be unusable)",
		    dc->dc_node, strerror(-err));
	dc->dc_ready = 1;
	if (dc->dc_on_ready != NULL)
		dc->dc_on_ready(dc->dc_arg);
}

static const struct cuse_lowlevel_ops dc_ops = {
	.init_done = dc_init_done,
	.open = dc_open,
	.read = dc_read,
	.write = dc_write,
	.release = dc_release,
	.ioctl = dc_ioctl,
	.poll = dc_poll,
};

/* ---- session in the event loop ------------------------------------------ */

static void dc_fail(struct door_cuse *dc)
{
	if (dc->dc_failed)
		return;
	dc->dc_failed = 1;
	evl_del(dc->dc_watch);
	dc->dc_watch = NULL;
	SK_ERR("CUSE session for %s ended%s", dc->dc_node,
	    dc->dc_ready ? " (connection aborted)" : " before the device "
	    "was created");
	if (dc->dc_on_fail != NULL)
		dc->dc_on_fail(dc->dc_arg);
}

static void dc_event(struct evl_watch *w, int fd, uint32_t events, void *arg)
{
	struct door_cuse *dc = arg;
	int i, n;

	for (i = 0; i < DC_BATCH; i++) {
		n = fuse_session_receive_buf(dc->dc_se, &dc->dc_buf);
		if (n == -EAGAIN)
			return;
		if (n == -EINTR)
			continue;
		if (n <= 0 || fuse_session_exited(dc->dc_se)) {
			if (n < 0)
				SK_ERR("reading %s: %s", DC_CUSE_DEV,
				    strerror(-n));
			dc_fail(dc);
			return;
		}
		fuse_session_process_buf(dc->dc_se, &dc->dc_buf);
	}
}

/* libfuse's own messages go to our log. */
__attribute__((format(printf, 2, 0)))
static void dc_fuse_log(enum fuse_log_level level, const char *fmt,
    va_list ap)
{
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	if (level <= FUSE_LOG_ERR || (sk_verbose & SK_VERB_DOOR))
		SK_ERR("libfuse: %s", line);
}

static int dc_names(struct door_cuse *dc, const char *devname)
{
	char sysname[NAME_MAX + 1];
	size_t i;

	if (snprintf(sysname, sizeof(sysname), "%s", devname) >=
	    (int)sizeof(sysname))
		return -ENAMETOOLONG;
	/* The kernel names a "a/b" device "a!b" in sysfs. */
	for (i = 0; sysname[i] != '\0'; i++)
		if (sysname[i] == '/')
			sysname[i] = '!';
	snprintf(dc->dc_node, sizeof(dc->dc_node), "/dev/%s", devname);
	snprintf(dc->dc_sysdev, sizeof(dc->dc_sysdev),
	    "/sys/class/cuse/%s/dev", sysname);
	return 0;
}

static struct fuse_session *dc_session(struct door_cuse *dc,
    const char *devname)
{
	char info[NAME_MAX + 16];
	const char *info_argv[] = { info };
	const struct cuse_info ci = {
		.dev_info_argc = 1,
		.dev_info_argv = info_argv,
		.flags = 0,		/* restricted ioctls only */
	};
	char *argv[] = { "cuse-dev", "-d", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_session *se;

	if (sk_verbose & SK_VERB_DOOR)
		args.argc = 2;		/* libfuse traces every request */
	snprintf(info, sizeof(info), "DEVNAME=%s", devname);
	se = cuse_lowlevel_new(&args, &ci, &dc_ops, dc);
	fuse_opt_free_args(&args);
	return se;
}

static int dc_attach(struct door_cuse *dc)
{
	char mnt[32];

	snprintf(mnt, sizeof(mnt), "/dev/fd/%d", dc->dc_fd);
	if (fuse_session_mount(dc->dc_se, mnt) != 0)
		return -EIO;
	/* From here on the session owns the fd (closed by destroy). */
	dc->dc_watch = evl_add(dc->dc_loop, dc->dc_fd, EPOLLIN, dc_event, dc);
	return dc->dc_watch != NULL ? 0 : -errno;
}

struct door_cuse *door_cuse_new(struct evl *l, const char *devname,
    mode_t dev_mode, void (*on_ready)(void *arg), void (*on_fail)(void *arg),
    void *arg, int *errp)
{
	struct door_cuse *dc;
	int err = -ENOMEM;

	fuse_set_log_func(dc_fuse_log);
	dc = calloc(1, sizeof(*dc));
	if (dc == NULL)
		goto fail;
	dc->dc_loop = l;
	dc->dc_mode = dev_mode;
	dc->dc_on_ready = on_ready;
	dc->dc_on_fail = on_fail;
	dc->dc_arg = arg;
	err = dc_names(dc, devname);
	if (err != 0)
		goto fail_free;
	dc->dc_fd = open(DC_CUSE_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (dc->dc_fd < 0) {
		err = -errno;
		goto fail_free;
	}
	err = -ENOMEM;
	dc->dc_se = dc_session(dc, devname);
	if (dc->dc_se == NULL)
		goto fail_close;
	err = dc_attach(dc);
	if (err != 0)
		goto fail_session;
	return dc;

fail_session:
	/* Whether mount took the fd or not, close it exactly once. */
	if (fuse_session_fd(dc->dc_se) == dc->dc_fd)
		dc->dc_fd = -1;
	fuse_session_destroy(dc->dc_se);
fail_close:
	if (dc->dc_fd >= 0)
		close(dc->dc_fd);
fail_free:
	free(dc);
fail:
	*errp = err;
	return NULL;
}

int door_cuse_failed(const struct door_cuse *dc)
{
	return dc->dc_failed;
}

void door_cuse_close_all(struct door_cuse *dc)
{
	struct dc_handle *h, *next;

	/* No request may reach a freed handle: stop serving first. */
	evl_del(dc->dc_watch);
	dc->dc_watch = NULL;
	for (h = dc->dc_handles; h != NULL; h = next) {
		next = h->h_next;
		dc_handle_close(h);
	}
}

void door_cuse_free(struct door_cuse *dc)
{
	if (dc == NULL)
		return;
	door_cuse_close_all(dc);
	/* Closing the CUSE fd unregisters the device; devtmpfs removes
	 * its node, one we made ourselves we remove. */
	fuse_session_destroy(dc->dc_se);
	if (dc->dc_made_node)
		unlink(dc->dc_node);
	free(dc->dc_buf.mem);
	free(dc);
}
