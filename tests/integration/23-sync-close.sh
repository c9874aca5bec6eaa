#!/bin/bash
# Objective: XNU's close of a channel or nexus-controller fd is
# synchronous, and so is ours (libskywalk sends SKC_IOC_HANDLE_CLOSE
# before close(2)): with no retry anywhere, a user-pipe port reopens
# right after os_channel_destroy() (1000 times per port) and the daemon's
# counts are back on the very next request, also after 24 destroys back
# to back; a destroyed controller's providers, instances and bindings
# are gone by the next request (its instance: ENOENT); a daemon-owned
# loop netif detaches (0, not EBUSY) right after its channel's destroy,
# and, where a TAP can be made, so does __os_nexus_ifdetach (Apple's
# netifcompata).  A forked child's close-on-fork, or its own destroy of
# its stale channel_t, never closes the parent's channels.  A thread
# syncing a channel's fd while another destroys it gets 0, EBADF or
# ENODEV, never a crash.  Children SIGKILLed amid open/destroy leave the
# daemon serving and the port free again.  Every count returns to its
# baseline.  Both doors.
# shellcheck source=../lib/common.sh disable=SC2016  # bash -c script
. "$(dirname "$0")/../lib/common.sh"
sk_init 23-sync-close
P=$SK_PROGS/skt_syncclose
need_prog "$P" "$SK_PROGS/skstat"

RUN='
    . "$SK_ROOT/tests/lib/common.sh"
    sk_init 23-sync-close
    P=$1 rc=0
    base=$(sk_stats) || exit 1
    "$P" upipe -n 1000 || rc=1
    "$P" burst -n 20 || rc=1
    "$P" controller -n 100 || rc=1
    "$P" loop -n 100 || rc=1
    "$P" fork -n 40 || rc=1
    "$P" race -n 100 || rc=1
    "$P" kill -n 20 || rc=1
    # A TAP only where the network is ours to change: inside UML.
    if [[ ${SKCHAN_DOOR:-} == cuse ]] && ip tuntap add skcl0 mode tap 2>/dev/null; then
        ip link set skcl0 up
        "$P" tap skcl0 -n 50 || rc=1
        ip link del skcl0
    else
        say "tap: skipped on this door (needs a TAP of our own: UML)"
    fi
    sk_wait_stats "$base" 20 || rc=1
    sk_daemon_alive || { say "the daemon died"; rc=1; }
    exit "$rc"
'
both_doors bash -c "$RUN" _ "$P"
sk_finish
