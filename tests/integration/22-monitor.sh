#!/bin/bash
# Objective: monitor channels (CHANNEL_ATTR_MONITOR) through both doors.
# skt_monitor rules: the attribute reads back the monitor type; monitor +
# user packet pool EINVAL, port 2 EDOM, no-copy on a nexus with no open
# channel ENXIO; a monitor opened first does not keep the owner out
# (a second owner still gets EBUSY); the monitor's TX ring offers no
# slot, never polls writable and its TX sync fails with EIO; poll wakes
# the monitor for traffic; it outlives the watched channel, quiet, and
# watches the port's next channel.  skt_monitor upipe: an echo worker on
# port 1, a client on port 0 sending windows of packets of every length
# and content, and six monitors on port 0 at once -- TX, RX and TX_RX,
# copy and no-copy -- each showing exactly the window's packets (the
# client's, the echoes, or both in that order), every byte.
# skt_monitor netif: a daemon-owned loop netif (rootless) whose DEV
# channel gets back every Ethernet frame it sends; a copy and a no-copy
# TX_RX monitor see each frame twice, intact; a monitor keeps a detach
# waiting (EBUSY) like a channel.  skt_monitor kpipe: the same on the
# kernel-pipe loopback.  Every daemon count returns to its baseline.
# shellcheck source=../lib/common.sh disable=SC2016  # bash -c script
. "$(dirname "$0")/../lib/common.sh"
sk_init 22-monitor
P=$SK_PROGS/skt_monitor
need_prog "$P" "$SK_PROGS/skstat"

RUN='
    . "$SK_ROOT/tests/lib/common.sh"
    sk_init 22-monitor
    base=$(sk_stats) || exit 1
    "$1" rules || exit 1
    "$1" upipe -n "$2" || exit 1
    "$1" netif -n 600 || exit 1
    rc=0
    "$1" kpipe -n 600 || rc=$?
    ((rc == 0 || rc == 77)) || exit 1
    sk_wait_stats "$base" 20
'
both_doors bash -c "$RUN" _ "$P" "${SKT_MONITOR_COUNT:-3000}"
sk_finish
