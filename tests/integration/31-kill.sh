#!/bin/bash
# Objective: a client that dies at any instant leaks nothing (design
# brief §3).  Through each door: record the daemon's counts (skstat),
# then SIGKILL clients at various moments -- holding a controller with
# providers, instances and a bound port; holding both ends of a pipe
# with slots queued; in the middle of a sync/poll loop; and skecho
# mid-echo (the client, the server or both, after 0.05 s to 1 s) -- and
# after each kill require every count to return to the baseline, the
# survivor of a half-killed echo to notice and exit by itself, and the
# daemon to keep running.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 31-kill
HOLD=$SK_PROGS/skt_hold
E=$SK_EXAMPLES/skecho
need_prog "$HOLD" "$E" "$SK_PROGS/skstat"

# wait_ready FILE PID: until FILE says READY (or PID dies).
wait_ready() {
    for _ in $(seq 300); do
        grep -q READY "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# wait_gone PID SECS: until PID (not our child) has exited.
wait_gone() {
    for _ in $(seq $(($2 * 10))); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

kill_holder() {
    local mode=$1 delay=$2 out pid
    out=$(mktemp "${TMPDIR:-/tmp}/skt-hold.XXXXXX")
    "$HOLD" "$mode" >"$out" 2>&1 &
    pid=$!
    if ! wait_ready "$out" "$pid"; then
        cat "$out"
        sk_fail "$mode: holder never became ready"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rm -f "$out"
        return
    fi
    sleep "$delay"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    rm -f "$out"
    if sk_wait_stats "$BASE" 20; then
        say "ok: kill -9 holding $mode after ${delay}s: counts at baseline"
    else
        sk_fail "kill -9 holding $mode after ${delay}s leaked"
    fi
}

# kill_echo VICTIM DELAY: VICTIM is client, server or both.
kill_echo() {
    local victim=$1 delay=$2 out cpid spid="" survivor=""
    out=$(mktemp "${TMPDIR:-/tmp}/skt-echo.XXXXXX")
    # setsid: the echo pair gets its own process group (no fork here:
    # a background job of a script is not a group leader).
    setsid "$E" -n 100000000 --timeout 15 >"$out" 2>&1 &
    cpid=$!
    sleep "$delay"
    spid=$(pgrep -P "$cpid" | head -n 1)
    case $victim in
        client) kill -9 "$cpid"; survivor=$spid ;;
        server)
            if [[ -n $spid ]]; then
                kill -9 "$spid"
                survivor=$cpid
            else
                kill -9 -- "-$cpid"
            fi
            ;;
        both) kill -9 -- "-$cpid" ;;
    esac
    if [[ -n $survivor ]] && ! wait_gone "$survivor" 30; then
        sk_fail "echo, $victim killed after ${delay}s: the survivor ($survivor) did not notice"
        kill -9 "$survivor" 2>/dev/null
    fi
    wait "$cpid" 2>/dev/null
    rm -f "$out"
    if sk_wait_stats "$BASE" 20; then
        say "ok: kill -9 echo $victim after ${delay}s: counts at baseline"
    else
        sk_fail "kill -9 echo $victim after ${delay}s leaked"
    fi
}

inner() {
    local mode delay victim
    BASE=$(sk_stats) || { say "FAIL: skstat does not work"; return 1; }
    say "door $SKCHAN_DOOR, baseline: ${BASE//$'\n'/ }"
    for mode in controller channels syncing; do
        for delay in 0 0.3; do
            kill_holder "$mode" "$delay"
        done
    done
    for delay in 0.05 0.3 1; do
        for victim in client server both; do
            kill_echo "$victim" "$delay"
        done
    done
    sk_daemon_alive || sk_fail "the daemon died"
    ((SK_FAILS == 0))
}

if [[ ${1:-} == --inner ]]; then
    inner
    exit
fi
both_doors "$0" --inner
sk_finish
