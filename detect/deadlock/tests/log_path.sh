#!/bin/sh
# log_path.sh BINARY STATUS PATTERN PREFIX: runs BINARY with
# GORACE="log_path=DIR/log strip_path_prefix=PREFIX" and checks that stderr
# stays empty, the exit status, that the log file has PATTERN, and that no
# path in it still starts with PREFIX (leak and lock-cycle reports honour
# both options, as race reports do).
bin=$1 want=$2 pattern=$3 prefix=$4
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
GORACE="log_path=$dir/log strip_path_prefix=$prefix" timeout 60 "$bin" \
    >/dev/null 2>"$dir/err"
status=$?
fail=0
log=$(ls "$dir"/log.* 2>/dev/null | head -n 1)
[ "$status" = "$want" ] || { echo "exit status $status, want $want"; fail=1; }
[ -s "$dir/err" ] && { echo "stderr not empty:"; cat "$dir/err"; fail=1; }
if [ -z "$log" ]; then
    echo "no log file"; fail=1
else
    grep -q -- "$pattern" "$log" || { echo "log lacks '$pattern'"; fail=1; }
    if grep -qF -- "$prefix" "$log"; then echo "log has unstripped paths"; fail=1; fi
    [ $fail = 1 ] && cat "$log"
fi
exit $fail
