// GoKer cockroach#13197 (communication, channel & context): begin() starts
// a transaction whose awaitDone goroutine waits for the transaction's
// context to be done; the transaction is never committed or rolled back, so
// nobody cancels the context and awaitDone waits forever. (Go's profile:
// (*Tx).awaitDone leaked in chan receive.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

struct tx {
    go_ctx *ctx;
};

static void await_done(void *arg)
{
    struct tx *tx = arg;
    go_chan_recv(go_ctx_done(tx->ctx), NULL); /* never closed */
}

static struct tx *begin(go_ctx *parent)
{
    static struct tx tx;
    tx.ctx = go_with_cancel(parent);
    GO(await_done, &tx);
    return &tx;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    begin(go_background()); /* no Commit, no Rollback: no cancel */
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
