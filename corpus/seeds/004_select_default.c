// select with default: non-blocking receives and sends. Article 004:
// "The default case runs immediately if no other case is ready - useful for
// non-blocking sends and receives." Go original: go/004_select_default.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: no message received
// stdout: no message sent
// stdout: sent to the buffer
// stdout: received hi
#include <gorace.h>
#include <stdio.h>

/* Non-blocking receive; prints what happened. */
static void try_recv(go_chan *ch)
{
    const char *msg;
    go_case c[] = {GO_RECV_CASE(ch, &msg)};
    if (go_select(c, 1, true) == 0)
        printf("received %s\n", msg);
    else
        printf("no message received\n");
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    const char *hi = "hi";
    go_chan *ch = go_chan_make(sizeof(const char *), 0);
    try_recv(ch);
    go_case send[] = {GO_SEND_CASE(ch, &hi)};
    printf(go_select(send, 1, true) == 0 ? "sent\n" : "no message sent\n");

    go_chan *buf = go_chan_make(sizeof(const char *), 1);
    go_case bsend[] = {GO_SEND_CASE(buf, &hi)};
    printf(go_select(bsend, 1, true) == 0 ? "sent to the buffer\n"
                                          : "buffer full\n");
    try_recv(buf);
    go_chan_free(ch);
    go_chan_free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
