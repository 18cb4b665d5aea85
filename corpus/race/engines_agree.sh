#!/bin/bash
# engines_agree.sh GORACE BUILD_DIR: the two race engines check each other.
# Every program of corpus/race must get its expected verdict from the native
# engine (gorace check, race mode, 10 runs at each of GOMAXPROCS 1 and 2:
# happens-before means the verdict holds whatever the schedule) and from the TSan
# engine (verify_tsan.sh), but for the TSan engine's known blind spots listed
# with their reasons in tsan_known.txt. Both agreeing with the expectation,
# they agree with each other.
set -u
# The whole race corpus, whatever cluster job this runs in (gorace check
# would otherwise take its shard from the engine's variables).
unset TEST_SHARD_INDEX TEST_TOTAL_SHARDS SLURM_ARRAY_TASK_ID \
  SLURM_ARRAY_TASK_COUNT JOB_COMPLETION_INDEX CI_NODE_INDEX CI_NODE_TOTAL
here=$(cd "$(dirname "$0")" && pwd)
gorace=$1
build=$2
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$(mktemp -d)}
echo "== native engine"
"$gorace" check -count 10 --seeds 0 -j 2 "$here" | grep -E "^FAIL|passed,"
native=${PIPESTATUS[0]}
echo "== TSan engine"
JOBS=2 "$here/verify_tsan.sh" --known "$here/tsan_known.txt" "$build" "$here"
tsan=$?
[ "$native" -eq 0 ] && [ "$tsan" -eq 0 ]
