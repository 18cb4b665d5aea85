// The fix of range_never_closed_worker.c: main closes the queue, which ends
// the worker's range, and waits for the worker to return.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: handled 1
// stdout: handled 2
// stdout: handled 3
// stdout: worker done
#include <gorace.h>
#include <stdio.h>

static go_chan *queue, *exited;

static void worker(void *arg)
{
    (void)arg;
    int v;
    while (go_chan_recv(queue, &v))
        printf("handled %d\n", v);
    printf("worker done\n");
    go_chan_close(exited);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    queue = go_chan_make(sizeof(int), 3);
    exited = go_chan_make(0, 0);
    GO(worker, NULL);
    for (int i = 1; i <= 3; i++)
        go_chan_send(queue, &i);
    go_chan_close(queue);
    go_chan_recv(exited, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
