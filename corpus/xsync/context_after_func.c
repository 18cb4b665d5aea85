// context.AfterFunc and time.AfterFunc: the function runs in its own
// goroutine once the context is done (or the time is up), after what its
// registration and the cancel happened after, so it reads config race-free;
// a stopped one never runs. Values travel down through WithValue, Cause
// carries WithCancelCause's cause, and WithoutCancel keeps values but not
// the cancel.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: value: v1
// stdout: stopped: 1
// stdout: after func: config=42 cause=shutdown
// stdout: detached: value=v1 err=""
// stdout: timer func: 7
#include <gorace.h>
#include <stdio.h>

static const char key = 'k';
static int config;
static go_chan *done;
static go_ctx *ctx;

static void on_done(void *arg)
{
    (void)arg;
    printf("after func: config=%d cause=%s\n", config, go_ctx_cause(ctx));
    go_chan_close(done);
}

static void never(void *arg)
{
    (void)arg;
    printf("stopped func ran\n");
}

static void on_timer(void *arg)
{
    printf("timer func: %d\n", *(int *)arg);
    go_chan_close(done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static char v1[] = "v1";
    done = go_chan_make(0, 0);
    go_ctx *root = go_with_cancel_cause(go_background());
    ctx = go_with_value(root, &key, v1);
    printf("value: %s\n", (char *)go_ctx_value(ctx, &key));
    config = 42;
    go_stop *stop = go_ctx_after_func(ctx, on_done, NULL);
    go_stop *stop2 = go_ctx_after_func(ctx, never, NULL);
    printf("stopped: %d\n", go_stop_call(stop2));
    go_cancel_cause(root, "shutdown");
    go_chan_recv(done, NULL);
    go_stop_call(stop);
    go_ctx *detached = go_without_cancel(ctx);
    printf("detached: value=%s err=\"%s\"\n",
           (char *)go_ctx_value(detached, &key), go_ctx_err_str(detached));

    go_chan_free(done);
    done = go_chan_make(0, 0);
    static int seven = 7;
    go_timer *t = go_after_func(5 * GO_MILLISECOND, on_timer, &seven);
    go_chan_recv(done, NULL);
    go_timer_free(t);
    go_chan_free(done);
    go_ctx_free(detached);
    go_ctx_free(ctx);
    go_ctx_free(root);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
