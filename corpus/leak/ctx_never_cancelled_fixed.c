// The fix of ctx_never_cancelled.c: the caller cancels the context when the
// request is served and waits for the watcher.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: request served
// stdout: released: context canceled
#include <gorace.h>
#include <stdio.h>

static go_chan *exited;

static void await_done(void *ctx)
{
    go_chan_recv(go_ctx_done(ctx), NULL);
    printf("released: %s\n", go_ctx_err_str(ctx));
    go_chan_close(exited);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    exited = go_chan_make(0, 0);
    go_ctx *ctx = go_with_cancel(go_background());
    GO(await_done, ctx);
    printf("request served\n");
    go_cancel(ctx);
    go_chan_recv(exited, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
