#!/bin/bash
# Guest-side init for scripts/uml-run (runs as PID 1 inside User-Mode Linux).
#
# uml-run copies this file into its per-run directory RUN (on the host,
# visible through hostfs) and boots the kernel with init=RUN/init and
# UML_RUN_DIR=RUN on the kernel command line (it becomes our environment).
# RUN holds:
#   env.sh   caller environment (export NAME=VALUE lines, %q-quoted)
#   cmd.sh   UML_RUN_CMD=(...) array, UML_RUN_CWD, UML_RUN_UMASK
#   out/     mounted here as hostfs with "sync", so writes reach the host
#            at once and the host can stream them: stdout, stderr, rc
#   modroot/lib/modules/VERSION -> the UML module tree (for modprobe -d)
# Kernel noise goes to the console (a log file on the host), never to out/.
#
# This script must never exit: PID 1 exiting panics the guest kernel.

set -u

_UR_RUN=${UML_RUN_DIR:?}
_UR_OUT=$_UR_RUN/out

log() { echo "uml-run[guest]: $*" >&2; }

power_off() {
    sync
    /sbin/poweroff -f >/dev/null 2>&1
    echo o >/proc/sysrq-trigger 2>/dev/null
    sleep 10
}

# Report a setup failure to the caller's stderr and stop the guest.
fail() {
    echo "uml-run: guest setup failed: $*" >>"$_UR_OUT/stderr"
    echo 125 >"$_UR_OUT/rc"
    power_off
}

mount_fs() {
    local type=$1 dir=$2 opts=${3:-}
    mountpoint -q "$dir" && return 0
    mkdir -p "$dir" || return 1
    if [[ -n $opts ]]; then
        mount -t "$type" -o "$opts" "$type" "$dir"
    else
        mount -t "$type" "$type" "$dir"
    fi
}

setup_mounts() {
    mount_fs proc /proc || return 1
    mount_fs sysfs /sys || return 1
    mount_fs devtmpfs /dev mode=0755 || return 1
    mount_fs devpts /dev/pts gid=5,mode=620,ptmxmode=666 || return 1
    mount_fs tmpfs /dev/shm mode=1777 || return 1
    mount_fs tmpfs /run mode=0755 || return 1
    mount_fs cgroup2 /sys/fs/cgroup || true
    # Re-mount the output directory synchronously so every write is
    # visible to the host immediately (live streaming, nothing lost on
    # power-off or timeout).
    mount -t hostfs -o "sync,$_UR_OUT" hostfs "$_UR_OUT" || return 1
    ln -sf /proc/self/fd /dev/fd 2>/dev/null
    ln -sf /proc/self/fd/0 /dev/stdin 2>/dev/null
    ln -sf /proc/self/fd/1 /dev/stdout 2>/dev/null
    ln -sf /proc/self/fd/2 /dev/stderr 2>/dev/null
    return 0
}

# modprobe works by name thanks to MODPROBE_OPTIONS; the kernel's own
# on-demand loading (request_module) goes through a wrapper.
setup_modules() {
    export MODPROBE_OPTIONS="-d $_UR_RUN/modroot"
    printf '#!/bin/sh\nMODPROBE_OPTIONS="-d %s" exec /sbin/modprobe "$@"\n' \
        "$_UR_RUN/modroot" >/run/uml-run-modprobe
    chmod 755 /run/uml-run-modprobe
    echo /run/uml-run-modprobe >/proc/sys/kernel/modprobe
    /sbin/modprobe -a fuse cuse tun || return 1
    /sbin/modprobe -a veth ipv6 dummy 2>/dev/null || log "optional modules missing"
    [[ -c /dev/cuse ]] || return 1
    return 0
}

setup_network() {
    hostname uml 2>/dev/null
    ip link set lo up
}

main() {
    [[ -d $_UR_OUT ]] || { log "no output directory $_UR_OUT"; power_off; }
    setup_mounts || fail "mounting pseudo file systems"
    setup_modules || fail "loading fuse/cuse/tun modules"
    setup_network || fail "bringing up lo"

    # shellcheck source=/dev/null
    source "$_UR_RUN/env.sh" || fail "sourcing environment"
    # shellcheck source=/dev/null
    source "$_UR_RUN/cmd.sh" || fail "reading command"
    export MODPROBE_OPTIONS="-d $_UR_RUN/modroot"
    umask "${UML_RUN_UMASK:-022}"
    cd "$UML_RUN_CWD" || fail "cannot cd to $UML_RUN_CWD"

    local _ur_rc=0
    command "${UML_RUN_CMD[@]}" </dev/null >>"$_UR_OUT/stdout" 2>>"$_UR_OUT/stderr" || _ur_rc=$?
    sync
    echo "$_ur_rc" >"$_UR_OUT/rc.tmp" && mv "$_UR_OUT/rc.tmp" "$_UR_OUT/rc"
    power_off
}

main
# Not reached unless power-off failed.
while :; do sleep 3600; done
