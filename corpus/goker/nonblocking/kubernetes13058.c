// GoKer kubernetes#13058 (non-blocking, Go-specific: WaitGroup misuse).
// Origin: kubernetes/kubernetes PR 13058; GoKer file
// goker/nonblocking/kubernetes/13058/kubernetes13058_test.go.
//
// The informer's controller goroutine calls its delete handler, which is
// testDoneWG.Done(), once every 10ms until stop is closed. The test starts
// the controller and only then does testDoneWG.Add(3), and waits for three
// Dones before closing stop. If the controller's first Done comes before
// the Add, the counter goes negative: Go's `panic: sync: negative
// WaitGroup counter` (GoKer's backtrace). At GOMAXPROCS 1 the test runs
// on to its Waits before the controller runs and the program ends well;
// some seeded schedules run the controller first (`bug: panic`). The
// runtime raises the panic itself, in both builds; it is not a data race.
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: ok
// gomaxprocs: 1
// bug: panic
#include <gorace.h>
#include <stdio.h>

typedef void (*process_func)(void *obj);

struct config {
    process_func process;
};

struct resource_event_handler_funcs {
    void (*delete_func)(void *obj);
};

static void on_delete(struct resource_event_handler_funcs r, void *obj)
{
    if (r.delete_func)
        r.delete_func(obj);
}

struct controller {
    struct config config;
};

static void process_loop(struct controller *c)
{
    for (;;) {
        c->config.process(NULL);
        break;
    }
}

static void until(struct controller *c, int64_t period, go_chan *stop_ch)
{
    for (;;) {
        go_case cases[] = {GO_RECV_CASE(stop_ch, NULL)};
        if (go_select(cases, 1, true) == 0)
            return;
        process_loop(c);
        go_sleep(period);
    }
}

struct run_arg {
    struct controller *c;
    go_chan *stop;
};

static void controller_run(void *arg)
{
    struct run_arg *a = arg;
    until(a->c, 10 * GO_MILLISECOND, a->stop);
}

static go_wg test_done_wg;
static struct resource_event_handler_funcs handler;

static void delete_func(void *obj)
{
    (void)obj;
    go_wg_done(&test_done_wg);
}

/* NewInformer's Process closure: h.OnDelete(obj). */
static void process(void *obj)
{
    on_delete(handler, obj);
}

static go_wg wg;

struct test_arg {
    char name[16];
    void (*f)(const char *);
};

static void test_f(const char *name)
{
    (void)name;
}

static void test_goroutine(void *arg)
{
    struct test_arg *a = arg;
    a->f(a->name);
    go_wg_done(&wg); /* deferred */
}

static struct controller controller;
static struct run_arg run_arg;
static struct test_arg test_args[3];

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    handler.delete_func = delete_func;
    controller.config.process = process;
    go_chan *stop = go_chan_make(0, 0);
    run_arg = (struct run_arg){&controller, stop};
    GO(controller_run, &run_arg);

    void (*tests[])(const char *) = {test_f};
    const int threads = 3, ntests = 1;
    go_wg_add(&wg, threads * ntests);
    go_wg_add(&test_done_wg, threads * ntests);
    for (int i = 0; i < threads; i++)
        for (int j = 0; j < ntests; j++) {
            struct test_arg *a = &test_args[i * ntests + j];
            snprintf(a->name, sizeof a->name, "%d-%d", i, j);
            a->f = tests[j];
            GO(test_goroutine, a);
        }
    go_wg_wait(&wg);
    go_wg_wait(&test_done_wg);
    go_chan_close(stop);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
