// time.AfterFunc and context.AfterFunc order only what came before them:
// here main sets the config after scheduling the functions, so nothing
// orders its writes before their reads, and the race detector reports it
// (the wait on done orders main's later read only). after_func_ordered.c
// writes first.
//
// expect: race
// gomaxprocs: 1,2
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
    go_timer *t = go_after_func(20 * GO_MILLISECOND, use_config, NULL);
    go_ctx *ctx = go_with_timeout(go_background(), 20 * GO_MILLISECOND);
    go_stop *stop = go_ctx_after_func(ctx, use_config, NULL);
    config = 42; /* BUG: after scheduling the readers */
    int a, b;
    go_chan_recv(done, &a);
    go_chan_recv(done, &b);
    printf("%d %d\n", a, b);
    go_stop_call(stop);
    go_ctx_free(ctx);
    go_timer_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
