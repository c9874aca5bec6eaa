#!/bin/bash
# Objective: the kernel-pipe loopback nexus (behaviours §5 scenario 3,
# XNU "oneslotkp"/"oneslotks", "nslotskp"/"nslotsks"): the daemon creates
# it at start and logs "kpipe loopback nexus <uuid>"; on port 0 one
# 54-byte slot comes back byte for byte, and streams of 128 and
# SKT_NSLOTS_COUNT (default 20000) 4-byte counters come back with no
# loss, duplicate, reorder or stall, RX syncs left to poll()/select(),
# every wait reporting exactly the requested bit.  Port 1 => EDOM; user
# packet pool, event ring, low latency => ENOTSUP; userland cannot
# register KERNEL_PIPE (EINVAL).  Both doors.  Finally (socket door)
# --no-kpipe-loopback means no loopback nexus.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 17-kpipe
P=$SK_PROGS/skt_kpipe
N=${SKT_NSLOTS_COUNT:-20000}
need_prog "$P"
mkdir -p "$SK_BUILD/test-logs"
# The daemon's log must be where the UML guest sees it too (hostfs).
LOG=$(mktemp "$SK_BUILD/test-logs/17-kpipe.daemon.XXXXXX")
trap 'rm -f "$LOG"' EXIT

# Until a control request names it, the UUID comes from the daemon log
# (SKCHAN_KPIPE_UUID, when set, wins: skt_kpipe reads it itself).
RUN='
    u=$(sed -n "s/.*kpipe loopback nexus //p" "$2" | tail -n 1)
    [ -n "${SKCHAN_KPIPE_UUID:-}" ] && u=$SKCHAN_KPIPE_UUID
    [ -n "$u" ] || { echo "no kpipe loopback UUID in $2"; exit 1; }
    "$1" -u "$u" oneslot --poll && "$1" -u "$u" oneslot --select &&
    "$1" -u "$u" nslots --poll && "$1" -u "$u" nslots --select &&
    "$1" -u "$u" nslots --poll -n "$3" &&
    "$1" -u "$u" nslots --select -n "$3" &&
    "$1" -u "$u" errors'
SK_WITH_OPTS="${SK_WITH_OPTS:-} --daemon-log $LOG" \
    both_doors sh -c "$RUN" kpipe "$P" "$LOG" "$N"

if [[ $(sk_doors) != cuse ]]; then
    : >"$LOG"
    say "---- socket door, --no-kpipe-loopback: no loopback nexus ----"
    if "$SK_WITH" --daemon-log "$LOG" --daemon-arg --no-kpipe-loopback \
        -- true && ! grep -q "kpipe loopback nexus" "$LOG"; then
        say "no loopback nexus: pass"
    else
        sk_fail "--no-kpipe-loopback: daemon failed or still made a loopback"
    fi
fi
sk_finish
