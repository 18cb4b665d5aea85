// after_func_racy.c fixed: main sets the config before it schedules the
// functions. go_after_func happens before its function runs, and
// go_ctx_after_func (and the deadline that fires it) before its own, so
// both read 42 race-free.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 42 42
#include <gorace.h>
#include <stdio.h>

static int config;
static go_chan *done;

static void use_config(void *arg)
{
    (void)arg;
    int c = config;
    go_chan_send(done, &c);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    done = go_chan_make(sizeof(int), 2);
    config = 42;
    go_timer *t = go_after_func(20 * GO_MILLISECOND, use_config, NULL);
    go_ctx *ctx = go_with_timeout(go_background(), 20 * GO_MILLISECOND);
    go_stop *stop = go_ctx_after_func(ctx, use_config, NULL);
    int a, b;
    go_chan_recv(done, &a);
    go_chan_recv(done, &b);
    printf("%d %d\n", a, b);
    go_stop_call(stop);
    go_ctx_free(ctx);
    go_timer_free(t);
    go_chan_free(done);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
