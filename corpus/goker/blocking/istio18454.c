// GoKer istio#18454 (Communication Deadlock: channel & context).
// Origin: istio/istio PR 18454; GoKer file
// goker/blocking/istio/18454/istio18454_test.go.
//
// The processor's setup queues 1024 events (buffered), then its worker
// handles them until its context is done; the first event starts the
// strategy's 1ns timer and its event loop, each later one sends on the
// strategy's resetChan (buffer 1). The event loop takes a timer tick, a
// reset (Stop, then drain the timer's channel if Stop failed, then
// Reset) or its context. After the loop took a tick, the timer is
// expired with nothing to drain: the next reset's Stop fails and the
// loop waits on the timer's channel forever; the processor's worker then
// blocks sending its next reset. The test stops the processor (deferred)
// right after starting it, so the bug needs the worker to handle events
// and the timer to fire first: it depends on the schedule and on time
// (`bug: leak`). Free-running it leaked in 1 of 20 runs at GOMAXPROCS 1
// and 3 of 20 at 2, so it runs under seeds only, with `step_ns=1000` (a
// microsecond of virtual time a scheduling step, so the 1ns timer fires
// while the worker still runs; without it no seed showed the bug). The
// go_timer has Go 1.23 semantics (API.md); this bug
// does not depend on the old stale-value behaviour: after a received
// tick there is no value left to drain in either version.
// (Go's profile: (*Worker).Start.func1 [chan receive], [chan send].)
//
// expect: ok
// gomaxprocs: none free-running, real time decides (see above)
// gorace: step_ns=1000
// bug: leak
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

struct worker {
    go_ctx *ctx; /* ctxCancel is go_cancel(ctx) */
};

struct start_arg {
    void (*run_fn)(go_ctx *, void *);
    void *arg;
    go_ctx *ctx;
};

static void worker_start_func1(void *arg)
{
    struct start_arg *a = arg;
    a->run_fn(a->ctx, a->arg);
}

static void worker_start(struct worker *w, void (*setup_fn)(void *),
                         void (*run_fn)(go_ctx *, void *), void *arg)
{
    if (setup_fn != NULL)
        setup_fn(arg);
    struct start_arg *a = malloc(sizeof *a);
    *a = (struct start_arg){run_fn, arg, w->ctx};
    GO(worker_start_func1, a);
}

static void worker_stop(struct worker *w)
{
    go_cancel(w->ctx);
}

struct strategy {
    go_timer *timer;
    int64_t timer_frequency;
    go_mutex state_lock;
    go_chan *reset_chan; /* chan struct{}, cap 1 */
    struct worker *worker;
    void (*start_timer_fn)(struct strategy *);
};

static void on_change(struct strategy *s)
{
    go_mutex_lock(&s->state_lock);
    if (s->timer != NULL) {
        go_mutex_unlock(&s->state_lock);
        go_chan_send(s->reset_chan, NULL);
        return;
    }
    s->start_timer_fn(s);
    go_mutex_unlock(&s->state_lock);
}

static void event_loop(go_ctx *ctx, void *arg)
{
    struct strategy *s = arg;
    for (;;) {
        go_case c[] = {GO_RECV_CASE(go_timer_chan(s->timer), NULL),
                       GO_RECV_CASE(s->reset_chan, NULL),
                       GO_RECV_CASE(go_ctx_done(ctx), NULL)};
        switch (go_select(c, 3, false)) {
        case 0:
            break;
        case 1:
            if (!go_timer_stop(s->timer))
                go_chan_recv(go_timer_chan(s->timer), NULL);
            go_timer_reset(s->timer, s->timer_frequency);
            break;
        default:
            go_timer_stop(s->timer);
            return;
        }
    }
}

static void start_timer(struct strategy *s)
{
    s->timer = go_timer_new(s->timer_frequency);
    worker_start(s->worker, NULL, event_loop, s);
}

static void strategy_close(struct strategy *s)
{
    worker_stop(s->worker);
}

typedef int event;

struct processor {
    struct strategy *state_strategy;
    struct worker *worker;
    go_chan *event_ch; /* chan Event, cap 1024 */
};

static void process_event(struct processor *p)
{
    on_change(p->state_strategy);
}

static void setup_fn(void *arg)
{
    struct processor *p = arg;
    for (int i = 0; i < 1024; i++) {
        event e = 0;
        go_chan_send(p->event_ch, &e);
    }
}

static void run_fn(go_ctx *ctx, void *arg)
{
    struct processor *p = arg;
    for (;;) {
        go_case c[] = {GO_RECV_CASE(go_ctx_done(ctx), NULL),
                       GO_RECV_CASE(p->event_ch, NULL)};
        if (go_select(c, 2, false) == 0)
            break;
        process_event(p);
    }
    strategy_close(p->state_strategy); /* deferred */
}

static void processor_start(struct processor *p)
{
    worker_start(p->worker, setup_fn, run_fn, p);
}

static void processor_stop(struct processor *p)
{
    worker_stop(p->worker);
}

static struct worker *new_worker(void)
{
    struct worker *w = malloc(sizeof *w);
    w->ctx = go_with_cancel(go_background());
    return w;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct strategy st;
    st.timer_frequency = GO_NANOSECOND;
    st.reset_chan = go_chan_make(0, 1);
    st.worker = new_worker();
    st.start_timer_fn = start_timer;
    static struct processor p;
    p.state_strategy = &st;
    p.worker = new_worker();
    p.event_ch = go_chan_make(sizeof(event), 1024);
    processor_start(&p);
    processor_stop(&p);            /* defer p.Stop() */
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
