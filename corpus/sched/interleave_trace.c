// A correct program whose output is its interleaving: three workers take
// jobs from an unbuffered channel, log each step under a mutex, sleep a
// little (a timer), and report on a results channel; main collects with a
// select that also watches a deadline it never reaches. The log lines are
// always the same set, in an order the schedule picks. The determinism test
// (harness/testdata/determinism.sh) runs it under many seeds: the same seed
// must print the same order every time, and different seeds must not all
// print one order.
//
// expect: ok
// gomaxprocs: 1,2
// clang-format off
// stdout-set: job 1 taken|job 2 taken|job 3 taken|job 4 taken|job 5 taken|job 6 taken
// stdout-set: job 1 done|job 2 done|job 3 done|job 4 done|job 5 done|job 6 done
// clang-format on
// stdout: total 21
#include <gorace.h>
#include <stdio.h>

enum { WORKERS = 3, JOBS = 6 };

static go_mutex mu;
static char taken[JOBS][32], done[JOBS][32];
static int ntaken, ndone;
static go_chan *jobs, *results;

static void logf_locked(char (*log)[32], int *n, const char *what, int job)
{
    go_mutex_lock(&mu);
    snprintf(log[(*n)++], sizeof log[0], "job %d %s", job, what);
    go_mutex_unlock(&mu);
}

static void worker(void *arg)
{
    (void)arg;
    int job;
    while (go_chan_recv(jobs, &job)) {
        logf_locked(taken, &ntaken, "taken", job);
        go_sleep((job % 3) * GO_MILLISECOND);
        logf_locked(done, &ndone, "done", job);
        go_chan_send(results, &job);
    }
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    jobs = go_chan_make(sizeof(int), 0);
    results = go_chan_make(sizeof(int), 2);
    for (int i = 0; i < WORKERS; i++)
        GO(worker, NULL);
    go_chan *deadline = go_after(10 * GO_SECOND);
    int next = 1, got = 0, total = 0;
    while (got < JOBS) {
        int r;
        go_case cases[] = {GO_SEND_CASE(jobs, &next), GO_RECV_CASE(results, &r),
                           GO_RECV_CASE(deadline, NULL)};
        /* Nothing left to send: a nil channel's case never fires. */
        if (next > JOBS)
            cases[0].chan = NULL;
        switch (go_select(cases, 3, false)) {
        case 0:
            next++;
            break;
        case 1:
            got++;
            total += r;
            break;
        case 2:
            printf("deadline\n");
            return 1;
        }
    }
    go_chan_close(jobs);
    go_mutex_lock(&mu);
    for (int i = 0; i < ntaken; i++)
        printf("%s\n", taken[i]);
    for (int i = 0; i < ndone; i++)
        printf("%s\n", done[i]);
    go_mutex_unlock(&mu);
    printf("total %d\n", total);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
