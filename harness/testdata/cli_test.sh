#!/bin/sh
# cli_test.sh GORACE TESTDATA: the gorace command against fake programs that
# do not use the runtime (linked against an empty archive), so it runs before
# the runtime exists. Every check prints what it compared when it fails.
set -u
GORACE=$1
DATA=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/cache"
ar rc "$T/libempty.a"
export GORACE_LIB="$T/libempty.a"
export GORACE_RACE_LIB="$T/no-such-libgorace_race.a"
unset TEST_SHARD_INDEX TEST_TOTAL_SHARDS GOMAXPROCS SLURM_ARRAY_TASK_ID \
    JOB_COMPLETION_INDEX CI_NODE_INDEX # no engine shards these runs
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_run NAME WANT_STATUS CMD...: runs CMD, output in $T/out, $T/err.
expect_run() {
    name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err" </dev/null
    got=$?
    [ "$got" = "$want" ] || fail "$name: exit status $got, want $want; stderr: $(head -c 300 "$T/err")"
}
has() { grep -qF -- "$2" "$T/$1" || fail "$1 lacks '$2': $(head -c 600 "$T/$1")"; }
lines() { n=$(wc -l <"$T/$1"); [ "$n" = "$2" ] || fail "$1 has $n lines, want $2: $(head -c 300 "$T/$1")"; }

# --- usage
expect_run help 0 "$GORACE" help
has out "gorace check"
expect_run nohelp 2 "$GORACE"
for v in cc run check stress merge; do
    expect_run "$v --help" 0 "$GORACE" $v --help
    has out "usage: gorace $v"
done
expect_run version 0 "$GORACE" version
has out "gorace version"
has out "race runtime: $T/no-such-libgorace_race.a (not built)"
expect_run badhelp 2 "$GORACE" help frobnicate
lines err 1
has err "help: unknown command \"frobnicate\""
expect_run seedsrc 2 "$GORACE" --seed 3 "$DATA/echo_exit.c"
lines err 1
has err "with 'gorace run --seed 3 $DATA/echo_exit.c'"
expect_run seedsrc-rel 2 "$GORACE" --seed 3 echo_exit.c
has err "build and run echo_exit.c with 'gorace run --seed 3 echo_exit.c'"
expect_run csource 2 "$GORACE" "$DATA/echo_exit.c"
lines err 1
has err "(C source: 'gorace run $DATA/echo_exit.c' builds and runs it)"
expect_run noprog 2 "$GORACE" "$T/no-such-prog"
lines err 1
has err "$T/no-such-prog: No such file or directory"
expect_run badverb 2 "$GORACE" frobnicate
lines err 1
has err "unknown command \"frobnicate\""
expect_run badflag 2 "$GORACE" check --frob "$DATA/progs"
lines err 1
has err "unknown flag --frob"
expect_run missingdir 2 "$GORACE" check "$T/nowhere"
lines err 1
expect_run badshard 2 "$GORACE" check --shard 2/2 "$DATA/progs"
has err "bad --shard"
expect_run badshard-stress 2 "$GORACE" stress --shard 1/0 "$T/none"
has err "stress: bad --shard \"1/0\""
expect_run helpmerge 0 "$GORACE" help merge
has out "usage: gorace merge"
expect_run badj 2 "$GORACE" check -j 0 "$DATA/progs"
expect_run badtimeout 2 "$GORACE" check --timeout soon "$DATA/progs"
expect_run badregex 2 "$GORACE" check -run '(' "$DATA/progs"
expect_run seed 2 "$GORACE" check --seed=1 "$DATA/progs"
lines err 1
has err "check takes --seeds N"
expect_run badseeds 2 "$GORACE" check --seeds -1 "$DATA/progs"
lines err 1
expect_run nosrc 2 "$GORACE" cc -o "$T/x"
lines err 1
expect_run missingsrc 2 "$GORACE" cc "$T/missing.c" -o "$T/x"
lines err 1
expect_run tsan 2 "$GORACE" cc --engine=tsan "$DATA/echo_exit.c" -o "$T/x"
has err "--engine=tsan: the TSan engine is the native detector's oracle"
expect_run norace 2 "$GORACE" cc "$DATA/echo_exit.c" -o "$T/x"
lines err 1
has err "pass --release"

