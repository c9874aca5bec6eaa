#!/bin/bash
# Objective: a flood from a real Linux peer leaves the daemon's memory
# flat and every frame accounted for, through both doors.  A UDP flood
# (SKT_FLOOD_SECS, default 10 s, 64-byte datagrams as fast as the
# namespace's stack takes them) goes through a TAP into a daemon-owned
# netif whose DEV channel skresponder drains.  Checked afterwards:
#   * the daemon's VmRSS after the flood is within 1 MiB of before it
#     (measured after a short warm-up that touches the packet pool);
#   * Linux's side: every datagram the stack accepted left through the
#     TAP or was dropped by Linux (TAP tx_dropped, qdisc drops);
#   * our side: every frame that reached the TAP was delivered to the
#     RX ring or dropped and counted by reason (CTL_NETIF_LOOKUP), where
#     ring_full is Linux's queue drops (the TAP's tx_dropped: the daemon
#     leaves frames in the TAP while the RX ring is full);
#   * end to end: sent == delivered + our drops + Linux's queue drops
#     (+ qdisc drops), with Linux's queue drops counted once;
#   * the reader saw exactly what was delivered.
# IPv6 is off on the TAP and the peer's neighbour entry is static, so
# Linux adds no frames of its own.  Socket door inside a network
# namespace made for the test (root needed); CUSE door inside UML.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 53-netif-flood
P=$SK_PROGS/skt_netif
PEER=$SK_PROGS/skt_netif_peer
R=$SK_EXAMPLES/skresponder
SECS=${SKT_FLOOD_SECS:-10}
need_prog "$P" "$PEER" "$R"

# shellcheck source=../lib/netif.sh
. "$(dirname "$0")/../lib/netif.sh"

rss_kb() {
    sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' \
        "/proc/$SKCHAN_DAEMON_PID/status"
}

stat_of() { cat "/sys/class/net/sktap0/statistics/$1"; }

qdisc_drops() {
    tc -s qdisc show dev sktap0 2>/dev/null |
        sed -n 's/.*dropped \([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}'
}

lookup() { "$P" ctl lookup sktap0 | sed -n "s/^$1=//p"; }

inner() {
    local u out pid rss0 rss1 warm sent txp txd qd rx drops ours got rc=0 d
    u=$("$P" ctl attach sktap0 create | sed -n 's/^nexus=//p')
    [[ -n $u ]] || return 1
    sysctl -qw net.ipv6.conf.sktap0.disable_ipv6=1 2>/dev/null
    ip link set sktap0 up
    ip addr add 10.99.0.1/24 dev sktap0
    ip neigh replace 10.99.0.2 lladdr 02:53:4b:00:00:01 dev sktap0 nud permanent
    out=$(mktemp "${TMPDIR:-/tmp}/sknf-flood.XXXXXX")
    "$R" -u "$u" -4 10.99.0.2 >"$out" 2>&1 &
    pid=$!
    nf_wait_line "$out" ready "$pid" || { cat "$out"; return 1; }
    warm=$("$PEER" udp 10.99.0.2 9 1 | sed -n 's/^sent=\([0-9]*\).*/\1/p')
    sleep 1
    rss0=$(rss_kb)
    sent=$("$PEER" udp 10.99.0.2 9 "$SECS" | sed -n 's/^sent=\([0-9]*\).*/\1/p')
    sleep 1                                      # let the queues drain
    rss1=$(rss_kb)
    kill -TERM "$pid"
    wait "$pid" || rc=1
    sleep 0.5                   # frames left in the TAP: read as no_channel
    got=$(sed -n 's/.* rx=\([0-9]*\) .*/\1/p' "$out")
    cat "$out"
    rm -f "$out"
    txp=$(stat_of tx_packets)
    txd=$(stat_of tx_dropped)
    qd=$(qdisc_drops)
    rx=$(lookup rx_packets)
    drops=0
    for d in no_channel ring_full truncated error; do
        drops=$((drops + $(lookup "drop_$d")))
    done
    say "flood ${SECS}s: sent $sent (+ $warm warm-up); TAP out $txp, Linux dropped $txd + qdisc $qd;" \
        "netif delivered $rx, dropped $drops ($("$P" ctl lookup sktap0 |
        grep -E '^drop_(no_channel|ring_full)' | tr '\n' ' ')); reader got $got;" \
        "daemon RSS ${rss0} -> ${rss1} kB"
    [[ $((txp + txd + qd)) -eq $((warm + sent)) ]] ||
        { say "Linux: $((warm + sent)) sent, $((txp + txd + qd)) counted"; rc=1; }
    # ring_full is txd (the TAP was created at attach: both from 0).
    [[ $(lookup drop_ring_full) -eq $txd ]] ||
        { say "ring_full $(lookup drop_ring_full) is not Linux's tx_dropped $txd"; rc=1; }
    [[ $((txp + txd)) -eq $((rx + drops)) ]] ||
        { say "daemon read $txp frames (+ Linux dropped $txd) but accounts for $((rx + drops))"; rc=1; }
    ours=$((drops - txd))
    [[ $((warm + sent)) -eq $((rx + ours + txd + qd)) ]] ||
        { say "$((warm + sent)) sent; delivered $rx + our drops $ours + Linux queue $txd + qdisc $qd"; rc=1; }
    [[ $got -eq $rx ]] || { say "reader got $got of $rx delivered"; rc=1; }
    [[ $((rss1 - rss0)) -lt 1024 ]] || { say "daemon RSS grew"; rc=1; }
    [[ $sent -gt 0 ]] || rc=1
    "$P" ctl detach sktap0 || rc=1
    return "$rc"
}

nf_main "$@"
