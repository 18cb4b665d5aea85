// A worker that stops on cancellation: it selects between ctx.Done() and its
// jobs channel. Article 003 shows the worker; this completes it: main hands
// it three jobs over an unbuffered channel, cancels, and waits for it.
// Each send completes only once the worker has taken the job, so all three
// are processed before the cancel. Go original: go/003_ctx_worker_jobs.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: processed job 1
// stdout: processed job 2
// stdout: processed job 3
// stdout: worker stopped: context canceled
#include <gorace.h>
#include <stdio.h>

struct worker_args {
    go_ctx *ctx;
    go_chan *jobs;
    go_wg *wg;
};

static void process(int job)
{
    printf("processed job %d\n", job);
}

static void worker(go_ctx *ctx, go_chan *jobs)
{
    for (;;) {
        int job;
        go_case cases[] = {
            GO_RECV_CASE(go_ctx_done(ctx), NULL),
            GO_RECV_CASE(jobs, &job),
        };
        if (go_select(cases, 2, false) == 0)
            return;
        process(job);
    }
}

static void run_worker(void *arg)
{
    struct worker_args *a = arg;
    worker(a->ctx, a->jobs);
    go_wg_done(a->wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg wg = {0};
    struct worker_args a = {
        .ctx = go_with_cancel(go_background()),
        .jobs = go_chan_make(sizeof(int), 0),
        .wg = &wg,
    };
    go_wg_add(&wg, 1);
    GO(run_worker, &a);
    for (int j = 1; j <= 3; j++)
        go_chan_send(a.jobs, &j);
    go_cancel(a.ctx);
    go_wg_wait(&wg);
    printf("worker stopped: %s\n", go_ctx_err_str(a.ctx));
    go_ctx_free(a.ctx);
    go_chan_free(a.jobs);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
