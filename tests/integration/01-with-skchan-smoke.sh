#!/bin/bash
# Objective: prove that scripts/with-skchan starts a usable private
# cuse-dev and gets out of the way.  In host mode (socket door) and, when
# User-Mode Linux is available, in CUSE mode: CMD sees SKCHAN_DOOR,
# SKCHAN_SOCKET (a listening socket), SKCHAN_DAEMON_PID (a live process)
# and, with --cuse, SKCHAN_DEVICE (a character device); and CMD's exit
# status comes back unchanged (0, 5 and 77).
# Exits 77 (skip) when cuse-dev has not been built.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$HERE/../.." && pwd -P)
WITH=$REPO/scripts/with-skchan
FAILS=0

say() { echo "01-with-skchan-smoke: $*"; }

fail() {
    say "FAIL: $*"
    FAILS=$((FAILS + 1))
}

DAEMON_BIN=""
find_daemon() {
    local build=${BUILD:-build}
    [[ $build == /* ]] || build=$REPO/$build
    if [[ -n ${SKCHAN_CUSE_DEV:-} && -x ${SKCHAN_CUSE_DEV:-} ]]; then
        DAEMON_BIN=$SKCHAN_CUSE_DEV
        return 0
    fi
    for DAEMON_BIN in "$build/cuse-dev" "$REPO/build/cuse-dev"; do
        [[ -x $DAEMON_BIN ]] && return 0
    done
    say "SKIP: needs cuse-dev (run make first)"
    exit 77
}

# The command run under with-skchan: checks what the daemon exports.
# shellcheck disable=SC2016  # expanded by the inner shell
PROBE='
    [ -n "$SKCHAN_SOCKET" ] && [ -S "$SKCHAN_SOCKET" ] || { echo "no socket: $SKCHAN_SOCKET" >&2; exit 90; }
    kill -0 "$SKCHAN_DAEMON_PID" || { echo "daemon pid $SKCHAN_DAEMON_PID not alive" >&2; exit 91; }
    case $SKCHAN_DOOR in
        socket) ;;
        cuse) [ -c "$SKCHAN_DEVICE" ] || { echo "no device: $SKCHAN_DEVICE" >&2; exit 92; } ;;
        *) echo "bad SKCHAN_DOOR: $SKCHAN_DOOR" >&2; exit 93 ;;
    esac
    [ "$SKCHAN_DOOR" = "$WANT_DOOR" ] || { echo "door $SKCHAN_DOOR, want $WANT_DOOR" >&2; exit 94; }
    exit "$WANT_STATUS"
'

# check MODE-LABEL WANT_DOOR STATUS [with-skchan options]
check() {
    local label=$1 door=$2 want=$3 got=0 err
    shift 3
    err=$(mktemp /var/tmp/with-skchan-smoke.XXXXXX)
    WANT_DOOR=$door WANT_STATUS=$want "$WITH" "$@" -- sh -c "$PROBE" 2>"$err" || got=$?
    if [[ $got == "$want" ]]; then
        say "ok: $label: exit status $want"
    else
        fail "$label: want exit status $want, got $got; stderr:"
        sed 's/^/    /' "$err"
    fi
    rm -f "$err"
}

uml_available() {
    "$REPO/scripts/uml-run" --check >/dev/null 2>&1
}

main() {
    find_daemon
    export WANT_DOOR WANT_STATUS
    local s
    for s in 0 5 77; do check "host mode" socket "$s"; done
    if ldd "$DAEMON_BIN" 2>/dev/null | grep -q libasan; then
        say "note: an ASan build cannot run in User-Mode Linux, CUSE mode not checked (use SANITIZE=ubsan)"
    elif uml_available; then
        for s in 0 5 77; do check "cuse mode" cuse "$s" --cuse; done
    else
        say "note: User-Mode Linux unavailable, CUSE mode not checked"
    fi
    if ((FAILS)); then
        say "$FAILS check(s) failed"
        exit 1
    fi
    say "all checks passed"
}

main "$@"
