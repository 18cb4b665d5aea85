#!/bin/sh
# run.sh BINARY STATUS FIRST_LINE [PATTERN COUNT]
# Runs BINARY (environment: GOMAXPROCS, GORACE as set by ctest) and checks
# its exit status, the first line of stderr byte for byte (empty: stderr
# must be empty) and, optionally, that PATTERN occurs COUNT times in stderr.
bin=$1 want_status=$2 want_first=$3 pattern=$4 count=$5
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT
timeout 60 "$bin" 2>"$err" >/dev/null
status=$?
fail=0
if [ "$status" != "$want_status" ]; then
  echo "exit status $status, want $want_status"; fail=1
fi
first=$(head -n 1 "$err")
if [ -z "$want_first" ]; then
  if [ -s "$err" ]; then echo "stderr not empty"; fail=1; fi
elif [ "$first" != "$want_first" ]; then
  echo "first line of stderr: '$first', want '$want_first'"; fail=1
fi
if [ -n "$pattern" ]; then
  n=$(grep -c -- "$pattern" "$err")
  if [ "$n" != "$count" ]; then
    echo "'$pattern' found $n times in stderr, want $count"; fail=1
  fi
fi
if [ $fail = 1 ]; then echo "--- stderr:"; cat "$err"; fi
exit $fail
