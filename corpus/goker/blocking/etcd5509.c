// GoKer etcd#5509 (resource, double locking): r.acquire() read-locks
// r.client.mu and, on a failure path, returns without the RUnlock. The read
// lock is never released, so a later client.Close(), which write-locks mu,
// blocks forever. (Go's profile: Etcd5509.func2 leaked in
// sync.RWMutex.Lock.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_rwmutex client_mu;

static int acquire(void)
{
    go_rwmutex_rlock(&client_mu);
    int err = -1; /* the connection is closing */
    if (err != 0)
        return err; /* missing go_rwmutex_runlock */
    go_rwmutex_runlock(&client_mu);
    return 0;
}

static void client_close(void *arg)
{
    (void)arg;
    go_rwmutex_lock(&client_mu);
    go_rwmutex_unlock(&client_mu);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    acquire();
    GO(client_close, NULL);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
