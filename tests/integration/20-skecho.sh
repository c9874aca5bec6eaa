#!/bin/bash
# Objective: examples/skecho between two processes on the two ends of one
# user pipe, through both doors: SKCHAN_ECHO_COUNT packets (default
# 20000; `make million` sets 1000000) of mixed sizes, every one verified
# for length, order and every byte; then a strict ping-pong (window 1), a
# small ring with odd window and buffer size, and two independently
# started processes (a server that prints the nexus UUID and a client
# given it), and four echo pairs at once on one daemon, each of which must
# also come back intact.  Finally the
# verifier itself: with the server injecting one fault (a flipped byte, a
# dropped, duplicated or shortened packet) at packet K, skecho must fail
# and name packet K and the kind of damage.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 20-skecho
E=$SK_EXAMPLES/skecho
need_prog "$E"

# Server and client as two separate commands, joined by the UUID.
separate() {
    local out uuid spid rc=0
    out=$(mktemp "${TMPDIR:-/tmp}/skecho-srv.XXXXXX")
    "$E" --role server -n 4000 >"$out" 2>&1 &
    spid=$!
    for _ in $(seq 200); do
        uuid=$(sed -n 's/.*nexus=\([0-9a-f-]*\).*/\1/p' "$out")
        [[ -n $uuid ]] && break
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z $uuid ]]; then
        say "server printed no nexus UUID:"
        cat "$out"
        kill "$spid" 2>/dev/null
        rm -f "$out"
        return 1
    fi
    SKECHO_NEXUS=$uuid "$E" --role client -n 4000 || rc=1
    wait "$spid" || rc=1
    cat "$out"
    rm -f "$out"
    return "$rc"
}

# Four pairs at once: one daemon multiplexes independent pipes.
parallel() {
    local pids=() p rc=0
    for _ in 1 2 3 4; do
        "$E" -n 5000 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do
        wait "$p" || rc=1
    done
    return "$rc"
}

# faults: each injected fault must fail the run at the right packet.
faults() {
    local spec want k out rc
    for spec in "corrupt@100:corruption" "drop@200:loss, duplicate or reorder" \
        "dup@300:loss, duplicate or reorder" "short@400:truncated or padded"; do
        want=${spec#*:}
        spec=${spec%%:*}
        k=${spec#*@}
        rc=0
        out=$("$E" -n 2000 --inject "$spec" 2>&1) || rc=$?
        if ((rc == 1)) && grep -q "^skecho: packet $k\b.*$want" <<<"$out"; then
            say "ok: --inject $spec caught: $(grep -m1 "^skecho: packet" <<<"$out")"
        else
            say "FAIL: --inject $spec: exit $rc, expected 1 and 'packet $k ... $want':"
            echo "$out"
            return 1
        fi
    done
}

inner() {
    local n=${SKCHAN_ECHO_COUNT:-20000}
    say "door $SKCHAN_DOOR: $n packets"
    "$E" -n "$n" || return 1
    say "ping-pong, window 1"
    "$E" -n 3000 --window 1 || return 1
    say "16 slots of 1024 bytes, window 7"
    "$E" -n 5000 --slots 16 --buf-size 1024 --window 7 || return 1
    say "separate server and client processes"
    separate || return 1
    say "four pairs at once"
    parallel || return 1
    say "injected faults"
    faults
}

if [[ ${1:-} == --inner ]]; then
    inner
    exit
fi
both_doors "$0" --inner
sk_finish
