#!/bin/sh
# run_verdict.sh CC CLANG SRC EXPECT INCLUDE TSANLIB INSTRLIB [RUNS] [PROCS]
# Compiles SRC with CC (-fsanitize=thread), links with clang against the
# TSan engine, and runs it RUNS times at GOMAXPROCS=1 and 2. EXPECT is
# "race" (exit 66 and a ThreadSanitizer data race report, every run) or
# "norace" (exit 0 and no ThreadSanitizer warning, every run).
set -u
cc=$1 clang=$2 src=$3 expect=$4 inc=$5 tsanlib=$6 instrlib=$7 runs=${8:-3}
procs_list=${9:-1 2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cc" -fsanitize=thread -g -O1 -I"$inc" -c "$src" -o "$work/prog.o" || exit 1
"$clang" -fsanitize=thread "$work/prog.o" -o "$work/prog" \
    -Wl,-u,gorace_tsan_engine "$tsanlib" "$instrlib" -lunwind -ldw -lpthread ||
    exit 1
fail=0
for procs in $procs_list; do
    i=0
    while [ $i -lt "$runs" ]; do
        i=$((i + 1))
        GOMAXPROCS=$procs "$work/prog" >"$work/out" 2>"$work/err"
        code=$?
        races=$(grep -c 'WARNING: ThreadSanitizer: data race' "$work/err")
        warnings=$(grep -c 'WARNING: ThreadSanitizer' "$work/err")
        case $expect in
        race) [ $code -eq 66 ] && [ "$races" -gt 0 ] && continue ;;
        norace) [ $code -eq 0 ] && [ "$warnings" -eq 0 ] && continue ;;
        esac
        echo "FAIL: $src GOMAXPROCS=$procs run $i: exit $code," \
            "$races race report(s), expected $expect"
        cat "$work/err"
        fail=1
    done
done
[ $fail -eq 0 ] && echo "ok: $src: $expect at GOMAXPROCS $procs_list x$runs ($cc)"
exit $fail
