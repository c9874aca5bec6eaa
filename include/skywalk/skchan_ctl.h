/*
 * skchan_ctl.h - skchan's control SPI: daemon requests for tools.
 *
 * Not Apple API.  skctl and test tools use it to send the daemon's
 * control requests (SKC_IOC_CTL_* and later ones of skchan_abi.h)
 * through the same doors, with the same environment rules, as every
 * Skywalk call of libskywalk: SKCHAN_DOOR (cuse|socket|auto),
 * SKCHAN_DEVICE, SKCHAN_SOCKET.
 *
 * Functions return 0 (or a pointer) on success and -1 (NULL) with errno
 * set on failure.  errno ENXIO from skchan_ctl_open() means no door
 * reached the daemon (libskywalk has printed one line saying which door
 * failed and why); ENOTTY from a request means the daemon does not know
 * that request (an older daemon).
 */
#ifndef _SKYWALK_SKCHAN_CTL_H_
#define _SKYWALK_SKCHAN_CTL_H_

#include <stddef.h>
#include <stdint.h>
#include <skywalk/skchan_abi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct skchan_ctl;

/* One handle to the daemon, opened by the environment's rules. */
struct skchan_ctl *skchan_ctl_open(void);
void skchan_ctl_close(struct skchan_ctl *ctl);

/* The door the handle went through: SKC_CTL_DOOR_CUSE or _SOCKET. */
int skchan_ctl_door(const struct skchan_ctl *ctl);

/*
 * Send one request: req holds the struct of cmd (_IOC_SIZE(cmd) bytes,
 * which must begin with struct skc_req_hdr); the header is filled in
 * here, the rest is the caller's.  The reply overwrites req.
 */
int skchan_ctl_call(struct skchan_ctl *ctl, uint32_t cmd, void *req);

/* SKC_IOC_CTL_INFO and SKC_IOC_CTL_STATS into a caller's struct. */
int skchan_ctl_info(struct skchan_ctl *ctl, struct skc_ctl_info *info);
int skchan_ctl_stats(struct skchan_ctl *ctl, struct skc_ctl_stats *st);

/*
 * Every entry of the kinds asked for (SKC_CTL_KIND_BIT()s, 0 = all),
 * one consistent walk: pages are fetched until the walk is complete and
 * the walk is restarted (a few times) when objects changed meanwhile.
 * *entsp is malloc()ed (NULL when there are no entries), the caller
 * frees it; *countp entries.
 */
int skchan_ctl_list(struct skchan_ctl *ctl, uint32_t kinds,
		    struct skc_ctl_ent **entsp, size_t *countp);

#ifdef __cplusplus
}
#endif

#endif /* _SKYWALK_SKCHAN_CTL_H_ */
