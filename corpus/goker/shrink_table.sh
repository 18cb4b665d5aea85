#!/bin/sh
# shrink_table.sh GORACE [FILE...]: the "Shrunk schedules" table of
# README.md. For each GoKer kernel (default: every corpus/goker/*/*.c but
# the fixed twins), `gorace stress` over seeds 1..200 (random walk, the
# instrumented build) finds the first seed whose run shows the kernel's
# bug, and shrinks that schedule. stress judges a corpus file by its
# header, and a kernel whose expectation is the bug (expect: deadlock,
# leak, race, panic, exit 66) would never "fail"; so each kernel is
# stressed as a copy whose header says `expect: ok` (its `bug:`, `seeds:`
# and `stderr:` lines dropped, its `gorace:` options kept): a run fails
# when it shows the bug, or anything else that is not a clean exit.
# Prints one Markdown row per kernel:
#   | kernel | seed | failure | before | after | steps | shrink runs |
# before and after: decisions / preemptions / context switches.
# Kernels with `seeds: 0` (no seeded run possible) get "-". The copies
# are built as `gorace check` builds (-O1 -Wall, through $CC, which may
# carry words), so that a seed names the schedule check runs; stress alone
# builds without -O1, and a seed there is another schedule.
# STRESS_FLAGS, if set, goes to every stress run: `--pct=3` for a kernel
# no random walk of 1..200 finds (etcd7443).
# Run from the repository root; -j1, under nice, a few minutes.
set -u
. "$(dirname "$0")/kernel_copy.sh"
export CC="${CC:-cc} -O1 -Wall"
GORACE=${1:?usage: shrink_table.sh GORACE [FILE...]}
shift
[ $# -gt 0 ] || set -- $(ls corpus/goker/blocking/*.c corpus/goker/nonblocking/*.c | grep -v '_fixed\.c$')
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for f in "$@"; do
    k=$(basename "$f" .c)
    if grep -q '^// seeds: 0' "$f"; then
        echo "| $k | - (seeds: 0) | | | | | |"
        continue
    fi
    kernel_copy "$f" "$T/$k.c"
    nice -n 19 "$GORACE" stress -j1 -seeds 1..200 -timeout 30s \
        ${STRESS_FLAGS:-} --replay-out "$T/$k.replay" "$T/$k.c" >"$T/out" 2>"$T/err" </dev/null
    st=$?
    last=$(grep '^stress: ' "$T/out" "$T/err" | tail -n 1 | sed 's/^[^:]*://')
    case $st in
    0) echo "| $k | none in 200 | | | | | |"; continue ;;
    1) ;;
    *) echo "| $k | error: $(head -n 1 "$T/err") | | | | | |"; continue ;;
    esac
    seed=$(echo "$last" | sed -n 's/.*, seed \([0-9]*\).*/\1/p')
    kind=$(grep -m1 '^\(fatal error\|panic\|WARNING\)' "$T/out" "$T/err" |
        sed -e 's/^[^:]*://; s/ (.*//; s/:$//' \
            -e 's/fatal error: all goroutines are asleep - deadlock!/all asleep/' \
            -e 's/fatal error: deadlock: lock cycle/lock cycle/' \
            -e 's/WARNING: GOROUTINE LEAK/leak/; s/WARNING: DATA RACE/race/' \
            -e 's/WARNING: POTENTIAL DEADLOCK/lock-order inversion/' \
            -e 's/panic: send on closed channel/panic (send on closed channel)/' \
            -e 's/panic: runtime error: invalid memory address or nil pointer.*/panic (nil pointer dereference)/' \
            -e 's/panic: sync: negative WaitGroup counter/panic (negative WaitGroup counter)/')
    fig() { # fig before|after: decisions / preemptions / context switches
        grep "^shrink: $1:" "$T/err" | sed -n \
            's/.*: *\([0-9]*\) decisions (\([0-9]*\) preemptions.*steps, \([0-9]*\) context switches.*/\1 \/ \2 \/ \3/p'
    }
    steps=$(grep '^shrink: after:' "$T/err" | sed -n 's/.*; \([0-9]*\) steps.*/\1/p')
    runs=$(grep '^shrink: [0-9]* runs' "$T/err" | sed -n 's/^shrink: \([0-9]*\) runs.*/\1/p')
    same=$(grep -q 'fails the same way' "$T/err" && echo "" || echo " (replay differs)")
    echo "| $k | $seed | $kind | $(fig before) | $(fig after)$same | $steps | $runs |"
done
