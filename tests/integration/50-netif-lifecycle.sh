#!/bin/bash
# Objective: the netif attach/detach life cycle over a real TAP through
# both doors (behaviours §5 scenario 19, XNU netifcompata/b/c and
# netifdelete).  skt_netif lifecycle: HOST port refused, DEV port only
# after attach, ifdetach of an unknown / null attach UUID ESRCH / EINVAL,
# ifattach of a missing interface ENXIO, of a nexus UUID EINVAL, a second
# attach (same or another instance) EBUSY, detach EBUSY while a channel
# is open and 0 after it closed, then ESRCH; variant b (nexus torn down
# before the channel closes) and c (instance freed first: detach ENOENT)
# leave the daemon running; client ports 2..127 bind, 128 EDOM.  Then the
# TAP is deleted under an open channel: poll reports POLLHUP|POLLIN,
# syncs fail ENXIO, detach succeeds.  Every count returns to baseline.
# The socket door runs inside a network namespace made for the test
# (root needed); the CUSE door inside User-Mode Linux.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 50-netif-lifecycle
P=$SK_PROGS/skt_netif
need_prog "$P" "$SK_PROGS/skstat"

# nf_doors ARGS...: run this script again as "$NF_SELF --inner ARGS" next
# to a private daemon, on each door: on the host the socket door, with
# daemon and test inside a network namespace made for the run (root and
# ip(8) needed, else that door is skipped); in User-Mode Linux the CUSE
# door, where the guest itself is the private network.
NF_SELF=$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")
nf_doors() {
    local d rc ns
    d=$(sk_doors)
    if [[ $d != cuse ]]; then
        ns=sknf-$$-$RANDOM
        if [[ $(id -u) -ne 0 ]] || ! ip netns add "$ns" 2>/dev/null; then
            say "socket door: skipped: needs root and ip netns"
            SK_SKIPS+=("socket door (no root or netns)")
        else
            ip -n "$ns" link set lo up
            say "---- socket door, netns $ns: $* ----"
            rc=0
            ip netns exec "$ns" "$SK_WITH" -- "$NF_SELF" --inner "$@" ||
                rc=$?
            ip netns del "$ns"
            case $rc in
                0) say "socket door: pass" ;;
                77) SK_SKIPS+=("socket door") ;;
                *) sk_fail "socket door: exit status $rc: $*" ;;
            esac
        fi
    fi
    [[ $d != socket ]] && on_door cuse "$NF_SELF" --inner "$@"
    return 0
}

# nf_wait_line FILE WORD PID: until FILE has WORD (or PID died).
nf_wait_line() {
    for _ in $(seq 300); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

inner() {
    local base out pid rc=0
    base=$(sk_stats) || return 1
    ip tuntap add sktap0 mode tap || return 77
    ip link set sktap0 up
    "$P" lifecycle sktap0 || rc=1
    out=$(mktemp "${TMPDIR:-/tmp}/sknf-del.XXXXXX")
    "$P" delete sktap0 >"$out" 2>&1 &
    pid=$!
    if nf_wait_line "$out" ready "$pid"; then
        ip link del sktap0
    else
        say "delete: the program never became ready"
    fi
    wait "$pid" || rc=1
    cat "$out"
    rm -f "$out"
    ip link del sktap0 2>/dev/null
    sk_wait_stats "$base" 20 || rc=1
    sk_daemon_alive || { say "the daemon died"; rc=1; }
    return "$rc"
}

if [[ ${1:-} == --inner ]]; then
    inner
    exit $?
fi
nf_doors
sk_finish
