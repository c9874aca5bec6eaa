#!/bin/bash
# bench-sync.sh - `make bench`: what one sync costs through each door,
# measured side by side with the baselines, in one go.
#
# Runs $BUILD/bench-sync (tools/bench-sync.c) in four places, each beside
# its own private daemon (scripts/with-skchan):
#
#   host-socket   the host, socket door, processes wherever Linux puts them
#   host-1cpu     the host, socket door, daemon + bench + peers pinned to
#                 one CPU (taskset): the same-CPU wakeup case of brief §5
#   uml-socket    inside User-Mode Linux (pinned to one host CPU by
#                 uml-run), socket door
#   uml-cuse      the same guest and daemon, CUSE door (/dev/skchan)
#
# Each run measures its own baselines (bare ioctl, socketpair, eventfd,
# spinning shared memory) in the same process, so only numbers of one
# column are compared with each other; across columns, compare ratios.
# Each run's raw output is kept as $OUT/<run>.tsv; the summary (markdown
# tables, ready for docs/performance.md) goes to stdout and $OUT/summary.md.
#
# A benchmark, not a test: it never judges the numbers.  Exit status 0
# when every run that could run did, 1 when one failed, 2 on bad usage.
set -euo pipefail

PROG=bench-sync.sh
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$REPO/$BUILD
export BUILD
BIN=$BUILD/bench-sync
WITH=$REPO/scripts/with-skchan
OUT=$BUILD/bench
ARGS=()
UML=1
PIN=1

usage() {
    cat <<EOF
Usage: $PROG [--quick] [-n SAMPLES] [-r ROUNDS] [--no-uml] [--no-pin]
             [--out DIR]

Run bench-sync on the host (socket door, free and pinned to one CPU) and
in User-Mode Linux (socket and CUSE doors), then print the results side
by side.  --quick: a few hundred samples per row (a smoke run).
Raw results: DIR/<run>.tsv (default $OUT); summary: DIR/summary.md.
EOF
}

say() { echo "$PROG: $*" >&2; }

parse_args() {
    while (($#)); do
        case $1 in
            --quick) ARGS+=(--quick); shift ;;
            -n | -r)
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
    SKCHAN_DOOR=socket "$BIN" --tsv --label uml-socket "$@" >"$out/uml-socket.tsv"
    "$BIN" --tsv --label uml-cuse "$@" >"$out/uml-cuse.tsv"
}

# run NAME CMD...: one run; its TSV lands in $OUT/NAME.tsv.
run() {
    local name=$1 rc=0
    shift
    say "running $name"
    "$@" >"$OUT/$name.tsv.tmp" || rc=$?
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
    run host-socket "$WITH" -- "$BIN" --tsv --label host-socket "${ARGS[@]}" || bad=1
    if ((PIN)) && command -v taskset >/dev/null 2>&1; then
        cpu=$(first_cpu)
        run host-1cpu taskset -c "$cpu" "$WITH" -- \
            "$BIN" --tsv --label host-1cpu "${ARGS[@]}" || bad=1
    fi
    if ((UML)) && ! "$REPO/scripts/uml-run" --check >/dev/null 2>&1; then
        say "User-Mode Linux unavailable: no uml-socket or uml-cuse column"
        UML=0
    fi
    if ((UML)); then
        say "running uml-socket and uml-cuse (one guest)"
        # uml-run's default 600 s is too short for a loaded machine
        "$WITH" --cuse --timeout 3600 -- "$0" --in-guest "$OUT" "${ARGS[@]}" || {
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
    $1 == "info" { info[run, $2] = $3; keys[$2] = 1 }
    $1 == "row" { if (!($2 in rname)) { order[++nrows] = $2; rname[$2] = $11 }
                  med[run, $2] = $3; p99[run, $2] = $4
                  me[run, $2] = $7; dm[run, $2] = $8; pe[run, $2] = $9 }
    $1 == "ratio" { if (!($2 in rwhat)) { rorder[++nratios] = $2; rwhat[$2] = $4 }
                    ratio[run, $2] = $3 }
    $1 == "rate" { if (!($2 in seenb)) { border[++nb] = $2; seenb[$2] = 1 }
                   pp[run, $2] = $3; bound[run, $2] = $4 }
    function us(ns) { return ns == "" ? "-" : sprintf("%.2f", ns / 1000) }
    function hdr(first,   i, s) {
        s = "| " first
        for (i = 1; i <= nruns; i++) s = s " | " runs[i]
        print s " |"
        s = "|---"
        for (i = 1; i <= nruns; i++) s = s "|---:"
        print s "|"
    }
    END {
        print "### Runs\n"
        hdr("")
        split("kernel cpu ncpu timer samples load_start load_end", ik, " ")
        for (k = 1; k in ik; k++) {
            s = "| " ik[k]
            for (i = 1; i <= nruns; i++) s = s " | " info[runs[i], ik[k]]
            print s " |"
        }
        print "\n### Median / p99 per operation (µs)\n"
        hdr("operation")
        for (r = 1; r <= nrows; r++) {
            s = "| " rname[order[r]]
            for (i = 1; i <= nruns; i++)
                s = s " | " us(med[runs[i], order[r]]) " / " us(p99[runs[i], order[r]])
            print s " |"
        }
        print "\n### On-CPU µs per operation: bench / daemon / peer\n"
        hdr("operation")
        for (r = 1; r <= nrows; r++) {
            s = "| " rname[order[r]]
            for (i = 1; i <= nruns; i++)
                s = s " | " us(me[runs[i], order[r]]) " / " us(dm[runs[i], order[r]]) " / " us(pe[runs[i], order[r]])
            print s " |"
        }
        print "\n### Ratios of medians (same run)\n"
        hdr("ratio")
        for (r = 1; r <= nratios; r++) {
            s = "| " rorder[r] " (" rwhat[rorder[r]] ")"
            for (i = 1; i <= nruns; i++) s = s " | " ratio[runs[i], rorder[r]]
            print s " |"
        }
        print "\n### Packets per second, B slots per sync: ping-pong measured / one-way stream bound\n"
        hdr("B")
        for (r = 1; r <= nb; r++) {
            s = "| " border[r]
            for (i = 1; i <= nruns; i++)
                s = s " | " pp[runs[i], border[r]] " / " bound[runs[i], border[r]]
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
    mkdir -p "$OUT"
    local bad=0 files=() f
    run_all || bad=1
    for f in host-socket host-1cpu uml-socket uml-cuse; do
        [[ -s $OUT/$f.tsv ]] && files+=("$OUT/$f.tsv")
    done
    if ((${#files[@]})); then
        summarise "${files[@]}" | tee "$OUT/summary.md"
        say "raw results in $OUT; summary in $OUT/summary.md"
    fi
    return "$bad"
}

main "$@"
