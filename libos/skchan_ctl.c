/*
 * skchan_ctl.c - the control SPI (skchan_ctl.h): daemon requests for
 * tools, carried by door.c like every other request.
 *
 * Theory of operation.  A control handle is a plain door handle that
 * never becomes a controller or a channel: the daemon serves its
 * control requests on any handle.  It is not entered in fdtab (it needs
 * no guard, no span and no fork handling of its own: O_CLOEXEC, and a
 * forked child may keep using it, requests being stateless), so Apple's
 * API never sees it.
 *
 * CTL_LIST pages are stitched together here so that tools get one
 * consistent array: when the daemon answers ESTALE (objects came or went
 * between two pages) the walk starts over, a bounded number of times;
 * a daemon that changes faster than that gets EAGAIN back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <skywalk/skchan_ctl.h>

#include "door.h"

#define SKCTL_LIST_TRIES 8

struct skchan_ctl {
	int sc_fd;
	enum udoor_kind sc_kind;
};

struct skchan_ctl *
skchan_ctl_open(void)
{
	struct skchan_ctl *ctl = calloc(1, sizeof(*ctl));
	int err;

	if (ctl == NULL)
		return NULL;
	ctl->sc_fd = udoor_open(&ctl->sc_kind);
	if (ctl->sc_fd < 0) {
		err = errno;
		free(ctl);
		errno = err;
		return NULL;
	}
	return ctl;
}

void
skchan_ctl_close(struct skchan_ctl *ctl)
{
	if (ctl == NULL)
		return;
	close(ctl->sc_fd);
	free(ctl);
}

int
skchan_ctl_door(const struct skchan_ctl *ctl)
{
	return ctl->sc_kind == UDOOR_CUSE ? SKC_CTL_DOOR_CUSE
					  : SKC_CTL_DOOR_SOCKET;
}

int
skchan_ctl_call(struct skchan_ctl *ctl, uint32_t cmd, void *req)
{
	if (ctl == NULL || req == NULL ||
	    _IOC_SIZE(cmd) < sizeof(struct skc_req_hdr)) {
		errno = EINVAL;
		return -1;
	}
	udoor_hdr_init(req, _IOC_SIZE(cmd));
	return udoor_call(ctl->sc_fd, ctl->sc_kind, cmd, req, NULL);
}

int
skchan_ctl_info(struct skchan_ctl *ctl, struct skc_ctl_info *info)
{
	memset(info, 0, sizeof(*info));
	return skchan_ctl_call(ctl, SKC_IOC_CTL_INFO, info);
}

int
skchan_ctl_stats(struct skchan_ctl *ctl, struct skc_ctl_stats *st)
{
	memset(st, 0, sizeof(*st));
	return skchan_ctl_call(ctl, SKC_IOC_CTL_STATS, st);
}

/* ---- CTL_LIST ------------------------------------------------------------ */

struct skctl_acc {
	struct skc_ctl_ent *a_ents;
	size_t a_count;
	size_t a_cap;
};

static int
skctl_acc_add(struct skctl_acc *a, const struct skc_ctl_ent *e, size_t n)
{
	struct skc_ctl_ent *p;
	size_t cap = a->a_cap;

	if (n == 0)
		return 0;
	while (a->a_count + n > cap)
		cap = cap != 0 ? 2 * cap : 32;
	if (cap != a->a_cap) {
		p = realloc(a->a_ents, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		a->a_ents = p;
		a->a_cap = cap;
	}
	memcpy(a->a_ents + a->a_count, e, n * sizeof(*e));
	a->a_count += n;
	return 0;
}

/* One complete walk; -1/ESTALE when the objects changed under it. */
static int
skctl_walk(struct skchan_ctl *ctl, uint32_t kinds, struct skctl_acc *a,
	   struct skc_ctl_list *req)
{
	uint64_t cursor = 0;

	a->a_count = 0;
	do {
		memset(req, 0, sizeof(*req));
		req->ls_kinds = kinds;
		req->ls_cursor = cursor;
		if (skchan_ctl_call(ctl, SKC_IOC_CTL_LIST, req) < 0)
			return -1;
		if (req->ls_count > SKC_CTL_LIST_MAX) {
			errno = EIO;
			return -1;
		}
		if (skctl_acc_add(a, req->ls_ent, req->ls_count) < 0)
			return -1;
		cursor = req->ls_cursor;
	} while (cursor != 0 && req->ls_count != 0);
	return 0;
}

int
skchan_ctl_list(struct skchan_ctl *ctl, uint32_t kinds,
		struct skc_ctl_ent **entsp, size_t *countp)
{
	struct skctl_acc a = {NULL, 0, 0};
	struct skc_ctl_list *req = malloc(sizeof(*req));
	int tries, rc = -1, err;

	if (req == NULL)
		return -1;
	for (tries = 0; tries < SKCTL_LIST_TRIES; tries++) {
		rc = skctl_walk(ctl, kinds, &a, req);
		if (rc == 0 || errno != ESTALE)
			break;
	}
	err = rc == 0 ? 0 : (errno == ESTALE ? EAGAIN : errno);
	free(req);
	if (rc < 0) {
		free(a.a_ents);
		errno = err;
		return -1;
	}
	*entsp = a.a_ents;
	*countp = a.a_count;
	return 0;
}