# --- cc, ./prog, run
expect_run cc 0 "$GORACE" cc --release -O1 "$DATA/echo_exit.c" -o "$T/echo"
[ -x "$T/echo" ] || fail "cc did not produce $T/echo"
printf 'in\n' | "$GORACE" "$T/echo" 7 a "b c" >"$T/out" 2>"$T/err"
st=$?
[ $st = 7 ] || fail "./prog exit status $st, want 7"
printf 'in\narg a\narg b c\n' | cmp -s - "$T/out" || fail "./prog output: $(cat "$T/out")"
printf 'hi\n' | "$GORACE" run --release "$DATA/echo_exit.c" 5 x >"$T/out" 2>"$T/err"
st=$?
[ $st = 5 ] || fail "run exit status $st, want 5: $(cat "$T/err")"
printf 'hi\narg x\n' | cmp -s - "$T/out" || fail "run output: $(cat "$T/out")"
expect_run "run --" 0 "$GORACE" run --release "$DATA/echo_exit.c" -- 0 --help
has out "arg --help"
n=$(ls "$XDG_CACHE_HOME/gorace" | grep -vc '^trim.txt$')
[ "$n" = 1 ] || fail "cache holds $n entries after two runs of one program, want 1"
expect_run "cc -c" 0 "$GORACE" cc --release -c "$DATA/echo_exit.c" -o "$T/echo.o"
[ -f "$T/echo.o" ] || fail "cc -c did not produce an object"

# --- check
expect_run check 1 "$GORACE" check --release -j 3 --timeout 500ms \
    --junit "$T/junit.xml" "$DATA/progs"
P="$DATA/progs"
for want in \
    "FAIL $P/fail_build.c: build: cc failed (exit status 1): $P/fail_build.c:" \
    "FAIL $P/fail_exit.c: stderr does not start with \"fatal error: all goroutines are asleep - deadlock!\" (expect deadlock); stderr: fatal error: something else" \
    "FAIL $P/fail_header.c: header: no \"// expect:\" directive in the header" \
    "FAIL $P/fail_signal.c: killed by signal SIGSEGV" \
    "FAIL $P/fail_stdout.c: stdout line 1: got \"got <this> & \\\"that\\\"\\x01\\xff\", want \"want this\"" \
    "FAIL $P/fail_timeout.c: timed out after 0.5s" \
    "ok   $P/pass_env_args.c  (" \
    "ok   $P/pass_exit.c  (" \
    "ok   $P/pass_lines.c  (" \
    "ok   $P/pass_panic.c  (" \
    "skip $P/skip_race.c: expects race, needs the detector (--release)" \
    "ok   $P/sub/pass_nested.c  (" \
    "5 passed, 6 failed, 1 skipped"; do
    has out "$want"
done
lines out 13
has out "undefined_name"
tail -n 1 "$T/out" | grep -qx "5 passed, 6 failed, 1 skipped" || fail "closing line: $(tail -n 1 "$T/out")"
if command -v xmllint >/dev/null; then
    xmllint --noout "$T/junit.xml" || fail "junit.xml is not well-formed"
elif command -v python3 >/dev/null; then
    python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$T/junit.xml" ||
        fail "junit.xml is not well-formed"
fi
grep -q '<testsuites tests="12" failures="6" skipped="1"' "$T/junit.xml" || fail "junit counts: $(head -3 "$T/junit.xml")"

# Without --release and without the race runtime: release runtime, a note.
expect_run check-norace 0 "$GORACE" check -run 'pass_|skip_' "$DATA/progs"
has out "note: the race runtime is not built"
has out "skip $P/skip_race.c: expects race, needs the detector (libgorace_race.a is not built)"
has out "5 passed, 0 failed, 1 skipped"

