/*
 * syscalls.c - Skywalk's system calls, carried to cuse-dev.
 *
 * Theory of operation.  Apple's library calls __nexus_* and __channel_*
 * as system calls; here each is a function that builds the fixed request
 * struct of skchan_abi.h, sends it through the handle's door (door.c),
 * and copies the results back into the caller's Apple structs.  Each
 * returns 0 (or an fd) on success and -1 with errno on failure, exactly
 * as XNU's do; the daemon's positive errno becomes errno unchanged.
 *
 * What a real system call does that a request cannot, this file does:
 *  - pointers never cross the boundary: keys, option payloads and list
 *    arrays are inlined into the request and copied back out;
 *  - the descriptors: a controller or channel is a fresh handle (an open
 *    of the device or a socket connection) recorded in fdtab with the
 *    door it used and a random guard, which guarded_close_np checks;
 *  - the mapping: __channel_open maps the channel's span from the
 *    daemon's memfds (arriving with the reply on the socket door, or
 *    fetched with the one-time ticket over a socket on the CUSE door)
 *    and __channel_get_info reports where it is, since the daemon
 *    cannot know our address space;
 *  - the close: XNU's is synchronous, a door's release is not, so
 *    guarded_close_np asks the daemon to close the handle first.
 *
 * Argument checks the daemon cannot make (NULL pointers, short lengths,
 * keys it never sees) are made here, with XNU's errnos; every semantic
 * check is the daemon's.  A handle that is not ours gives EBADF if the
 * fd is not open at all and ENODEV if it is open but of the wrong kind,
 * as XNU's fp_get_ftype() does.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "door.h"

static int
sc_fail(int err)
{
	errno = err;
	return -1;
}

/* Close an fd we opened without disturbing the errno being reported. */
static void
sc_close(int fd)
{
	int err = errno;

	close(fd);
	errno = err;
}

/*
 * fd must be one of ours, of the right kind, and still the file we
 * opened: one closed with close(2) and reused by the program must never
 * receive a request frame (XNU would have killed the process at the
 * close; one fstat is cheap next to the round trip).
 */
static int
sc_handle(int fd, enum fdt_type type, struct fdt_ent *e)
{
	if (fdt_lookup(fd, e) == 0 && e->fe_type == type &&
	    fdt_same_file(fd, e))
		return 0;
	return sc_fail(fcntl(fd, F_GETFD) < 0 ? EBADF : ENODEV);
}

static int
sc_call(int fd, enum fdt_type type, uint32_t cmd, void *req)
{
	struct fdt_ent e;

	if (sc_handle(fd, type, &e) < 0)
		return -1;
	return udoor_call(fd, e.fe_door, cmd, req, NULL);
}

/* ---- nexus controller ------------------------------------------------- */

/* Open a handle and make it a controller; returns the fd. */
static int
sc_nexus_open(const struct nxctl_init *init, uint32_t flags, uint64_t *guard)
{
	struct fdt_ent e = {
	    .fe_type = FDT_CONTROLLER, .fe_evfd = -1, .fe_flags = flags};
	struct skc_nexus_open req;
	int fd;

	fd = udoor_open(&e.fe_door);
	if (fd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.no_hdr, sizeof(req));
	req.no_init.ni_version = init->ni_version;
	e.fe_guard = fdt_new_guard();
	if (udoor_call(fd, e.fe_door, SKC_IOC_NEXUS_OPEN, &req, NULL) < 0 ||
	    fdt_insert(fd, &e) < 0) {
		sc_close(fd);
		return -1;
	}
	*guard = e.fe_guard;
	return fd;
}

int
__nexus_open(struct nxctl_init *init, const uint32_t init_len)
{
	uint64_t guard;
	int fd;

	if (init == NULL || init_len < sizeof(*init))
		return sc_fail(EINVAL);
	if (init->ni_version != NEXUSCTL_INIT_CURRENT_VERSION)
		return sc_fail(ENOTSUP);
	fd = sc_nexus_open(init, 0, &guard);
	if (fd >= 0)
		init->ni_guard = guard;
	return fd;
}

