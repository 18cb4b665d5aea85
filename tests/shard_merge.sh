#!/bin/sh
# shard_merge.sh GORACE SOURCE_DIR: sharding by the cluster engines'
# variables and gorace merge, against the fake programs of harness/testdata
# (linked against an empty archive, so no runtime is needed and it is fast).
#   - each engine's variables pick the shard, and the choice is printed;
#     bad or inconsistent values are usage errors naming the variable;
#   - check shards merged = the unsharded run (same lines, same last line),
#     stress shards merged = the unsharded run (same failing seeds, replay
#     commands and last line), stop-at-first and -keep-going;
#   - merge refuses missing, duplicate, mismatched and malformed files.
# Variables holding several words ($none, the engines' assignments) are
# split on purpose.
# shellcheck disable=SC2086
set -u
G=$1
SRC=$2
DATA=$SRC/harness/testdata
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/cache"
ar rc "$T/libempty.a"
export GORACE_LIB="$T/libempty.a"
export GORACE_RACE_LIB="$T/no-such-libgorace_race.a"
unset TEST_SHARD_INDEX TEST_TOTAL_SHARDS TEST_SHARD_STATUS_FILE \
    SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN \
    SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_STEP JOB_COMPLETION_INDEX \
    GORACE_TOTAL_SHARDS CI_NODE_INDEX CI_NODE_TOTAL GOMAXPROCS GORACE
cd "$SRC" || exit 1
P=harness/testdata/progs
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run NAME WANT_STATUS CMD...: output in $T/out, $T/err.
run() {
    name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err" </dev/null
    got=$?
    [ "$got" = "$want" ] ||
        fail "$name: exit status $got, want $want; stderr: $(head -c 400 "$T/err")"
}
has() { grep -qF -- "$2" "$T/$1" || fail "$1 lacks '$2': $(head -c 600 "$T/$1")"; }
# The lines of a report without timings, which differ from run to run.
strip() { sed -e 's/([0-9.]*s/(T/' "$1"; }
same() {
    strip "$1" >"$T/a"
    strip "$2" >"$T/b"
    diff "$T/a" "$T/b" >"$T/diff" || fail "$3: $(head -c 800 "$T/diff")"
}

# --- which shard: each engine's variables, printed
none="-run no_such_program"
chk() { run "$1" "$2" env $3 "$G" check --release $none ${4:-} "$P"; }
chk bazel 0 "TEST_SHARD_INDEX=1 TEST_TOTAL_SHARDS=3 TEST_SHARD_STATUS_FILE=$T/st"
has err "shard 1/3 from Bazel (TEST_SHARD_INDEX=1 TEST_TOTAL_SHARDS=3)"
[ -f "$T/st" ] || fail "TEST_SHARD_STATUS_FILE not created"
chk slurm-count 0 "SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=4"
has err "shard 2/4 from Slurm"
chk slurm-minmax 0 "SLURM_ARRAY_TASK_ID=7 SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_MAX=8"
has err "shard 2/4 from Slurm"
chk k8s-env 0 "JOB_COMPLETION_INDEX=3 GORACE_TOTAL_SHARDS=5"
has err "shard 3/5 from Kubernetes (JOB_COMPLETION_INDEX=3, GORACE_TOTAL_SHARDS=5)"
run k8s-flag 0 env JOB_COMPLETION_INDEX=0 "$G" check --release --shards 2 $none "$P"
has err "shard 0/2 from Kubernetes (JOB_COMPLETION_INDEX=0, --shards=2)"
chk gitlab 0 "CI_NODE_INDEX=1 CI_NODE_TOTAL=2"
has err "shard 0/2 from GitLab (CI_NODE_INDEX=1 CI_NODE_TOTAL=2, 1-based)"
chk gitlab-unsharded 0 "CI_NODE_TOTAL=1"
[ -s "$T/err" ] && fail "CI_NODE_TOTAL alone printed: $(cat "$T/err")"
chk flag-wins 0 "SLURM_ARRAY_TASK_ID=x" "--shard 0/2"
[ -s "$T/err" ] && fail "--shard did not override the engine: $(cat "$T/err")"
chk bazel-first 0 "TEST_SHARD_INDEX=0 TEST_TOTAL_SHARDS=2 CI_NODE_INDEX=2 CI_NODE_TOTAL=2"
has err "from Bazel"
# ... and their errors
chk bad-index 2 "SLURM_ARRAY_TASK_ID=x SLURM_ARRAY_TASK_COUNT=4"
has err 'check: SLURM_ARRAY_TASK_ID="x": want an integer >= 0'
chk past-end 2 "TEST_SHARD_INDEX=3 TEST_TOTAL_SHARDS=3"
has err "Bazel gives shard index 3 of 3 shards"
chk gitlab-zero 2 "CI_NODE_INDEX=0 CI_NODE_TOTAL=2"
has err 'CI_NODE_INDEX="0": want an integer >= 1'
chk k8s-no-total 2 "JOB_COMPLETION_INDEX=1"
has err "needs the number of shards: --shards N or GORACE_TOTAL_SHARDS=N"
chk slurm-step 2 "SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_TASK_COUNT=2 SLURM_ARRAY_TASK_STEP=4"
has err "Slurm array with a step"
chk slurm-holes 2 "SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=9 SLURM_ARRAY_TASK_COUNT=3"
has err "Slurm array with holes"
chk slurm-no-count 2 "SLURM_ARRAY_TASK_ID=3"
has err "neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX"
run shards-disagree 2 env CI_NODE_INDEX=1 CI_NODE_TOTAL=2 "$G" check --release --shards 3 $none "$P"
has err "--shards 3 disagrees with GitLab"
run shards-alone 2 "$G" check --release --shards 3 $none "$P"
has err "no shard index"
run stress-env 2 env SLURM_ARRAY_TASK_ID=9 SLURM_ARRAY_TASK_COUNT=4 "$G" stress -runs 3 "$T/none"
has err "Slurm gives shard index 9 of 4 shards"