# -run, --shard and the TEST_ sharding variables.
expect_run run-filter 0 "$GORACE" check --release -run 'pass_(exit|lines)' "$DATA/progs"
lines out 3
has out "2 passed, 0 failed"
expect_run shard 0 "$GORACE" check --release -run pass_ --shard 1/2 "$DATA/progs"
has out "ok   $P/pass_exit.c"
has out "ok   $P/pass_panic.c"
has out "2 passed, 0 failed"
TEST_SHARD_INDEX=0 TEST_TOTAL_SHARDS=2 TEST_SHARD_STATUS_FILE="$T/shard" \
    expect_run env-shard 0 "$GORACE" check --release -run pass_ "$DATA/progs"
has out "ok   $P/pass_env_args.c"
has out "ok   $P/pass_lines.c"
has out "ok   $P/sub/pass_nested.c"
has out "3 passed, 0 failed"
[ -f "$T/shard" ] || fail "TEST_SHARD_STATUS_FILE not created"

# --json: one valid document.
expect_run json 1 "$GORACE" check --release --json --timeout 300ms "$DATA/progs"
if command -v python3 >/dev/null; then
    python3 - "$T/out" <<'PY' || fail "json output: $(head -c 400 "$T/out")"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert (d["passed"], d["failed"], d["skipped"]) == (5, 6, 1), d
s = {p["path"].split("/")[-1]: p for p in d["programs"]}
assert s["fail_stdout.c"]["status"] == "fail"
assert "\ufffd" in s["fail_stdout.c"]["stdout"]
assert s["skip_race.c"]["status"] == "skip"
PY
fi

# --- seeded schedules: gorace --seed, run --seed
expect_run cc-fake 0 "$GORACE" cc --release "$DATA/seeded_fake.c" -o "$T/fake"
GORACE="halt_on_error=1,seed=9 pct=2" expect_run seed-env 0 "$GORACE" --seed 5 --pct=3 "$T/fake" env
has out "GORACE=halt_on_error=1 seed=5 pct=3"
has out "aslr off"
expect_run seed-run 0 "$GORACE" run --release --seed=6 "$DATA/seeded_fake.c" env
has out "GORACE=seed=6"
has out "aslr off"
GORACE="seed=4" expect_run env-seed 0 "$GORACE" "$T/fake" env
has out "aslr off"
expect_run noseed 0 "$GORACE" "$T/fake" env
has out "GORACE=(unset)"
expect_run seed-panic 2 "$GORACE" --seed 8 "$T/fake" panic 4
has err "panic: seed 8"
for bad in "--seed x" "--seed -1" "--pct=2" "--seed 1 --pct=0" "--seed 1 --pct=17" \
    "--seed 1 --pct-steps=5"; do
    # shellcheck disable=SC2086
    expect_run "bad $bad" 2 "$GORACE" $bad "$T/fake"
    lines err 1
done
expect_run seed-check 2 "$GORACE" --seed 1 check
lines err 1
expect_run seed-noprog 2 "$GORACE" --seed 1
lines err 1
expect_run seed-cc 2 "$GORACE" cc --release --seed 1 "$DATA/seeded_fake.c" -o "$T/x"
lines err 1

# --- stress
expect_run stress-panic 1 "$GORACE" stress -seeds 1..20 "$T/fake" panic 7
has out "FAIL run 7 (seed 7): panic: seed 7"
has out "GORACE=\"seed=7\" $T/fake panic 7"
has out "gorace --seed 7 $T/fake panic 7"
tail -n 1 "$T/out" | grep -qx "stress: 7 runs, first failing run 7, seed 7" ||
    fail "stress summary: $(tail -n 1 "$T/out")"
expect_run stress-range 1 "$GORACE" stress -j 3 -seeds 10..30 --pct=3 "$T/fake" panic 7
has out "FAIL run 5 (seed 14)"
# The fake program reports no step count: PCT's window falls back to 1 step,
# and the replay names it.
has out "PCT change points over the first 1 steps"
has out "GORACE=\"seed=14 pct=3 pct_steps=1\""
has out "gorace --seed 14 --pct=3 --pct-steps=1 $T/fake"
tail -n 1 "$T/out" | grep -qx "stress: 5 runs, first failing run 5, seed 14" ||
    fail "stress -j 3 summary: $(tail -n 1 "$T/out")"
