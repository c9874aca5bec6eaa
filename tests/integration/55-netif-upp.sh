#!/bin/bash
# Objective: the user packet pool on a netif DEV channel over a real TAP,
# through both doors (behaviours 3.17, netifdirect's exchange): a Skywalk
# program allocates, fills, finalizes, attaches and TX-syncs 20,000
# frames in batches of 8; an AF_PACKET echo in the TAP's namespace sends
# each back; the program gets, detaches, checks byte for byte and frees
# every echo: 0 lost, and after a purge every packet of the pool is free
# again (0 leaked).  A client killed with -9 while it holds packets (some
# queued on TX, never synced) gives them all back: the pool's free count
# returns to its value before it came.  Misuse traps with SIGABRT, and
# only the offender: attaching an unfinalized packet (the library), an
# RX slot released still attached, a TX slot naming a packet never
# allocated, a packet freed twice (the daemon).  The daemon survives.
# Then a netif of the program's own with MAX_FRAGS 4 and LARGE_BUF_SIZE
# 9000 on a TAP the test made: frames built of three buflets
# (os_channel_buflet_alloc, os_packet_add_buflet) and frames in large
# packets (os_channel_large_packet_alloc) go out and come back intact,
# and every packet and buflet of that pool is free again at the end.
# Socket door inside a network namespace made for the test (root
# needed); CUSE door inside User-Mode Linux.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 55-netif-upp
P=$SK_PROGS/skt_netif
U=$SK_PROGS/skt_netif_upp
need_prog "$P" "$U"

# shellcheck source=../lib/netif.sh
. "$(dirname "$0")/../lib/netif.sh"

attach() {
    "$P" ctl attach "$1" create "${@:2}" | sed -n 's/^nexus=//p'
}

exchange() {
    local u=$1 out pid rc=0
    out=$(mktemp "${TMPDIR:-/tmp}/skup-echo.XXXXXX")
    "$U" echo sktapu0 300 >"$out" 2>&1 &
    pid=$!
    nf_wait_line "$out" ready "$pid" || rc=1
    SKT_UPP_IFNAME=sktapu0 "$U" run -u "$u" -n 20000 -b 8 || rc=1
    # the echo also serves the rx-attached trap below, then goes
    TRAP_ECHO=$pid
    TRAP_OUT=$out
    return "$rc"
}

# expect_abort KIND UUID: the program dies of SIGABRT (134).
expect_abort() {
    local rc=0
    "$U" trap "$1" -u "$2" >/dev/null 2>&1 || rc=$?
    if [[ $rc -ne 134 ]]; then
        say "trap $1: exit status $rc, not SIGABRT"
        return 1
    fi
    say "trap $1: SIGABRT"
}

traps() {
    local u=$1 rc=0 k
    for k in unfinalized rx-attached foreign double-free; do
        expect_abort "$k" "$u" || rc=1
    done
    kill "$TRAP_ECHO" 2>/dev/null
    wait "$TRAP_ECHO" 2>/dev/null
    cat "$TRAP_OUT"
    rm -f "$TRAP_OUT"
    return "$rc"
}

pool_free() {
    "$U" pool "$1" | sed -n 's/.* free=\([0-9]*\) .*/\1/p'
}

# A two-ring netif, link down (no traffic): an observer holds ring 0 so
# the pool lives; the victim on ring 1 holds packets and is killed.
kill_holding() {
    local u o opid h hpid before during after rc=0
    u=$(attach sktapu1 rings=2)
    [[ -n $u ]] || return 1
    o=$(mktemp "${TMPDIR:-/tmp}/skup-obs.XXXXXX")
    h=$(mktemp "${TMPDIR:-/tmp}/skup-hold.XXXXXX")
    "$U" observe -u "$u" -r 0 >"$o" 2>&1 &
    opid=$!
    nf_wait_line "$o" ready "$opid" || rc=1
    before=$(pool_free sktapu1)
    "$U" hold -u "$u" -r 1 -n 1000 >"$h" 2>&1 &
    hpid=$!
    nf_wait_line "$h" holding "$hpid" || rc=1
    during=$(pool_free sktapu1)
    kill -9 "$hpid"
    wait "$hpid" 2>/dev/null
    for _ in $(seq 100); do
        [[ $("$U" pool sktapu1 | sed -n 's/.*channels=//p') == 1 ]] && break
        sleep 0.1
    done
    after=$(pool_free sktapu1)
    say "pool free: before $before, holding $during, after kill -9 $after"
    [[ -n $before && $before == "$after" ]] || rc=1
    [[ -n $during && $during -lt $before ]] || rc=1
    kill "$opid"
    wait "$opid" 2>/dev/null
    rm -f "$o" "$h"
    sleep 0.5
    "$P" ctl detach sktapu1 || rc=1
    return "$rc"
}

chains() {
    local out pid rc=0
    ip tuntap add sktapu2 mode tap || return 1
    ip link set sktapu2 up
    out=$(mktemp "${TMPDIR:-/tmp}/skup-echo2.XXXXXX")
    "$U" echo sktapu2 120 >"$out" 2>&1 &
    pid=$!
    nf_wait_line "$out" ready "$pid" || rc=1
    "$U" chain sktapu2 -n 200 || rc=1
    kill "$pid"
    wait "$pid" 2>/dev/null
    cat "$out"
    rm -f "$out"
    ip link del sktapu2
    return "$rc"
}

inner() {
    local u rc=0
    u=$(attach sktapu0)
    [[ -n $u ]] || return 1
    ip link set sktapu0 up
    exchange "$u" || rc=1
    traps "$u" || rc=1
    "$P" ctl lookup sktapu0 | grep -E '^(rx|tx)_packets|^drop_' | tr '\n' ' '
    echo
    sleep 0.5
    "$P" ctl detach sktapu0 || rc=1
    kill_holding || rc=1
    chains || rc=1
    return "$rc"
}

nf_main "$@"