# --- check: three Slurm shards (an array 5-7) merged = one unsharded run
run check-full 1 "$G" check --release --timeout 300ms --seeds 5 "$P"
cp "$T/out" "$T/check-full"
for i in 0 1 2; do
    run "check-shard-$i" 1 env SLURM_ARRAY_TASK_ID=$((i + 5)) \
        SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_MAX=7 \
        "$G" check --release --timeout 300ms --seeds 5 \
        --json-out "$T/c$i.json" "$P"
done
run check-merge 1 "$G" merge --junit "$T/merged.xml" "$T/c2.json" "$T/c0.json" "$T/c1.json"
same "$T/check-full" "$T/out" "merged check differs from the unsharded run"
has out "5 passed, 6 failed, 1 skipped"
grep -q '<testsuites tests="12" failures="6" skipped="1"' "$T/merged.xml" ||
    fail "merged JUnit: $(head -c 300 "$T/merged.xml")"
run check-merge-json 1 "$G" merge --json "$T/c0.json" "$T/c1.json" "$T/c2.json"
if command -v python3 >/dev/null; then
    python3 - "$T/out" "$T/c0.json" <<'PY' || fail "merged JSON: $(head -c 400 "$T/out")"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert (d["passed"], d["failed"], d["skipped"]) == (5, 6, 1), d
assert (d["shard"], d["shards"]) == (0, 1), d
assert len(d["programs"]) == 12
s = json.load(open(sys.argv[2], encoding="utf-8"))
assert s["shard_source"].startswith("Slurm"), s["shard_source"]
PY
fi
# Passing shards merge to exit 0.
for i in 0 1; do
    run "pass-shard-$i" 0 env CI_NODE_INDEX=$((i + 1)) CI_NODE_TOTAL=2 \
        "$G" check --release -run pass_ --seeds 2 --json-out "$T/p$i.json" "$P"
done
run pass-merge 0 "$G" merge "$T/p0.json" "$T/p1.json"
has out "5 passed, 0 failed"
# Without the race runtime check falls back to the release one, and says
# so; the merge says it too.
run fallback-full 0 "$G" check -run pass_ --seeds 2 "$P"
cp "$T/out" "$T/fallback-full"
for i in 0 1; do
    run "fallback-shard-$i" 0 "$G" check -run pass_ --seeds 2 --shard $i/2 \
        --json-out "$T/f$i.json" "$P"
done
run fallback-merge 0 "$G" merge "$T/f1.json" "$T/f0.json"
same "$T/fallback-full" "$T/out" "merged fallback check differs"

# --- stress: shards merged = one unsharded run
run fake 0 "$G" cc --release "$DATA/seeded_fake.c" -o "$T/fake"
# stress_case NAME STATUS SHARD_STATUS STRESS-ARGS...: the unsharded run
# and four Kubernetes shards merged print the same failing runs, outputs,
# replay commands and last line: all but the unsharded run's header.
stress_case() {
    sc=$1 st=$2 sst=$3
    shift 3
    run "$sc-full" "$st" "$G" stress -j 2 "$@"
    tail -n +2 "$T/out" >"$T/sfull" # all but the header line
    for i in 0 1 2 3; do
        run "$sc-shard-$i" "$sst" env JOB_COMPLETION_INDEX=$i \
            GORACE_TOTAL_SHARDS=4 "$G" stress -j 2 --json-out "$T/s$i.json" "$@"
        grep -q "shard $i/4 from Kubernetes" "$T/err" ||
            fail "$sc shard $i: no engine line: $(head -c 300 "$T/err")"
    done
    run "$sc-merge" "$st" "$G" merge "$T/s0.json" "$T/s1.json" \
        "$T/s2.json" "$T/s3.json"
    cp "$T/out" "$T/smerged"
    diff "$T/sfull" "$T/smerged" >"$T/diff" ||
        fail "$sc: merged stress differs: $(head -c 800 "$T/diff")"
}
# shard statuses: every shard of these finds failures (or is judged by run 0)
stress_case keep 1 1 -seeds 1..40 -keep-going "$T/fake" panic 3
has out "stress: 40 runs, 13 failed, first failing run 3, seed 3"
has out 'replay:'
has out "gorace --seed 39 $T/fake panic 3"
stress_case keep-stdout 1 1 -seeds 1..40 -keep-going "$T/fake" stdout 5
has out "stress: 40 runs, 8 failed, first failing run 5, seed 5"
run stop-full 1 "$G" stress -j 2 -seeds 11..50 "$T/fake" panic 17
cp "$T/out" "$T/stop-full"
for i in 0 1 2 3; do
    "$G" stress -j 2 -seeds 11..50 --shard $i/4 --json "$T/fake" panic 17 \
        >"$T/s$i.json" 2>/dev/null
