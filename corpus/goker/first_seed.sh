#!/bin/sh
# first_seed.sh GORACE [FILE...]: seeds to first detection, the "rw / PCT 2
# / PCT 3" figures of README.md. For each GoKer kernel (default: every
# corpus/goker/nonblocking/*.c but the fixed twins), `gorace stress
# --no-shrink` over seeds 1..200, under a random walk and under PCT of
# depth 2 and 3, on a copy whose header says `expect: ok` (kernel_copy.sh),
# built as `gorace check` builds (-O1 -Wall).
# Prints one Markdown row per kernel:
#   | kernel | rw | PCT 2 | PCT 3 |
# each the first seed whose run shows the bug, ">200" if none does, "-"
# for a kernel with `seeds: 0`. Run from the repository root; -j1, under
# nice.
set -u
. "$(dirname "$0")/kernel_copy.sh"
export CC="${CC:-cc} -O1 -Wall"
GORACE=${1:?usage: first_seed.sh GORACE [FILE...]}
shift
[ $# -gt 0 ] || set -- $(ls corpus/goker/nonblocking/*.c | grep -v '_fixed\.c$')
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
first() { # first [--pct=D]: the first failing seed of 1..200
    nice -n 19 "$GORACE" stress -j1 -seeds 1..200 -timeout 30s --no-shrink \
        "$@" "$T/$k.c" >"$T/out" 2>"$T/err" </dev/null
    case $? in
    0) echo ">200" ;;
    1) grep '^stress: ' "$T/out" "$T/err" | tail -n 1 |
        sed -n 's/.*, seed \([0-9]*\).*/\1/p' ;;
    *) echo "error: $(head -n 1 "$T/err")" ;;
    esac
}
for f in "$@"; do
    k=$(basename "$f" .c)
    if grep -q '^// seeds: 0' "$f"; then
        echo "| $k | - | - | - |"
        continue
    fi
    kernel_copy "$f" "$T/$k.c"
    echo "| $k | $(first) | $(first --pct=2) | $(first --pct=3) |"
done
