/*
 * skywalk_compat.h - the Darwin types Skywalk's interfaces are written in.
 *
 * Linux has none of these; programs written against Apple's headers use
 * them freely, so every skchan header pulls this one in first.  Each
 * definition is guarded so a program that already has one (from a Darwin
 * compatibility library, say) keeps it: identical typedefs may repeat in
 * C11 and C++, but a guard also covers C99 and differing definitions.
 */
#ifndef _SKYWALK_SKYWALK_COMPAT_H_
#define _SKYWALK_SKYWALK_COMPAT_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uuid/uuid.h> /* uuid_t: unsigned char[16], as on Darwin */

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _SKYWALK_BOOLEAN_T
#define _SKYWALK_BOOLEAN_T
typedef int boolean_t; /* 4 bytes: it sits inside shared structs */
#endif

#ifndef _SKYWALK_UUID_STRING_T
#define _SKYWALK_UUID_STRING_T
typedef char uuid_string_t[37]; /* Darwin's; libuuid lacks it */
#endif

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#ifndef _SKYWALK_MACH_VM_TYPES
#define _SKYWALK_MACH_VM_TYPES
/* Fixed 64-bit so shared layouts do not depend on the word size. */
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_size_t;
typedef uint64_t mach_vm_offset_t;
#endif

#ifndef _SKYWALK_USER_ADDR_T
#define _SKYWALK_USER_ADDR_T
typedef uint64_t user_addr_t; /* a user pointer carried in a request */
#endif

#ifndef _SKYWALK_GUARDID_T
#define _SKYWALK_GUARDID_T
typedef uint64_t guardid_t; /* fd guard token returned by the opens */
#endif

#if !defined(_ERRNO_T) && !defined(_SKYWALK_ERRNO_T)
#define _SKYWALK_ERRNO_T
typedef int errno_t;
#endif

/*
 * Static assertions usable from C99 (as a GNU extension), C11 and C++,
 * so the layout checks in these headers hold in every consumer.
 */
#ifdef __cplusplus
#define SK_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define SK_STATIC_ASSERT(cond, msg) __extension__ _Static_assert(cond, msg)
#endif

/* Shared layouts are fixed for LP64; refuse anything else loudly. */
SK_STATIC_ASSERT(sizeof(void *) == 8, "skchan requires an LP64 target");
SK_STATIC_ASSERT(sizeof(uuid_t) == 16, "uuid_t must be 16 bytes");
SK_STATIC_ASSERT(sizeof(boolean_t) == 4, "boolean_t must be 4 bytes");

#ifdef __cplusplus
}
#endif

#endif /* !_SKYWALK_SKYWALK_COMPAT_H_ */
