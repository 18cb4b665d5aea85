#!/bin/sh
# The GORACE registry (rt/options.h) in both builds: bad values and unknown
# names end the program with "gorace: GORACE: <option>: <why>" and status
# 2; blanks and commas both separate options; the release runtime ignores
# the detectors' options (and names it does not know) but checks its own.
#   gorace_options.sh GORACE_BIN SOURCE_DIR
set -u
gorace=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache
prog=$src/detect/deadlock/tests/progs/leak_chan_recv.c
"$gorace" cc "$prog" -o "$tmp/race" || exit 1
"$gorace" cc --release "$prog" -o "$tmp/rel" || exit 1
fail=0

# check BUILD GORACE STATUS [STDERR-FIRST-LINE]
check() {
    GORACE=$2 "$tmp/$1" >/dev/null 2>"$tmp/err"
    got=$?
    line=$(head -n 1 "$tmp/err")
    if [ "$got" -ne "$3" ] || { [ $# -ge 4 ] && [ "$line" != "$4" ]; }; then
        echo "FAIL $1 GORACE='$2': status $got (want $3), stderr: $line"
        fail=1
    fi
}

check race "" 66
check race "seed=3,leaks=0" 0
check race "seed=3 leaks=0" 0
check race "leak_ignore=main,fetch" 0
check race "leaks=banana" 2 \
    'gorace: GORACE: leaks: want 1 or 0 (true or false), got "banana"'
check race "leak_grace_ms=abc" 2 \
    'gorace: GORACE: leak_grace_ms: want an integer from 0 to 1000000000, got "abc"'
check race "lock_cycle=xyz" 2 \
    'gorace: GORACE: lock_cycle: want 1 or 0 (true or false), got "xyz"'
check race "leakcheck_interval=-3" 2 \
    'gorace: GORACE: leakcheck_interval: want an integer from 0 to 1000000000, got "-3"'
check race "history_size=8" 2 \
    'gorace: GORACE: history_size: want an integer from 0 to 7, got "8"'
check race "leaks=0 bogus=1" 2 'gorace: GORACE: bogus: unknown option'
check race "leaks" 2 'gorace: GORACE: leaks: want name=value'
check rel "" 0
check rel "leaks=banana lock_order=0 bogus=1" 0
check rel "seed=x" 2 'gorace: GORACE: seed: want an integer >= 0, got "x"'
check rel "pct=2" 2 'gorace: GORACE: pct: needs a seed'
check rel "seed=1,pct=17" 2 \
    'gorace: GORACE: pct: want an integer from 1 to 16, got "17"'
check rel "seed=1 step_ns=-1" 2 \
    'gorace: GORACE: step_ns: want an integer from 0 to 1000000000, got "-1"'
check rel "seed=1 step_ns=1000" 0
check rel "seed=1 syscall_ns=x" 2 \
    'gorace: GORACE: syscall_ns: want an integer from 0 to 3600000000000, got "x"'
check rel "seed=1 io_wait_ms=3600001" 2 \
    'gorace: GORACE: io_wait_ms: want an integer from 0 to 3600000, got "3600001"'
check rel "seed=1 io_wait_ms=0" 0
check rel "schedule_out=$tmp/x" 2 \
    'gorace: GORACE: schedule_out: needs a seed or schedule_in'
check rel "schedule_in=$tmp/none" 2 \
    "gorace: GORACE: schedule_in: $tmp/none: No such file or directory"
printf '# gorace schedule 1\nq 1 2\n' >"$tmp/bad"
check race "schedule_in=$tmp/bad" 2 \
    "gorace: GORACE: schedule_in: $tmp/bad: line 2: bad decision \"q 1 2\""
check rel "schedule_in=$tmp/bad pct=2" 2 \
    'gorace: GORACE: pct: not with schedule_in (the file names every choice)'
printf '# gorace schedule 1\n' >"$tmp/empty"
check race "seed=1 schedule_out=$tmp/rec" 66
check race "schedule_in=$tmp/empty" 66
check rel "schedule_in=$tmp/rec" 0

# GORACE_NETPOLL, the poller's mode (rt/netpoll.c), read at go_run in both
# builds ("uring" is left out: it exits 2 where the kernel has none)
for mode in "" auto epoll; do
    GORACE_NETPOLL=$mode check rel "" 0
    GORACE_NETPOLL=$mode check race "" 66
done
GORACE_NETPOLL=kqueue check rel "" 2 \
    'gorace: GORACE_NETPOLL=kqueue: want auto, epoll or uring'
GORACE_NETPOLL=Epoll check race "" 2 \
    'gorace: GORACE_NETPOLL=Epoll: want auto, epoll or uring'
exit $fail
