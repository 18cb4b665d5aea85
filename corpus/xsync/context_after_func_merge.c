// Go's context ExampleAfterFunc_merge: a context with the values of one
// parent that is also cancelled when a second context is, through
// AfterFunc on the second and WithCancelCause on the first; the merged
// context's cause is the second's.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: ctx2 canceled
#include <gorace.h>
#include <stdio.h>

typedef struct merged {
    go_ctx *ctx;        /* WithCancelCause(ctx1) */
    go_ctx *cancel_ctx; /* ctx2 */
    go_stop *stop;
} merged;

static void cancel_with_cause_of_other(void *arg)
{
    merged *m = arg;
    go_cancel_cause(m->ctx, go_ctx_cause(m->cancel_ctx));
}

/* mergeCancel: m->ctx has ctx's values and is cancelled when either ctx or
 * cancel_ctx is. */
static void merge_cancel(merged *m, go_ctx *ctx, go_ctx *cancel_ctx)
{
    m->ctx = go_with_cancel_cause(ctx);
    m->cancel_ctx = cancel_ctx;
    m->stop = go_ctx_after_func(cancel_ctx, cancel_with_cause_of_other, m);
}

/* The returned cancel func: stop, then cancel. */
static void merged_cancel(merged *m)
{
    go_stop_call(m->stop);
    go_cancel(m->ctx);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_ctx *ctx1 = go_with_cancel_cause(go_background());
    go_ctx *ctx2 = go_with_cancel_cause(go_background());
    merged m;
    merge_cancel(&m, ctx1, ctx2);
    go_cancel_cause(ctx2, "ctx2 canceled");
    go_chan_recv(go_ctx_done(m.ctx), NULL);
    printf("%s\n", go_ctx_cause(m.ctx));
    merged_cancel(&m); /* Go's defers, in reverse order */
    go_cancel_cause(ctx1, "ctx1 canceled");
    go_ctx_free(m.ctx);
    go_ctx_free(ctx2);
    go_ctx_free(ctx1);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
