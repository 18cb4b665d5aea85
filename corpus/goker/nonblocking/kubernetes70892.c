// GoKer kubernetes#70892 (non-blocking, Go-specific: anonymous function).
// Origin: kubernetes/kubernetes PR 70892; GoKer file
// goker/nonblocking/kubernetes/70892/kubernetes70892_test.go.
//
// ParallelizeUntil() queues pieces 0 and 1 on a buffered channel, closes
// it, and starts two workers that each take pieces until the channel is
// drained, calling the closure processNode(piece). The closure ignores its
// piece and, for every i, reads results[i][0] and may replace the shared
// slice results[i]: two workers running it race on results[i]. The race
// needs both workers to take a piece; a worker that takes the first piece
// takes the second too unless the other worker gets in between, so the
// race is schedule-dependent: at GOMAXPROCS 1 the first worker drains both
// pieces and the run is clean; some seeded schedules interleave the
// workers and the detector reports the race (`bug: race`).
// ctx is context.Background(): its Done() is nil, so the select always
// takes its default case. The upstream patch is not carried by GoKer; no
// fixed twin.
//
// expect: ok
// gomaxprocs: 1
// bug: race
#include <gorace.h>
#include <stdlib.h>

/* HostPriorityList is []int. */
struct int_slice {
    int *ptr;
    long len, cap;
};

static struct int_slice make_list(long n)
{
    return (struct int_slice){calloc((size_t)n, sizeof(int)), n, n};
}

static struct int_slice list_of3(int a, int b, int c)
{
    struct int_slice s = make_list(3);
    s.ptr[0] = a, s.ptr[1] = b, s.ptr[2] = c;
    return s;
}

typedef void (*do_work_piece_func)(void *env, int piece);

struct parallel {
    go_chan *stop, *to_process;
    go_wg wg;
    do_work_piece_func do_work_piece;
    void *env;
};

static void parallel_worker(void *arg)
{
    struct parallel *p = arg;
    int piece;
    while (go_chan_recv(p->to_process, &piece)) {
        go_case cases[] = {GO_RECV_CASE(p->stop, NULL)};
        if (go_select(cases, 1, true) == 0)
            break; /* case <-stop: return */
        p->do_work_piece(p->env, piece);
    }
    go_wg_done(&p->wg);
}

static void parallelize_until(go_ctx *ctx, int workers, int pieces,
                              do_work_piece_func do_work_piece, void *env)
{
    struct parallel p = {0};
    p.stop = ctx ? go_ctx_done(ctx) : NULL;
    p.do_work_piece = do_work_piece;
    p.env = env;
    p.to_process = go_chan_make(sizeof(int), (size_t)pieces);
    for (int i = 0; i < pieces; i++)
        go_chan_send(p.to_process, &i);
    go_chan_close(p.to_process);
    if (pieces < workers)
        workers = pieces;
    go_wg_add(&p.wg, workers);
    for (int i = 0; i < workers; i++)
        GO(parallel_worker, &p);
    go_wg_wait(&p.wg);
}

/* The closure processNode's captured variables. */
struct env {
    int *priority_configs;
    long n_configs;
    struct int_slice *results;
};

static void process_node(void *arg, int index)
{
    (void)index;
    struct env *e = arg;
    for (long i = 0; i < e->n_configs; i++)
        if (e->results[i].ptr[0] != 4)
            e->results[i] = list_of3(7, 8, 9);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static int priority_configs[] = {1, 2, 3};
    long n = 3;
    struct int_slice *results = calloc((size_t)n, sizeof *results);
    for (long i = 0; i < n; i++)
        results[i] = make_list(2);
    struct env e = {priority_configs, n, results};
    parallelize_until(go_background(), 2, 2, process_node, &e);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
