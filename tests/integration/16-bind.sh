#!/bin/bash
# Objective: port binding on user pipes (behaviours §5 scenario 9, XNU
# "bindupipekey"/"bindupipeanon"): key bindings (EEXIST on rebind, EACCES
# without or with the wrong key, per ring too, persistence across
# channel close), unbind (ENOENT twice, EDOM beyond the pipe), EINVAL
# for no flags or an empty key, a PID binding enforced with the caller's
# real credentials (a forked child gets EACCES), and ENXIO on an
# anonymous pipe.  Both doors.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 16-bind
need_prog "$SK_PROGS/skt_bind"
both_doors "$SK_PROGS/skt_bind"
sk_finish
