// GoKer syncthing#5795 (communication, channel): Start launches
// dispatcherLoop; the loop takes a message from inbox and, handling it,
// closes the connection itself (ccFn: c.Close()), which closes c.closed and
// then waits on dispatcherLoopStopped, a channel the loop closes only when
// it returns, i.e. never. The test (main) also waits on
// dispatcherLoopStopped: all asleep. (Go's profile: dispatcherLoop and the
// test in chan receive.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_chan *inbox, *closed, *dispatcher_loop_stopped;

static void conn_close(void)
{
    go_chan_close(closed);
    go_chan_recv(dispatcher_loop_stopped, NULL); /* from inside the loop */
}

static void dispatcher_loop(void *arg)
{
    (void)arg;
    for (;;) {
        int msg;
        go_case cases[] = {GO_RECV_CASE(inbox, &msg),
                           GO_RECV_CASE(closed, NULL)};
        if (go_select(cases, 2, false) == 1)
            break;
        conn_close(); /* the message was a protocol error */
    }
    go_chan_close(dispatcher_loop_stopped);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    inbox = go_chan_make(sizeof(int), 0);
    closed = go_chan_make(0, 0);
    dispatcher_loop_stopped = go_chan_make(0, 0);
    GO(dispatcher_loop, NULL);
    int msg = 1;
    go_chan_send(inbox, &msg);
    go_chan_recv(dispatcher_loop_stopped, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
