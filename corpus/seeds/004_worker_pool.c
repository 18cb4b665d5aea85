// A worker pool: five workers range over the jobs channel until it is closed
// and drained; the pool closes results once every worker is done, which ends
// main's range. Article 004, "Worker pool" (its process is left undefined;
// here it doubles the job). Go original: go/004_worker_pool.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout-set: 0|2|4|6|8|10|12|14|16|18|20|22|24|26|28|30|32|34|36|38
#include <gorace.h>
#include <stdio.h>

struct pool {
    int workers;
    go_chan *jobs, *results;
    go_wg wg;
};

static int process(int job)
{
    return job * 2;
}

static void pool_worker(void *arg)
{
    struct pool *p = arg;
    int job;
    while (go_chan_recv(p->jobs, &job)) {
        int r = process(job);
        go_chan_send(p->results, &r);
    }
    go_wg_done(&p->wg);
}

static void worker_pool(void *arg)
{
    struct pool *p = arg;
    for (int i = 0; i < p->workers; i++) {
        go_wg_add(&p->wg, 1);
        GO(pool_worker, p);
    }
    go_wg_wait(&p->wg);
    go_chan_close(p->results);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct pool p;
    p.workers = 5;
    p.jobs = go_chan_make(sizeof(int), 100);
    p.results = go_chan_make(sizeof(int), 100);
    GO(worker_pool, &p);
    for (int i = 0; i < 20; i++)
        go_chan_send(p.jobs, &i);
    go_chan_close(p.jobs);
    int result;
    while (go_chan_recv(p.results, &result))
        printf("%d\n", result);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
