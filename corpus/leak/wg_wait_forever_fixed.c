// The fix of wg_wait_forever.c: Add(1) for each worker actually started;
// main waits for the results channel to be closed.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 2 workers started
// stdout: results closed
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
    go_wg_wait(&wg);
    go_chan_close(results);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static const bool enabled[] = {true, false, true};
    go_chan *results = go_chan_make(sizeof(int), 3);
    int started = 0;
    for (int i = 0; i < 3; i++) {
        if (!enabled[i])
            continue;
        go_wg_add(&wg, 1);
        GO(worker, NULL);
        started++;
    }
    GO(closer, results);
    printf("%d workers started\n", started);
    while (go_chan_recv(results, NULL))
        ;
    printf("results closed\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