expect_run stress-stdout 1 "$GORACE" stress -runs 50 "$T/fake" stdout 6
has out "FAIL run 6 (seed 6): stdout differs from the first run's at line 1: got \"bye\", first run \"hello\""
expect_run stress-exit 1 "$GORACE" stress "$T/fake" exit 4
has out "FAIL run 4 (seed 4): exit status 3, the first run's was 0"
expect_run stress-ignore 0 "$GORACE" stress -runs 30 --ignore-stdout "$T/fake" stdout 6
tail -n 1 "$T/out" | grep -qx "stress: 30 runs, no failure (seeds 1..30)" ||
    fail "stress --ignore-stdout summary: $(tail -n 1 "$T/out")"
expect_run stress-first 1 "$GORACE" stress -seeds 5..9 "$T/fake" panic 5
has out "FAIL run 1 (seed 5)"
expect_run stress-free 0 "$GORACE" stress --free -runs 5 "$T/fake" panic 1
has out "free-running (GOMAXPROCS=2)"
has out "stress: 5 runs, no failure (free-running)"
expect_run stress-src 1 "$GORACE" stress --release -runs 40 "$DATA/seeded/bug_declared.c"
has out "FAIL run 4 (seed 4): exit status 2, want 0 (expect ok); stderr: panic: seed 4 [the header's declared bug: panic]"
has out "gorace run --release --seed 4 $DATA/seeded/bug_declared.c"
expect_run stress-timeout 1 "$GORACE" stress -timeout 300ms --release "$DATA/progs/fail_timeout.c"
has out "FAIL run 1 (seed 1): timed out after 0.3s"
for bad in "-frob" "-runs 0" "-runs x" "-seeds 5..1" "-seeds a..b" "-seeds 1-5" \
    "--seed 3" "--pct=0" "--free -seeds 1..5" "--free --pct=2" "-timeout -1s" \
    "-j 0" "--pct-steps=10"; do
    # shellcheck disable=SC2086
    expect_run "stress $bad" 2 "$GORACE" stress $bad "$T/fake"
    lines err 1
done
expect_run stress-noprog 2 "$GORACE" stress -runs 5
lines err 1
expect_run stress-missing 2 "$GORACE" stress "$T/missing"
lines err 1
printf '// expect: fine\nint main(void) { return 0; }\n' >"$T/badhdr.c"
expect_run stress-badhdr 2 "$GORACE" stress --release "$T/badhdr.c"
lines err 1
has err "bad expect"

# --- check: seeded runs, bug and seeds directives
S="$DATA/seeded"
expect_run check-seeded 1 "$GORACE" check --release --seeds 10 "$S"
has out "ok   $S/bug_declared.c  ("
has out "10 seeds, bug shown by 2)"
has out "FAIL $S/fail_seed.c: seed 3: stdout line 1: got \"bye\", want \"hello\"; replay: gorace run --release -O1 -Wall --seed 3 $S/fail_seed.c"
has out "ok   $S/no_seeds.c  ("
has out "no seeds: its output depends on real time)"
has out "FAIL $S/wrong_bug.c: seed 5: exit status 3, want 0 (expect ok) (declared bug: deadlock; this run: exit 3)"
has out "2 passed, 2 failed"
expect_run check-seeds2 0 "$GORACE" check --release --seeds 2 -run 'fail_seed|bug_' "$S"
has out "2 passed, 0 failed"
# one spelling across verbs: --seeds N or A..B, -timeout or --timeout
expect_run check-range 1 "$GORACE" check --release --seeds 3..4 -timeout 30s -run 'fail_seed' "$S"
has out "FAIL $S/fail_seed.c: seed 3: stdout line 1"
expect_run check-range-after 0 "$GORACE" check --release --seeds 4..5 -run 'fail_seed' "$S"
has out "2 seeds)"
expect_run check-badrange 2 "$GORACE" check --seeds 5..1 "$S"
lines err 1
expect_run stress-seedsn 0 "$GORACE" stress --seeds 6 --timeout 30s "$T/fake" panic 7
tail -n 1 "$T/out" | grep -qx "stress: 6 runs, no failure (seeds 1..6)" ||
    fail "stress --seeds 6 summary: $(tail -n 1 "$T/out")"
