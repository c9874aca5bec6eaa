#!/bin/bash
# Objective: the daemon is clean under valgrind (memcheck: no invalid
# access, no use of uninitialised memory, no definite or possible leak
# at exit) while it serves the echo, the malformed-request barrage, the
# full-pipe accounting and a streaming run -- on the host (socket door)
# and in User-Mode Linux through CUSE (with-skchan --valgrind [--cuse]).
# with-skchan fails the run when valgrind reports errors.
# Timeout: 1500
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 40-valgrind
E=$SK_EXAMPLES/skecho
need_prog "$E" "$SK_PROGS/skt_malformed" "$SK_PROGS/skt_fullupipe" \
    "$SK_PROGS/skt_nslots"
command -v valgrind >/dev/null || sk_skip "valgrind is not installed"
sk_build_is_asan &&
    sk_skip "an ASan build cannot run under valgrind (ASan checks it instead)"

if [[ ${1:-} == --inner ]]; then
    export SKT_WAIT_MS=120000
    "$E" -n "${SKT_VALGRIND_ECHO_COUNT:-3000}" --timeout 120 &&
        "$SK_PROGS/skt_malformed" &&
        "$SK_PROGS/skt_fullupipe" &&
        "$SK_PROGS/skt_nslots" -n 2000
    exit
fi
SK_WITH_OPTS=--valgrind both_doors "$0" --inner
sk_finish
