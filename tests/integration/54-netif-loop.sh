#!/bin/bash
# Objective: the netif data path and its control requests without root
# or a TAP, through both doors: skt_netif loop makes a daemon-owned
# netif on an in-daemon loop device (CTL_NETIF_ATTACH loop|create), sees
# a second attach refused (EBUSY) and a detach refused while its channel
# is open (EBUSY), sends frames of every size from 60 to 1514 bytes and
# takes each one back intact (the loop device turns TX into RX), checks
# the lookup counters (every frame out and back, per ring), detaches and
# finds nothing left to look up (ENXIO).  One ring, then two.  Every
# daemon count returns to its baseline.
# shellcheck source=../lib/common.sh disable=SC2016  # bash -c script
. "$(dirname "$0")/../lib/common.sh"
sk_init 54-netif-loop
P=$SK_PROGS/skt_netif
need_prog "$P" "$SK_PROGS/skstat"

RUN='
    . "$SK_ROOT/tests/lib/common.sh"
    sk_init 54-netif-loop
    base=$(sk_stats) || exit 1
    "$1" loop -n 2000 && "$1" loop -n 1000 -r 2 || exit 1
    sk_wait_stats "$base" 20
'
both_doors bash -c "$RUN" _ "$P"
sk_finish
