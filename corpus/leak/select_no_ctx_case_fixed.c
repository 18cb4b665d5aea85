// The fix of select_no_ctx_case.c: the select has a `case <-ctx.Done()`
// that returns, and main waits for the worker after cancelling. Main
// says so before it cancels: after, the worker, woken on another P,
// could print first.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: job 1
// stdout: job 2
// stdout: cancelling
// stdout: worker: context canceled
#include <gorace.h>
#include <stdio.h>

static go_chan *jobs, *flush, *handled, *exited;

static void worker(void *ctx)
{
    for (;;) {
        int j;
        go_case cases[] = {GO_RECV_CASE(jobs, &j), GO_RECV_CASE(flush, NULL),
                           GO_RECV_CASE(go_ctx_done(ctx), NULL)};
        int i = go_select(cases, 3, false);
        if (i == 2) {
            printf("worker: %s\n", go_ctx_err_str(ctx));
            go_chan_close(exited);
            return;
        }
        if (i == 0) {
            printf("job %d\n", j);
            go_chan_send(handled, NULL);
        }
    }
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    jobs = go_chan_make(sizeof(int), 0);
    flush = go_chan_make(0, 0);
    handled = go_chan_make(0, 0);
    exited = go_chan_make(0, 0);
    go_ctx *ctx = go_with_cancel(go_background());
    GO(worker, ctx);
    for (int j = 1; j <= 2; j++) {
        go_chan_send(jobs, &j);
        go_chan_recv(handled, NULL);
    }
    printf("cancelling\n");
    fflush(stdout);
    go_cancel(ctx);
    go_chan_recv(exited, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
