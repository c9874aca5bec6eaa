#!/bin/bash
# Objective: the netif throughput benchmark behind `make bench-netif`
# runs, socket door only, and prints non-zero numbers.  tools/
# bench-netif.sh --quick --no-uml --no-pin makes a network namespace,
# starts a private daemon in it and runs bench-netif once (one round of
# 0.25 s per cell); then every cell (TX raw, TX channel at two batch
# sizes, RX raw and channel, streamed and drained; 60 and 1514 bytes)
# must be there with a non-zero median, every channel/raw ratio
# non-zero, and the run must say it used the socket door.  It judges no
# speed: timing is `make bench-netif`'s business, not a test's.  Root and
# ip(8) needed (TAPs in a namespace), else skipped; the CUSE door is the
# benchmark's UML column, not this test's.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 71-bench-netif-smoke
need_prog "$SK_BUILD/bench-netif"

CELLS="tx_raw tx_ch0 tx_ch1 rxs_raw rxs_ch rxd_raw rxd_ch"

# check_tsv FILE: every expectation about one --tsv output.
check_tsv() {
    local f=$1 c n bad=0
    for n in 60 1514; do
        for c in $CELLS; do
            grep -q "^cell	$c	$n	" "$f" || { say "cell $c at $n B missing"; bad=1; }
        done
    done
    awk -F'\t' '
        $1 == "info" && $2 == "door" && $3 != "socket" {
            print "door " $3 ", expected socket"; bad = 1 }
        $1 == "cell" && !($4 > 0 && $5 > 0 && $6 >= $4 && $12 > 0) {
            print "cell " $2 " at " $3 " B: median " $4 ", min " $5 ", max " $6 ", frames " $12
            bad = 1 }
        $1 == "ratio" && !($4 > 0) { print "ratio " $2 " at " $3 " B: " $4; bad = 1 }
        END { exit bad }' "$f" || bad=1
    return "$bad"
}

[[ $(sk_doors) == cuse ]] && sk_skip "socket door only (SKCHAN_DOORS=cuse)"
[[ $(id -u) -eq 0 ]] || sk_skip "needs root (TAPs in a network namespace)"
command -v ip >/dev/null 2>&1 || sk_skip "needs ip(8)"

out=$(mktemp -d "${TMPDIR:-/tmp}/bench-netif-smoke.XXXXXX")
rc=0
"$SK_ROOT/tools/bench-netif.sh" --quick --no-uml --no-pin --out "$out" || rc=$?
case $rc in
    0)
        if [[ ! -s $out/host-socket.tsv ]]; then
            sk_fail "no results in $out/host-socket.tsv"
        elif check_tsv "$out/host-socket.tsv"; then
            say "socket door: pass"
        else
            sk_fail "bench-netif --quick printed missing or zero numbers"
        fi
        ;;
    77) rm -rf "$out"; sk_skip "bench-netif.sh cannot run here" ;;
    *) sk_fail "bench-netif.sh --quick: exit status $rc" ;;
esac
cat "$out/host-socket.tsv" 2>/dev/null
rm -rf "$out"
sk_finish
