#!/bin/sh
# liveness.sh GORACE SRCDIR: what a user sees when a program hangs, and the
# seeded scheduler's reach into atomics (issue: liveness).
#   - a run past its deadline prints every goroutine's stack, running ones
#     by the function they are in, under gorace run --timeout, check and
#     stress, in both builds;
#   - a seeded release run that spins stops with a fatal error naming the
#     goroutine and its frame, never a silent hang;
#   - gorace stress finds the atomics-only check-then-act bug within 100
#     seeds.
set -u
GR=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/cache"
unset GORACE GOMAXPROCS TEST_SHARD_INDEX SLURM_ARRAY_TASK_ID JOB_COMPLETION_INDEX \
    CI_NODE_INDEX # no engine shards these runs
HANG=$SRC/harness/testdata/liveness/hang.c
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_run() {
    name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err" </dev/null
    got=$?
    [ "$got" = "$want" ] || fail "$name: exit status $got, want $want; stderr: $(head -c 300 "$T/err")"
}
has() { grep -qF -- "$3" "$T/$2" || fail "$1: $2 lacks '$3': $(head -c 900 "$T/$2")"; }

for build in "" --release; do
    for procs in 1 2; do
        n="run --timeout $build P=$procs"
        GOMAXPROCS=$procs expect_run "$n" 2 "$GR" run $build --timeout 500ms "$HANG"
        has "$n" err "SIGQUIT: quit"
        has "$n" err "goroutine 1 [sleep]:"
        has "$n" err "goroutine 2 [running]:"
        has "$n" err "spinner(...)"
        has "$n" err "goroutine 3 [chan receive]:"
        has "$n" err "waiter(...)"
        has "$n" err "timed out after 0.5s"
    done
    n="check --timeout $build"
    expect_run "$n" 1 "$GR" check $build --timeout 500ms "$HANG"
    has "$n" out "FAIL"
    has "$n" out "timed out after 0.5s"
    has "$n" out "goroutine dump at the deadline"
    has "$n" out "spinner(...)"
    n="stress -timeout $build"
    expect_run "$n" 1 "$GR" stress $build -runs 1 --free -timeout 500ms "$HANG"
    has "$n" out "SIGQUIT: quit"
    has "$n" out "spinner(...)"
done

n="seeded release spin"
GORACE="seed=1 stall_ms=300" expect_run "$n" 2 "$GR" run --release \
    "$SRC/corpus/liveness/spin_atomic_flag.c"
has "$n" err "fatal error: seeded schedule stalled: goroutine 1 ran"
has "$n" err "main_fn(...)"

n="stress atomics-only bug"
expect_run "$n" 1 "$GR" stress -runs 100 --replay-out "$T/atomic_only.replay" \
    "$SRC/corpus/sched/atomic_only_check_then_act.c"
has "$n" out "[the header's declared bug: stdout]"
grep "^stress: " "$T/out" | tail -n 1

if [ $fails -ne 0 ]; then
    echo "liveness: $fails failure(s)"
    exit 1
fi
echo "liveness: ok"
