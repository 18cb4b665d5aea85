// Range over a never-closed channel, the leaking form: a background worker
// ranges over its queue; main enqueues three items, waits until they are
// handled, and returns without closing the queue. The worker waits for a
// fourth item forever (Go's NoCloseRange pattern).
// range_never_closed_worker_fixed.c closes the queue and waits for the
// worker.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: handled 1
// stdout: handled 2
// stdout: handled 3
#include <gorace.h>
#include <stdio.h>

static go_chan *queue;
static go_wg pending;

static void worker(void *arg)
{
    (void)arg;
    int v;
    while (go_chan_recv(queue, &v)) {
        printf("handled %d\n", v);
        go_wg_done(&pending);
    }
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    queue = go_chan_make(sizeof(int), 3);
    GO(worker, NULL);
    go_wg_add(&pending, 3);
    for (int i = 1; i <= 3; i++)
        go_chan_send(queue, &i);
    go_wg_wait(&pending);
    go_sleep(50 * GO_MILLISECOND); /* the worker waits for a fourth item */
    return 0;                      /* forgot go_chan_close(queue) */
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
