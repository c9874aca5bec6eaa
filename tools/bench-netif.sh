#!/bin/bash
# bench-netif.sh - `make bench-netif`: frames per second through a netif
# channel over a TAP, beside raw TAP write()/read(), in one go.
#
# Runs $BUILD/bench-netif (tools/bench-netif.c) in up to four places,
# each beside its own private daemon (scripts/with-skchan):
#
#   host-socket   a network namespace made for the run (ip netns), socket
#                 door; processes wherever Linux puts them
#   host-1cpu     the same, with daemon, bench and its peer pinned to one
#                 CPU (taskset): no cross-CPU wakeups, no parallelism
#   uml-socket    inside User-Mode Linux (the guest is the private
#                 network; uml-run pins it to one host CPU), socket door
#   uml-cuse      the same guest and daemon, CUSE door (/dev/skchan)
#
# Every frame stays on the two TAPs bench-netif makes inside the
# namespace (or the guest), and Linux drops what it receives there.
# Each run measures its own raw-TAP baselines in the same process and
# time window; compare across runs only through the channel/raw ratios.
# Raw results: $OUT/<run>.tsv; the summary (markdown, ready for
# docs/performance.md) goes to stdout and $OUT/netif-summary.md.
#
# A benchmark, not a test: it never judges the numbers.  Exit status 0
# when every run that could run did, 1 when one failed, 2 on bad usage,
# 77 when it cannot run here at all (not root, no ip netns).
set -euo pipefail

PROG=bench-netif.sh
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$REPO/$BUILD
export BUILD
BIN=$BUILD/bench-netif
WITH=$REPO/scripts/with-skchan
OUT=$BUILD/bench
ARGS=()
UML=1
PIN=1
NS=""
RUNS=(host-socket host-1cpu uml-socket uml-cuse)

usage() {
    cat <<EOF
Usage: $PROG [--quick] [-t SECS] [-r ROUNDS] [-b B0,B1] [-q QLEN]
             [--no-uml] [--no-pin] [--out DIR]

Run bench-netif in a private network namespace on the host (socket door,
free and pinned to one CPU) and in User-Mode Linux (socket and CUSE
doors), then print the results side by side.  Root needed.
  --quick      one round of 0.25 s per cell (a smoke run)
  -t/-r/-b/-q  passed to bench-netif (bench-netif --help)
Raw results: DIR/<run>.tsv (default $OUT); summary: DIR/netif-summary.md.
EOF
}

say() { echo "$PROG: $*" >&2; }

