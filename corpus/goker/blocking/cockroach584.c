// GoKer cockroach#584 (resource, double locking): the gossip bootstrap loop
// takes g.mu and, when the node is closed, breaks out of the loop without
// unlocking; manage() then takes g.mu again and blocks forever. Main waits
// for the bootstrapper: all asleep. (Go's goroutineleak profile: the
// bootstrap goroutine leaked in sync.Mutex.Lock.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>

static go_mutex mu;
static bool closed = true;
static go_wg wg;

static void manage(void)
{
    go_mutex_lock(&mu); /* still held by bootstrap */
    go_mutex_unlock(&mu);
}

static void bootstrap(void *arg)
{
    (void)arg;
    for (;;) {
        go_mutex_lock(&mu);
        if (closed)
            break; /* missing go_mutex_unlock(&mu) */
        go_mutex_unlock(&mu);
    }
    manage();
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(bootstrap, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
