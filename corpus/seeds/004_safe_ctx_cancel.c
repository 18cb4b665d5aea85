// The leak of 004_leak_never_sent.c fixed: the receiver also selects on
// ctx.Done(), so cancelling the context lets it exit. Article 004,
// "Gotchas"; Go original: go/004_safe_ctx_cancel.go (main also waits for the
// goroutine to exit, so the program shows it did).
//
// expect: ok
// gomaxprocs: 1,2
// stdout: goroutine exited: context canceled
#include <gorace.h>
#include <stdio.h>

struct args {
    go_ctx *ctx;
    go_chan *ch, *exited;
};

static void receiver(void *arg)
{
    struct args *a = arg;
    int v;
    go_case cases[] = {
        GO_RECV_CASE(a->ch, &v),
        GO_RECV_CASE(go_ctx_done(a->ctx), NULL),
    };
    go_select(cases, 2, false);
    go_chan_close(a->exited); /* Go's deferred close(exited) */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct args a = {
        .ctx = go_with_cancel(go_background()),
        .ch = go_chan_make(sizeof(int), 0),
        .exited = go_chan_make(0, 0),
    };
    GO(receiver, &a);
    go_cancel(a.ctx);
    go_chan_recv(a.exited, NULL);
    printf("goroutine exited: %s\n", go_ctx_err_str(a.ctx));
    go_ctx_free(a.ctx);
    go_chan_free(a.ch);
    go_chan_free(a.exited);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
