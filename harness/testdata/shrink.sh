#!/bin/sh
# shrink.sh GORACE SRCDIR: gorace stress shrinks a failing schedule and
# gorace run --replay reproduces it (rt/schedfile.h, harness/replay.c).
#   - stress finds the bug in shrink/oversold.c (a source with a header, and
#     the same program built, without one), shrinks the failing seed's
#     schedule to no more decisions and preemptions than it had, and writes
#     a replay file that fails the same way;
#   - gorace run --replay FILE and gorace --replay FILE ./prog reproduce the
#     failure 3 times of 3, byte for byte;
#   - GORACE schedule_out leaves a seeded run as it was, and schedule_in of
#     the recording replays it exactly;
#   - bad input (missing, corrupt or foreign files, conflicting flags) is a
#     usage error with a message, never a crash.
set -u
GR=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/cache"
unset GORACE GOMAXPROCS TEST_SHARD_INDEX SLURM_ARRAY_TASK_ID JOB_COMPLETION_INDEX \
    CI_NODE_INDEX # no engine shards these runs
PROG=$SRC/harness/testdata/shrink/oversold.c
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_run() {
    name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err" </dev/null
    got=$?
    [ "$got" = "$want" ] || fail "$name: exit status $got, want $want; stderr: $(head -c 600 "$T/err")"
}
has() { grep -qF -- "$3" "$T/$2" || fail "$1: $2 lacks '$3': $(head -c 900 "$T/$2")"; }

# field LINE KEY: the number before " KEY" in a "shrink: before:" line.
field() { echo "$1" | sed -n "s/.*[^0-9]\([0-9][0-9]*\) $2.*/\1/p"; }

# check_sizes NAME: the stress run's before and after sizes.
check_sizes() {
    before=$(grep '^shrink: before:' "$T/err")
    after=$(grep '^shrink: after:' "$T/err")
    [ -n "$before" ] && [ -n "$after" ] || {
        fail "$1: no sizes: $(head -c 900 "$T/err")"
        return
    }
    for k in decisions preemptions; do
        b=$(field "$before" "$k") a=$(field "$after" "$k")
        [ -n "$b" ] && [ -n "$a" ] && [ "$a" -le "$b" ] ||
            fail "$1: $k after ($a) > before ($b)"
    done
    has "$1" err "the replay file fails the same way"
    echo "$1: $before"
    echo "$1: $after"
}

# replay3 NAME CMD...: three runs, identical, showing the bug.
replay3() {
    name=$1
    shift
    for k in 1 2 3; do
        "$@" >"$T/r$k.out" 2>"$T/r$k.err" </dev/null
        echo "exit $?" >>"$T/r$k.out"
        cat "$T/r$k.err" >>"$T/r$k.out"
    done
    cmp -s "$T/r1.out" "$T/r2.out" && cmp -s "$T/r1.out" "$T/r3.out" ||
        fail "$name: the three replays differ"
    grep -q '^sold 2 of 1$' "$T/r1.out" ||
        fail "$name: the replay does not oversell: $(head -c 600 "$T/r1.out")"
}

# 1. A source with a header: stress, shrink, replay.
expect_run "stress source" 1 "$GR" stress -j 2 -runs 200 \
    --replay-out "$T/src.replay" --json-out "$T/src.json" "$PROG"
check_sizes "stress source"
grep -q '"replay_file": ' "$T/src.json" || fail "stress source: no replay_file in the JSON"
has "stress source" err "gorace run --replay"
[ -s "$T/src.replay" ] || fail "stress source: no replay file"
replay3 "run --replay" "$GR" run --replay "$T/src.replay"
replay3 "run --replay FILE prog.c" "$GR" run --replay "$T/src.replay" "$PROG"

# 2. The same program built, no header: judged by the first run's stdout.
"$GR" cc "$PROG" -o "$T/oversold" || fail "gorace cc"
expect_run "stress binary" 1 "$GR" stress -j 2 -runs 200 \
    --replay-out "$T/bin.replay" "$T/oversold" "an arg"
check_sizes "stress binary"
grep -qx '# arg: an arg' "$T/bin.replay" || fail "stress binary: no '# arg:' line"
replay3 "--replay ./prog" "$GR" --replay "$T/bin.replay" "$T/oversold"

