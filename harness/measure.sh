#!/bin/sh
# measure.sh [GORACE-COMMAND]: how many runs until each bug of corpus/sched/
# is first seen, under free-running threads and under seeded schedules.
#
# For every corpus/sched program with a `// bug:` directive and every mode,
# runs `gorace stress` CAP times at most, five times over disjoint seed
# ranges (k*CAP+1 .. (k+1)*CAP for k = 0..4; free-running has no seeds and
# just runs five times), and reports the median number of runs until the
# first failure, with how many of the five invocations found the bug at
# all. A miss counts as more than CAP, so a median of a miss reads "not
# found in CAP". Prints a Markdown table; with --update also writes it into
# corpus/README.md between the measure markers.
#
# Seeded results depend only on the runtime's scheduling code: they are
# exactly reproducible. Free-running results depend on the machine and its
# load. Run from the source root (CAP=1000 by default; CAP=N overrides).
set -eu
update=false
if [ "${1:-}" = "--update" ]; then
    update=true
    shift
fi
GR=${1:-build/harness/gorace}
CAP=${CAP:-1000}
README=corpus/README.md
[ -x "$GR" ] || { echo "measure.sh: no gorace at $GR (give its path)" >&2; exit 2; }
[ -d corpus/sched ] || { echo "measure.sh: run from the source root" >&2; exit 2; }

# median_of V1..V5 (each a count, or "miss"): "median [found/5]"
median_of() {
    found=0
    for v in "$@"; do [ "$v" = miss ] || found=$((found + 1)); done
    med=$(for v in "$@"; do [ "$v" = miss ] && echo $((CAP + 1)) || echo "$v"; done |
        sort -n | sed -n 3p)
    if [ "$med" -gt "$CAP" ]; then
        echo "not found in $CAP [$found/5]"
    else
        echo "$med [$found/5]"
    fi
}

# runs_until MODE-FLAGS K PROG: the first failing run, or "miss".
runs_until() {
    flags=$1 k=$2 prog=$3
    if [ "$flags" = free ]; then
        set -- --free -runs "$CAP"
    else
        # shellcheck disable=SC2086
        set -- $flags -seeds $((k * CAP + 1))..$(((k + 1) * CAP))
    fi
    last=$("$GR" stress --release --no-shrink "$@" "$prog" | tail -n 1)
    case $last in
    *"first failing run"*)
        echo "$last" | sed 's/.*first failing run \([0-9]*\).*/\1/' ;;
    *"no failure"*) echo miss ;;
    *) echo "measure.sh: unexpected stress output: $last" >&2; exit 1 ;;
    esac
}

MODES="free|--pct=0|--pct=2|--pct=3|--pct=3 --pct-steps=50"
table=$(mktemp)
trap 'rm -f "$table"' EXIT
{
    echo "| program | bug | (a) free, GOMAXPROCS=2 | (b) random walk | (c) PCT d=2 | (d) PCT d=3 | (e) PCT d=3, pct_steps=50 |"
    echo "|---|---|---|---|---|---|---|"
    for prog in corpus/sched/*.c; do
        bug=$(sed -n 's|^// bug: *||p' "$prog" | head -n 1)
        [ -n "$bug" ] || continue
        row="| \`$(basename "$prog")\` | $bug"
        IFS='|'
        for mode in $MODES; do
            unset IFS
            [ "$mode" = --pct=0 ] && mode=""
            [ -n "$mode" ] || mode=" "
            vals=""
            for k in 0 1 2 3 4; do
                vals="$vals $(runs_until "$mode" "$k" "$prog")"
            done
            # shellcheck disable=SC2086
            row="$row | $(median_of $vals)"
            echo "  $(basename "$prog") [${mode# }]:$vals" >&2
            IFS='|'
        done
        unset IFS
        echo "$row |"
    done
} >"$table"
cat "$table"

if $update; then
    tmp=$(mktemp)
    awk -v table="$table" '
        /<!-- measure:begin -->/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
        /<!-- measure:end -->/ { skip = 0 }
        !skip { print }' "$README" >"$tmp"
    cat "$tmp" >"$README"
    rm -f "$tmp"
    echo "measure.sh: table written to $README" >&2
fi
