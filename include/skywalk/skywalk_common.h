/*
 * skywalk_common.h - small helpers shared by the private headers, the
 * library and the daemon.
 */
#ifndef _SKYWALK_SKYWALK_COMMON_H_
#define _SKYWALK_SKYWALK_COMMON_H_

#include <skywalk/skywalk_compat.h>

/*
 * Fields of the shared structures that only the kernel side writes are
 * const for programs, as in Apple's headers, so an accidental store is a
 * compile error.  The daemon plays the kernel: it defines SKCHAN_KERNEL
 * before including these headers and gets writable fields instead.
 * Layouts are identical either way.
 */
#ifdef SKCHAN_KERNEL
#define SK_KCONST
#else
#define SK_KCONST const
#endif

/* Casts that drop qualifiers on purpose (the library fills const fields). */
#ifndef __DECONST
#define __DECONST(type, var) ((type)(uintptr_t)(const volatile void *)(var))
#endif
#ifndef __DEVOLATILE
#define __DEVOLATILE(type, var) ((type)(uintptr_t)(volatile void *)(var))
#endif

#ifndef __probable
#define __probable(x) __builtin_expect(!!(x), 1)
#endif
#ifndef __improbable
#define __improbable(x) __builtin_expect(!!(x), 0)
#endif

/* Power-of-two alignment helpers. */
#ifndef IS_P2ALIGNED
#define IS_P2ALIGNED(v, a) ((((uintptr_t)(v)) & ((uintptr_t)(a)-1)) == 0)
#endif
#ifndef P2ROUNDUP
#define P2ROUNDUP(x, align) (-(-(x) & -(align)))
#endif

/* Compile-time check usable inside functions too. */
#ifndef _CASSERT
#define _CASSERT(x) SK_STATIC_ASSERT(x, #x)
#endif

/* A field that must sit on a 64-bit boundary (atomic or shared access). */
#ifndef SK_ALIGN64_CASSERT
#define SK_ALIGN64_CASSERT(type, field)                                        \
	_CASSERT((offsetof(type, field) % sizeof(uint64_t)) == 0)
#endif

#endif /* !_SKYWALK_SKYWALK_COMMON_H_ */
