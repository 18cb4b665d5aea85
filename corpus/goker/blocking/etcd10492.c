// GoKer etcd#10492 (resource, double locking): the lease checkpointer runs
// with the lessor's mutex held and its callback locks the same mutex.
// Main waits: all asleep. (Go's profile: Etcd10492.func2 leaked in
// sync.Mutex.Lock.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_mutex lessor_mu;
static go_wg wg;

static void checkpoint(void)
{
    go_mutex_lock(&lessor_mu); /* held by the caller */
    go_mutex_unlock(&lessor_mu);
}

static void checkpoint_scheduled_leases(void *arg)
{
    (void)arg;
    go_mutex_lock(&lessor_mu);
    checkpoint();
    go_mutex_unlock(&lessor_mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(checkpoint_scheduled_leases, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
