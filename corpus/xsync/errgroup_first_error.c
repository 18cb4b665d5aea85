// An errgroup whose first failing function cancels the others through the
// group's context (x/sync's WithContext): the slow workers see ctx done,
// Wait returns the first error code, and the context's error is Canceled.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: wait: 42
// stdout: cancelled workers: 4
// stdout: ctx: context canceled
#include <gorace.h>
#include <stdio.h>

static go_ctx *ctx;
static int cancelled;
static go_mutex mu;

static int slow_worker(void *arg)
{
    (void)arg;
    go_case cs[2] = {GO_RECV_CASE(go_ctx_done(ctx), NULL),
                     GO_RECV_CASE(go_after(10 * GO_SECOND), NULL)};
    if (go_select(cs, 2, false) == 0) {
        go_mutex_lock(&mu);
        cancelled++;
        go_mutex_unlock(&mu);
        return -1; /* a later error: Wait keeps the first */
    }
    return 0;
}

static int failing(void *arg)
{
    (void)arg;
    go_sleep(10 * GO_MILLISECOND);
    return 42;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_group *g = go_group_new(go_background(), &ctx);
    for (int i = 0; i < 4; i++)
        go_group_go(g, slow_worker, NULL);
    go_group_go(g, failing, NULL);
    printf("wait: %d\n", go_group_wait(g));
    printf("cancelled workers: %d\n", cancelled);
    printf("ctx: %s\n", go_ctx_err_str(ctx));
    go_group_free(g);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
