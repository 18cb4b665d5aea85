#!/bin/sh
# usage: run_fanout_rounds.sh SRC GORACE OUT_DIR (built by gorace cc)
# The detector's memory stays flat over many goroutines, joined (fanout) or
# not (forget), and a race after the latter is still found (see the program).
set -u
src=$1 gorace=$2 out=$3
exe=$out/fanout_rounds
CC=gcc "$gorace" cc -O1 "$src" -o "$exe" || exit 1
GOMAXPROCS=2 "$exe" fanout || { echo "FAIL: fanout"; exit 1; }
GOMAXPROCS=2 GORACE=atexit_sleep_ms=0 "$exe" forget 2>"$exe.err"
rc=$?
grep -q '^WARNING: DATA RACE$' "$exe.err" && [ $rc = 66 ] ||
    { echo "FAIL: forget: exit $rc"; cat "$exe.err"; exit 1; }
echo "ok: fanout, forget"
