#!/bin/bash
# Objective: one 54-byte slot there and back through an echo peer on a
# user pipe (behaviours §5 scenario 2, XNU "oneslotup"/"oneslotus"), once
# waiting with poll() and once with select(): each wait must report
# exactly the requested bit (POLLWRNORM, then POLLRDNORM; select: the
# write bit alone, then the read bit with no exception bit), and the
# message must come back byte for byte.  Both doors.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 11-oneslot
P=$SK_PROGS/skt_oneslot
need_prog "$P"
both_doors sh -c '"$1" --poll && "$1" --select' oneslot "$P"
sk_finish
