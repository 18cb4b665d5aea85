// GoKer kubernetes#81091 (non-blocking, traditional: data race).
// Origin: kubernetes/kubernetes PR 81091; GoKer file
// goker/nonblocking/kubernetes/81091/kubernetes81091_test.go.
//
// The test's goroutine builds a framework with one FakeFilterPlugin and
// calls Schedule(), whose findNodesThatFit() runs ParallelizeUntil(2, 2,
// checkNode): pieces 0 and 1 are queued on a buffered channel, which is
// closed, and two workers take pieces until it is drained, each piece
// calling RunFilterPlugins(), which increments the plugin's
// numFilterCalled with no lock. The two increments race when the two
// workers take one piece each; a worker that takes the first piece takes
// the second too unless the other worker gets in between, so the race is
// schedule-dependent (as kubernetes70892, same ParallelizeUntil): at
// GOMAXPROCS 1 the first worker drains both pieces and the run is clean;
// schedules that interleave the workers show the race (`bug: race`).
// ParallelizeUntil's stop channel is nil: its select case is never ready
// and the default case runs. The upstream patch is not carried by GoKer;
// no fixed twin.
//
// expect: ok
// gomaxprocs: 1
// bug: race
#include <gorace.h>
#include <stdlib.h>

struct fake_filter_plugin {
    int num_filter_called;
};

static void filter(struct fake_filter_plugin *fp)
{
    fp->num_filter_called++;
}

/* framework.filterPlugins, a []FilterPlugin with one implementation. */
struct framework {
    struct fake_filter_plugin **ptr;
    long len, cap;
};

static struct framework *new_framework(void)
{
    struct framework *f = calloc(1, sizeof *f);
    f->ptr = calloc(1, sizeof *f->ptr); /* append(f.filterPlugins, ...) */
    f->ptr[0] = calloc(1, sizeof **f->ptr);
    f->len = f->cap = 1;
    return f;
}

static void run_filter_plugins(struct framework *f)
{
    struct framework pls = *f; /* for _, pl := range f.filterPlugins */
    for (long i = 0; i < pls.len; i++)
        filter(pls.ptr[i]);
}

struct generic_scheduler {
    struct framework *framework;
};

static struct generic_scheduler *new_generic_scheduler(struct framework *fw)
{
    struct generic_scheduler *g = calloc(1, sizeof *g);
    g->framework = fw;
    return g;
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

static void parallelize_until(int workers, int pieces,
                              do_work_piece_func do_work_piece, void *env)
{
    struct parallel p = {0};
    p.stop = NULL; /* var stop <-chan struct{} */
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

/* The closure checkNode; it captures g. */
static void check_node(void *env, int i)
{
    (void)i;
    struct generic_scheduler *g = env;
    run_filter_plugins(g->framework);
}

static void find_nodes_that_fit(struct generic_scheduler *g)
{
    parallelize_until(2, 2, check_node, g);
}

static void schedule(struct generic_scheduler *g)
{
    find_nodes_that_fit(g);
}

static go_wg wg;

static void test_goroutine(void *arg)
{
    (void)arg;
    struct framework *filter_framework = new_framework();
    struct generic_scheduler *scheduler =
        new_generic_scheduler(filter_framework);
    schedule(scheduler);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(test_goroutine, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