int
__nexus_register(int ctl, struct nxprov_reg *reg, const uint32_t reg_len,
		 uuid_t *prov_uuid, const uint32_t prov_uuid_len)
{
	struct skc_nexus_register req;

	if (reg == NULL || reg_len < sizeof(*reg) || prov_uuid == NULL ||
	    prov_uuid_len < sizeof(uuid_t))
		return sc_fail(EINVAL);
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.nr_hdr, sizeof(req));
	req.nr_reg = *reg;
	if (sc_call(ctl, FDT_CONTROLLER, SKC_IOC_NEXUS_REGISTER, &req) < 0)
		return -1;
	uuid_copy(*prov_uuid, req.nr_prov_uuid);
	return 0;
}

/* __nexus_deregister and __nexus_destroy: one UUID in. */
static int
sc_nexus_uuid(int ctl, uint32_t cmd, const uuid_t uuid, uint32_t len)
{
	struct skc_nexus_uuid req;

	if (uuid == NULL || len < sizeof(uuid_t))
		return sc_fail(EINVAL);
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.nu_hdr, sizeof(req));
	uuid_copy(req.nu_uuid, uuid);
	return sc_call(ctl, FDT_CONTROLLER, cmd, &req);
}

int
__nexus_deregister(int ctl, const uuid_t prov_uuid,
		   const uint32_t prov_uuid_len)
{
	return sc_nexus_uuid(ctl, SKC_IOC_NEXUS_DEREGISTER, prov_uuid,
			     prov_uuid_len);
}

int
__nexus_destroy(int ctl, const uuid_t nx_uuid, const uint32_t nx_uuid_len)
{
	return sc_nexus_uuid(ctl, SKC_IOC_NEXUS_DESTROY, nx_uuid, nx_uuid_len);
}

int
__nexus_create(int ctl, const uuid_t prov_uuid, const uint32_t prov_uuid_len,
	       uuid_t *nx_uuid, const uint32_t nx_uuid_len)
{
	struct skc_nexus_create req;

	if (prov_uuid == NULL || prov_uuid_len < sizeof(uuid_t) ||
	    nx_uuid == NULL || nx_uuid_len < sizeof(uuid_t))
		return sc_fail(EINVAL);
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.nc_hdr, sizeof(req));
	uuid_copy(req.nc_prov_uuid, prov_uuid);
	if (sc_call(ctl, FDT_CONTROLLER, SKC_IOC_NEXUS_CREATE, &req) < 0)
		return -1;
	uuid_copy(*nx_uuid, req.nc_nx_uuid);
	return 0;
}

/* ---- nexus options ---------------------------------------------------- */

static void
sc_opt_init(struct skc_nexus_opt *req, uint32_t opt, uint32_t len)
{
	/* all of it: the whole struct travels, and stack bytes must not */
	memset(req, 0, sizeof(*req));
	udoor_hdr_init(&req->no_hdr, sizeof(*req));
	req->no_opt = opt;
	req->no_len = len;
}

/* One option request on an already looked-up controller. */
static int
sc_opt_call(int ctl, const struct fdt_ent *e, uint32_t cmd,
	    struct skc_nexus_opt *req)
{
	uint32_t cap = req->no_len;

	if (udoor_call(ctl, e->fe_door, cmd, req, NULL) < 0)
		return -1;
	if (req->no_len > cap) /* the daemon wrote past our buffer */
		return sc_fail(EIO);
	return 0;
}

/* Options with no pointers inside: the bytes go as they are. */
static int
sc_get_raw(int ctl, const struct fdt_ent *e, uint32_t opt, void *val,
	   uint32_t *len)
{
	uint32_t cap = val != NULL ? *len : 0;
	struct skc_nexus_opt req;

	if (cap > SKC_OPT_DATA_MAX)
		cap = SKC_OPT_DATA_MAX;
	sc_opt_init(&req, opt, cap);
	if (cap != 0)
		memcpy(req.no_data, val, cap);
	if (sc_opt_call(ctl, e, SKC_IOC_NEXUS_GET_OPT, &req) < 0)
		return -1;
	if (req.no_len != 0)
		memcpy(val, req.no_data, req.no_len);
	*len = req.no_len;
	return 0;
}

