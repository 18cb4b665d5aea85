#!/bin/sh
# Installs the build into a temporary prefix and builds tests/install/racy.c
# against it four ways: pkg-config gorace, pkg-config gorace-race, and
# find_package(gorace) with gorace::gorace and with gorace::race. The
# release builds must run (exit 0, print 2); the race builds must report
# the race (exit 66, "WARNING: DATA RACE").
#   install_test.sh BUILD_DIR SOURCE_DIR LIBDIR
set -eu
build=$1 src=$2 libdir=$3
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
prog=$src/tests/install/racy.c
fail=0

cmake --install "$build" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"

# expect NAME BINARY STATUS: runs it, checks the status and the output.
expect() {
    name=$1 bin=$2 want=$3
    set +e
    "$bin" >"$tmp/out" 2>"$tmp/err"
    got=$?
    set -e
    ok=1
    [ "$got" -eq "$want" ] || ok=0
    if [ "$want" -eq 66 ]; then
        grep -q "WARNING: DATA RACE" "$tmp/err" || ok=0
    else
        [ "$(cat "$tmp/out")" = 2 ] || ok=0
    fi
    if [ $ok -eq 1 ]; then
        echo "ok   $name (exit $got)"
    else
        echo "FAIL $name: exit $got, want $want"
        head -5 "$tmp/err"
        fail=1
    fi
}

# 1. pkg-config gorace: one cc call.
$cc "$prog" $(pkg-config --cflags --libs gorace) -o "$tmp/pc_release"
expect "pkg-config gorace" "$tmp/pc_release" 0

# 2. pkg-config gorace-race: compile with -fsanitize=thread, link without.
$cc $(pkg-config --cflags gorace-race) -g -c "$prog" -o "$tmp/racy.o"
$cc "$tmp/racy.o" $(pkg-config --libs gorace-race) -o "$tmp/pc_race"
expect "pkg-config gorace-race" "$tmp/pc_race" 66

# 3, 4. find_package(gorace), gorace::gorace and gorace::race.
cmake -S "$src/tests/install" -B "$tmp/consumer" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
expect "find_package gorace::gorace" "$tmp/consumer/racy_release" 0
expect "find_package gorace::race" "$tmp/consumer/racy_race" 66

exit $fail
