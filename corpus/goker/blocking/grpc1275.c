// GoKer grpc#1275 (communication, channel): the test starts a reader of an
// in-flight stream, whose recvBufferRead waits on the receive buffer's
// channel, then closes the stream and waits on donec. CloseStream should
// push an error into the receive buffer but does not, so the reader never
// finishes and never closes donec. Here main is the test goroutine: all
// asleep. (Go's profile: testInflightStreamClosing.func1 in chan receive.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_chan *recv_buf, *donec;

static void stream_read(void *arg)
{
    (void)arg;
    int msg;
    go_chan_recv(recv_buf, &msg); /* r.recv.get() */
    go_chan_close(donec);
}

static void close_stream(void)
{
    /* missing: s.write(recvMsg{err: ErrConnClosing}) into recv_buf */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    recv_buf = go_chan_make(sizeof(int), 1);
    donec = go_chan_make(0, 0);
    GO(stream_read, NULL);
    close_stream();
    go_chan_recv(donec, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
