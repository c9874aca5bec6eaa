#!/bin/bash
# Objective: skctl, the admin CLI, against a real daemon through both
# doors.  `info` names the daemon with-skchan started (pid, door) and
# `kpipe-uuid` the loopback with-skchan exported as SKCHAN_KPIPE_UUID;
# `list` shows what a Skywalk program built (skt_hold: 3 providers, 6
# instances, a pipe's two channels with 2+2 rings each, opened by that
# process through this door), as a tree, per kind and as JSON that
# agrees with the daemon's counts; the counts return to zero once the
# program is killed.  Every command's --json output is one valid JSON
# object.  netif requests: lookup of a missing interface fails cleanly
# (or says "not supported by this daemon"); attach/lookup/detach of an
# in-daemon loop device when the daemon supports it; defunct makes the
# holder's channels defunct, as the list then shows (or, on a daemon
# without it, says "not supported by this daemon", exit 1).  Provider
# names with quotes, control and non-ASCII bytes stay valid JSON and
# printable text.  Bad arguments exit 2 with the usage; an unreachable
# door exits 1 naming the path and the reason.
# shellcheck source=../lib/common.sh disable=SC1091
. "$(dirname "$0")/../lib/common.sh"
sk_init 60-skctl
SKCTL=$SK_BUILD/skctl
need_prog "$SKCTL" "$SK_PROGS/skt_hold"
command -v python3 >/dev/null || sk_skip "python3 is needed to check JSON"

# ---- inside a with-skchan run ------------------------------------------------

