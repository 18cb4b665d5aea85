// GoKer cockroach#7504 (resource, AB-BA deadlock): AcquireByName locks the
// table-name cache (c.mu) and then a lease (lease.mu); Release locks the
// lease and then, removing it, the cache. Forced here with a barrier: each
// holds its first lock before either takes its second. The test goroutine
// (main) waits for both: all asleep. (Go's profile: both leaked in
// sync.Mutex.Lock.)
//
// The deadlock detector would name the AB-BA cycle instead when it closes
// while main has yet to reach Wait (seed 144 of 200 does that, found by
// `gorace check --full-seeds 200`); as cockroach10214, this program checks
// Go's diagnosis, with the lock-cycle detector off.
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
// gorace: lock_cycle=0
#include <gorace.h>

static go_mutex cache_mu, lease_mu;
static go_chan *cache_held, *lease_held;
static go_wg wg;

static void acquire_by_name(void *arg)
{
    (void)arg;
    go_mutex_lock(&cache_mu);
    go_chan_close(cache_held);
    go_chan_recv(lease_held, NULL);
    go_mutex_lock(&lease_mu);
    go_mutex_unlock(&lease_mu);
    go_mutex_unlock(&cache_mu);
    go_wg_done(&wg);
}

static void release(void *arg)
{
    (void)arg;
    go_mutex_lock(&lease_mu);
    go_chan_close(lease_held);
    go_chan_recv(cache_held, NULL);
    go_mutex_lock(&cache_mu); /* tableNameCache.remove */
    go_mutex_unlock(&cache_mu);
    go_mutex_unlock(&lease_mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    cache_held = go_chan_make(0, 0);
    lease_held = go_chan_make(0, 0);
    go_wg_add(&wg, 2);
    GO(acquire_by_name, NULL);
    GO(release, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
