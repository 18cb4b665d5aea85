// GoKer cockroach#1462 (Mixed Deadlock: channel & WaitGroup).
// Origin: cockroachdb/cockroach PR 1462; GoKer file
// goker/blocking/cockroach/1462/cockroach1462_test.go.
//
// Two stopper workers: the transport's sends on the unbuffered Events
// channel whenever the stopper is not stopping (select with default),
// the other receives from Events until the stopper stops. The test stops
// the stopper: it quiesces, closes the stop channel and waits for both
// workers. The receiver sees the stop and returns; a sender that chose
// `default` before the close is blocked in its send with no receiver
// left, so the stopper's WaitGroup never reaches zero and the test waits
// forever: all asleep. Only a sender caught in its select at the close
// escapes. Free runs at GOMAXPROCS 1 escaped in every run (20 of 20; at
// 2, 3 of 20 deadlocked): the receiver, woken by the close, still takes
// the pending send when select picks it, and the sender then sees the
// stop. Seeded runs deadlocked in about half (`bug: deadlock`). Transport
// is an interface with one implementation: direct calls. The Cond is used
// by Quiesce/FinishTask as in Go.
// (Go's profile: (*Stopper).RunWorker.func1 [chan send];
// Cockroach1462.func2 [sync.WaitGroup.Wait].)
//
// expect: ok
// gomaxprocs: 1
// bug: deadlock
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

struct stopper {
    go_chan *stopper;
    go_chan *stopped;
    go_wg stop;
    go_mutex mu;
    go_cond drain;
    bool draining;
    int num_tasks;
};

static struct stopper *new_stopper(void)
{
    struct stopper *s = calloc(1, sizeof *s);
    s->stopper = go_chan_make(0, 0);
    s->stopped = go_chan_make(0, 0);
    go_cond_init(&s->drain, &s->mu);
    return s;
}

static void add_worker(struct stopper *s)
{
    go_wg_add(&s->stop, 1);
}

static void set_stopped(struct stopper *s)
{
    if (s != NULL)
        go_wg_done(&s->stop);
}

struct worker_arg {
    struct stopper *s;
    void (*f)(void *);
    void *arg;
};

static void run_worker_func1(void *arg)
{
    struct worker_arg *a = arg;
    a->f(a->arg);
    set_stopped(a->s); /* deferred */
}

static void run_worker(struct stopper *s, void (*f)(void *), void *arg)
{
    add_worker(s);
    struct worker_arg *a = malloc(sizeof *a);
    *a = (struct worker_arg){s, f, arg};
    GO(run_worker_func1, a);
}

static bool start_task(struct stopper *s)
{
    go_mutex_lock(&s->mu);
    bool ok = !s->draining;
    if (ok)
        s->num_tasks++;
    go_mutex_unlock(&s->mu); /* deferred */
    return ok;
}

static void finish_task(struct stopper *s)
{
    go_mutex_lock(&s->mu);
    s->num_tasks--;
    go_cond_broadcast(&s->drain);
    go_mutex_unlock(&s->mu); /* deferred */
}

static go_chan *should_stop(struct stopper *s)
{
    return s == NULL ? NULL : s->stopper;
}

static void quiesce(struct stopper *s)
{
    go_mutex_lock(&s->mu);
    s->draining = true;
    while (s->num_tasks > 0)
        go_cond_wait(&s->drain); /* unlocks s->mu, waits, relocks */
    go_mutex_unlock(&s->mu);     /* deferred */
}

static void stopper_stop(struct stopper *s)
{
    quiesce(s);
    go_chan_close(s->stopper);
    go_wg_wait(&s->stop);
    go_mutex_lock(&s->mu);
    go_chan_close(s->stopped);
    go_mutex_unlock(&s->mu); /* deferred */
}

typedef int intercept_message;

struct local_interceptable_transport {
    go_mutex mu;
    go_chan *events; /* chan interceptMessage */
    struct stopper *stopper;
};

static void transport_worker(void *arg)
{
    struct local_interceptable_transport *lt = arg;
    for (;;) {
        go_case c[] = {GO_RECV_CASE(should_stop(lt->stopper), NULL)};
        if (go_select(c, 1, true) == 0)
            return;
        intercept_message m = 0;
        go_chan_send(lt->events, &m);
    }
}

static struct local_interceptable_transport *
new_local_interceptable_transport(struct stopper *stopper)
{
    struct local_interceptable_transport *lt = calloc(1, sizeof *lt);
    lt->events = go_chan_make(sizeof(intercept_message), 0);
    lt->stopper = stopper;
    run_worker(lt->stopper, transport_worker, lt); /* lt.start() */
    return lt;
}

static void process_events_until(go_chan *ch, struct stopper *stopper)
{
    for (;;) {
        go_case c[] = {GO_RECV_CASE(ch, NULL),
                       GO_RECV_CASE(should_stop(stopper), NULL)};
        int i = go_select(c, 2, false);
        if (i == 0 && !c[0].ok)
            return;
        if (i == 1)
            return;
    }
}

struct events_arg {
    struct local_interceptable_transport *transport;
    struct stopper *stopper;
};

static void func2(void *arg)
{
    struct events_arg *a = arg;
    process_events_until(a->transport->events, a->stopper);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    (void)start_task, (void)finish_task; /* not called by the kernel */
    struct stopper *stopper = new_stopper();
    struct local_interceptable_transport *transport =
        new_local_interceptable_transport(stopper);
    struct events_arg ea = {transport, stopper};
    run_worker(stopper, func2, &ea);
    stopper_stop(stopper);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
