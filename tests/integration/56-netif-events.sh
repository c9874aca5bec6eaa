#!/bin/bash
# Objective: the event ring of a user-packet-pool netif channel over a
# real TAP, through both doors.  A frame the device refuses comes back as
# a CHANNEL_EVENT_PACKET_TRANSMIT_STATUS event carrying the packet id the
# program set (os_packet_set_packetid): runt frames (badlen,
# ERR_RETRY_FAILED) and frames sent while the TAP is down (link_down,
# ERR_FLUSH), one event record each, several to a buffer.  A packet whose
# expiry deadline has passed at TX sync is dropped, counted and reported
# by a CHANNEL_EVENT_PACKET_TRANSMIT_EXPIRED event (expiry action
# NOTIFY), or dropped without an event (DROP); none reaches the wire.
# Every event buffer is freed back to the pool.  Socket door inside a
# network namespace made for the test (root needed); CUSE door inside
# User-Mode Linux.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 56-netif-events
P=$SK_PROGS/skt_netif
U=$SK_PROGS/skt_netif_upp
need_prog "$P" "$U"

# shellcheck source=../lib/netif.sh
. "$(dirname "$0")/../lib/netif.sh"

lookup() {
    "$P" ctl lookup sktape0 | sed -n "s/^$1=//p"
}

inner() {
    local u rc=0 tx0 tx1
    u=$("$P" ctl attach sktape0 create | sed -n 's/^nexus=//p')
    [[ -n $u ]] || return 1
    ip link set sktape0 up
    "$U" events badlen -u "$u" -n 40 || rc=1
    say "badlen drops: $(lookup drop_badlen)"
    [[ $(lookup drop_badlen) == 40 ]] || rc=1
    tx0=$(lookup tx_packets)
    "$U" events expired -u "$u" -n 40 || rc=1
    "$U" events drop -u "$u" -n 40 || rc=1
    tx1=$(lookup tx_packets)
    say "tx_packets before/after the expired ones: $tx0/$tx1"
    [[ $tx0 == "$tx1" ]] || rc=1
    ip link set sktape0 down
    "$U" events refused -u "$u" -n 40 || rc=1
    say "link_down drops: $(lookup drop_link_down)"
    [[ $(lookup drop_link_down) == 40 ]] || rc=1
    sleep 0.5
    "$P" ctl detach sktape0 || rc=1
    return "$rc"
}

nf_main "$@"