/*
 * A list of UUIDs (skc_list form).  Fills up to cap entries of out
 * (which may be NULL when cap is 0) and reports count and total.
 */
static int
sc_list(int ctl, const struct fdt_ent *e, uint32_t opt, const uuid_t key,
	uuid_t *out, uint32_t *count, uint32_t *total)
{
	uint32_t cap = *count > SKC_LIST_MAX ? SKC_LIST_MAX : *count;
	struct skc_nexus_opt req;
	struct skc_list lh;

	sc_opt_init(&req, opt, sizeof(lh) + cap * sizeof(uuid_t));
	memset(&lh, 0, sizeof(lh));
	if (key != NULL)
		uuid_copy(lh.lh_uuid, key);
	memcpy(req.no_data, &lh, sizeof(lh));
	if (sc_opt_call(ctl, e, SKC_IOC_NEXUS_GET_OPT, &req) < 0)
		return -1;
	memcpy(&lh, req.no_data, sizeof(lh));
	if (req.no_len < sizeof(lh) || lh.lh_count > cap ||
	    req.no_len < sizeof(lh) + lh.lh_count * sizeof(uuid_t))
		return sc_fail(EIO);
	if (lh.lh_count != 0)
		memcpy(out, req.no_data + sizeof(lh),
		       lh.lh_count * sizeof(uuid_t));
	*count = lh.lh_count;
	*total = lh.lh_total;
	return 0;
}

/*
 * Apple's list requests carry a count and a user array.  In: the array's
 * capacity; out: the entries written, or, when the array pointer is
 * NULL, how many exist (so a caller can size its array).
 */
static int
sc_list_out(uint32_t *num, user_addr_t arr, uint32_t count, uint32_t total)
{
	*num = arr != 0 ? count : total;
	return 0;
}

static int
sc_nx_list(int ctl, const struct fdt_ent *e, void *val, uint32_t *len)
{
	struct nx_list_req *r = val;
	uint32_t n, total;

	if (r == NULL || *len < sizeof(*r))
		return sc_fail(EINVAL);
	n = r->nl_nx_uuids != 0 ? r->nl_num_nx_uuids : 0;
	if (sc_list(ctl, e, NXOPT_NEXUS_LIST, r->nl_prov_uuid,
		    (uuid_t *)(uintptr_t)r->nl_nx_uuids, &n, &total) < 0)
		return -1;
	*len = sizeof(*r);
	return sc_list_out(&r->nl_num_nx_uuids, r->nl_nx_uuids, n, total);
}

static int
sc_ch_list(int ctl, const struct fdt_ent *e, void *val, uint32_t *len)
{
	struct ch_list_req *r = val;
	uint32_t n, total;

	if (r == NULL || *len < sizeof(*r))
		return sc_fail(EINVAL);
	n = r->cl_ch_uuids != 0 ? r->cl_num_ch_uuids : 0;
	if (sc_list(ctl, e, NXOPT_CHANNEL_LIST, r->cl_nx_uuid,
		    (uuid_t *)(uintptr_t)r->cl_ch_uuids, &n, &total) < 0)
		return -1;
	*len = sizeof(*r);
	return sc_list_out(&r->cl_num_ch_uuids, r->cl_ch_uuids, n, total);
}

/* Fill one provider entry; ENOENT means it went away meanwhile. */
static int
sc_prov_entry(int ctl, const struct fdt_ent *e, const uuid_t uuid,
	      struct nxprov_reg_ent *ent)
{
	uint32_t len = sizeof(*ent);

	memset(ent, 0, sizeof(*ent));
	uuid_copy(ent->npre_prov_uuid, uuid);
	return sc_get_raw(ctl, e, NXOPT_NEXUS_PROV_ENTRY, ent, &len);
}

