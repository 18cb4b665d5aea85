// A deadlock that a live ticker hides. A heartbeat goroutine ticks every
// millisecond and reports on `beats`; main waits for a result on
// `results`, which nobody ever sends. After its first beat the heartbeat
// goroutine blocks sending on `beats`, which nobody receives. Every
// goroutine is then blocked, but the ticker stays armed.
//
// Go's checkdead gives up while any timer is pending, so free-running
// this program hangs, in Go as in gorace (no free runs: the check would
// time out). Under a seed, the runtime sees that the only pending timer
// sends on a channel no goroutine waits to receive from: firing it can
// wake nobody, so it reports Go's all-asleep deadlock instead of ticking
// forever (rt/sched.c explore_find_runnable, rt/time.c).
//
// expect: deadlock
// gomaxprocs: none free-running it hangs, as in Go
#include <gorace.h>
#include <stdio.h>

static go_chan *beats, *results;

static void heartbeat(void *arg)
{
    go_ticker *t = arg;
    int64_t now;
    for (int n = 0;; n++) {
        go_chan_recv(go_ticker_chan(t), &now);
        go_chan_send(beats, &n); /* nobody receives: blocks for good */
    }
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    beats = go_chan_make(sizeof(int), 0);
    results = go_chan_make(sizeof(int), 0);
    go_ticker *t = go_ticker_new(GO_MILLISECOND);
    GO(heartbeat, t);
    int r;
    go_chan_recv(results, &r); /* nobody sends */
    printf("result %d\n", r);
    go_ticker_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
