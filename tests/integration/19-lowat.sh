#!/bin/bash
# Objective: channel low-watermarks (issue part 5; XNU
# ch_ev_thresh_validate) through Apple's API, on a user pipe and on the
# kernel-pipe loopback, through both doors: unset marks read back
# {SLOTS, 1}; marks given at create or with os_channel_write_attr come
# back clamped (slots to [1, slots - 1], bytes to [1, (slots - 1) x
# buffer size]) from read_attr and __channel_get_opt; a bad unit is
# EINVAL (library and daemon); poll and select still report a ring
# ready at one slot (marks apply only to kevent on XNU); a change while
# a thread is blocked in poll wakes it without a false readiness.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 19-lowat
P=$SK_PROGS/skt_lowat
need_prog "$P"
RUN='
    "$1" upipe || exit 1
    if [ -n "${SKCHAN_KPIPE_UUID:-}" ]; then
        "$1" kpipe
    else
        echo "no SKCHAN_KPIPE_UUID: kpipe part not run"; exit 1
    fi'
both_doors sh -c "$RUN" lowat "$P"
sk_finish
