#!/bin/bash
# Objective: defunct, end to end (behaviours §4.7, spec §5.1, XNU
# "oneslotukd"), through each door.  A program with both ends of a user
# pipe (slots in flight), a kernel-pipe loopback channel and a netif DEV
# channel on a daemon-owned loop device, threads parked in poll() on
# them, is defuncted (1) by itself through the control SPI and (2) from
# outside with $SKCHAN_DEFUNCT_CMD (skctl defunct --pid, text and
# --json): the count is right, every parked poll wakes with
# POLLHUP|POLLIN, syncs and set_opt fail ENXIO, nothing traps, poll says
# POLLHUP without write bits, every byte of the span but the schema reads
# zero, and once the program closes its handles the daemon's counts are
# back at their baseline, with no SIGABRT sent (cs_kills unchanged).
# A defunct process killed with -9 leaks nothing either.  Defunct landing
# at random moments of a two-thread stream (SKT_DEFUNCT_ROUNDS, default
# 10) never traps: the sender's sync fails ENXIO, the receiver sees
# POLLHUP or ENXIO.
# A pipe whose peer is not DEFUNCT_OK keeps working (ukd); pid 0, a dead
# pid and reserved fields are refused.  Last, the netif channel sits on a
# real TAP: the socket door inside a network namespace made for the run
# (root and ip(8) needed, else skipped), the CUSE door in User-Mode
# Linux.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 18-defunct
P=$SK_PROGS/skt_defunct
need_prog "$P" "$SK_PROGS/skstat"

# wait_ready FILE PID: until FILE says READY (or PID dies).
wait_ready() {
    for _ in $(seq 300); do
        grep -q '^READY' "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# outside [--json]: the program waits; we defunct it with the command
# with-skchan exports, and check what that command printed.
outside() {
    local json=${1:-} out pid n got rc=0
    out=$(mktemp "${TMPDIR:-/tmp}/skt-defunct.XXXXXX")
    "$P" outside >"$out" 2>&1 &
    pid=$!
    if ! wait_ready "$out" "$pid"; then
        cat "$out"
        sk_fail "outside: the program never became ready"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rm -f "$out"
        return
    fi
    n=$(sed -n 's/^READY [0-9]* //p' "$out")
    # shellcheck disable=SC2086  # a command line: split on purpose
    got=$($SKCHAN_DEFUNCT_CMD "$pid" $json 2>&1) || sk_fail "outside: '$SKCHAN_DEFUNCT_CMD $pid $json' failed: $got"
    if [[ -n $json ]]; then
        grep -q "\"defuncted\": *$n\b" <<<"$got" &&
            grep -q "\"pid\": *$pid\b" <<<"$got" ||
            sk_fail "outside: skctl --json said: $got (want $n channels)"
    else
        [[ $got == "pid $pid: $n channels defunct" ]] ||
            sk_fail "outside: skctl said '$got' (want $n channels)"
    fi
    wait "$pid" || rc=$?
    cat "$out"
    rm -f "$out"
    if ((rc != 0)); then
        sk_fail "outside${json:+ $json}: the program exited with status $rc"
    else
        say "ok: defunct from outside${json:+ ($json)}: $n channels"
    fi
}

# hold: defunct from outside, then kill -9 the process: nothing leaks.
hold_and_kill() {
    local out pid ifn
    out=$(mktemp "${TMPDIR:-/tmp}/skt-defunct.XXXXXX")
    "$P" hold >"$out" 2>&1 &
    pid=$!
    if wait_ready "$out" "$pid" &&
        $SKCHAN_DEFUNCT_CMD "$pid" >/dev/null; then
        for _ in $(seq 300); do
            grep -q '^CHECKED' "$out" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    grep -q '^CHECKED' "$out" || { cat "$out"; sk_fail "hold: the checks did not pass"; }
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # The daemon-owned netif outlives its user: detach it (skctl is the
    # first word of SKCHAN_DEFUNCT_CMD).
    ifn=$(sed -n 's/^CHECKED //p' "$out")
    if [[ -n $ifn && $ifn != - ]]; then
        "${SKCHAN_DEFUNCT_CMD%% *}" detach "$ifn" ||
            sk_fail "hold: detach $ifn after kill -9 failed"
    fi
    rm -f "$out"
    say "ok: defunct, then kill -9"
}

run() {
    local rc=0
    "$P" "$@" || rc=$?
    ((rc == 0)) || sk_fail "skt_defunct $*: exit status $rc"
}

inner() {
    local base kills
    [[ -n ${SKCHAN_DEFUNCT_CMD:-} ]] || { say "FAIL: SKCHAN_DEFUNCT_CMD is not exported"; return 1; }
    base=$(sk_stats) || { say "FAIL: skstat does not work"; return 1; }
    kills=$(sk_stat kills)
    say "door $SKCHAN_DOOR, baseline: ${base//$'\n'/ }"
    run self
    sk_wait_stats "$base" 20 || sk_fail "self: counts not back at baseline"
    outside
    outside --json
    sk_wait_stats "$base" 20 || sk_fail "outside: counts not back at baseline"
    hold_and_kill
    sk_wait_stats "$base" 20 || sk_fail "hold + kill -9: counts not back at baseline"
    run busy "${SKT_DEFUNCT_ROUNDS:-10}"
    run ukd
    run errors
    sk_wait_stats "$base" 20 || sk_fail "ukd/errors: counts not back at baseline"
    [[ $(sk_stat kills) == "$kills" ]] || sk_fail "SIGABRTs were sent: kills $kills -> $(sk_stat kills)"
    sk_daemon_alive || sk_fail "the daemon died"
    ((SK_FAILS == 0))
}

# The netif over a TAP: only "self" (the rest does not depend on the
# device), and the counts again.
inner_tap() {
    local base
    base=$(sk_stats) || { say "FAIL: skstat does not work"; return 1; }
    SKT_DEFUNCT_TAP=1 run self
    sk_wait_stats "$base" 20 || sk_fail "tap: counts not back at baseline"
    ((SK_FAILS == 0))
}

# tap_doors: inner_tap next to a private daemon on each door.
tap_doors() {
    local d ns rc self
    self=$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")
    d=$(sk_doors)
    if [[ $d != cuse ]]; then
        ns=skdf-$$-$RANDOM
        if [[ $(id -u) -ne 0 ]] || ! ip netns add "$ns" 2>/dev/null; then
            say "TAP, socket door: skipped: needs root and ip netns"
            SK_SKIPS+=("TAP on the socket door (no root or netns)")
        else
            ip -n "$ns" link set lo up
            say "---- TAP, socket door, netns $ns ----"
            rc=0
            ip netns exec "$ns" "$SK_WITH" -- "$self" --inner-tap || rc=$?
            ip netns del "$ns"
            case $rc in
                0) say "TAP, socket door: pass" ;;
                77) SK_SKIPS+=("TAP on the socket door") ;;
                *) sk_fail "TAP, socket door: exit status $rc" ;;
            esac
        fi
    fi
    [[ $d != socket ]] && on_door cuse "$self" --inner-tap
    return 0
}

case ${1:-} in
    --inner) inner; exit ;;
    --inner-tap) inner_tap; exit ;;
esac
both_doors "$0" --inner
tap_doors
sk_finish
