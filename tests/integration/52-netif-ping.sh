#!/bin/bash
# Objective: real Linux peers ping an address that lives behind a netif
# channel (examples/skresponder, an unchanged Skywalk program answering
# ARP, ICMP echo, ICMPv6 neighbour solicitation and ICMPv6 echo), through
# both doors: `ping -c 1000 -i 0.002` to its IPv4 address and to its IPv6
# address must each get 1000 replies and 0% loss; skresponder's own
# counters must agree (1000 echo4, 1000 echo6, at least one ARP and one
# NS answered, no reply lost for want of a TX slot).  Once on a
# daemon-owned netif (skctl attach), once on a netif skresponder makes
# and attaches itself (-i, __os_nexus_ifattach) to a TAP made with ip.
# Socket door inside a network namespace made for the test (root
# needed); CUSE door inside User-Mode Linux, whose guest makes its own
# TAP.  Traffic never leaves the namespace / the guest.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 52-netif-ping
P=$SK_PROGS/skt_netif
R=$SK_EXAMPLES/skresponder
COUNT=${SKT_PING_COUNT:-1000}
need_prog "$P" "$R"

# nf_doors, nf_wait_line, nf_main, NF_SELF
# shellcheck source=../lib/netif.sh
. "$(dirname "$0")/../lib/netif.sh"

# addrs IFNAME: Linux's side of the link, and a static neighbour for
# nothing: skresponder must be asked (ARP, NS) and answer.
addrs() {
    ip link set "$1" up
    ip addr add 10.99.0.1/24 dev "$1"
    ip -6 addr add fd00:99::1/64 dev "$1" nodad
}

# pings FAMILY ADDR: COUNT replies, 0% loss.
pings() {
    local out
    out=$(ping "$1" -c "$COUNT" -i 0.002 -W 2 -q "$2" 2>&1)
    echo "$out" | tail -2
    grep -q " $COUNT received, 0% packet loss" <<<"$out"
}

# respond ARGS...: skresponder ARGS while both pings run.
respond() {
    local out pid rc=0 line
    out=$(mktemp "${TMPDIR:-/tmp}/sknf-resp.XXXXXX")
    "$R" -4 10.99.0.2 -6 fd00:99::2 "$@" >"$out" 2>&1 &
    pid=$!
    nf_wait_line "$out" ready "$pid" || { cat "$out"; return 1; }
    pings -4 10.99.0.2 || rc=1
    pings -6 fd00:99::2 || rc=1
    kill -TERM "$pid"
    wait "$pid" || rc=1
    cat "$out"
    line=$(grep "rx=" "$out")
    grep -q " echo4=$COUNT " <<<"$line" || rc=1
    grep -q " echo6=$COUNT " <<<"$line" || rc=1
    grep -q " arp=0 " <<<"$line" && rc=1
    grep -q " ns=0 " <<<"$line" && rc=1
    grep -q " txfull=0" <<<"$line" || rc=1
    rm -f "$out"
    return "$rc"
}

inner() {
    local u rc=0
    u=$("$P" ctl attach sktap0 create | sed -n 's/^nexus=//p')
    [[ -n $u ]] || return 1
    addrs sktap0
    respond -u "$u" || rc=1
    "$P" ctl detach sktap0 || rc=1
    ip tuntap add sktap1 mode tap || return 1
    addrs sktap1
    respond -i sktap1 || rc=1
    ip link del sktap1
    return "$rc"
}

nf_main "$@"
