#!/bin/bash
# engines_agree.sh GORACE BUILD_DIR: the two race engines check each other.
# Every program of corpus/race/go and corpus/race/edges must get its
# expected verdict from the native engine (gorace check, race mode, 10 runs at each of GOMAXPROCS 1 and 2:
# happens-before means the verdict holds whatever the schedule) and from the TSan
# engine (verify_tsan.sh), but for the TSan engine's known blind spots listed
# with their reasons in tsan_known.txt. Both agreeing with the expectation,
# they agree with each other.
set -u
# All of go/ and edges/, whatever cluster job this runs in (gorace check
# would otherwise take its shard from the engine's variables).
unset TEST_SHARD_INDEX TEST_TOTAL_SHARDS SLURM_ARRAY_TASK_ID \
  SLURM_ARRAY_TASK_COUNT JOB_COMPLETION_INDEX CI_NODE_INDEX CI_NODE_TOTAL
here=$(cd "$(dirname "$0")" && pwd)
gorace=$1
build=$2
# A cache of its own unless the caller gave one, removed at exit: the
# builds of both engines' programs come to some 600 MB.
if [ -z "${XDG_CACHE_HOME:-}" ]; then
    XDG_CACHE_HOME=$(mktemp -d)
    trap 'rm -rf "$XDG_CACHE_HOME"' EXIT
fi
export XDG_CACHE_HOME
# scale/ is left to `make check` (two free runs and three seeds each): its
# programs run 10,000 goroutines (~1 s a run, 20 runs each here would add
# minutes to CI), and the TSan engine is known to lose its two races
# (tsan_known.txt), so there is nothing to cross-check.
dirs=("$here/go" "$here/edges")
echo "== native engine"
"$gorace" check -count 10 --seeds 0 -j 2 "${dirs[@]}" | grep -E "^FAIL|passed,"
native=${PIPESTATUS[0]}
echo "== TSan engine"
JOBS=2 "$here/verify_tsan.sh" --known "$here/tsan_known.txt" "$build" "${dirs[@]}"
tsan=$?
[ "$native" -eq 0 ] && [ "$tsan" -eq 0 ]
