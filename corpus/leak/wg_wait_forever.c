// A WaitGroup waited on forever, leaking form: a closer goroutine waits for
// the workers and then closes the results channel, but Add counted one
// worker too many (the loop that starts them skips disabled ones). The
// closer is blocked in Wait forever; main, which does not wait for it,
// returns (Go's Mixed micro test: a goroutine leaked in WaitGroup.Wait).
// wg_wait_forever_fixed.c adds per started worker.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: 2 workers started
#include <gorace.h>
#include <stdio.h>

static go_wg wg;

static void worker(void *arg)
{
    (void)arg;
    go_wg_done(&wg);
}

static void closer(void *results)
{
    go_wg_wait(&wg); /* one Done short: blocks forever */
    go_chan_close(results);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static const bool enabled[] = {true, false, true};
    go_chan *results = go_chan_make(sizeof(int), 3);
    go_wg_add(&wg, 3);
    int started = 0;
    for (int i = 0; i < 3; i++) {
        if (!enabled[i])
            continue;
        GO(worker, NULL);
        started++;
    }
    GO(closer, results);
    printf("%d workers started\n", started);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
