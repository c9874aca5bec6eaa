#!/bin/bash
# Objective: exact slot accounting across a full user pipe (behaviours §5
# scenario 1, XNU "fullupipe"): upipe(1 ring, 100 slots, reject_on_close),
# both ends in one process, every available count after each fill,
# advance and sync exactly as Skywalk defines it, counters arriving in
# order.  Through the socket door and through CUSE in UML.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 10-fullupipe
need_prog "$SK_PROGS/skt_fullupipe"
both_doors "$SK_PROGS/skt_fullupipe"
sk_finish
