// GoKer grpc#1687 (non-blocking, Go-specific: misuse of channel).
// Origin: grpc/grpc-go PR 1687; GoKer file
// goker/nonblocking/grpc/1687/grpc1687_test.go.
//
// serverHandlerTransport.HandleStreams() starts the stream handler in a
// goroutine and runs runStream() in the test goroutine, executing the
// functions sent on ht.writes until the channel is closed. The handler
// calls WriteStatus(), which sends one function through do() and then
// closes ht.writes, and then Write(), whose do() sends on ht.writes again:
// closedCh is never closed, so the select's only other case is the send,
// on a closed channel, and the handler panics with Go's `panic: send on
// closed channel` on every schedule (the close and the send are in the
// same goroutine, so there is no race to report). The test sleeps 10ms
// after runStream returns. The upstream patch is not carried by GoKer; no
// fixed twin.
//
// This kernel found a runtime bug: at GOMAXPROCS 2 the release build
// exited 0 in about 45 of 100 runs after printing the panic, because main
// returned while the panicking goroutine was still printing. go_run and
// go_exit now wait for a panic in progress, as Go's runtime.main does.
//
// expect: panic
// stderr: panic: send on closed channel
// gomaxprocs: 1,2
#include <gorace.h>

typedef void (*func)(void);

struct server_handler_transport {
    go_chan *closed_ch; /* chan struct{} */
    go_chan *writes;    /* chan func() */
};

static void do_fn(struct server_handler_transport *ht, func fn)
{
    go_case c1[] = {GO_RECV_CASE(ht->closed_ch, NULL)};
    if (go_select(c1, 1, true) == 0)
        return;
    go_case c2[] = {GO_SEND_CASE(ht->writes, &fn),
                    GO_RECV_CASE(ht->closed_ch, NULL)};
    go_select(c2, 2, false);
}

static void nop(void) {}

static void write_status(struct server_handler_transport *ht)
{
    do_fn(ht, nop);
    go_chan_close(ht->writes);
}

static void write(struct server_handler_transport *ht)
{
    do_fn(ht, nop);
}

static void run_stream(struct server_handler_transport *ht)
{
    for (;;) {
        func fn;
        go_case cases[] = {GO_RECV_CASE(ht->writes, &fn),
                           GO_RECV_CASE(ht->closed_ch, NULL)};
        if (go_select(cases, 2, false) == 0) {
            if (!cases[0].ok)
                return;
            fn();
        } else {
            return;
        }
    }
}

static void handle_stream(void *arg)
{
    struct server_handler_transport *ht = arg;
    write_status(ht);
    write(ht);
}

static struct server_handler_transport st;

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    st.closed_ch = go_chan_make(0, 0);
    st.writes = go_chan_make(sizeof(func), 0);
    GO(handle_stream, &st); /* startStream: go handleStream(st) */
    run_stream(&st);
    go_sleep(10 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
