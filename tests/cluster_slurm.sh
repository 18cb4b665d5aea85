#!/bin/bash
# cluster_slurm.sh GORACE SOURCE_DIR: gorace check and gorace stress as Slurm
# job arrays on a one-node cluster on localhost, merged, against one
# unsharded run of each (ctest label `cluster`).
#
# Installs slurm-wlm and munge when missing (as scripts/deps.sh installs
# packages; exit 77, ctest's skip, when that cannot be done), then starts
# munged, slurmctld and slurmd as root from a generated minimal slurm.conf
# in a temporary directory (own ports, sockets, state and logs: nothing of
# the machine's own configuration is used or touched), submits
# `sbatch --array=0-3 --wait` jobs whose tasks take their shard from
# SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, merges the tasks' JSON results
# and compares: the same programs with the same verdicts, the same failing
# seeds with the same replay commands, the same last lines. The daemons are
# stopped on every exit path.
set -u
G=$(realpath "$1")
SRC=$(realpath "$2")
SKIP=77
say() { echo "cluster: $*"; }

# --- the packages
pkgs="slurm-wlm munge"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        say "SKIP: not root; install them with: sudo apt-get install$missing"
        exit $SKIP
    fi
    say "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    if ! { apt-get update -qq &&
        apt-get install -y -qq --no-install-recommends $missing >/dev/null; }; then
        say "SKIP: apt-get could not install$missing"
        exit $SKIP
    fi
fi
if [ "$(id -u)" -ne 0 ]; then
    say "SKIP: the daemons run as root here (SlurmUser=root)"
    exit $SKIP
fi

# --- the cluster, all of it under $T
T=$(mktemp -d /tmp/gorace-cluster.XXXXXX)
chmod 755 "$T"
stop() {
    for d in slurmd slurmctld munged; do
        [ -f "$T/$d.pid" ] && kill "$(cat "$T/$d.pid")" 2>/dev/null
    done
    sleep 1
    for d in slurmd slurmctld munged; do
        [ -f "$T/$d.pid" ] && kill -9 "$(cat "$T/$d.pid")" 2>/dev/null
    done
    rm -rf "$T"
}
trap stop EXIT
logs() {
    for l in munged slurmctld slurmd; do
        echo "--- $l.log (last lines)"
        grep -v "Unauthorized credential" "$T/$l.log" 2>/dev/null | tail -n 25
    done
}
die() {
    say "FAIL: $*"
    logs
    exit 1
}

mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/res" "$T/cache"
mungekey -c -k "$T/munge/munge.key" 2>/dev/null ||
    dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 700 "$T/munge"
chmod 400 "$T/munge/munge.key"
munged --force -S "$T/munge/munge.sock" --key-file="$T/munge/munge.key" \
    --pid-file="$T/munged.pid" --log-file="$T/munged.log" \
    --seed-file="$T/munge/seed" || die "munged did not start"

host=$(hostname -s)
base=$((10000 + $$ % 20000)) # below the ephemeral ports (32768 on)
cat >"$T/slurm.conf" <<EOF
ClusterName=gorace
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=gorace Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$T/slurm.conf
slurmctld -c || die "slurmctld did not start"
# slurmd registers once at start (then only at its next retry, minutes
# later): start it when slurmctld answers.
for _ in $(seq 60); do
    scontrol ping 2>/dev/null | grep -q "is UP" && break
    sleep 0.5
done
scontrol ping 2>/dev/null | grep -q "is UP" || die "slurmctld does not answer"
node_idle() { # SECONDS
    for _ in $(seq $(($1 * 2))); do
        state=$(sinfo -h -o %t 2>/dev/null)
        [ "$state" = idle ] && return 0
        sleep 0.5
    done
    return 1
}
slurmd || die "slurmd did not start"
# Once in a while (a loaded machine) the node stays 'unk*': its slurmd did
# not get through; a second slurmd registers at once.
if ! node_idle 20; then
    say "the node is '$state' after 20s; restarting slurmd"
    kill "$(cat "$T/slurmd.pid")" 2>/dev/null
    sleep 2
    slurmd || die "slurmd did not start again"
    scontrol update nodename="$host" state=resume 2>/dev/null
    node_idle 40 || die "the node is '$state', not idle, after 60s"
fi
say "slurm up: node $host idle ($(sinfo -V))"

# --- the work: a few corpus/deadlock programs and the harness's seeded
# fakes (two of which fail under one seed each), one small sched program
cd "$SRC" || exit 1
export XDG_CACHE_HOME=$T/cache
unset TEST_SHARD_INDEX TEST_TOTAL_SHARDS JOB_COMPLETION_INDEX CI_NODE_INDEX SLURM_ARRAY_TASK_ID \
    GORACE GOMAXPROCS
