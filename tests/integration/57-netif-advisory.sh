#!/bin/bash
# Objective: the advisories, statistics and read-only regions of a netif
# channel (spec §2.4, §5.9; behaviours §4.9; docs/advisories.md) through
# both doors.  Rootless part (a daemon-owned loop device): the nexus
# advisory's headers and checksum, updates on (republished at once, then
# polled) and off (frozen), the CHAN_ERRORS statistics region next to a
# NULL os_channel_get_stats_region(), every errno of flow admission
# (EINVAL, ENOENT) and a flow going from admissible to ENOBUFS under the
# device's real push-back and back to admissible once the queue drains;
# on a user pipe ENXIO, ENOENT, ENOTSUP and NULL; a store into each
# read-only region (schema, slot descriptors, stats, flow advisories,
# nexus advisory) faults with SEGV_ACCERR.  Every daemon count returns
# to its baseline.  TAP part (root and a network namespace for the
# socket door, User-Mode Linux for CUSE): a daemon-owned TAP's advisory
# says up (neutral rate suggestion, the link speed Linux reports), then
# down (ramp down, no bandwidth) after `ip link set down`, then up again.
# shellcheck source=../lib/common.sh disable=SC2016  # bash -c script
. "$(dirname "$0")/../lib/common.sh"
sk_init 57-netif-advisory
P=$SK_PROGS/skt_netif_adv
NF=$SK_PROGS/skt_netif
need_prog "$P" "$NF" "$SK_PROGS/skstat"

RUN='
    . "$SK_ROOT/tests/lib/common.sh"
    sk_init 57-netif-advisory
    base=$(sk_stats) || exit 1
    "$1" loop || exit 1
    sk_wait_stats "$base" 20
'

# The TAP part runs this script again as "$NF_SELF --inner" inside a
# private network (tests/lib/netif.sh).
# shellcheck source=../lib/netif.sh
. "$(dirname "$0")/../lib/netif.sh"

inner() {
    local u out pid rc=0
    u=$("$NF" ctl attach skadtap0 create | sed -n 's/^nexus=//p')
    [[ -n $u ]] || return 1
    ip link set skadtap0 up || return 1
    "$P" read -u "$u" | sed 's/^/  /'
    out=$(mktemp "${TMPDIR:-/tmp}/skadv.XXXXXX")
    "$P" link -u "$u" -t 20 >"$out" 2>&1 &
    pid=$!
    if nf_wait_line "$out" "^ready" "$pid"; then
        ip link set skadtap0 down
        nf_wait_line "$out" "^down" "$pid" || rc=1
        ip link set skadtap0 up
    else
        rc=1
    fi
    wait "$pid" || rc=1
    cat "$out"
    rm -f "$out"
    "$NF" ctl detach skadtap0 || rc=1
    return "$rc"
}

if [[ ${1:-} == --inner ]]; then
    inner
    exit $?
fi
both_doors bash -c "$RUN" _ "$P"
# shellcheck disable=SC2119
nf_doors
sk_finish