/*
 * The provider list returns whole entries (UUID + params); the protocol
 * lists UUIDs, so each entry is fetched after.  A provider deregistered
 * in between is left out.
 */
static int
sc_prov_list(int ctl, const struct fdt_ent *e, void *val, uint32_t *len)
{
	struct nxprov_list_req *r = val;
	struct nxprov_reg_ent *ents;
	uuid_t uuids[SKC_LIST_MAX];
	uint32_t i, n, total, w = 0;

	if (r == NULL || *len < sizeof(*r))
		return sc_fail(EINVAL);
	ents = (struct nxprov_reg_ent *)(uintptr_t)r->nrl_regs;
	n = ents != NULL ? r->nrl_num_regs : 0;
	if (sc_list(ctl, e, NXOPT_NEXUS_PROV_LIST, NULL, uuids, &n, &total) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (sc_prov_entry(ctl, e, uuids[i], &ents[w]) == 0)
			w++;
		else if (errno != ENOENT)
			return -1;
	}
	*len = sizeof(*r);
	return sc_list_out(&r->nrl_num_regs, r->nrl_regs, w, total);
}

int
__nexus_get_opt(int ctl, const uint32_t opt, void *aoptval, uint32_t *aoptlen)
{
	struct fdt_ent e;

	if (sc_handle(ctl, FDT_CONTROLLER, &e) < 0)
		return -1;
	if (aoptlen == NULL)
		return sc_fail(EINVAL);
	switch (opt) {
	case NXOPT_NEXUS_PROV_LIST:
		return sc_prov_list(ctl, &e, aoptval, aoptlen);
	case NXOPT_NEXUS_LIST:
		return sc_nx_list(ctl, &e, aoptval, aoptlen);
	case NXOPT_CHANNEL_LIST:
		return sc_ch_list(ctl, &e, aoptval, aoptlen);
	default:
		return sc_get_raw(ctl, &e, opt, aoptval, aoptlen);
	}
}

static int
sc_set_raw(int ctl, const struct fdt_ent *e, uint32_t opt, const void *val,
	   uint32_t len)
{
	struct skc_nexus_opt req;

	if (val == NULL)
		len = 0;
	if (len > SKC_OPT_DATA_MAX)
		return sc_fail(EINVAL);
	sc_opt_init(&req, opt, len);
	if (len != 0)
		memcpy(req.no_data, val, len);
	return sc_opt_call(ctl, e, SKC_IOC_NEXUS_SET_OPT, &req);
}

/* NXOPT_NEXUS_BIND: the key follows the request (nb_key is not sent). */
static int
sc_bind(int ctl, const struct fdt_ent *e, const void *val, uint32_t len)
{
	struct skc_nexus_opt req;
	struct nx_bind_req nbr;

	if (val == NULL || len < sizeof(nbr))
		return sc_fail(EINVAL);
	memcpy(&nbr, val, sizeof(nbr));
	if (nbr.nb_key_len > NEXUS_MAX_KEY_LEN ||
	    (nbr.nb_key_len != 0 && nbr.nb_key == 0))
		return sc_fail(EINVAL);
	sc_opt_init(&req, NXOPT_NEXUS_BIND, sizeof(nbr) + nbr.nb_key_len);
	if (nbr.nb_key_len != 0)
		memcpy(req.no_data + sizeof(nbr),
		       (const void *)(uintptr_t)nbr.nb_key, nbr.nb_key_len);
	nbr.nb_key = 0;
	memcpy(req.no_data, &nbr, sizeof(nbr));
	return sc_opt_call(ctl, e, SKC_IOC_NEXUS_SET_OPT, &req);
}

/*
 * NXOPT_NEXUS_CONFIG: the command's struct follows the request and is
 * written back into the caller's (ifattach returns the attachment UUID
 * in it, flow_add the port and addresses).  A set-only ioctl copies
 * nothing out through CUSE, so config goes as a GET_OPT (in/out) first;
 * a daemon that serves config only as a set answers ENOPROTOOPT, and
 * the request is repeated as SET_OPT.
 */
