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
# kernel-pipe loopback.  Finally examples/skecho, unchanged, between a
# server and a client process while three other processes watch its port
# 0 (copy, no-copy, and one killed -9 mid-run): skecho must still get
# every packet back intact, the two survivors must have seen traffic and
# leave when the nexus rejects.  Every daemon count returns to its
# baseline.
# shellcheck source=../lib/common.sh disable=SC2016  # bash -c script
. "$(dirname "$0")/../lib/common.sh"
sk_init 22-monitor
P=$SK_PROGS/skt_monitor
E=$SK_EXAMPLES/skecho
need_prog "$P" "$E" "$SK_PROGS/skstat"

# Wait until file $1 holds a line matching $2 (or process $3 is gone).
wait_line() {
    for _ in $(seq 300); do
        grep -q "$2" "$1" && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# skecho watched by other processes; one watcher dies mid-run.
watched_skecho() {
    local dir uuid spid cpid w w1 w2 w3 rc=0
    dir=$(mktemp -d "${TMPDIR:-/tmp}/skmon.XXXXXX")
    "$E" --role server -n "$1" >"$dir/srv" 2>&1 &
    spid=$!
    wait_line "$dir/srv" "nexus=" "$spid" || { cat "$dir/srv"; return 1; }
    uuid=$(sed -n 's/.*nexus=\([0-9a-f-]*\).*/\1/p' "$dir/srv")
    "$P" watch "$uuid" copy >"$dir/w1" 2>&1 &
    w1=$!
    "$P" watch "$uuid" nocopy >"$dir/w2" 2>&1 &
    w2=$!
    "$P" watch "$uuid" copy >"$dir/w3" 2>&1 &
    w3=$!
    for w in w1 w2 w3; do
        wait_line "$dir/$w" watching "${!w}" || { cat "$dir/$w"; rc=1; }
    done
    SKECHO_NEXUS=$uuid "$E" --role client -n "$1" &
    cpid=$!
    sleep 0.05
    kill -9 "$w3" 2>/dev/null
    wait "$cpid" || rc=1
    wait "$spid" || rc=1
    wait "$w1" || rc=1
    wait "$w2" || rc=1
    wait "$w3" 2>/dev/null
    cat "$dir/srv" "$dir/w1" "$dir/w2"
    rm -rf "$dir"
    return "$rc"
}

if [[ ${1:-} == --inner ]]; then
    base=$(sk_stats) || exit 1
    "$P" rules || exit 1
    "$P" upipe -n "${SKT_MONITOR_COUNT:-3000}" || exit 1
    "$P" netif -n 600 || exit 1
    rc=0
    "$P" kpipe -n 600 || rc=$?
    ((rc == 0 || rc == 77)) || exit 1
    say "skecho, watched by three processes (one killed -9)"
    watched_skecho "${SKCHAN_ECHO_COUNT:-20000}" || exit 1
    sk_wait_stats "$base" 20
    exit
fi
both_doors "$0" --inner
sk_finish
