// GoKer kubernetes#62464 (resource, RWR deadlock): reconcileState
// read-locks the CPU manager state (GetCPUSetOrDefault) and, inside,
// GetCPUSet read-locks it again; RemoveContainer's SetDefaultCPUSet
// write-locks in between. The nested RLock waits for the writer, which
// waits for the first RLock. Main waits: all asleep. (Go's profile:
// reconcileState in RWMutex.RLock, RemoveContainer in RWMutex.Lock.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_rwmutex state_mu;
static go_wg wg;

static void remove_container(void *arg)
{
    (void)arg;
    go_rwmutex_lock(&state_mu); /* SetDefaultCPUSet */
    go_rwmutex_unlock(&state_mu);
    go_wg_done(&wg);
}

static void get_cpu_set(void)
{
    go_rwmutex_rlock(&state_mu);
    go_rwmutex_runlock(&state_mu);
}

static void reconcile_state(void *arg)
{
    (void)arg;
    go_rwmutex_rlock(&state_mu); /* GetCPUSetOrDefault */
    GO(remove_container, NULL);
    while (go_rwmutex_tryrlock(&state_mu)) {
        go_rwmutex_runlock(&state_mu);
        go_sleep(GO_MILLISECOND);
    }
    get_cpu_set();
    go_rwmutex_runlock(&state_mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    GO(reconcile_state, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