static int
sc_config(int ctl, const struct fdt_ent *e, const void *val, uint32_t len)
{
	struct skc_nexus_opt req;
	struct nx_cfg_req ncr;
	uint32_t total;
	void *body;

	if (val == NULL || len < sizeof(ncr))
		return sc_fail(EINVAL);
	memcpy(&ncr, val, sizeof(ncr));
	if (ncr.nc_req_len > SKC_OPT_DATA_MAX - sizeof(ncr) ||
	    (ncr.nc_req_len != 0 && ncr.nc_req == 0))
		return sc_fail(EINVAL);
	body = (void *)(uintptr_t)ncr.nc_req;
	total = (uint32_t)sizeof(ncr) + ncr.nc_req_len;
	sc_opt_init(&req, NXOPT_NEXUS_CONFIG, total);
	if (ncr.nc_req_len != 0)
		memcpy(req.no_data + sizeof(ncr), body, ncr.nc_req_len);
	ncr.nc_req = 0;
	memcpy(req.no_data, &ncr, sizeof(ncr));
	if (sc_opt_call(ctl, e, SKC_IOC_NEXUS_GET_OPT, &req) < 0) {
		if (errno != ENOPROTOOPT)
			return -1;
		req.no_len = total;
		if (sc_opt_call(ctl, e, SKC_IOC_NEXUS_SET_OPT, &req) < 0)
			return -1;
	}
	if (req.no_len >= total && ncr.nc_req_len != 0)
		memcpy(body, req.no_data + sizeof(ncr), ncr.nc_req_len);
	return 0;
}

/*
 * __nexus_set_opt(-1, ...) names the process's shared user controller,
 * opened on first use and kept (close-on-fork like any other: the child
 * opens its own).  It is marked FDTF_SHARED so a recycled fd number is
 * never mistaken for it.
 */
static pthread_mutex_t sc_shared_lock = PTHREAD_MUTEX_INITIALIZER;
static int sc_shared_fd = -1;

static int
sc_shared_ctl(void)
{
	struct nxctl_init init = {.ni_version = NEXUSCTL_INIT_CURRENT_VERSION};
	struct fdt_ent e;
	uint64_t guard;
	int fd;

	pthread_mutex_lock(&sc_shared_lock);
	fd = sc_shared_fd;
	if (fd < 0 || fdt_lookup(fd, &e) < 0 || !(e.fe_flags & FDTF_SHARED))
		fd = sc_shared_fd = sc_nexus_open(&init, FDTF_SHARED, &guard);
	pthread_mutex_unlock(&sc_shared_lock);
	return fd;
}

int
__nexus_set_opt(int ctl, const uint32_t opt, const void *aoptval,
		const uint32_t optlen)
{
	struct fdt_ent e;

	if (ctl == __OS_NEXUS_SHARED_USER_CONTROLLER_FD) {
		ctl = sc_shared_ctl();
		if (ctl < 0)
			return -1;
	}
	if (sc_handle(ctl, FDT_CONTROLLER, &e) < 0)
		return -1;
	switch (opt) {
	case NXOPT_NEXUS_BIND:
		return sc_bind(ctl, &e, aoptval, optlen);
	case NXOPT_NEXUS_CONFIG:
		return sc_config(ctl, &e, aoptval, optlen);
	default:
		return sc_set_raw(ctl, &e, opt, aoptval, optlen);
	}
}

/* ---- channel open --------------------------------------------------- */

/* Build the open request: the key travels inline, never as a pointer. */
static int
sc_ch_req(struct skc_channel_open *req, const struct ch_init *init)
{
	if (init->ci_key_len > NEXUS_MAX_KEY_LEN ||
	    (init->ci_key == 0) != (init->ci_key_len == 0))
		return sc_fail(EINVAL);
	memset(req, 0, sizeof(*req));
	udoor_hdr_init(&req->co_hdr, sizeof(*req));
	req->co_init = *init;
	req->co_init.ci_key = 0;
	req->co_init.ci_guard = 0;
	if (init->ci_key_len != 0)
		memcpy(req->co_key, (const void *)(uintptr_t)init->ci_key,
		       init->ci_key_len);
	return 0;
}

