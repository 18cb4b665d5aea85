#!/bin/sh
# record_events.sh BIN EXPECTED: the recorded event stream is the same at
# GOMAXPROCS 1 and 2, free-running and under seeds, and equals EXPECTED.
set -u
bin=$1 want=$2
fail=0
for env in "GOMAXPROCS=1" "GOMAXPROCS=2" "GORACE=seed=1" "GORACE=seed=2"; do
    for run in 1 2 3; do
        if ! got=$(env $env "$bin"); then
            echo "FAIL $env run $run: exit status $?"
            fail=1
        elif [ "$got" != "$(cat "$want")" ]; then
            echo "FAIL $env run $run: stream differs:"
            echo "$got" | diff "$want" - | head -20
            fail=1
        fi
    done
done
exit $fail
