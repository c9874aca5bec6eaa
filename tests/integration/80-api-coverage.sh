#!/bin/bash
# Objective: every function of the Apple-named headers (include/skywalk/
# os_*.h: seed 000's exported os_channel_* functions and the spec's
# packet, buflet, checksum, event and nexus API) is called by at least
# one test -- a Check suite or a tests/prog program an integration
# script runs through both doors -- and docs/api-coverage.md is the
# table tools/api-coverage.sh prints today.  A stale document is only
# reported (a new test elsewhere must not fail this one); a function
# without a test fails.  No daemon, no door: it reads sources.
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
sk_init 80-api-coverage

TOOL=$SK_ROOT/tools/api-coverage.sh
DOC=$SK_ROOT/docs/api-coverage.md
out=$(mktemp "${TMPDIR:-/tmp}/skcov.XXXXXX")
if "$TOOL" >"$out"; then
    say "every function has a test: $(grep -c '^| `' "$out") functions"
else
    sk_fail "functions without a test (tools/api-coverage.sh)"
fi
if ! diff -u "$DOC" "$out" >/dev/null; then
    diff -u "$DOC" "$out" | head -20
    say "NOTE: docs/api-coverage.md is stale: run tools/api-coverage.sh > docs/api-coverage.md"
fi
rm -f "$out"
sk_finish
