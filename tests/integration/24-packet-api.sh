#!/bin/bash
# Objective: the packet API on the daemon's own packet pool, through both
# doors, with no root and no TAP: skt_packet_api opens a UPP channel on
# a daemon-owned loop netif and, on every packet it allocates, sets and
# reads back every os_packet_* accessor (link flags, headroom, transport
# flags, the eleven service classes and EINVAL for any other, traffic
# class, checksum offload fields, group marks, optional fields ENOENT
# until set and EINVAL on a NULL out pointer, token, packet id, trace id,
# VLAN tag, keep-alive, flow UUID, use count down to ERANGE) and the
# os_buflet_* accessors (data and object address agree, offset, length,
# limits), finalizes it, sends it, and takes the frame back through the
# loop byte for byte; then purges and finds every packet of the pool free
# again.  Finalize with a length past the buflet's limit: ERANGE and
# length 0.  On a user pipe, a ring's notify time is its peer's last
# sync time (os_channel_ring_sync_time/_notify_time); its slot holds a
# quantum, on which the quantum calls work and a packet-only call traps
# (a forked child dies of SIGABRT).  Also
# os_inet_checksum against os_copy_and_inet_checksum,
# os_channel_read_nexus_extension_info (NET_IF, 0), os_nexus_attr_clone,
# os_nexus_controller_get_fd, the traffic-rule calls (ENOTSUP, EINVAL)
# and os_nexus_flow_set_wake_from_sleep on a nexus nobody has (ENOENT).  Every daemon count returns to its baseline.
# shellcheck source=../lib/common.sh disable=SC2016  # bash -c script
. "$(dirname "$0")/../lib/common.sh"
sk_init 24-packet-api
P=$SK_PROGS/skt_packet_api
need_prog "$P" "$SK_PROGS/skstat"

RUN='
    . "$SK_ROOT/tests/lib/common.sh"
    sk_init 24-packet-api
    base=$(sk_stats) || exit 1
    "$1" -n 256 || exit 1
    sk_wait_stats "$base" 20
'
both_doors bash -c "$RUN" _ "$P"
sk_finish
