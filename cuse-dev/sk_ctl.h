/*
 * sk_ctl.h - the kernel side of the introspection requests (skctl).
 *
 * SKC_IOC_CTL_INFO says who the daemon is; SKC_IOC_CTL_LIST walks its
 * objects a page at a time.  Both only read kernel state.  sk_kern.c's
 * dispatch table calls the handlers and the reserved-field checks below;
 * tests call them in-process.  Daemon-internal.
 */
#ifndef SK_CTL_H
#define SK_CTL_H

#include "sk_kern.h"

struct kern_channel;

/* Remember when the daemon started (sk_kern_init). */
void sk_ctl_init(void);

/* Reserved fields must be zero: 0 or -EINVAL (skk_copyin). */
int sk_ctl_info_reserved(const void *arg);
int sk_ctl_list_reserved(const void *arg);

/* The handlers: door is the one the request came through. */
int sk_ctl_info(struct skc_ctl_info *req, enum sk_door door);
int sk_ctl_list(struct skc_ctl_list *req);

/* Defined in sk_kern.c, which owns the handles: the door a channel was
 * opened through, 0 (SKC_CTL_DOOR_NONE) when the kernel opened it. */
enum sk_door sk_kern_channel_door(const struct kern_channel *ch);

#endif /* SK_CTL_H */
