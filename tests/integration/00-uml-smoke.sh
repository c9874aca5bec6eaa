#!/bin/bash
# Objective: prove that scripts/uml-run gives us a usable CUSE kernel.
# Inside the User-Mode Linux guest /dev/cuse, /dev/fuse and /dev/net/tun
# must exist after module load; the command's exit status (0, 3, 77),
# stdout and stderr must come back to the caller separately; the caller's
# environment and working directory must pass through; and the timeout
# must turn a hung guest into exit status 124.
# Exits 77 (skip) when User-Mode Linux or its modules are unavailable.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
UML_RUN=$HERE/../../scripts/uml-run
FAILS=0

say() { echo "00-uml-smoke: $*"; }

fail() {
    say "FAIL: $*"
    FAILS=$((FAILS + 1))
}

# expect_status WANT CMD...: run CMD under uml-run, compare exit status.
expect_status() {
    local want=$1 got=0
    shift
    "$UML_RUN" -- "$@" >/dev/null 2>&1 || got=$?
    if [[ $got == "$want" ]]; then
        say "ok: exit status $want"
    else
        fail "exit status: want $want, got $got ($*)"
    fi
}

check_available() {
    local rc=0
    "$UML_RUN" --check >/dev/null 2>&1 || rc=$?
    if ((rc != 0)); then
        say "SKIP: User-Mode Linux is not available (uml-run --check: $rc)"
        exit 77
    fi
}

check_devices_env_cwd() {
    local dir out err rc=0
    dir=$(mktemp -d /var/tmp/uml-smoke.XXXXXX)
    out=$dir/out
    err=$dir/err
    (
        cd "$dir"
        export SMOKE_VALUE=$'two words\nand "quotes" $not_expanded'
        # shellcheck disable=SC2016  # expanded by the guest shell
        "$UML_RUN" -- bash -c '
            test -c /dev/cuse && test -c /dev/fuse && test -c /dev/net/tun || exit 10
            grep -qw cuse /proc/modules || exit 11
            ip link show lo | grep -q "UP" || exit 12
            printf "%s\n" "$SMOKE_VALUE"
            echo "cwd=$PWD"
            echo "uid=$(id -u)"
            echo to-stderr >&2
            echo written >guest-file
        ' >"$out" 2>"$err"
    ) || rc=$?
    if ((rc != 0)); then
        fail "device/env check exited $rc; stderr: $(cat "$err")"
    fi
    local want
    # shellcheck disable=SC2016  # literal on purpose
    want=$(printf '%s\n%s\n%s\n%s\n' 'two words' 'and "quotes" $not_expanded' \
        "cwd=$dir" 'uid=0')
    if [[ $(<"$out") == "$want" ]]; then
        say "ok: /dev/cuse present, stdout, env and cwd pass through"
    else
        fail "unexpected stdout: $(cat "$out")"
    fi
    if grep -qx to-stderr "$err" && ! grep -q to-stderr "$out"; then
        say "ok: stderr comes back separately"
    else
        fail "stderr not separated: $(cat "$err")"
    fi
    if [[ $(cat "$dir/guest-file" 2>/dev/null) == written ]]; then
        say "ok: guest writes are visible on the host"
    else
        fail "file written in the guest is not visible on the host"
    fi
    rm -rf "$dir"
}

check_timeout() {
    local got=0
    "$UML_RUN" --timeout 2 -- sleep 60 >/dev/null 2>&1 || got=$?
    if ((got == 124)); then
        say "ok: timeout gives 124"
    else
        fail "timeout: want 124, got $got"
    fi
}

main() {
    check_available
    expect_status 0 true
    expect_status 3 sh -c 'exit 3'
    expect_status 77 sh -c 'exit 77'
    check_devices_env_cwd
    check_timeout
    if ((FAILS)); then
        say "$FAILS check(s) failed"
        exit 1
    fi
    say "all checks passed"
}

main "$@"
