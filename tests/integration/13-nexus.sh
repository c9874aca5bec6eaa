#!/bin/bash
# Objective: nexus provider and instance life cycle (behaviours §5
# scenario 6): attribute object rules, every requested provider
# parameter read back unchanged, user-pipe defaults, register errors with
# Apple's return conventions (positive errno from library checks, -1 and
# errno from the kernel), distinct instances, ENOENT for unknown or
# foreign objects, and a destroyed controller taking its providers and
# instances along.  Both doors.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 13-nexus
need_prog "$SK_PROGS/skt_nexus"
both_doors "$SK_PROGS/skt_nexus"
sk_finish
