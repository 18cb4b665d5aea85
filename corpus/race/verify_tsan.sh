#!/bin/bash
# verify_tsan.sh [--known FILE] [BUILD_DIR] [DIR...]
# Checks the race corpus against the TSan engine (detect/tsan): every *.c
# under DIR (default: this directory) is compiled with clang
# -fsanitize=thread, linked as detect/tsan/tests/run_verdict.sh links, and
# run at each GOMAXPROCS value of its `// gomaxprocs:` directive (default
# 1 and 2). `// expect: race` needs exit 66 and a ThreadSanitizer data race
# report; `// expect: ok` needs exit 0 and no ThreadSanitizer warning. BUILD_DIR (default ../../build, or $GORACE_BUILD) must hold the
# built libgorace_tsan.a and libgorace_instr.a. Prints one line per failing
# program and a final `N passed, N failed`; exit status 1 if any failed.
# --known FILE lists programs (paths relative to this directory, then a
# reason) that the engine is known not to get right: they are skipped.
# A race must show in one of TRIES runs (default 3), since TSan loses races
# by design when its shadow cells are evicted; `ok` must hold in its one run.
# Environment: CLANG (default clang), CFLAGS (default -g -O1), JOBS (2),
# TRIES (3).
set -u
known=/dev/null
if [ "${1:-}" = --known ]; then
    known=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
    shift 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-${GORACE_BUILD:-$root/build}}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- "$here"
build=$(cd "$build" && pwd) || exit 2
tsanlib=$build/detect/tsan/libgorace_tsan.a
instrlib=$build/rt/libgorace_instr.a
for lib in "$tsanlib" "$instrlib"; do
    [ -r "$lib" ] || { echo "verify_tsan: $lib not built" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export root tsanlib instrlib work known here
export CLANG=${CLANG:-clang} CFLAGS=${CFLAGS:--g -O1} TRIES=${TRIES:-3}

# One program: prints "PASS path" or "FAIL path: reason".
check_one() {
    src=$(realpath "$1")
    name=$(echo "$src" | sed "s|^$root/||; s|[/.]|_|g")
    exe=$work/$name
    expect=$(sed -n 's|^// expect: *\([a-z0-9 ]*[a-z0-9]\) *$|\1|p' "$src" | head -1)
    procs=$(sed -n 's|^// gomaxprocs: *||p' "$src" | head -1 | tr ',' ' ')
    [ -n "$procs" ] || procs="1 2"
    rel=${src#"$here"/}
    reason=$(awk -v p="$rel" '$1 == p { $1 = ""; sub(/^ /, ""); print }' "$known")
    if [ -n "$reason" ]; then
        echo "SKIP $src: known: $reason"
        return
    fi
    case $expect in
    race | ok) ;;
    *) echo "SKIP $src: expect '$expect'"; return ;;
    esac
    if ! $CLANG -fsanitize=thread $CFLAGS -I"$root/include" -c "$src" \
        -o "$exe.o" 2>"$exe.cc" ||
        ! $CLANG -fsanitize=thread "$exe.o" -o "$exe" \
            -Wl,-u,gorace_tsan_engine "$tsanlib" "$instrlib" \
            -lunwind -ldw -lpthread 2>>"$exe.cc"; then
        echo "FAIL $src: build: $(head -1 "$exe.cc")"
        return
    fi
    # TSan's history is lossy by design (4 shadow cells per word, evicted at
    # random; bounded traces): a race may be lost in one run. So a race
    # must show in one of $TRIES runs, while a clean verdict must hold in
    # its one run: a false report is never excused.
    for p in $procs; do
        try=0
        while :; do
            try=$((try + 1))
            GOMAXPROCS=$p timeout 60 "$exe" >/dev/null 2>"$exe.err" </dev/null
            code=$?
            races=$(grep -c 'WARNING: ThreadSanitizer: data race' "$exe.err")
            warns=$(grep -c 'WARNING: ThreadSanitizer' "$exe.err")
            if [ "$expect" = race ]; then
                [ $code -eq 66 ] && [ "$races" -gt 0 ] && continue 2
                [ $try -lt "$TRIES" ] && continue
            else
                [ $code -eq 0 ] && [ "$warns" -eq 0 ] && continue 2
            fi
            break
        done
        echo "FAIL $src: GOMAXPROCS=$p exit $code, $races race report(s)," \
            "expected $expect (run $try)"
        return
    done
    echo "PASS $src"
}
export -f check_one

find "$@" -name '*.c' | sort |
    xargs -P "${JOBS:-2}" -I{} bash -c 'check_one "$1"' _ {} >"$work/results"
grep '^FAIL' "$work/results" | sort
pass=$(grep -c '^PASS' "$work/results")
fail=$(grep -c '^FAIL' "$work/results")
skip=$(grep -c '^SKIP' "$work/results")
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
