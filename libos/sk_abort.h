/*
 * sk_abort.h - how libskywalk dies on misuse.
 *
 * Apple's library traps when a program breaks the channel contract (a
 * slot outside the ring's window, a metadata redzone that does not match,
 * a schema from another kernel).  We keep the same points of death and
 * make them readable: one line on stderr,
 *
 *	libskywalk: <message>[: <cause>] (<function>)
 *
 * then abort(), so a test harness sees SIGABRT.  These are the only
 * lines the library ever prints.  The printing path takes no locks and
 * allocates nothing (write(2) of a stack buffer), so it is safe wherever
 * the contract can be broken, including inside a signal handler.
 */
#ifndef _LIBOS_SK_ABORT_H_
#define _LIBOS_SK_ABORT_H_

#include <stdint.h>

void sk_abort(const char *func, const char *msg)
    __attribute__((noreturn, visibility("hidden")));
void sk_abort_with_cause(const char *func, const char *msg, uint64_t cause)
    __attribute__((noreturn, visibility("hidden")));
/* msg was built at run time (malloc'd); it is printed, never freed. */
void sk_abort_dynamic(const char *func, char *msg)
    __attribute__((noreturn, visibility("hidden")));

#define SK_ABORT(msg) sk_abort(__func__, (msg))
#define SK_ABORT_WITH_CAUSE(msg, cause)                                        \
	sk_abort_with_cause(__func__, (msg), (uint64_t)(uintptr_t)(cause))
#define SK_ABORT_DYNAMIC(msg) sk_abort_dynamic(__func__, (msg))

#endif /* !_LIBOS_SK_ABORT_H_ */
