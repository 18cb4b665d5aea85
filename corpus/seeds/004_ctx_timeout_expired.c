// 004_ctx_timeout.c with the timeout winning: the work takes 1s, the context
// expires after 50ms, so every goroutine reports the context's error, and
// every doWork goroutine gives up on ctx.Done() instead of leaking.
// Article 004, "Cancellation with context"; Go original:
// go/004_ctx_timeout_expired.go.
//
// expect: ok
// gomaxprocs: 1,2
// clang-format off
// stdout-set: cancelled: context deadline exceeded|cancelled: context deadline exceeded|cancelled: context deadline exceeded
// clang-format on
#include <gorace.h>
#include <stdio.h>

#define TIMEOUT (50 * GO_MILLISECOND)
#define WORK (1 * GO_SECOND)

struct work {
    go_ctx *ctx;
    go_chan *out;
};

static void work(void *arg)
{
    struct work *w = arg;
    go_case cases[] = {
        GO_RECV_CASE(go_after(WORK), NULL),
        GO_RECV_CASE(go_ctx_done(w->ctx), NULL),
    };
    if (go_select(cases, 2, false) == 0) {
        int result = 42;
        go_chan_send(w->out, &result); /* buffered: never blocks */
    }
}

/* Like the Go version, the channel and its goroutine are left to outlive the
 * caller's interest; there is no GC, so they are simply not freed. */
static go_chan *do_work(go_ctx *ctx)
{
    static struct work slots[3];
    static int next;
    struct work *w = &slots[__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED)];
    w->ctx = ctx;
    w->out = go_chan_make(sizeof(int), 1);
    GO(work, w);
    return w->out;
}

static go_wg wg;

static void waiter(void *ctx)
{
    int result;
    go_case cases[] = {
        GO_RECV_CASE(go_ctx_done(ctx), NULL),
        GO_RECV_CASE(do_work(ctx), &result),
    };
    if (go_select(cases, 2, false) == 0)
        printf("cancelled: %s\n", go_ctx_err_str(ctx));
    else
        printf("done: %d\n", result);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_ctx *ctx = go_with_timeout(go_background(), TIMEOUT);
    for (int i = 0; i < 3; i++) {
        go_wg_add(&wg, 1);
        GO(waiter, ctx);
    }
    go_wg_wait(&wg);
    go_cancel(ctx); /* Go's deferred cancel() */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
