// A method contract violation: Start launches the worker's loop, which runs
// until Stop closes its stop channel; the caller uses the worker and never
// calls Stop. The loop is blocked in its select forever (Go's
// MethodContractViolation pattern; grpc#1424's lbWatcher).
// stop_never_called_fixed.c calls Stop, which also waits for the loop.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: processed 3 events
#include <gorace.h>
#include <stdio.h>

struct worker {
    go_chan *events, *stop, *processed;
    int count;
};

static void loop(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        int ev;
        go_case cases[] = {GO_RECV_CASE(w->events, &ev),
                           GO_RECV_CASE(w->stop, NULL)};
        if (go_select(cases, 2, false) == 1)
            return;
        w->count++;
        go_chan_send(w->processed, NULL);
    }
}

static void worker_start(struct worker *w)
{
    w->events = go_chan_make(sizeof(int), 0);
    w->stop = go_chan_make(0, 0);
    w->processed = go_chan_make(0, 0);
    GO(loop, w);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct worker w;
    worker_start(&w);
    for (int ev = 0; ev < 3; ev++) {
        go_chan_send(w.events, &ev);
        go_chan_recv(w.processed, NULL);
    }
    printf("processed %d events\n", w.count); /* forgot worker_stop(&w) */
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
