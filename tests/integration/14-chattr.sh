#!/bin/bash
# Objective: a channel's attributes reflect its nexus (behaviours §5
# scenario 7): rings, slots, buffer and metadata sizes, nexus type,
# QUANTUM/PAYLOAD metadata, no packet pool, DEFUNCT_OK, NO_AUTO_SYNC --
# in the attr that create overwrote and in os_channel_read_attr -- plus
# the attribute object's ENOTSUP/EINVAL/ENOMEM rules and key handling.
# Both doors.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 14-chattr
need_prog "$SK_PROGS/skt_chattr"
both_doors "$SK_PROGS/skt_chattr"
sk_finish
