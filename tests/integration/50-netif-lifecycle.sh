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

# nf_doors, nf_wait_line, nf_main, NF_SELF
# shellcheck source=../lib/netif.sh
. "$(dirname "$0")/../lib/netif.sh"

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

nf_main "$@"
