/*
 * os_skywalk_private.h - everything: the API tier plus the shared
 * structures, system calls and library descriptors.  What the library,
 * the daemon and Apple-style tests include.
 */
#ifndef _SKYWALK_OS_SKYWALK_PRIVATE_H_
#define _SKYWALK_OS_SKYWALK_PRIVATE_H_

#include <skywalk/os_skywalk.h>
#include <skywalk/skywalk_common.h>
#include <skywalk/os_nexus_private.h>
#include <skywalk/os_stats_private.h>
#include <skywalk/os_channel_private.h>
#include <skywalk/os_packet_private.h>

#endif /* !_SKYWALK_OS_SKYWALK_PRIVATE_H_ */
