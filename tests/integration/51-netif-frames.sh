#!/bin/bash
# Objective: frames through a netif DEV channel and a real TAP, both
# ways, byte for byte, through both doors (behaviours §5 scenario 20,
# non-UPP; the netifdirect core).  A daemon-owned netif (CTL_NETIF_ATTACH
# with create) sends 300 frames of every size from 60 to 1514 bytes: an
# AF_PACKET socket on the TAP and a tcpdump capture must each hold every
# one exactly as the program wrote it; 500 frames injected from the
# namespace over AF_PACKET must reach the channel intact (RAW packets,
# link header 14, data length = frame length).  Then with two rings
# (IFF_MULTI_QUEUE): the same both ways through a TAP the test made
# multi-queue and a netif of the program's own (__os_nexus_ifattach),
# and through a daemon-owned two-ring netif whose lookup shows both
# queues carrying traffic.  Detach removes the TAPs the daemon created.
# Socket door inside a network namespace made for the test (root
# needed); CUSE door inside User-Mode Linux.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 51-netif-frames
P=$SK_PROGS/skt_netif
PEER=$SK_PROGS/skt_netif_peer
need_prog "$P" "$PEER"

# nf_doors, nf_wait_line, nf_main, NF_SELF
# shellcheck source=../lib/netif.sh
. "$(dirname "$0")/../lib/netif.sh"

# peer_recv IFNAME N CMD...: the peer takes N frames while CMD sends.
peer_recv() {
    local ifname=$1 n=$2 out pid rc=0
    shift 2
    out=$(mktemp "${TMPDIR:-/tmp}/sknf-peer.XXXXXX")
    "$PEER" recv "$ifname" "$n" 30 >"$out" 2>&1 &
    pid=$!
    nf_wait_line "$out" ready "$pid" || rc=1
    "$@" || rc=1
    wait "$pid" || rc=1
    cat "$out"
    rm -f "$out"
    return "$rc"
}

# chan_recv IFNAME N ARGS...: skt_netif rx ARGS takes N frames the peer
# sends on IFNAME.
chan_recv() {
    local ifname=$1 n=$2 out pid rc=0
    shift 2
    out=$(mktemp "${TMPDIR:-/tmp}/sknf-rx.XXXXXX")
    "$P" rx -n "$n" "$@" >"$out" 2>&1 &
    pid=$!
    nf_wait_line "$out" ready "$pid" || rc=1
    "$PEER" send "$ifname" "$n" || rc=1
    wait "$pid" || rc=1
    cat "$out"
    rm -f "$out"
    return "$rc"
}

# capture_start IFNAME FILE: tcpdump of our ethertype, pid in TPID.
capture_start() {
    tcpdump -i "$1" -s 2048 -U --immediate-mode -w "$2" ether proto 0x88b5 \
        >"$2.log" 2>&1 &
    TPID=$!
    nf_wait_line "$2.log" listening "$TPID"
}

one_ring() {
    local u cap rc=0
    u=$("$P" ctl attach sktap0 create | sed -n 's/^nexus=//p')
    [[ -n $u ]] || return 1
    ip link set sktap0 up
    cap=$(mktemp "${TMPDIR:-/tmp}/sknf-cap.XXXXXX")
    if command -v tcpdump >/dev/null; then
        capture_start sktap0 "$cap" || rc=1
    else
        say "tcpdump not installed: capture check skipped"
    fi
    peer_recv sktap0 300 "$P" tx -u "$u" -n 300 || rc=1
    if [[ -n ${TPID:-} ]]; then
        sleep 0.5
        kill -INT "$TPID"
        wait "$TPID"
        "$PEER" pcap "$cap" 300 || rc=1
    fi
    rm -f "$cap" "$cap.log"
    chan_recv sktap0 500 -u "$u" || rc=1
    "$P" ctl lookup sktap0 | grep -E '^(rx|tx)_packets|^drop_' | tr '\n' ' '
    echo
    [[ $("$P" ctl lookup sktap0 | sed -n 's/^tx_packets=//p') == 300 ]] ||
        { say "lookup: tx_packets is not 300"; rc=1; }
    "$P" ctl detach sktap0 || rc=1
    ip link show sktap0 >/dev/null 2>&1 && { say "sktap0 left behind"; rc=1; }
    return "$rc"
}

two_rings() {
    local u q0 q1 rc=0
    ip tuntap add sktap1 mode tap multi_queue || return 1
    ip link set sktap1 up
    chan_recv sktap1 300 -i sktap1 -r 2 || rc=1
    peer_recv sktap1 300 "$P" tx -i sktap1 -r 2 -n 300 || rc=1
    ip link del sktap1
    u=$("$P" ctl attach sktap2 create rings=2 | sed -n 's/^nexus=//p')
    [[ -n $u ]] || return 1
    ip link set sktap2 up
    peer_recv sktap2 400 "$P" tx -u "$u" -n 400 || rc=1
    q0=$("$P" ctl lookup sktap2 | sed -n 's/^q0_tx_packets=//p')
    q1=$("$P" ctl lookup sktap2 | sed -n 's/^q1_tx_packets=//p')
    say "two rings: queue 0 sent $q0, queue 1 sent $q1"
    [[ $q0 -gt 0 && $q1 -gt 0 && $((q0 + q1)) -eq 400 ]] || rc=1
    "$P" ctl detach sktap2 || rc=1
    return "$rc"
}

inner() {
    local rc=0
    one_ring || rc=1
    two_rings || rc=1
    return "$rc"
}

nf_main "$@"
