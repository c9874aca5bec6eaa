#!/bin/bash
# shellcheck disable=SC2015,SC2016  # say never fails; printf writes scripts
# Objective: the test runner itself keeps its promises.  Against a fake
# build tree and a fake integration directory (passing, skipping,
# failing, hanging and non-executable tests, a passing and a failing
# unit suite) tests/run-tests must: give each test one line with the
# right verdict, show a skip's reason and a failure's log tail, turn a
# hang into a timeout failure, keep Check's fork mode on, write one log
# per test, honour --unit/--integration/--only, end with exactly
# "N passed, N failed, N skipped", and exit 0 iff nothing failed.
# No daemon needed.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 90-run-tests
RUNNER=$SK_ROOT/tests/run-tests
TMP=$(mktemp -d "${TMPDIR:-/tmp}/run-tests-selftest.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

make_fixtures() {
    mkdir -p "$TMP/build/tests" "$TMP/integ"
    printf '#!/bin/sh\necho "CK_FORK=$CK_FORK"\n[ "$CK_FORK" = yes ]\n' \
        >"$TMP/build/tests/check_good"
    printf '#!/bin/sh\necho "unit assertion failed here"\nexit 1\n' \
        >"$TMP/build/tests/check_bad"
    : >"$TMP/build/tests/check_notexec"        # ignored: not executable
    printf '#!/bin/sh\necho fine\n' >"$TMP/integ/10-pass.sh"
    printf '#!/bin/sh\necho noise\necho "11-skip: SKIP: no widget here"\necho trailing\nexit 77\n' \
        >"$TMP/integ/11-skip.sh"
    printf '#!/bin/sh\necho "the boom line"\nexit 3\n' >"$TMP/integ/12-fail.sh"
    printf '#!/bin/sh\nsleep 60\n' >"$TMP/integ/13-hang.sh"
    printf 'echo plain\n' >"$TMP/integ/14-noexec.sh"
    printf '#!/bin/sh\nexit 1\n' >"$TMP/integ/notatest.sh"
    chmod +x "$TMP"/build/tests/check_good "$TMP"/build/tests/check_bad \
        "$TMP"/integ/1[0-3]-*.sh "$TMP/integ/notatest.sh"
}

# run_runner OUTFILE ARGS...: prints the exit status.
run_runner() {
    local out=$1 rc=0
    shift
    BUILD=$TMP/build SKCHAN_INTEGRATION_DIR=$TMP/integ SKCHAN_TEST_TIMEOUT=2 \
        CK_FORK=no "$RUNNER" "$@" >"$out" 2>&1 || rc=$?
    echo "$rc"
}

expect_line() {
    grep -Eq -- "$2" "$1" && say "ok: $3" ||
        sk_fail "$3: no line matching /$2/ in: $(cat "$1")"
}

check_full_run() {
    local out=$TMP/full.out rc
    rc=$(run_runner "$out")
    [[ $rc == 1 ]] && say "ok: exit status 1 with failures" ||
        sk_fail "exit status $rc, expected 1"
    [[ $(tail -n 1 "$out") == "3 passed, 3 failed, 1 skipped" ]] &&
        say "ok: summary line" || sk_fail "last line: $(tail -n 1 "$out")"
    expect_line "$out" '^PASS +check_good' "unit pass (CK_FORK forced on)"
    expect_line "$out" '^FAIL +check_bad' "unit failure"
    expect_line "$out" 'unit assertion failed here' "failure shows its log tail"
    expect_line "$out" '^PASS +10-pass' "integration pass"
    expect_line "$out" '^SKIP +11-skip .*SKIP: no widget here' "skip shows its reason"
    expect_line "$out" '^FAIL +12-fail .*exit status 3' "failure with status"
    expect_line "$out" 'the boom line' "failure shows its log"
    expect_line "$out" '^FAIL +13-hang .*timed out after 2s' "hang becomes a timeout"
    expect_line "$out" '^PASS +14-noexec' "non-executable script run with bash"
    grep -q notatest "$out" && sk_fail "ran a file without the NN- prefix"
    grep -q check_notexec "$out" && sk_fail "ran a non-executable unit file"
    local f
    for f in check_good check_bad 10-pass 11-skip 12-fail 13-hang 14-noexec; do
        [[ -s $TMP/build/test-logs/$f.log ]] || sk_fail "no log for $f"
    done
    [[ -z $(find "$TMP/build/test-logs" -name '.*.log') ]] ||
        sk_fail "private log files left behind"
}

check_selections() {
    local out=$TMP/sel.out rc
    rc=$(run_runner "$out" --only pass)
    [[ $rc == 0 && $(tail -n 1 "$out") == "1 passed, 0 failed, 0 skipped" ]] &&
        say "ok: --only pass" || sk_fail "--only pass: rc $rc, $(tail -n 1 "$out")"
    rc=$(run_runner "$out" --unit)
    [[ $rc == 1 && $(tail -n 1 "$out") == "1 passed, 1 failed, 0 skipped" ]] &&
        say "ok: --unit" || sk_fail "--unit: rc $rc, $(tail -n 1 "$out")"
    rc=$(run_runner "$out" --integration --only '1[14]-*')
    [[ $rc == 0 && $(tail -n 1 "$out") == "1 passed, 0 failed, 1 skipped" ]] &&
        say "ok: --integration --only glob" ||
        sk_fail "--integration --only: rc $rc, $(tail -n 1 "$out")"
    rc=$(run_runner "$out" --bogus)
    [[ $rc == 2 ]] && say "ok: bad option gives 2" || sk_fail "bad option: rc $rc"
}

make_fixtures
check_full_run
check_selections
sk_finish