done
run stop-merge 1 "$G" merge "$T/s0.json" "$T/s1.json" "$T/s2.json" "$T/s3.json"
has out "stress: 7 runs, first failing run 7, seed 17"
[ "$(tail -n 1 "$T/stop-full")" = "$(tail -n 1 "$T/out")" ] ||
    fail "stop-at-first: merged '$(tail -n 1 "$T/out")', unsharded '$(tail -n 1 "$T/stop-full")'"
has out "also: run 24 (seed 34), shard 2"
# Seeds: no seed twice, none left out.
for i in 0 1 2 3; do
    "$G" stress -seeds 1..10 --shard $i/4 "$T/fake" stdout 1000 2>/dev/null |
        sed -n 's/.*shard [0-9]\/4: seeds \([0-9]*\)\.\.\([0-9]*\)$/\1 \2/p'
done | awk '{for (s = $1; s <= $2; s++) print s}' >"$T/seeds"
[ "$(tr '\n' ' ' <"$T/seeds")" = "1 2 3 4 5 6 7 8 9 10 " ] ||
    fail "stress shards' seeds: $(tr '\n' ' ' <"$T/seeds")"
# Run 0 (the reference) fails: the unsharded run stops there, and so does
# the merge, whatever the other shards found.
stress_case ref-fails 1 1 -seeds 1..12 -keep-going "$T/fake" panic 1
has out "stress: 1 runs, 1 failed, first failing run 1, seed 1"
run empty-shard 0 "$G" stress -runs 2 --shard 0/4 --json "$T/fake" stdout 1000
grep -q '"shard_runs": "1..0", "runs_done": 0' "$T/out" ||
    fail "empty shard: $(head -c 400 "$T/out")"

# --- merge: what it refuses
run m-none 2 "$G" merge
has err "merge: no shard files"
run m-flag 2 "$G" merge --bogus "$T/c0.json"
has err "merge: unknown flag --bogus"
run m-nofile 2 "$G" merge "$T/nope.json"
has err "nope.json: No such file or directory"
run m-missing 2 "$G" merge "$T/c0.json" "$T/c2.json"
has err "1 of 3 shards missing: 1 (each of 0..2 must be given once)"
run m-twice 2 "$G" merge "$T/c0.json" "$T/c1.json" "$T/c1.json" "$T/c2.json"
has err "shard 1/3 is given twice"
run m-count 2 "$G" merge "$T/c0.json" "$T/c1.json" "$T/p1.json"
has err "different shard counts"
run other-run 0 "$G" check --release -run pass_ --seeds 5 --shard 1/3 --json-out "$T/o1.json" "$P"
run m-corpus 2 "$G" merge "$T/c0.json" "$T/o1.json" "$T/c2.json"
has err "not shards of one run: different corpus"
run other-seeds 1 "$G" check --release --timeout 300ms --seeds 4 --shard 1/3 --json-out "$T/o2.json" "$P"
run m-seeds 2 "$G" merge "$T/c0.json" "$T/o2.json" "$T/c2.json"
has err "different seeds"
run m-kind 2 "$G" merge "$T/c0.json" "$T/s1.json"
has err "is a gorace check result"
"$G" stress -seeds 1..40 --shard 1/4 --json "$T/fake" panic 4 >"$T/x1.json" 2>/dev/null
run m-program 2 "$G" merge "$T/s0.json" "$T/x1.json" "$T/s2.json" "$T/s3.json"
has err "different program"
printf '{"kind": "check", "shard": 0,\n "shards": 1,,}' >"$T/bad.json"
run m-syntax 2 "$G" merge "$T/bad.json"
has err "bad.json: not valid JSON: line 2: expected a member name in quotes"
printf '[1, 2]' >"$T/arr.json"
run m-notours 2 "$G" merge "$T/arr.json"
has err "not a gorace check or stress result"
printf '{"kind": "check", "shard": 0, "shards": "1"}' >"$T/type.json"
run m-type 2 "$G" merge "$T/type.json"
has err '"shards" has the wrong type (want a number)'
printf '{"kind": "check", "shard": 2, "shards": 2}' >"$T/range.json"
run m-range 2 "$G" merge "$T/range.json"
has err "shard 2 of 2 shards is impossible"
printf '{"kind": "check", "shard": 0, "shards": 1, "programs": []}' >"$T/part.json"
run m-partial 2 "$G" merge "$T/part.json"
has err '"corpus" is missing'
: >"$T/empty.json"
run m-empty 2 "$G" merge "$T/empty.json"
has err "unexpected end of input"

[ "$fails" = 0 ] && echo "shard_merge: all passed"
exit $((fails > 0))
