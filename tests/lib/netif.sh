# shellcheck shell=bash
# netif.sh - the door plumbing the netif integration scripts share.
#
# Source it after common.sh (it uses sk_doors, on_door, say, sk_fail,
# SK_WITH and SK_SKIPS):
#   . "$(dirname "$0")/../lib/common.sh"; sk_init NAME
#   . "$(dirname "$0")/../lib/netif.sh"
#
# A netif test needs real interfaces (TAPs, AF_PACKET peers, ping), so
# it must not touch the host's network: each script runs itself again
# with --inner inside a private network -- a namespace made for the run
# on the socket door, the User-Mode Linux guest on the CUSE door.  The
# script keeps its own inner() and its "--inner" dispatch; only the
# plumbing around them lives here, written once.

# NF_SELF: the sourcing script, by absolute path ($0 is still the
# script's name while it sources this file), so it can run itself again.
NF_SELF=$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")

# nf_doors ARGS...: run this script again as "$NF_SELF --inner ARGS" next
# to a private daemon, on each door: on the host the socket door, with
# daemon and test inside a network namespace made for the run (root and
# ip(8) needed, else that door is skipped); in User-Mode Linux the CUSE
# door, where the guest itself is the private network.  ARGS are for a
# script that wants them; nf_main passes none (the runner gives none).
# shellcheck disable=SC2120
nf_doors() {
    local d rc ns
    d=$(sk_doors)
    if [[ $d != cuse ]]; then
        ns=sknf-$$-$RANDOM
        if [[ $(id -u) -ne 0 ]] || ! ip netns add "$ns" 2>/dev/null; then
            say "socket door: skipped: needs root and ip netns"
            SK_SKIPS+=("socket door (no root or netns)")
        else
            ip -n "$ns" link set lo up
            say "---- socket door, netns $ns: $* ----"
            rc=0
            ip netns exec "$ns" "$SK_WITH" -- "$NF_SELF" --inner "$@" ||
                rc=$?
            ip netns del "$ns"
            case $rc in
                0) say "socket door: pass" ;;
                77) SK_SKIPS+=("socket door") ;;
                *) sk_fail "socket door: exit status $rc: $*" ;;
            esac
        fi
    fi
    [[ $d != socket ]] && on_door cuse "$NF_SELF" --inner "$@"
    return 0
}

# nf_wait_line FILE WORD PID: until FILE has WORD (or PID died).
# Polls for 30 s: a program prints its "ready" line once its channel is
# up, and a peer that died must fail the wait at once, not time out.
nf_wait_line() {
    for _ in $(seq 300); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# nf_main ARGS...: a netif script's last line, given the script's own
# arguments.  Called with --inner (the run nf_doors starts inside the
# private network) it runs the script's inner() and exits with its
# status; otherwise it starts those runs, one per door, and exits with
# the verdict.
nf_main() {
    if [[ ${1:-} == --inner ]]; then
        inner
        exit $?
    fi
    # shellcheck disable=SC2119
    nf_doors
    sk_finish
}
