/*
 * sk_log.h - the daemon's logging, shaped like Skywalk's: SK_ERR always,
 * SK_DF(flag, ...) when that debug flag is on (compiled away unless
 * SK_LOG_DEBUG), SK_RD rate-limited for things a client can trigger in a
 * loop.  One sink: stderr (the service manager or with-skchan keeps it).
 * The library (libos) never logs; only the daemon does.
 */
#ifndef SK_LOG_H
#define SK_LOG_H

#include <stdint.h>

#define SK_VERB_DEFAULT  0x0001u
#define SK_VERB_CHANNEL  0x0002u
#define SK_VERB_NEXUS    0x0004u
#define SK_VERB_SYNC     0x0008u
#define SK_VERB_DOOR     0x0010u
#define SK_VERB_MEM      0x0020u
#define SK_VERB_BACKEND  0x0040u

extern uint32_t sk_verbose;     /* SK_VERB_* mask, set by --verbose */

void sk_log(const char *func, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sk_log_ratelimit(void);     /* 1 when a rate-limited line may go out */

#define SK_ERR(fmt, ...) sk_log(__func__, fmt, ##__VA_ARGS__)

#define SK_RD(fmt, ...) do {                                            \
	if (sk_log_ratelimit())                                         \
		sk_log(__func__, fmt, ##__VA_ARGS__);                   \
} while (0)

#ifdef SK_LOG_DEBUG
#define SK_DF(flag, fmt, ...) do {                                      \
	if (sk_verbose & (flag))                                        \
		sk_log(__func__, fmt, ##__VA_ARGS__);                   \
} while (0)
#else
#define SK_DF(flag, fmt, ...) do {                                      \
	if (0)                                                          \
		sk_log(__func__, fmt, ##__VA_ARGS__);                   \
} while (0)
#endif

#endif /* SK_LOG_H */
