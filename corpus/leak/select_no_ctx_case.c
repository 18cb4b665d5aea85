// A select without a ctx case: the worker loops on `select { case j :=
// <-jobs: ...; case <-flush: ... }` and has no `case <-ctx.Done()`, so
// cancelling its context does not stop it. Main cancels and returns; the
// worker stays blocked in its select forever. select_no_ctx_case_fixed.c
// adds the ctx case and waits for the worker to return.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: job 1
// stdout: job 2
// stdout: cancelled
#include <gorace.h>
#include <stdio.h>

static go_chan *jobs, *flush, *handled;

static void worker(void *ctx)
{
    (void)ctx; /* received, never consulted: the bug */
    for (;;) {
        int j;
        go_case cases[] = {GO_RECV_CASE(jobs, &j), GO_RECV_CASE(flush, NULL)};
        if (go_select(cases, 2, false) == 0) {
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
    go_ctx *ctx = go_with_cancel(go_background());
    GO(worker, ctx);
    for (int j = 1; j <= 2; j++) {
        go_chan_send(jobs, &j);
        go_chan_recv(handled, NULL);
    }
    go_cancel(ctx);
    printf("cancelled\n");
    go_sleep(50 * GO_MILLISECOND); /* the worker is back in its select */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
