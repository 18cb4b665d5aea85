// Fixed twin of grpc862.c: when the dial fails, DialContext closes the
// ClientConn (cc.Close(), the fix GoKer names for grpc/grpc-go PR 862),
// which cancels the context the transport loop waits on.
//
// expect: ok
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
    if (err != 0) {
        go_cancel(cc.ctx); /* the fix: cc.Close() */
        return NULL;
    }
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
