// GoKer cockroach#3710 (resource, RWR deadlock): ForceRaftLogScanAndProcess
// holds s.mu.RLock and, down the call chain (MaybeAdd, shouldQueue,
// getTruncatableIndexes, RaftStatus), read-locks s.mu again; processRaft's
// s.mu.Lock queued in between, so the nested RLock waits for the writer,
// which waits for the first RLock. Main waits for both: all asleep.
// (Go's profile: RWMutex.RLock and RWMutex.Lock.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_rwmutex s_mu;
static go_wg wg;

static void process_raft(void *arg)
{
    (void)arg;
    go_rwmutex_lock(&s_mu);
    go_rwmutex_unlock(&s_mu);
    go_wg_done(&wg);
}

static int raft_status(void)
{
    go_rwmutex_rlock(&s_mu);
    go_rwmutex_runlock(&s_mu);
    return 0;
}

static void force_raft_log_scan_and_process(void *arg)
{
    (void)arg;
    go_rwmutex_rlock(&s_mu);
    GO(process_raft, NULL);
    while (go_rwmutex_tryrlock(&s_mu)) { /* until the writer queues */
        go_rwmutex_runlock(&s_mu);
        go_sleep(GO_MILLISECOND);
    }
    raft_status();
    go_rwmutex_runlock(&s_mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    GO(force_raft_log_scan_and_process, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
