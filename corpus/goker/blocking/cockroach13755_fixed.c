// Fixed twin of cockroach13755.c: the rows are closed (rs.close(), the fix
// GoKer names for cockroachdb/cockroach PR 13755), which cancels the
// context, so awaitDone returns.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

struct rows {
    go_ctx *ctx;
    int closed;
};

static void await_done(void *arg)
{
    struct rows *rs = arg;
    go_chan_recv(go_ctx_done(rs->ctx), NULL);
    rs->closed = 1;
}

static void init_context_close(struct rows *rs)
{
    rs->ctx = go_with_cancel(go_background());
    GO(await_done, rs);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct rows rs;
    init_context_close(&rs);
    go_cancel(rs.ctx); /* the fix: rows.Close(), which cancels */
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