parse_args() {
    while (($#)); do
        case $1 in
            --quick) ARGS+=(--quick); shift ;;
            -t | -r | -b | -q)
                (($# >= 2)) || { usage >&2; exit 2; }
                ARGS+=("$1" "$2")
                shift 2
                ;;
            --no-uml) UML=0; shift ;;
            --no-pin) PIN=0; shift ;;
            --out)
                (($# >= 2)) || { usage >&2; exit 2; }
                OUT=$2
                shift 2
                ;;
            -h | --help) usage; exit 0 ;;
            *) say "unknown argument: $1"; usage >&2; exit 2 ;;
        esac
    done
    [[ $OUT == /* ]] || OUT=$PWD/$OUT
}

# Inside the guest (via with-skchan --cuse): both doors, one daemon.
in_guest() {
    local out=$1
    shift
    SKCHAN_DOOR=socket "$BIN" --tsv --label uml-socket "$@" >"$out/uml-socket.tsv.tmp" &&
        mv -f "$out/uml-socket.tsv.tmp" "$out/uml-socket.tsv"
    "$BIN" --tsv --label uml-cuse "$@" >"$out/uml-cuse.tsv.tmp" &&
        mv -f "$out/uml-cuse.tsv.tmp" "$out/uml-cuse.tsv"
}

# shellcheck disable=SC2317  # invoked from the trap
ns_del() {
    [[ -n $NS ]] && ip netns del "$NS" 2>/dev/null
    NS=""
    return 0
}

# ns_run NAME [PREFIX...] -- : bench-netif inside a fresh namespace.
ns_run() {
    local name=$1 rc=0
    shift
    NS=sknb-$$-$RANDOM
    ip netns add "$NS" || { NS=""; say "$name: ip netns add failed"; return 1; }
    ip -n "$NS" link set lo up
    "$@" ip netns exec "$NS" "$WITH" -- \
        "$BIN" --tsv --label "$name" "${ARGS[@]}" >"$OUT/$name.tsv.tmp" || rc=$?
    ns_del
    if ((rc == 0)); then
        mv -f "$OUT/$name.tsv.tmp" "$OUT/$name.tsv"
    else
        say "$name: failed (exit status $rc)"
        rm -f "$OUT/$name.tsv.tmp"
    fi
    return "$rc"
}

# The CPU to pin host-1cpu to: the first one we may use.
first_cpu() {
    awk '/^Cpus_allowed_list:/ { split($2, a, /[,-]/); print a[1] }' /proc/self/status
}

run_all() {
    local bad=0 cpu
    rm -f "$OUT"/{host-socket,host-1cpu,uml-socket,uml-cuse}.tsv
    say "running host-socket"
    ns_run host-socket env || bad=1
    if ((PIN)) && command -v taskset >/dev/null 2>&1; then
        cpu=$(first_cpu)
        say "running host-1cpu (CPU $cpu)"
        ns_run host-1cpu taskset -c "$cpu" || bad=1
    fi
    if ((UML)) && ! "$REPO/scripts/uml-run" --check >/dev/null 2>&1; then
        say "User-Mode Linux unavailable: no uml-socket or uml-cuse column"
        UML=0
    fi
    if ((UML)); then
        say "running uml-socket and uml-cuse (one guest)"
        "$WITH" --cuse -- "$0" --in-guest "$OUT" "${ARGS[@]}" || {
            say "the UML runs failed"
            bad=1
        }
    fi
    return "$bad"
}

# Side-by-side markdown from the TSV files given, in column order.
summarise() {
    awk -F'\t' '
    FNR == 1 { run = FILENAME; sub(/.*\//, "", run); sub(/\.tsv$/, "", run)
               runs[++nruns] = run }
    $1 == "info" { info[run, $2] = $3 }
    $1 == "cell" { k = $2 SUBSEP $3
                   if (!(k in cname)) { order[++ncells] = k; cname[k] = $3 " B, " $16 }
                   med[run, k] = $4; lo[run, k] = $5; hi[run, k] = $6
                   lost[run, k] = $8; cpu[run, k] = $9 " / " $10 " / " $11
                   fps[run, k] = $15 }
    $1 == "ratio" { k = $2 SUBSEP $3
                    if (!(k in rname)) { rorder[++nratios] = k; rname[k] = $3 " B, " $2 }
                    ratio[run, k] = $4 }
    function mpps(v) { return v == "" ? "-" : sprintf("%.3f", v / 1e6) }
    function hdr(first,   i, s) {
        s = "| " first
        for (i = 1; i <= nruns; i++) s = s " | " runs[i]
        print s " |"
        s = "|---"
        for (i = 1; i <= nruns; i++) s = s "|---:"
        print s "|"
    }
    function row(label, arr, k,   i, s) {
        s = "| " label
        for (i = 1; i <= nruns; i++) s = s " | " arr[runs[i], k]
        print s " |"
    }
    END {
        print "### Runs\n"
        hdr("")
        split("door ncpu cpus rounds queue slots load mismatches", ik, " ")
        for (j = 1; j in ik; j++) {
            s = "| " ik[j]
            for (i = 1; i <= nruns; i++) s = s " | " info[runs[i], ik[j]]
            print s " |"
        }
        print "\n### Mpps, median [min .. max] of the rounds (RX: lost %)\n"
        hdr("frame, path")
        for (r = 1; r <= ncells; r++) {
            k = order[r]; s = "| " cname[k]
            for (i = 1; i <= nruns; i++) {
                v = mpps(med[runs[i], k]) " [" mpps(lo[runs[i], k]) " .. " mpps(hi[runs[i], k]) "]"
                if (k ~ /^rx/ && lost[runs[i], k] != "") v = v " (" lost[runs[i], k] " %)"
                s = s " | " v
            }
            print s " |"
        }
        print "\n### channel ÷ raw, medians (the result)\n"
        hdr("frame, cells")
        for (r = 1; r <= nratios; r++) row(rname[rorder[r]], ratio, rorder[r])
        print "\n### CPU µs per delivered frame: bench / daemon / peer; frames per sync or wait\n"
        hdr("frame, path")
        for (r = 1; r <= ncells; r++) {
            k = order[r]; s = "| " cname[k]
            for (i = 1; i <= nruns; i++)
                s = s " | " cpu[runs[i], k] "; " (fps[runs[i], k] > 0 ? fps[runs[i], k] : "-")
            print s " |"
        }
    }' "$@"
}

main() {
    if [[ ${1:-} == --in-guest ]]; then
        shift
        in_guest "$@"
        exit
    fi
    parse_args "$@"
    [[ -x $BIN ]] || { say "$BIN is not built (run make)"; exit 1; }
    if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null 2>&1; then
        say "needs root and ip(8): it makes TAPs in a network namespace"
        exit 77
    fi
    mkdir -p "$OUT"
    trap ns_del EXIT
    trap 'ns_del; exit 130' INT
    trap 'ns_del; exit 143' TERM
    local bad=0 files=() f
    run_all || bad=1
    for f in "${RUNS[@]}"; do
        [[ -s $OUT/$f.tsv ]] && files+=("$OUT/$f.tsv")
    done
    if ((${#files[@]})); then
        summarise "${files[@]}" | tee "$OUT/netif-summary.md"
        say "raw results in $OUT; summary in $OUT/netif-summary.md"
    fi
    return "$bad"
}

main "$@"
