// GoKer etcd#6708 (resource, double locking): the client's write path holds
// the endpoint RWMutex for writing and calls a helper that read-locks it.
// An RWMutex is not reentrant in either mode. Main waits: all asleep.
// (Go's profile: Etcd6708.func2 leaked in sync.RWMutex.RLock.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_rwmutex mu;
static int endpoints = 1;
static go_wg wg;

static int get_endpoints(void)
{
    go_rwmutex_rlock(&mu); /* the write lock is held: blocks forever */
    int n = endpoints;
    go_rwmutex_runlock(&mu);
    return n;
}

static void set_endpoints(void *arg)
{
    (void)arg;
    go_rwmutex_lock(&mu);
    endpoints = get_endpoints() + 1;
    go_rwmutex_unlock(&mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(set_endpoints, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