/* CUSE door: claim the memfds with the ticket over a fresh socket. */
static int
sc_arena_fetch(uint64_t ticket, struct udoor_fds *fds)
{
	struct skc_arena_fetch req;
	int s, rc;

	s = udoor_sock_connect();
	if (s < 0)
		return sc_fail(ENXIO);
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.af_hdr, sizeof(req));
	req.af_ticket = ticket;
	rc = udoor_call(s, UDOOR_SOCKET, SKC_IOC_ARENA_FETCH, &req, fds);
	sc_close(s);
	if (rc == 0 && req.af_nfds != fds->df_count) {
		udoor_fds_close(fds);
		return sc_fail(EIO);
	}
	return rc;
}

/*
 * Gather the descriptors of an open channel: nfds memfds and, on the
 * socket door, the wakeup eventfd after them.
 */
static int
sc_ch_fds(const struct fdt_ent *e, const struct skc_channel_open *req,
	  struct udoor_fds *fds, int *evfd)
{
	unsigned want = req->co_map.mp_nfds;

	*evfd = -1;
	if (e->fe_door == UDOOR_CUSE)
		return sc_arena_fetch(req->co_ticket, fds);
	if (fds->df_count != want + 1 || want > SKC_MAP_FDS_MAX) {
		udoor_fds_close(fds);
		return sc_fail(EIO);
	}
	*evfd = fds->df_fd[--fds->df_count];
	fcntl(*evfd, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Map the span and record the channel; consumes the memfds either way. */
static int
sc_ch_setup(int fd, struct fdt_ent *e, const struct skc_channel_open *req,
	    struct udoor_fds *fds)
{
	int rc;

	rc = uarena_map(&req->co_map, fds->df_fd, fds->df_count, &e->fe_base);
	udoor_fds_close(fds);
	if (rc < 0)
		return -1;
	e->fe_size = (size_t)req->co_map.mp_span_size;
	if (fdt_insert(fd, e) < 0) {
		uarena_unmap(e->fe_base, e->fe_size);
		return -1;
	}
	return 0;
}

int
__channel_open(struct ch_init *init, const uint32_t init_len)
{
	struct fdt_ent e = {.fe_type = FDT_CHANNEL, .fe_evfd = -1};
	struct skc_channel_open req;
	struct udoor_fds fds;
	int fd;

	if (init == NULL || init_len < sizeof(*init))
		return sc_fail(EINVAL);
	if (sc_ch_req(&req, init) < 0)
		return -1;
	fd = udoor_open(&e.fe_door);
	if (fd < 0)
		return -1;
	if (udoor_call(fd, e.fe_door, SKC_IOC_CHANNEL_OPEN, &req, &fds) < 0)
		goto fail;
	if (sc_ch_fds(&e, &req, &fds, &e.fe_evfd) < 0)
		goto fail;
	e.fe_guard = fdt_new_guard();
	if (sc_ch_setup(fd, &e, &req, &fds) < 0)
		goto fail_evfd;
	init->ci_guard = e.fe_guard;
	init->ci_key = 0;
	return fd;
fail_evfd:
	if (e.fe_evfd >= 0)
		sc_close(e.fe_evfd);
fail:
	sc_close(fd);
	return -1;
}

/* ---- channel requests --------------------------------------------------- */

int
__channel_get_info(int c, struct ch_info *cinfo, const uint32_t cinfolen)
{
	struct skc_channel_info req;
	struct fdt_ent e;

	if (sc_handle(c, FDT_CHANNEL, &e) < 0)
		return -1;
	if (cinfo == NULL || cinfolen < sizeof(*cinfo))
		return sc_fail(EINVAL);
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.ci_hdr, sizeof(req));
	if (udoor_call(c, e.fe_door, SKC_IOC_CHANNEL_INFO, &req, NULL) < 0)
		return -1;
	*cinfo = req.ci_info;
	/* only we know where the span is in this address space */
	cinfo->cinfo_mem_base = (mach_vm_address_t)(uintptr_t)e.fe_base;
	return 0;
}

int
__channel_sync(int c, const int mode, const sync_flags_t flags)
{
	struct skc_channel_sync req = {
	    .cs_mode = mode,
	    .cs_flags = flags,
	};

	udoor_hdr_init(&req.cs_hdr, sizeof(req));
	return sc_call(c, FDT_CHANNEL, SKC_IOC_CHANNEL_SYNC, &req);
}

int
__channel_get_opt(int c, const uint32_t opt, void *aoptval, uint32_t *aoptlen)
{
	struct skc_channel_opt req;
	struct fdt_ent e;
	uint32_t cap;

	if (sc_handle(c, FDT_CHANNEL, &e) < 0)
		return -1;
	if (aoptlen == NULL)
		return sc_fail(EINVAL);
	cap = aoptval == NULL ? 0 : *aoptlen;
	if (cap > SKC_CHOPT_DATA_MAX)
		cap = SKC_CHOPT_DATA_MAX;
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.co_hdr, sizeof(req));
	req.co_opt = opt;
	req.co_len = cap;
	if (udoor_call(c, e.fe_door, SKC_IOC_CHANNEL_GET_OPT, &req, NULL) < 0)
		return -1;
	if (req.co_len > cap)
		return sc_fail(EIO);
	if (req.co_len != 0)
		memcpy(aoptval, req.co_data, req.co_len);
	*aoptlen = req.co_len;
	return 0;
}

