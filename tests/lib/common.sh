# shellcheck shell=bash
# common.sh - helpers for the integration scripts (tests/integration/).
#
# Source it first thing:  . "$(dirname "$0")/../lib/common.sh"; sk_init NAME
#
# Every program a script runs goes through both doors: on the host with
# the socket door (scripts/with-skchan -- CMD) and inside User-Mode
# Linux with the real CUSE device (scripts/with-skchan --cuse -- CMD).
# with-skchan starts a private daemon for each run and exports
# SKCHAN_DOOR, SKCHAN_SOCKET, SKCHAN_DEVICE (CUSE only) and
# SKCHAN_DAEMON_PID to CMD.
#
# Verdicts follow the runner's rules: exit 0 pass, 77 skip (with a line
# saying why), anything else fail.  A door that could not run (no UML)
# turns an otherwise passing test into a skip, never a silent pass --
# unless the caller narrowed the doors on purpose with SKCHAN_DOORS.
#
# Environment:
#   BUILD          build directory (default build)
#   SKCHAN_DOORS   "both" (default), "socket" or "cuse"
#   SK_WITH_OPTS   extra with-skchan options for both_doors (array-free:
#                  a space-separated string, e.g. "--valgrind")

SK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SK_BUILD=${BUILD:-build}
[[ $SK_BUILD == /* ]] || SK_BUILD=$SK_ROOT/$SK_BUILD
export BUILD=$SK_BUILD
SK_PROGS=$SK_BUILD/tests/prog
SK_EXAMPLES=$SK_BUILD/examples
export SK_ROOT SK_BUILD SK_PROGS SK_EXAMPLES
SK_WITH=$SK_ROOT/scripts/with-skchan
SK_NAME=unnamed
SK_FAILS=0
SK_SKIPS=()

sk_init() {
    SK_NAME=$1
    set -uo pipefail
}

say() { echo "$SK_NAME: $*"; }

sk_fail() {
    say "FAIL: $*"
    SK_FAILS=$((SK_FAILS + 1))
}

# sk_skip REASON: the whole test cannot run here.
sk_skip() {
    say "SKIP: $*"
    exit 77
}

# need_prog NAME...: the programs must have been built (make all progs).
need_prog() {
    local p
    for p in "$@"; do
        if [[ ! -x $p ]]; then
            say "FAIL: $p is not built (run: make all)"
            exit 1
        fi
    done
}

sk_doors() {
    local d=${SKCHAN_DOORS:-both}
    case $d in
        both | socket | cuse) echo "$d" ;;
        *) say "bad SKCHAN_DOORS=$d (both, socket or cuse)" >&2; echo both ;;
    esac
}

# True when the build under test uses AddressSanitizer (SANITIZE=1),
# which cannot run inside User-Mode Linux (mk/common.mk).
sk_build_is_asan() {
    ldd "$SK_BUILD/libskywalk.so" 2>/dev/null | grep -q libasan
}

# on_door DOOR CMD...: run CMD next to a private daemon on one door;
# records the outcome; returns CMD's status.
on_door() {
    local door=$1 rc=0 opts=()
    shift
    if [[ $door == cuse ]] && sk_build_is_asan; then
        say "cuse door: skipped: an ASan build cannot run in UML (use SANITIZE=ubsan)"
        SK_SKIPS+=("cuse door (ASan build)")
        return 77
    fi
    # shellcheck disable=SC2206  # word splitting wanted
    [[ -n ${SK_WITH_OPTS:-} ]] && opts=($SK_WITH_OPTS)
    [[ $door == cuse ]] && opts=(--cuse "${opts[@]}")
    say "---- $door door${opts[*]:+ (${opts[*]})}: $* ----"
    "$SK_WITH" "${opts[@]}" -- "$@" || rc=$?
    case $rc in
        0) say "$door door: pass" ;;
        77)
            say "$door door: could not run (exit 77)"
            SK_SKIPS+=("$door door")
            ;;
        *) sk_fail "$door door: exit status $rc: $*" ;;
    esac
    return "$rc"
}

# both_doors CMD...: CMD through the socket door, then through CUSE in
# UML.  Returns 0 if every door that ran passed (skips are remembered
# for sk_finish), 1 otherwise.
both_doors() {
    local d bad=0 rc
    d=$(sk_doors)
    if [[ $d != cuse ]]; then
        on_door socket "$@"
        rc=$?
        ((rc != 0 && rc != 77)) && bad=1
    fi
    if [[ $d != socket ]]; then
        on_door cuse "$@"
        rc=$?
        ((rc != 0 && rc != 77)) && bad=1
    fi
    return "$bad"
}

# sk_finish: exit with the verdict of everything recorded so far.
sk_finish() {
    if ((SK_FAILS)); then
        say "$SK_FAILS failure(s)"
        exit 1
    fi
    if ((${#SK_SKIPS[@]})); then
        say "SKIP: not run: ${SK_SKIPS[*]} (User-Mode Linux unavailable?); the rest passed"
        exit 77
    fi
    say "all passed"
    exit 0
}

# ---- daemon counts (inside a with-skchan run) ----------------------------

# The counts that must come back to their baseline once every client is
# gone: one "key=value" per line, from tests/prog/skstat.
SK_STAT_KEYS="files controllers providers instances channels arenas memfds bindings tickets arena_bytes"

sk_stats() {
    local out k
    out=$("$SK_PROGS/skstat") || return 1
    for k in $SK_STAT_KEYS; do
        grep "^$k=" <<<"$out"
    done
}

# sk_stat KEY: one count.
sk_stat() {
    "$SK_PROGS/skstat" | sed -n "s/^$1=//p"
}

# sk_wait_stats WANT [SECS]: wait until sk_stats equals WANT (a daemon
# notices a dead client asynchronously); prints the difference on
# timeout and returns 1.
sk_wait_stats() {
    local want=$1 secs=${2:-20} now deadline
    deadline=$((SECONDS + secs))
    while :; do
        now=$(sk_stats) || { say "skstat failed: daemon gone?"; return 1; }
        [[ $now == "$want" ]] && return 0
        if ((SECONDS >= deadline)); then
            say "counts not back at baseline after ${secs}s:"
            diff <(echo "$want") <(echo "$now") | sed -n 's/^[<>]/  &/p'
            return 1
        fi
        sleep 0.2
    done
}

# sk_daemon_alive: the daemon with-skchan started is still running.
sk_daemon_alive() {
    [[ -n ${SKCHAN_DAEMON_PID:-} ]] && kill -0 "$SKCHAN_DAEMON_PID" 2>/dev/null
}
