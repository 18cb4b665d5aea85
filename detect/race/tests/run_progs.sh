#!/bin/sh
# End-to-end verdicts: every program in progs/ is built as users build it,
# by `gorace cc -O1` with each compiler given as $CC (-fsanitize=thread,
# linked against the native detectors, no libtsan), and run RUNS times at
# GOMAXPROCS=1 and 2.
# race_*.c must report a race (exit 66, a WARNING: DATA RACE block) on every
# run; norace_*.c must exit 0 without one. Happens-before makes the verdict
# independent of the schedule, so a single wrong run fails the test.
#
# A program may run fewer times: a header line ` * runs: N` caps RUNS.
#
# usage: run_progs.sh SRC_DIR GORACE OUT_DIR RUNS CC...
set -u
src=$1 gorace=$2 out=$3 runs=$4
shift 4
mkdir -p "$out"
fail=0
for cc in "$@"; do
    command -v "$cc" >/dev/null 2>&1 || { echo "skip: no $cc"; continue; }
    for f in "$src"/*.c; do
        name=$(basename "$f" .c)
        exe="$out/$name-$cc"
        if ! CC=$cc "$gorace" cc -O1 "$f" -o "$exe"; then
            echo "FAIL: $name ($cc): build"
            fail=1
            continue
        fi
        bad=0
        n=$(sed -n 's/^ \* runs: \([0-9]*\).*/\1/p' "$f")
        [ -n "$n" ] && [ "$n" -lt "$runs" ] || n=$runs
        for procs in 1 2; do
            i=0
            while [ $i -lt "$n" ]; do
                i=$((i + 1))
                GOMAXPROCS=$procs "$exe" >"$exe.out" 2>"$exe.err"
                rc=$?
                warned=0
                grep -q '^WARNING: DATA RACE$' "$exe.err" && warned=1
                case $name in
                race_*) want_rc=66 want_warn=1 ;;
                *) want_rc=0 want_warn=0 ;;
                esac
                if [ $rc -ne $want_rc ] || [ $warned -ne $want_warn ]; then
                    echo "FAIL: $name ($cc, GOMAXPROCS=$procs, run $i): exit $rc"
                    cat "$exe.err"
                    bad=1
                    break
                fi
                if [ $want_warn = 1 ] && ! grep -q '^Found [0-9]* data race(s)$' "$exe.err"; then
                    echo "FAIL: $name ($cc): no 'Found N data race(s)' line"
                    bad=1
                    break
                fi
                # A libc function's accesses: its frame, then the caller's.
                if [ "$name" = race_strcpy_strlen ] &&
                   ! { grep -A3 'rite at ' "$exe.err" | grep -q '^  strcpy()$' &&
                       grep -A3 'rite at ' "$exe.err" | grep -q '^  writer()$' &&
                       grep -A3 'ead at ' "$exe.err" | grep -q '^  strlen()$' &&
                       grep -A3 'ead at ' "$exe.err" | grep -q '^  main_fn()$'; }; then
                    echo "FAIL: $name ($cc): no strcpy/strlen frames above the callers"
                    cat "$exe.err"
                    bad=1
                    break
                fi
                # The earlier writes come from the writer's history.
                if [ "$name" = race_history ] &&
                   ! { grep -A1 '^Previous write at ' "$exe.err" | grep -q '^  write_near()$' &&
                       grep -A1 '^Previous write at ' "$exe.err" | grep -q '^  write_far()$' &&
                       grep -A3 '^Previous write at ' "$exe.err" | grep -q '^  write_block()$' &&
                       grep -q '^Found 3 data race(s)$' "$exe.err"; }; then
                    echo "FAIL: $name ($cc): a previous write's stack was not restored"
                    cat "$exe.err"
                    bad=1
                    break
                fi
                # The earlier write comes from the writer's floor.
                if [ "$name" = race_history_crowd ] &&
                   ! grep -A1 '^Previous write at ' "$exe.err" | grep -q '^  write_shared()$'; then
                    echo "FAIL: $name ($cc): a write in a goroutine's floor was not restored"
                    cat "$exe.err"
                    bad=1
                    break
                fi
                # Both sides of the stack tops' point (shadow.c).
                if [ "$name" = race_stack_top ] &&
                   ! { grep -q '^Found 4 data race(s)$' "$exe.err" &&
                       grep -q '^  read_deep()$' "$exe.err" &&
                       grep -q '^  read_top()$' "$exe.err" &&
                       grep -q '^  read_block_deep()$' "$exe.err" &&
                       grep -q '^  read_block_top()$' "$exe.err"; }; then
                    echo "FAIL: $name ($cc): a race on a goroutine's stack was missed"
                    cat "$exe.err"
                    bad=1
                    break
                fi
                # Spawned in scheduler context: the call site, then nothing.
                if [ "$name" = race_after_func ] &&
                   ! grep -A3 '^Goroutine [0-9]* ([a-z]*) created at:$' "$exe.err" |
                       tr '\n' '|' | grep -q '^[^|]*|  arm()|      [^|]*race_after_func.c:20|=*|'; then
                    echo "FAIL: $name ($cc): AfterFunc goroutine's creation stack"
                    cat "$exe.err"
                    bad=1
                    break
                fi
                if [ "$name" = race_heap ] &&
                   ! grep -q '^Location is heap block of size 16 at 0x[0-9a-f]* allocated by main goroutine:$' "$exe.err"; then
                    echo "FAIL: $name ($cc): no heap block location"
                    cat "$exe.err"
                    bad=1
                    break
                fi
            done
        done
        if [ $bad = 0 ]; then
            echo "ok: $name ($cc)"
        else
            fail=1
        fi
    done
done
exit $fail
