#!/bin/sh
# usage: run_million.sh SRC INCLUDE_DIR RACE_LIB INSTR_LIB OUT_DIR
# The program must see 1,000,000 live goroutines, find exactly the one
# planted race, stay within 6,000 bytes of peak RSS per goroutine, and
# exit 66.
set -u
src=$1 inc=$2 racelib=$3 instrlib=$4 out=$5
exe=$out/million
gcc -fsanitize=thread -g -O1 -I"$inc" -c "$src" -o "$exe.o" &&
    gcc "$exe.o" "$racelib" "$instrlib" -lunwind -ldw -lpthread -o "$exe" || exit 1
GORACE=atexit_sleep_ms=0 GOMAXPROCS=2 GORACE_STACK_KB=16 "$exe" >"$exe.out" 2>"$exe.err"
rc=$?
cat "$exe.out"
grep -q '^live goroutines: 1000001$' "$exe.out" || { echo "FAIL: not a million live"; exit 1; }
grep -q '^ok$' "$exe.out" || { echo "FAIL: slots"; cat "$exe.err"; exit 1; }
# At most 6,000 bytes per live goroutine, all told (5,300 measured).
peak=$(sed -n 's/^peak RSS KiB: \([0-9]*\)$/\1/p' "$exe.out")
[ -n "$peak" ] || { echo "FAIL: no peak RSS"; exit 1; }
[ "$peak" -le $((1000001 * 6000 / 1024)) ] ||
    { echo "FAIL: peak RSS $peak KiB, over 6,000 bytes per goroutine"; exit 1; }
[ "$(grep -c '^WARNING: DATA RACE$' "$exe.err")" = 1 ] || { echo "FAIL: want one race"; cat "$exe.err"; exit 1; }
grep -q '^Found 1 data race(s)$' "$exe.err" || { echo "FAIL: no Found line"; exit 1; }
[ $rc = 66 ] || { echo "FAIL: exit $rc"; exit 1; }
echo "ok: million"
