// GoKer grpc#862 (communication, channel & context): DialContext starts
// resetAddrConn, whose transport loop waits on ac.ctx.Done(); when the dial
// fails and returns a nil conn, the ClientConn is not closed, so the
// context is never cancelled. (Go's profile: DialContext.func2 leaked in
// chan receive.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stddef.h>

struct client_conn {
    go_ctx *ctx;
};

static void reset_transport(void *arg)
{
    struct client_conn *cc = arg;
    go_chan_recv(go_ctx_done(cc->ctx), NULL);
}

static struct client_conn *dial_context(void)
{
    static struct client_conn cc;
    cc.ctx = go_with_cancel(go_background());
    GO(reset_transport, &cc);
    int err = -1; /* the dial timed out */
    if (err != 0)
        return NULL; /* missing cc.Close(): go_cancel(cc.ctx) */
    return &cc;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    dial_context();
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
