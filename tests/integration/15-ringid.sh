#!/bin/bash
# Objective: ring-id bounds and channel open errors (behaviours §5
# scenario 8, XNU "ringidtx"/"ringidrx"): ring ANY binds rings 0..3 of
# upipe(4), ring r binds only r, ring 4 is EINVAL; one owner per {port,
# ring} (EBUSY), two rings of one port together; port 2 EDOM, null UUID
# EINVAL, unknown nexus ENOENT.  Both doors.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 15-ringid
need_prog "$SK_PROGS/skt_ringid"
both_doors "$SK_PROGS/skt_ringid"
sk_finish