FAILS=0
bad() {
    echo "60-skctl: FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

# expect STATUS CMD...: CMD's exit status must be STATUS; output in $OUT/$ERR.
OUT=""
ERR=""
expect() {
    local want=$1 rc=0 e
    shift
    e=$(mktemp)
    OUT=$("$@" 2>"$e") || rc=$?
    ERR=$(cat "$e")
    rm -f "$e"
    [[ $rc == "$want" ]] || bad "$*: exit $rc, want $want; stderr: $ERR"
}

# snap NAME ARGS...: `skctl --json ARGS` must succeed; its output is kept
# as $SNAP/NAME.json for the one python run that checks every JSON
# document at the end (python takes ~1.5 s to start inside UML).
SNAP=""
snap() {
    local name=$1
    shift
    expect 0 "$SKCTL" --json "$@"
    printf '%s\n' "$OUT" >"$SNAP/$name.json"
}

inner_info() {
    expect 0 "$SKCTL" info
    grep -Eq "^pid +$SKCHAN_DAEMON_PID\$" <<<"$OUT" || bad "info: pid: $OUT"
    grep -Eq "^door +$SKCHAN_DOOR " <<<"$OUT" || bad "info: door: $OUT"
    snap info info
    expect 0 "$SKCTL" info --json       # options anywhere
}

inner_kpipe() {
    [[ -n ${SKCHAN_KPIPE_UUID:-} ]] || { bad "SKCHAN_KPIPE_UUID not exported"; return; }
    expect 0 "$SKCTL" kpipe-uuid
    [[ $OUT == "$SKCHAN_KPIPE_UUID" ]] || bad "kpipe-uuid: '$OUT'"
    snap kpipe kpipe-uuid
}

# Starts skt_hold channels; sets HOLD to its pid.
HOLD=""
hold_start() {
    local out tries
    out=$(mktemp)
    "$SK_PROGS/skt_hold" channels >"$out" &
    HOLD=$!
    for ((tries = 0; tries < 100; tries++)); do
        grep -q READY "$out" && break
        sleep 0.1
    done
    grep -q READY "$out" || bad "skt_hold not ready"
    rm -f "$out"
}

inner_list_objects() {
    local door=$SKCHAN_DOOR
    expect 0 "$SKCTL" list
    grep -q "^provider .*\"skt.hold.$HOLD.0\": user-pipe, owner pid $HOLD" <<<"$OUT" ||
        bad "list tree: no provider line: $OUT"
    [[ $(grep -c "^    channel .*pid $HOLD .*$door door" <<<"$OUT") == 2 ]] ||
        bad "list tree: channels: $OUT"
    [[ $(grep -c "^      [tr]x ring " <<<"$OUT") == 8 ]] || bad "list tree: rings: $OUT"
    expect 0 "$SKCTL" list rings
    [[ $(wc -l <<<"$OUT") == 9 ]] || bad "list rings: want header + 8 lines: $OUT"
    snap hold_all list
    snap hold_providers list providers
    snap hold_instances list instances
    snap hold_channels list channels
    snap hold_rings list rings
    snap hold_info info
    snap hold_stats stats
}

# stats as text: "name value" lines.
stat_of() {
    "$SKCTL" stats | awk -v k="$1" '$1 == k { print $2 }'
}

inner_counts_back() {
    local tries n=-1
    kill -9 "$HOLD"
    wait "$HOLD" 2>/dev/null
    for ((tries = 0; tries < 100; tries++)); do
        n=$(($(stat_of providers) + $(stat_of instances) + $(stat_of channels)))
        ((n == 0)) && break
        sleep 0.1
    done
    ((n == 0)) || bad "objects left after the holder died: $n"
    snap after list
}

NETIF_NX=""
inner_netif() {
    if ! "$SKCTL" info | grep -q '^features .*netif'; then
        expect 1 "$SKCTL" lookup skctl-none0
        grep -q "not supported by this daemon" <<<"$ERR" || bad "lookup: $ERR"
        expect 1 "$SKCTL" attach skctl-lo0 --loop --create
        grep -q "not supported by this daemon" <<<"$ERR" || bad "attach: $ERR"
        return
    fi
    expect 1 "$SKCTL" lookup skctl-none0
    [[ -n $ERR ]] || bad "lookup of a missing interface: no message"
    expect 0 "$SKCTL" attach skctl-lo0 --loop --create --rings 2
    NETIF_NX=$OUT
    [[ $NETIF_NX =~ ^[0-9a-f-]{36}$ ]] || { bad "attach: not a UUID: '$NETIF_NX'"; return; }
    expect 0 "$SKCTL" lookup skctl-lo0
    grep -Eq "^instance +$NETIF_NX\$" <<<"$OUT" || bad "lookup: $OUT"
    snap netif_lookup lookup skctl-lo0
    snap netif_instances list instances
    expect 0 "$SKCTL" detach "$NETIF_NX"
    expect 1 "$SKCTL" lookup skctl-lo0
}

# A daemon with defunct: the holder's channels (opened DEFUNCT_OK) go
# defunct and the list says so.  Without: "not supported", exit 1.
inner_defunct() {
    local want=1
    [[ -n ${SKCHAN_DEFUNCT_CMD:-} ]] || bad "SKCHAN_DEFUNCT_CMD not exported"
    if "$SKCTL" info | grep -q '^features .*defunct'; then
        want=0
        expect 0 "$SKCTL" defunct --pid "$HOLD"
        grep -q "^pid $HOLD: 2 channels defunct" <<<"$OUT" || bad "defunct: $OUT"
        expect 0 "$SKCTL" list channels
        [[ $(grep -c " defunct " <<<"$OUT") == 2 ]] || bad "list after defunct: $OUT"
        snap defunct_channels list channels
    fi
    # shellcheck disable=SC2086  # a command line, by design
    expect "$want" ${SKCHAN_DEFUNCT_CMD:-"$SKCTL" defunct --pid} $$
    ((want == 0)) || grep -q "not supported by this daemon" <<<"$ERR" ||
        bad "defunct: $ERR"
}

# Every snapshot is one JSON object, and says what the text said.
JSON_CHECKS='
import json, os, sys
d, pid, door, kpipe, hold, netif = sys.argv[1:7]
pid, hold = int(pid), int(hold)
J = {}
for f in sorted(os.listdir(d)):
    with open(os.path.join(d, f)) as fp:
        J[f[:-5]] = json.load(fp)
    assert isinstance(J[f[:-5]], dict), f
fails = []
def check(what, ok):
    if not ok:
        fails.append(what)
i = J["info"]
check("info pid", i["pid"] == pid)
check("info door", i["door"] == door)
check("info features", "list" in i["features"])
check("info kpipe", i["kpipe_uuid"] == kpipe and "kpipe" in i["features"])
check("kpipe-uuid", J["kpipe"]["kpipe_uuid"] == kpipe)
a = J["hold_all"]
check("loopback listed, kernel-owned",
      [x["flags"] for x in a["instances"] if x["uuid"] == kpipe] == [["kernel"]])
check("3 providers", len(J["hold_providers"]["providers"]) == 3 and
      list(J["hold_providers"]) == ["providers"])
check("7 instances", len(a["instances"]) == 7)
ch = a["channels"]
check("channels: pid/door", sorted(set((c["pid"], c["door"]) for c in ch)) == [(hold, door)])
check("channels: ports", sorted(c["port"] for c in ch) == [0, 1])
check("channels: parent", all(c["nexus"] in [x["uuid"] for x in a["instances"]] for c in ch))
r = J["hold_rings"]["rings"]
check("8 rings of listed channels", len(r) == 8 and
      all(x["channel"] in [c["uuid"] for c in ch] for x in r))
check("port 0 TX 0 khead", [x["khead"] for x in r if x["kind"] == "tx" and
      x["port"] == 0 and x["ring_id"] == 0] == [40])
check("user pipe rings: no counters", all(not x["stats"] for x in r))
check("info counts", J["hold_info"]["stats"]["channels"] == 2)
check("stats", J["hold_stats"]["providers"] == 3)
check("after: nothing but the loopback",
      J["after"]["providers"] == [] and J["after"]["channels"] == [] and
      [x["uuid"] for x in J["after"]["instances"]] == [kpipe])
if "defunct_channels" in J:
    check("defunct flag", [c["defunct"] for c in J["defunct_channels"]["channels"]]
          == [True, True])
if netif:
    l = J["netif_lookup"]
    check("netif lookup", l["nx_uuid"] == netif and len(l["queues"]) == 2)
    check("netif listed with its interface",
          [x["ifname"] for x in J["netif_instances"]["instances"]
           if x["uuid"] == netif] == ["skctl-lo0"])
for f in fails:
    print("60-skctl: FAIL: json: " + f, file=sys.stderr)
sys.exit(1 if fails else 0)
'

inner_json() {
    python3 -c "$JSON_CHECKS" "$SNAP" "$SKCHAN_DAEMON_PID" "$SKCHAN_DOOR" \
        "${SKCHAN_KPIPE_UUID:-}" "$HOLD" "$NETIF_NX" || bad "JSON checks"
}

inner_usage() {
    local a
    for a in "" bogus "list bogus" attach "attach a b" "info extra" \
        "--door bogus info" "--rings 0 attach x" "--rings x attach x" \
        "--create info" defunct "defunct --pid 0" "defunct --pid -3" \
        "--pid 5 info" "attach 0123456789abcdefX" "--nosuchopt info" \
        "detach 0123456789abcdefXYZ"; do
        # shellcheck disable=SC2086  # word splitting wanted
        expect 2 "$SKCTL" $a
        grep -q "^usage: skctl" <<<"$ERR" || bad "'skctl $a': no usage: $ERR"
    done
    expect 0 "$SKCTL" --help
    grep -q "^usage: skctl" <<<"$OUT" || bad "--help"
}

inner_unreachable() {
    expect 1 "$SKCTL" --door socket --socket /nonexistent/skctl.sock info
    grep -q "/nonexistent/skctl.sock: No such file or directory" <<<"$ERR" ||
        bad "unreachable socket: $ERR"
    grep -q "daemon not reachable (door socket)" <<<"$ERR" ||
        bad "unreachable socket: door: $ERR"
    expect 1 "$SKCTL" --door cuse --device /nonexistent/skchan info
    grep -q "/nonexistent/skchan: No such file or directory" <<<"$ERR" ||
        bad "unreachable device: $ERR"
}

inner() {
    SNAP=$(mktemp -d)
    inner_info
    inner_kpipe
    hold_start
    inner_list_objects
    inner_defunct
    inner_counts_back
    inner_netif
    inner_json
    rm -rf "$SNAP"
    ((FAILS == 0)) || { echo "60-skctl: $FAILS check(s) failed on the $SKCHAN_DOOR door"; exit 1; }
    echo "60-skctl: all checks passed on the $SKCHAN_DOOR door"
}

# A provider whose name holds a quote, a backslash, control characters
# and non-ASCII bytes (registered through libskywalk by python's ctypes):
# the JSON stays valid and keeps every byte (as \u00XX for bytes >= 0x7f),
# the text output shows only printable ASCII.
NAMES_PY='
import ctypes, json, subprocess, sys
lib = ctypes.CDLL(sys.argv[1])
lib.os_nexus_controller_create.restype = ctypes.c_void_p
lib.os_nexus_attr_create.restype = ctypes.c_void_p
ctl = lib.os_nexus_controller_create()
attr = lib.os_nexus_attr_create()
assert ctl and attr
name = b"we\"ird\\ \n\t\x7f\xc3\xa9\xff"
buf = ctypes.create_string_buffer(name, 64)
uuid = ctypes.create_string_buffer(16)
rc = lib.os_nexus_controller_register_provider(ctypes.c_void_p(ctl), buf, 0,
                                               ctypes.c_void_p(attr), uuid)
assert rc == 0, rc
out = subprocess.run([sys.argv[2], "--json", "list", "providers"],
                     check=True, capture_output=True).stdout
got = json.loads(out)["providers"][0]["name"]
assert got == name.decode("latin-1"), (got, name)
txt = subprocess.run([sys.argv[2], "list"], check=True,
                     capture_output=True).stdout
line = [l for l in txt.split(b"\n") if l.startswith(b"provider ")][0]
assert all(32 <= c < 127 for c in line), line
assert b"\"we\"ird\\ ??????\"" in line, line
print("60-skctl: odd provider names: JSON and text ok")
'

inner_names() {
    # python is not instrumented: an ASan library needs its runtime first
    local pre=""
    sk_build_is_asan && pre=$(cc -print-file-name=libasan.so)
    LD_PRELOAD=$pre ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} \
        python3 -c "$NAMES_PY" "$SK_BUILD/libskywalk.so" "$SKCTL" ||
        { echo "60-skctl: FAIL: odd provider names"; exit 1; }
}

if [[ ${1:-} == --inner ]]; then
    inner
    exit 0
fi
if [[ ${1:-} == --inner-names ]]; then
    inner_names
    exit 0
fi

# Door-independent: the command line and unreachable doors, once, here.
say "---- no daemon: arguments and unreachable doors ----"
inner_usage
inner_unreachable
((FAILS == 0)) || sk_fail "$FAILS argument/unreachable check(s)"
if [[ $(sk_doors) != cuse ]]; then       # door-independent too
    on_door socket "$0" --inner-names
fi
both_doors "$0" --inner
sk_finish
