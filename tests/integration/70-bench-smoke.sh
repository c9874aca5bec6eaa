#!/bin/bash
# Objective: tools/bench-sync (the sync-cost benchmark behind `make bench`)
# runs through both doors in --quick mode and prints sane numbers: all
# twelve rows, each with a non-zero median and a p99 no smaller than it,
# through the door with-skchan chose; non-zero ratios and packet rates.
# It judges no speed: timing is `make bench`'s business, not a test's.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 70-bench-smoke
B=$SK_BUILD/bench-sync
need_prog "$B"

ROWS="timer ioctl sockpair eventfd shm sync_tx sync_rx poll_ready poll_idle pp1 pp32 pp128"

# check_tsv FILE: every expectation about one --tsv output.
check_tsv() {
    local f=$1 k bad=0
    for k in $ROWS; do
        grep -q "^row	$k	" "$f" || { say "row $k missing"; bad=1; }
    done
    awk -F'\t' -v door="$SKCHAN_DOOR" '
        $1 == "info" && $2 == "door" && $3 != door {
            print "door " $3 ", expected " door; bad = 1 }
        $1 == "row" && !($3 > 0 && $4 >= $3 && $6 > 0) {
            print "row " $2 ": median " $3 ", p99 " $4 ", n " $6; bad = 1 }
        $1 == "ratio" && !($3 > 0) { print "ratio " $2 ": " $3; bad = 1 }
        $1 == "rate" && !($3 > 0 && $4 > 0) {
            print "rate at batch " $2 ": " $3 " / " $4; bad = 1 }
        END { exit bad }' "$f" || bad=1
    return "$bad"
}

inner() {
    local out rc=0
    out=$(mktemp "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
    "$B" --quick --tsv --label smoke >"$out" || rc=$?
    if ((rc != 0)); then
        say "bench-sync --quick: exit status $rc"
    elif ! check_tsv "$out"; then
        rc=1
    fi
    cat "$out"
    rm -f "$out"
    return "$rc"
}

if [[ ${1:-} == --inner ]]; then
    inner
    exit
fi
both_doors "$0" --inner
sk_finish
