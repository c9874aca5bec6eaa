#!/bin/bash
# Objective: streaming through an echo peer with implicit RX syncs
# (behaviours §5 scenario 4, XNU "nslots"/"mslots"): fill exactly the
# available TX slots, sync TX, consume exactly the available RX slots
# and never sync RX explicitly -- the next poll()/select() must.  128
# slots (one ring's worth) and SKT_NSLOTS_COUNT (default 20000) slots,
# with poll and with select; no loss, duplicate, reorder or stall, and
# every wait reports exactly the requested bit.  Both doors.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 12-nslots
P=$SK_PROGS/skt_nslots
N=${SKT_NSLOTS_COUNT:-20000}
need_prog "$P"
both_doors sh -c '
    "$1" --poll && "$1" --select &&
    "$1" --poll -n "$2" && "$1" --select -n "$2"' nslots "$P" "$N"
sk_finish
