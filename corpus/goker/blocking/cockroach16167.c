// GoKer cockroach#16167 (resource, RWR deadlock): systemConfigCond's locker
// is systemConfigMu's read side. execParsed read-locks through the Cond's L,
// Start's updateSystemConfig write-locks systemConfigMu and queues, then
// execParsed read-locks systemConfigMu again and queues behind the writer,
// which waits for execParsed's first read lock. The reader polls TryRLock
// until it fails, so the writer is always pending first. Main waits for
// both: all asleep. (Go's profile: RWMutex.RLock and RWMutex.Lock.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_rwmutex system_config_mu;
static go_wg wg;

static void update_system_config(void *arg)
{
    (void)arg;
    go_rwmutex_lock(&system_config_mu);
    go_rwmutex_unlock(&system_config_mu);
    go_wg_done(&wg);
}

static void exec_parsed(void *arg)
{
    (void)arg;
    go_rwmutex_rlock(&system_config_mu); /* systemConfigCond.L.Lock() */
    GO(update_system_config, NULL);
    while (go_rwmutex_tryrlock(&system_config_mu)) {
        go_rwmutex_runlock(&system_config_mu);
        go_sleep(GO_MILLISECOND);
    }
    go_rwmutex_rlock(&system_config_mu); /* systemConfigMu.RLock() */
    go_rwmutex_runlock(&system_config_mu);
    go_rwmutex_runlock(&system_config_mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    GO(exec_parsed, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
