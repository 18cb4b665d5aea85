#!/bin/sh
# determinism.sh GORACE-COMMAND SRCDIR: seeded schedules replay exactly.
#
# For a few corpus programs with several goroutines, channels, select,
# timers, a mutex, a condition variable, a deadlock report and loopback
# sockets (corpus/net/interleave_echo.c), and for seeds
# 1..100 (SEEDS overrides), three runs under one seed must give identical
# stdout, stderr and exit status; and the seeds together must give several
# different interleavings, so the test fails if the seed is ignored (a
# free-running schedule differs between the three runs, a fixed one gives
# one interleaving for every seed). PCT (pct=3) is held to the same.
set -u
GR=$1
SRC=$2
SEEDS=${SEEDS:-100}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/cache"
unset GORACE GOMAXPROCS TEST_SHARD_INDEX SLURM_ARRAY_TASK_ID JOB_COMPLETION_INDEX \
    CI_NODE_INDEX # no engine shards these runs
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# name, source, least number of distinct outputs over the seeds (1: the
# output does not depend on the interleaving; the program is here for the
# three-runs check, with timers and a context)
PROGRAMS="
interleave_trace corpus/sched/interleave_trace.c 10
worker_pool corpus/seeds/004_worker_pool.c 10
ctx_worker_jobs corpus/seeds/003_ctx_worker_jobs.c 1
heartbeat corpus/seeds/001_heartbeat_server.c 1
cond_lost_wakeup corpus/sched/cond_lost_wakeup.c 2
interleave_echo corpus/net/interleave_echo.c 10
"

# run_seeded PROG OPTS SEED OUT: one run's stdout, stderr and status in OUT.
run_seeded() {
    GORACE="$2" "$GR" "$1" >"$4.out" 2>"$4.err" </dev/null
    echo "exit $?" >"$4.st"
    cat "$4.out" "$4.err" "$4.st" >"$4"
}

# check_program NAME BIN OPTS MIN: OPTS is the GORACE value without the seed.
check_program() {
    name=$1 bin=$2 opts=$3 min=$4
    : >"$T/$name.sums"
    s=1
    while [ $s -le "$SEEDS" ]; do
        g="seed=$s${opts:+ $opts}"
        for k in 1 2 3; do
            run_seeded "$bin" "$g" "$s" "$T/$name.$k"
        done
        if ! cmp -s "$T/$name.1" "$T/$name.2" || ! cmp -s "$T/$name.1" "$T/$name.3"; then
            fail "$name GORACE=\"$g\": the three runs differ"
            diff "$T/$name.1" "$T/$name.2" | head -10
            diff "$T/$name.1" "$T/$name.3" | head -10
        fi
        cksum <"$T/$name.1" >>"$T/$name.sums"
        s=$((s + 1))
    done
    distinct=$(sort -u "$T/$name.sums" | wc -l)
    echo "$name${opts:+ ($opts)}: $SEEDS seeds x 3 runs identical; $distinct distinct outputs"
    [ "$distinct" -ge "$min" ] || fail "$name${opts:+ ($opts)}: $distinct distinct outputs over $SEEDS seeds, want >= $min"
}

echo "$PROGRAMS" | while read -r name src min; do
    [ -n "$name" ] || continue
    "$GR" cc --release -O1 "$SRC/$src" -o "$T/$name" || { echo "FAIL: build $src"; exit 1; }
done || exit 1

# A run through 'gorace --seed' also fixes the addresses; a plain
# GORACE=seed run (what run_seeded does) must still replay the interleaving.
out=$(GORACE="seed=7" "$GR" "$T/interleave_trace")
out2=$("$GR" --seed 7 "$T/interleave_trace")
[ "$out" = "$out2" ] || fail "gorace --seed 7 differs from GORACE=seed=7"

while read -r name src min; do
    [ -n "$name" ] || continue
    check_program "$name" "$T/$name" "" "$min"
done <<EOF2
$PROGRAMS
EOF2
check_program interleave_trace_pct "$T/interleave_trace" "pct=3 pct_steps=50" 5

# The instrumented build's scheduling points at atomics and calls replay
# too, and reach the atomics-only bug for some seeds (two outputs); a
# bracketed read leaves the seeded thread and rejoins deterministically.
"$GR" cc -O1 "$SRC/corpus/sched/atomic_only_check_then_act.c" -o "$T/atomic_only" ||
    fail "build atomic_only_check_then_act.c"
"$GR" cc -O1 "$SRC/corpus/liveness/spin_atomic_flag_seeded.c" -o "$T/spin_seeded" ||
    fail "build spin_atomic_flag_seeded.c"
"$GR" cc --release -O1 "$SRC/corpus/liveness/bracketed_read.c" -o "$T/bracketed_read" ||
    fail "build bracketed_read.c"
SEEDS=20
check_program atomic_only "$T/atomic_only" "" 2
check_program spin_seeded "$T/spin_seeded" "" 1
check_program bracketed_read "$T/bracketed_read" "" 1

if [ $fails -ne 0 ]; then
    echo "determinism: $fails failure(s)"
    exit 1
fi
echo "determinism: ok"