runre='corpus/deadlock/(abba_all_asleep|double_lock|nil_channel_recv|once_recursive|unbuffered_self_send)'
runre="$runre|harness/testdata/seeded/(bug_declared|fail_seed|wrong_bug)"
check_args=(check -j 1 --seeds 10 -run "$runre" corpus/deadlock
    harness/testdata/seeded)
stress_args=(stress -j 1 -seeds 1..120 -keep-going --no-shrink)
prog=corpus/sched/order_violation.c
strip() { sed -e 's/([0-9.]*s/(T/' "$1"; }

start=$(date +%s)
"$G" "${check_args[@]}" -j 2 >"$T/check-full.txt" 2>"$T/check-full.err"
check_full=$?
"$G" "${stress_args[@]}" -j 2 "$prog" >"$T/stress-full.txt" 2>"$T/stress-full.err"
stress_full=$?
say "unsharded: check exit $check_full, stress exit $stress_full ($(($(date +%s) - start))s)"
grep -q "^11 passed, 2 failed$" "$T/check-full.txt" ||
    die "unsharded check, want 11 passed, 2 failed: $(cat "$T/check-full.txt" "$T/check-full.err")"
grep -q "fail_seed.c: seed 3: .*; replay: gorace run -O1 -Wall --seed 3 " \
    "$T/check-full.txt" || die "unsharded check: no failing seed 3"


# sbatch jobs: the task's shard comes from SLURM_ARRAY_TASK_ID and
# SLURM_ARRAY_TASK_COUNT, which gorace reads itself.
q() { printf '%q ' "$@"; }
cat >"$T/check.sbatch" <<EOF
#!/bin/bash
exec $(q "$G" "${check_args[@]}") --json-out "$T/res/check-\$SLURM_ARRAY_TASK_ID.json"
EOF
cat >"$T/stress.sbatch" <<EOF
#!/bin/bash
exec $(q "$G" "${stress_args[@]}") --json-out "$T/res/stress-\$SLURM_ARRAY_TASK_ID.json" $(q "$prog")
EOF
start=$(date +%s)
for job in check stress; do
    timeout 300 sbatch --array=0-3 --wait --chdir="$SRC" \
        --output="$T/res/$job-%a.out" --error="$T/res/$job-%a.err" \
        "$T/$job.sbatch" >"$T/sbatch-$job.txt" 2>&1
    say "sbatch --array=0-3 --wait $job: exit $? ($(cat "$T/sbatch-$job.txt"))"
done
say "the two job arrays took $(($(date +%s) - start))s"
fails=0
for job in check stress; do
    for i in 0 1 2 3; do
        grep -q "shard $i/4 from Slurm" "$T/res/$job-$i.err" || {
            say "FAIL: $job task $i: no 'shard $i/4 from Slurm' line: $(head -c 300 "$T/res/$job-$i.err")"
            fails=$((fails + 1))
        }
        [ -s "$T/res/$job-$i.json" ] || die "$job task $i wrote no result"
    done
done

# --- merged = unsharded
"$G" merge --junit "$T/merged.xml" "$T"/res/check-*.json >"$T/check-merged.txt" 2>"$T/check-merged.err"
m=$?
[ "$m" = "$check_full" ] || {
    say "FAIL: merge exit $m, unsharded check $check_full: $(cat "$T/check-merged.err")"
    fails=$((fails + 1))
}
if ! diff <(strip "$T/check-full.txt") <(strip "$T/check-merged.txt") >"$T/diff"; then
    say "FAIL: merged check differs from the unsharded run:"
    cat "$T/diff"
    fails=$((fails + 1))
fi
grep -q "<testsuites tests=\"$(grep -c '^\(ok\|FAIL\|skip\) ' "$T/check-full.txt")\"" \
    "$T/merged.xml" || {
    say "FAIL: merged JUnit: $(head -c 300 "$T/merged.xml")"
    fails=$((fails + 1))
}
"$G" merge "$T"/res/stress-*.json >"$T/stress-merged.txt" 2>"$T/stress-merged.err"
m=$?
[ "$m" = "$stress_full" ] || {
    say "FAIL: merge exit $m, unsharded stress $stress_full: $(cat "$T/stress-merged.err")"
    fails=$((fails + 1))
}
# All but the unsharded run's header line: failing runs, their output,
# replay commands, the last line.
if ! diff <(tail -n +2 "$T/stress-full.txt") "$T/stress-merged.txt" >"$T/diff"; then
    say "FAIL: merged stress differs from the unsharded run:"
    cat "$T/diff"
    fails=$((fails + 1))
fi
say "check:  $(tail -n 1 "$T/check-full.txt")  |  merged: $(tail -n 1 "$T/check-merged.txt")"
say "stress: $(tail -n 1 "$T/stress-full.txt")  |  merged: $(tail -n 1 "$T/stress-merged.txt")"
[ "$fails" = 0 ] || {
    logs
    exit 1
}
say "all passed"
