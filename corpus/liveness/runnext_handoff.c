// Run-queue starvation (the shape of GoKer grpc/660, fixed version). The
// loop spawns a child and waits for it in a select; the child answers on a
// buffered channel and exits. Each readies the other through runnext, so
// on one P the pair never leaves the processor, while the stopper, queued
// behind them, waits to send the stop that ends the loop.
//
// Go finishes it: a goroutine taken from runnext inherits its readier's
// time slice, and sysmon preempts a slice older than 10 ms, so the queued
// stopper runs. Without time slices this program hangs at GOMAXPROCS=1.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: stopped
#include <gorace.h>
#include <stdio.h>

static go_chan *stop, *done;

static void child(void *arg)
{
    (void)arg;
    int v = 1;
    go_chan_send(done, &v);
}

static void stopper(void *arg)
{
    (void)arg;
    int v = 1;
    go_chan_send(stop, &v);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    stop = go_chan_make(sizeof(int), 0);
    done = go_chan_make(sizeof(int), 1);
    GO(stopper, NULL);
    for (;;) {
        GO(child, NULL);
        go_case cases[] = {GO_RECV_CASE(done, NULL), GO_RECV_CASE(stop, NULL)};
        if (go_select(cases, 2, false) == 1)
            break;
    }
    printf("stopped\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
