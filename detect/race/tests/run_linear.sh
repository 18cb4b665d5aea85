#!/bin/sh
# The detector with every stack shadowed linearly: the corpus's stack
# programs run under valgrind (--tool=none), which cannot reserve the
# runtime's stack arena, so the detector knows none and every address
# maps linearly (detect/race/shadow.c). No other test reaches that path;
# a division by the arena's slot size there once killed every program
# that reset more than four pages of shadow, and this test caught it.
# Each program is built as users build it (`gorace cc`) and must give the
# verdict its `// expect:` header names, at GOMAXPROCS 1 and 2: race is
# exit 66 with a report, ok is exit 0 without one.
#
# usage: run_linear.sh GORACE OUT_DIR PROGRAM...
set -u
gorace=$1 out=$2
shift 2
command -v valgrind >/dev/null 2>&1 || { echo "skip: no valgrind"; exit 77; }
mkdir -p "$out"
fail=0
for f in "$@"; do
    name=$(basename "$f" .c)
    exe="$out/$name"
    if ! "$gorace" cc -O1 "$f" -o "$exe"; then
        echo "FAIL: $name: build"
        fail=1
        continue
    fi
    want=$(sed -n 's|^// expect: \([a-z]*\).*|\1|p' "$f" | head -1)
    for procs in 1 2; do
        GOMAXPROCS=$procs valgrind --tool=none -q "$exe" >"$exe.out" 2>"$exe.err"
        rc=$?
        races=$(grep -c '^WARNING: DATA RACE$' "$exe.err")
        case $want in
        race) [ $rc = 66 ] && [ "$races" -ge 1 ] ;;
        ok) [ $rc = 0 ] && [ "$races" = 0 ] ;;
        *) false ;;
        esac || {
            echo "FAIL: $name at GOMAXPROCS=$procs: exit $rc, $races report(s), want $want"
            grep -m3 -E 'panic|signal|fatal' "$exe.err"
            fail=1
        }
    done
done
[ $fail = 0 ] && echo "ok: linear shadow, $# programs"
exit $fail
