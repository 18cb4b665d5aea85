// The fix of stop_never_called.c: the caller calls Stop, which closes the
// stop channel and waits for the loop to return.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: processed 3 events
// stdout: stopped
#include <gorace.h>
#include <stdio.h>

struct worker {
    go_chan *events, *stop, *processed, *exited;
    int count;
};

static void loop(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        int ev;
        go_case cases[] = {GO_RECV_CASE(w->events, &ev),
                           GO_RECV_CASE(w->stop, NULL)};
        if (go_select(cases, 2, false) == 1) {
            go_chan_close(w->exited);
            return;
        }
        w->count++;
        go_chan_send(w->processed, NULL);
    }
}

static void worker_start(struct worker *w)
{
    w->events = go_chan_make(sizeof(int), 0);
    w->stop = go_chan_make(0, 0);
    w->processed = go_chan_make(0, 0);
    w->exited = go_chan_make(0, 0);
    GO(loop, w);
}

static void worker_stop(struct worker *w)
{
    go_chan_close(w->stop);
    go_chan_recv(w->exited, NULL);
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
    printf("processed %d events\n", w.count);
    worker_stop(&w);
    printf("stopped\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
