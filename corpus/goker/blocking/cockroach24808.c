// GoKer cockroach#24808 (Communication Deadlock: channel).
// Origin: cockroachdb/cockroach PR 24808; GoKer file
// goker/blocking/cockroach/24808/cockroach24808_test.go.
//
// The compactor's channel has a buffer of one. The test fills it, then
// calls Start(), which sends on the channel again before it starts the
// worker that would drain it: the test goroutine (main) blocks in chan
// send with no other goroutine alive, on every schedule, and its deferred
// stopper.Stop() never runs: all asleep.
// (Go's profile: Cockroach24808.func2 [chan send].)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdlib.h>

struct compactor {
    go_chan *ch; /* chan struct{}, cap 1 */
};

struct stopper {
    go_wg stop;
    go_chan *stopper;
};

struct worker_arg {
    struct stopper *s;
    go_ctx *ctx;
    void (*f)(go_ctx *, void *);
    void *farg;
};

static void run_worker_func1(void *arg)
{
    struct worker_arg *a = arg;
    a->f(a->ctx, a->farg);
    go_wg_done(&a->s->stop); /* deferred */
}

static void run_worker(struct stopper *s, go_ctx *ctx,
                       void (*f)(go_ctx *, void *), void *farg)
{
    go_wg_add(&s->stop, 1);
    struct worker_arg *a = malloc(sizeof *a);
    *a = (struct worker_arg){s, ctx, f, farg};
    GO(run_worker_func1, a);
}

static go_chan *should_stop(struct stopper *s)
{
    return s == NULL ? NULL : s->stopper;
}

static void stopper_stop(struct stopper *s)
{
    go_chan_close(s->stopper);
}

static struct stopper *new_stopper(void)
{
    struct stopper *s = calloc(1, sizeof *s);
    s->stopper = go_chan_make(0, 0);
    return s;
}

static struct compactor *new_compactor(void)
{
    struct compactor *c = malloc(sizeof *c);
    c->ch = go_chan_make(0, 1);
    return c;
}

struct start_arg {
    struct compactor *c;
    struct stopper *stopper;
};

static void start_func1(go_ctx *ctx, void *arg)
{
    (void)ctx;
    struct start_arg *a = arg;
    for (;;) {
        go_case cases[] = {GO_RECV_CASE(should_stop(a->stopper), NULL),
                           GO_RECV_CASE(a->c->ch, NULL)};
        if (go_select(cases, 2, false) == 0)
            return;
    }
}

static void compactor_start(struct compactor *c, go_ctx *ctx,
                            struct stopper *stopper)
{
    go_chan_send(c->ch, NULL); /* blocks: the buffer is full */
    struct start_arg *a = malloc(sizeof *a);
    *a = (struct start_arg){c, stopper};
    run_worker(stopper, ctx, start_func1, a);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct stopper *stopper = new_stopper();
    struct compactor *compactor = new_compactor();
    go_chan_send(compactor->ch, NULL);
    compactor_start(compactor, go_background(), stopper);
    stopper_stop(stopper); /* defer stopper.Stop() */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
