/*
 * os_skywalk.h - everything a Skywalk application is meant to call.
 *
 * Handles are opaque at this tier; os_skywalk_private.h adds the shared
 * structures for code (tests, the library, the daemon) that needs them.
 */
#ifndef _SKYWALK_OS_SKYWALK_H_
#define _SKYWALK_OS_SKYWALK_H_

#include <skywalk/skywalk_compat.h>
#include <skywalk/os_packet.h>
#include <skywalk/os_nexus.h>
#include <skywalk/os_channel_event.h>
#include <skywalk/os_channel.h>

#endif /* !_SKYWALK_OS_SKYWALK_H_ */