expect_run check-noseeds 0 "$GORACE" check --release --seeds 0 "$S"
has out "4 passed, 0 failed"
# --full-seeds lifts a header's `seeds: N` cap, not `seeds: 0`
C="$DATA/seedcap"
expect_run check-capped 0 "$GORACE" check --release --seeds 10 "$C"
has out "2 seeds)"
expect_run check-full 1 "$GORACE" check --release --full-seeds 10 "$C"
has out "FAIL $C/capped.c: seed 3: stdout line 1"
expect_run check-full-range 0 "$GORACE" check --release --full-seeds 4..5 "$C"
has out "2 seeds)"
expect_run check-full-noseeds 0 "$GORACE" check --release --full-seeds 10 -run no_seeds "$S"
has out "no seeds: its output depends on real time)"
# a replay command names the header's GORACE options
R="$DATA/replayopts"
expect_run check-replay-opts 1 "$GORACE" check --release --seeds 3 "$R"
has out "replay: GORACE='step_ns=5 leaks=0' gorace run --release -O1 -Wall --seed 2 $R/opts.c"
# gomaxprocs: none: seeded runs only (a free run of this program fails)
N="$DATA/nofree"
expect_run check-nofree 0 "$GORACE" check --release --seeds 3 "$N"
has out "3 seeds)"
for bad in "0" "-1" "x" "5..1" "3..x"; do
    expect_run "check-full-seeds $bad" 2 "$GORACE" check --full-seeds "$bad" "$C"
    lines err 1
    has err "check: bad --full-seeds"
done
expect_run check-full-and-seeds 2 "$GORACE" check --seeds 10 --full-seeds 10 "$C"
has err "give --seeds or --full-seeds, not both"

# --- the build cache is trimmed as Go's is: binaries unused for five days
# go (and half-written ones a day old), at most once a day, on a miss
# (gorace run and check build into the cache; cc -o does not).
cache=$XDG_CACHE_HOME/gorace
rm -f "$cache/trim.txt"
touch -d '10 days ago' "$cache/0123456789abcdef-stale" \
    "$cache/0123456789abcdef-oldpartial.tmp77" "$cache/not-an-entry"
touch -d '2 days ago' "$cache/0123456789abcdef-partial.tmp78"
touch -d '4 days ago' "$cache/0123456789abcdef-recent"
expect_run cache-trim 0 "$GORACE" run --release -O2 "$DATA/echo_exit.c" 0
for f in stale oldpartial.tmp77 partial.tmp78; do
    [ ! -e "$cache/0123456789abcdef-$f" ] || fail "cache: $f survived the trim"
done
[ -e "$cache/0123456789abcdef-recent" ] || fail "cache: a 4-day-old binary was trimmed"
[ -e "$cache/not-an-entry" ] || fail "cache: a file it did not write was trimmed"
[ -s "$cache/trim.txt" ] || fail "cache: no trim.txt after a trim"
touch -d '10 days ago' "$cache/0123456789abcdef-stale"
expect_run cache-no-retrim 0 "$GORACE" run --release -O3 "$DATA/echo_exit.c" 0
[ -e "$cache/0123456789abcdef-stale" ] || fail "cache: trimmed twice in a day"
# A hit refreshes the binary's mtime, so a binary in use is never trimmed.
hit=$(ls -t "$cache" | grep -e '-echo_exit$' | head -1) # the -O3 build
touch -d '10 days ago' "$cache/$hit"
expect_run cache-hit 0 "$GORACE" run --release -O3 "$DATA/echo_exit.c" 0
[ -n "$(find "$cache" -name "$hit" -mmin -5)" ] || fail "cache: a hit left $hit's mtime 10 days old"

if [ $fails -ne 0 ]; then
    echo "cli_test: $fails failure(s)"
    exit 1
fi
echo "cli_test: ok"