int
__channel_set_opt(int c, const uint32_t opt, const void *aoptval,
		  const uint32_t optlen)
{
	struct skc_channel_opt req;
	uint32_t len = aoptval == NULL ? 0 : optlen;

	if (len > SKC_CHOPT_DATA_MAX)
		return sc_fail(EINVAL);
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.co_hdr, sizeof(req));
	req.co_opt = opt;
	req.co_len = len;
	if (len != 0)
		memcpy(req.co_data, aoptval, len);
	return sc_call(c, FDT_CHANNEL, SKC_IOC_CHANNEL_SET_OPT, &req);
}

/*
 * XNU's close is synchronous: when it returns, the port is free and the
 * controller's providers are gone.  Our doors' releases trail close(2),
 * so the daemon is told first and answers once it has torn the handle
 * down.  Its answer does not matter: an old daemon says ENOTTY (and the
 * release will do), a dead one cannot hold anything.  An fd that is no
 * longer the file we opened (closed and reused behind our back) is sent
 * nothing.  Only here: the fork child's handler must never send it, the
 * parent still owns the handle.
 */
static void
sc_handle_close(int fd, const struct fdt_ent *e)
{
	struct skc_handle_close req;
	int err = errno;

	if (!fdt_same_file(fd, e))
		return;
	memset(&req, 0, sizeof(req));
	udoor_hdr_init(&req.hc_hdr, sizeof(req));
	(void)udoor_call(fd, e->fe_door, SKC_IOC_HANDLE_CLOSE, &req, NULL);
	errno = err;
}

/*
 * The only sanctioned close of a controller or channel fd.  As XNU's:
 * EFAULT for no guard, EBADF for an fd that is not open, EINVAL for an
 * open fd that carries no guard, EPERM for the wrong guard (XNU also
 * raises a guard exception; the process is not killed here).
 */
int
guarded_close_np(int fd, const guardid_t *guard)
{
	struct fdt_ent e;

	if (guard == NULL)
		return sc_fail(EFAULT);
	if (fdt_remove(fd, *guard, &e) < 0) {
		if (errno == EBADF && fcntl(fd, F_GETFD) >= 0)
			errno = EINVAL;
		return -1;
	}
	sc_handle_close(fd, &e);
	fdt_release(fd, &e);
	return 0;
}
