#!/bin/bash
# Objective: hostile requests never hurt the daemon (design brief §3).
# tests/prog/skt_malformed sends raw requests through each door -- bad
# ABI versions, sizes, reserved bits, unknown commands, (socket door)
# broken frames and garbage, wrong handle kinds, unknown nexus, wrong
# port and ring -- expecting Apple's errno each time, then has forked
# children corrupt ring_head/ring_tail in shared memory and sync or poll,
# expecting each to be killed by SIGABRT; afterwards a fresh pipe must
# still carry data, the daemon's counts must be back at their baseline,
# and the daemon must still answer skstat.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 30-malformed
need_prog "$SK_PROGS/skt_malformed" "$SK_PROGS/skstat"
both_doors sh -c '"$1" && "$2"' malformed "$SK_PROGS/skt_malformed" \
    "$SK_PROGS/skstat"
sk_finish