# 3. --shrink-runs 0: the recording as it was (replayed and recorded again,
# with the same decisions); --no-shrink: no replay file at all.
expect_run "shrink-runs 0" 1 "$GR" stress -j 2 -runs 200 --shrink-runs 0 \
    --replay-out "$T/raw.replay" "$PROG"
b=$(field "$(grep '^shrink: before:' "$T/err")" decisions)
a=$(field "$(grep '^shrink: after:' "$T/err")" decisions)
[ -n "$b" ] && [ "$a" = "$b" ] || fail "shrink-runs 0: $b decisions became $a"
expect_run "no-shrink" 1 "$GR" stress -j 2 -runs 200 --no-shrink \
    --replay-out "$T/none.replay" "$PROG"
[ -e "$T/none.replay" ] && fail "no-shrink: a replay file"
grep -q '^shrink:' "$T/err" && fail "no-shrink: a shrink report"

# 4. Recording changes nothing; replaying the recording changes nothing.
seed=$(sed -n 's/^# found: seed \([0-9]*\).*/\1/p' "$T/raw.replay")
GORACE="seed=$seed" setarch -R "$T/oversold" >"$T/a" 2>&1
GORACE="seed=$seed schedule_out=$T/rec" setarch -R "$T/oversold" >"$T/b" 2>&1
cmp -s "$T/a" "$T/b" || fail "schedule_out changed seed $seed's run"
GORACE="schedule_in=$T/rec schedule_out=$T/rec2" setarch -R "$T/oversold" >"$T/c" 2>&1
cmp -s "$T/a" "$T/c" || fail "schedule_in of seed $seed's recording differs"
grep -v '^b' "$T/rec" >"$T/rec.d"
grep -v '^b' "$T/rec2" >"$T/rec2.d"
cmp -s "$T/rec.d" "$T/rec2.d" || fail "replaying seed $seed's recording recorded other decisions"

# 5. Bad input: a message and exit status 2.
expect_run "missing" 2 "$GR" run --replay "$T/nope.replay"
has "missing" err "No such file"
echo garbage >"$T/garbage"
expect_run "corrupt" 2 "$GR" run --replay "$T/garbage"
has "corrupt" err "not a gorace replay file"
: >"$T/empty"
expect_run "empty" 2 "$GR" run --replay "$T/empty"
has "empty" err "not a gorace replay file"
sed 's/^p \([0-9]*\) /p x /' "$T/src.replay" >"$T/bad.replay"
echo "p 1 2" >>"$T/bad.replay"
expect_run "bad decision" 2 "$GR" run --replay "$T/bad.replay"
has "bad decision" err "bad decision"
expect_run "headerless" 2 "$GR" run --replay "$T/rec"
has "headerless" err "without a replay header"
OTHER=$SRC/harness/testdata/progs/pass_exit.c
expect_run "other source" 2 "$GR" run --replay "$T/src.replay" "$OTHER"
has "other source" err "is not that file"
expect_run "other binary" 2 "$GR" --replay "$T/bin.replay" /bin/true
has "other binary" err "is not that file"
expect_run "source file, binary replay" 2 "$GR" run --replay "$T/bin.replay"
has "source file, binary replay" err "recorded for the built program"
expect_run "seed and replay" 2 "$GR" run --seed 3 --replay "$T/src.replay"
has "seed and replay" err "drop --seed"
expect_run "replay-out free" 2 "$GR" stress --free --replay-out x "$PROG"
expect_run "schedule_in missing" 2 env GORACE="schedule_in=$T/nope" "$T/oversold"
has "schedule_in missing" err "gorace: GORACE: schedule_in:"
expect_run "schedule_in corrupt" 2 env GORACE="schedule_in=$T/garbage" "$T/oversold"
has "schedule_in corrupt" err "not a gorace schedule file"
expect_run "schedule_out unseeded" 2 env GORACE="schedule_out=$T/x" "$T/oversold"
has "schedule_out unseeded" err "needs a seed"

[ $fails -eq 0 ] && echo "PASS" || echo "$fails failures"
[ $fails -eq 0 ]
