#!/bin/sh
# usage: run_fanout_rounds.sh SRC INCLUDE_DIR RACE_LIB INSTR_LIB OUT_DIR
# Slots of joined goroutines are reused under fan-out (see the program).
set -u
src=$1 inc=$2 racelib=$3 instrlib=$4 out=$5
exe=$out/fanout_rounds
gcc -fsanitize=thread -g -O1 -I"$inc" -c "$src" -o "$exe.o" &&
    gcc "$exe.o" "$racelib" "$instrlib" -lunwind -ldw -lpthread -o "$exe" || exit 1
GOMAXPROCS=2 "$exe"
