/*
 * sk_var.h - what every file of the emulated kernel shares.
 *
 * Included first by each kernel file (directly or through its own
 * *_var.h): it turns on SKCHAN_KERNEL so the shared structures' kernel-
 * owned fields are writable here (they are const for programs), and it
 * holds the few per-daemon globals: the identity published in every
 * schema, the metadata redzone cookie and the counters behind
 * SKC_IOC_CTL_STATS.  Daemon-internal; never installed.
 */
#ifndef SK_VAR_H
#define SK_VAR_H

#ifndef SKCHAN_KERNEL
#define SKCHAN_KERNEL 1
#endif

#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/queue.h>

#include "sk_kern.h"
#include "sk_log.h"

#define SK_KERN_VERSION         "0.1.0"
#define SK_KERN_NAME            "skchan cuse-dev " SK_KERN_VERSION

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                      \
	for ((var) = TAILQ_FIRST(head);                                 \
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);      \
	    (var) = (tvar))
#endif

/* Set once by sk_kern_init(), random per daemon start. */
extern uint64_t sk_md_redzone_cookie;
extern uuid_t sk_kern_uuid;

/* Counters that are not object counts (those are kept by each module). */
struct sk_counters {
	uint64_t skc_requests;
	uint64_t skc_errors;
	uint64_t skc_kills;
};
extern struct sk_counters sk_counters;

uint64_t sk_now_ns(void);
void sk_kill_process(const struct sk_cred *cred, const char *why);

/* Debug-only checks of internal invariants; never for client input. */
#ifdef SK_LOG_DEBUG
#define SK_ASSERT(x) do {                                               \
	if (!(x)) {                                                     \
		SK_ERR("assertion failed: %s", #x);                     \
		abort();                                                \
	}                                                               \
} while (0)
#else
#define SK_ASSERT(x) do { } while (0)
#endif

/* Always-on: internal corruption, continuing would do harm. */
#define SK_VERIFY(x) do {                                               \
	if (__builtin_expect(!(x), 0)) {                                \
		SK_ERR("internal corruption: %s", #x);                  \
		abort();                                                \
	}                                                               \
} while (0)

#endif /* SK_VAR_H */
