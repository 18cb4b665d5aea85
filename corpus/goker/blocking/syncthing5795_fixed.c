// Fixed twin of syncthing5795.c: the dispatcher loop closes the
// connection in a new goroutine (`go c.internalClose()`, the fix GoKer
// names for syncthing/syncthing PR 5795), so the loop goes on, sees
// c.closed and returns, closing dispatcherLoopStopped for both waiters.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_chan *inbox, *closed, *dispatcher_loop_stopped;

static void conn_close(void *arg)
{
    (void)arg;
    go_chan_close(closed);
    go_chan_recv(dispatcher_loop_stopped, NULL);
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
        GO(conn_close, NULL); /* the fix: go c.internalClose() */
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
