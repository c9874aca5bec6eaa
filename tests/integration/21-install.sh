#!/bin/bash
# Objective: an installed skchan is usable the way a user would use it:
# `make install PREFIX=$tmp` installs headers, libraries and skywalk.pc;
# examples/skecho.c then builds with nothing but
# `cc $(pkg-config --cflags skywalk) skecho.c $(pkg-config --libs skywalk)`
# (PKG_CONFIG_PATH=$tmp/lib/pkgconfig), and that binary, loading the
# installed libskywalk.so, echoes intact through both doors.
# shellcheck source=../lib/common.sh disable=SC2016  # sh -c scripts
. "$(dirname "$0")/../lib/common.sh"
sk_init 21-install

if [[ ${1:-} == --inner ]]; then
    "$2" -n 2000
    exit
fi

command -v pkg-config >/dev/null || sk_skip "pkg-config is not installed"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/skchan-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

say "make install PREFIX=$TMP/prefix"
if ! make -C "$SK_ROOT" --no-print-directory install BUILD="$SK_BUILD" \
    PREFIX="$TMP/prefix" >"$TMP/install.log" 2>&1; then
    tail -n 30 "$TMP/install.log"
    sk_fail "make install failed"
    sk_finish
fi
for f in include/skywalk/os_skywalk.h include/skywalk/os_skywalk_private.h \
    lib/libskywalk.so lib/libskywalk.a lib/pkgconfig/skywalk.pc; do
    [[ -e $TMP/prefix/$f ]] || sk_fail "not installed: $f"
done

export PKG_CONFIG_PATH=$TMP/prefix/lib/pkgconfig
cflags=$(pkg-config --cflags skywalk) || sk_fail "pkg-config --cflags skywalk"
libs=$(pkg-config --libs skywalk) || sk_fail "pkg-config --libs skywalk"
# An ASan-instrumented library (SANITIZE=1) needs an instrumented
# program, or the runtime is not first in the library list.
san=""
sk_build_is_asan && san="-fsanitize=address,undefined"
say "cc $san $cflags skecho.c $libs"
cp "$SK_ROOT/examples/skecho.c" "$TMP/"
# shellcheck disable=SC2086  # pkg-config output is a word list
if ! (cd "$TMP" && cc -Wall -Wextra $san $cflags skecho.c $libs -o skecho) \
    >"$TMP/cc.log" 2>&1; then
    cat "$TMP/cc.log"
    sk_fail "skecho does not build against the installed tree"
    sk_finish
fi
# (libasan's own link-time notes about tmpnam are not ours)
grep -v "libasan.so.*warning: the use of" "$TMP/cc.log" >"$TMP/cc.ours" || true
[[ -s $TMP/cc.ours ]] && { cat "$TMP/cc.ours"; sk_fail "warnings building skecho"; }

# The binary must find the installed library, not the build tree's.
export LD_LIBRARY_PATH=$TMP/prefix/lib
lib=$(ldd "$TMP/skecho" | awk '/libskywalk/ { print $3 }')
[[ $lib == "$TMP/prefix/lib/"* ]] || sk_fail "skecho loads $lib, not the installed library"
both_doors "$0" --inner "$TMP/skecho"
sk_finish
