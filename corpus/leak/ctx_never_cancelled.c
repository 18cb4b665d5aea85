// A context never cancelled: the request starts a watcher that waits for
// ctx.Done() to release the request's resources (cockroach#13197: awaitDone),
// but the caller forgets `defer cancel()`. The context has no deadline, so
// Done never closes and the watcher is blocked forever.
// ctx_never_cancelled_fixed.c cancels and waits for the watcher.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: request served
#include <gorace.h>
#include <stdio.h>

static void await_done(void *ctx)
{
    go_chan_recv(go_ctx_done(ctx), NULL);
    printf("released: %s\n", go_ctx_err_str(ctx));
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_ctx *ctx = go_with_cancel(go_background());
    GO(await_done, ctx);
    printf("request served\n"); /* forgot go_cancel(ctx) */
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
