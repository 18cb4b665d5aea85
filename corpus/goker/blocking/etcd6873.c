// GoKer etcd#6873 (mixed, channel & lock): watchBroadcasts.stop() takes
// wbs.mu, closes updatec and waits on donec while holding mu; the coalescing
// goroutine, having taken the last update, needs wbs.mu to coalesce before
// it can see updatec closed and close donec. Forced: the coalescer takes the
// update, then waits (polling TryLock) until stop() holds mu. (Go's profile:
// stop in chan receive, newWatchBroadcasts.func1 in sync.Mutex.Lock.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_mutex wbs_mu;
static go_chan *updatec, *donec, *taken;

static void coalescer(void *arg)
{
    (void)arg;
    while (go_chan_recv(updatec, NULL)) {
        go_chan_close(taken);
        while (go_mutex_trylock(&wbs_mu)) { /* until stop() holds mu */
            go_mutex_unlock(&wbs_mu);
            go_sleep(GO_MILLISECOND);
        }
        go_mutex_lock(&wbs_mu); /* coalesce() */
        go_mutex_unlock(&wbs_mu);
    }
    go_chan_close(donec);
}

static void wbs_stop(void *arg)
{
    (void)arg;
    go_mutex_lock(&wbs_mu);
    go_chan_close(updatec);
    go_chan_recv(donec, NULL); /* with mu held */
    go_mutex_unlock(&wbs_mu);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    updatec = go_chan_make(0, 1);
    donec = go_chan_make(0, 0);
    taken = go_chan_make(0, 0);
    GO(coalescer, NULL);
    go_chan_send(updatec, NULL); /* wbs.update() */
    go_chan_recv(taken, NULL);
    GO(wbs_stop, NULL);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
