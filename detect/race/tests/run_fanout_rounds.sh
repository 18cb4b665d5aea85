#!/bin/sh
# usage: run_fanout_rounds.sh SRC INCLUDE_DIR RACE_LIB INSTR_LIB OUT_DIR
# The detector's memory stays flat over many goroutines, joined (fanout) or
# not (forget), and a race after the latter is still found (see the program).
set -u
src=$1 inc=$2 racelib=$3 instrlib=$4 out=$5
exe=$out/fanout_rounds
gcc -fsanitize=thread -g -O1 -I"$inc" -c "$src" -o "$exe.o" &&
    gcc "$exe.o" "$racelib" "$instrlib" -lunwind -ldw -lpthread -o "$exe" || exit 1
GOMAXPROCS=2 "$exe" fanout || { echo "FAIL: fanout"; exit 1; }
GOMAXPROCS=2 GORACE=atexit_sleep_ms=0 "$exe" forget 2>"$exe.err"
rc=$?
grep -q '^WARNING: DATA RACE$' "$exe.err" && [ $rc = 66 ] ||
    { echo "FAIL: forget: exit $rc"; cat "$exe.err"; exit 1; }
echo "ok: fanout, forget"
