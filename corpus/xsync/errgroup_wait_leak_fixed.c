// errgroup_wait_leak.c fixed: the function also selects on the group's
// context, and main cancels it and waits for the collector before
// returning.
//
// expect: ok
// gomaxprocs: 1,2
#include <gorace.h>

static go_chan *results;
static go_ctx *ctx;
static go_chan *collected;

static int fetch(void *arg)
{
    (void)arg;
    int v;
    go_case cs[2] = {GO_RECV_CASE(results, &v),
                     GO_RECV_CASE(go_ctx_done(ctx), NULL)};
    return go_select(cs, 2, false) == 0 ? 0 : 1;
}

static void collector(void *g)
{
    go_group_wait(g);
    go_chan_close(collected);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    results = go_chan_make(sizeof(int), 0);
    collected = go_chan_make(0, 0);
    go_ctx *parent = go_with_cancel(go_background());
    go_group *g = go_group_new(parent, &ctx);
    go_group_go(g, fetch, NULL);
    GO(collector, g);
    go_sleep(10 * GO_MILLISECOND); /* main's own timeout */
    go_cancel(parent);
    go_chan_recv(collected, NULL);
    go_group_free(g);
    go_ctx_free(parent);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
