// GoKer istio#16224 (Mixed Deadlock: channel & lock).
// Origin: istio/istio PR 16224; GoKer file
// goker/blocking/istio/16224/istio16224_test.go.
//
// The test registers a handler that takes `lock` and, holding it, sends
// on the unbuffered `done`. It starts the controller's Run loop, creates
// an event (an unbuffered send that Run receives, then runs the handler),
// then takes and releases `lock` and receives from `done`. If the handler
// takes the lock first, it blocks sending on done with the lock held and
// the test blocks on the lock: all asleep (the deadlock GoKer reports).
// If the test takes the lock first, the handler's send meets the test's
// receive; the test closes stop and returns, and Run, on stop, receives
// once more from the event channel, which nobody sends on: Run leaks.
// Either way the kernel blocks; which way depends on the schedule (at
// GOMAXPROCS 1 the receiver of the event runs the handler before the
// test resumes: the deadlock). Only the detector sees the leak, so the
// release runtime, which would exit 0 on those schedules, skips it. The Monitor
// and ConfigStoreCache interfaces have one implementation each: direct calls;
// the handler list is a small array. (Go's profile: Istio16224.func2
// [sync.Mutex.Lock]; (*controller).Run [chan send], [chan receive].)
//
// expect: deadlock
// gomaxprocs: 1
// bug: leak
// needs: detector
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdbool.h>

typedef int event;
typedef void (*handler)(event);

struct configstore_monitor {
    handler handlers[4];
    int nhandlers;
    go_chan *event_ch; /* chan Event */
};

static void apply_handlers(struct configstore_monitor *m, event e)
{
    for (int i = 0; i < m->nhandlers; i++)
        m->handlers[i](e);
}

static void process_config_event(struct configstore_monitor *m, event ce)
{
    apply_handlers(m, ce);
}

static void monitor_run(struct configstore_monitor *m, go_chan *stop)
{
    for (;;) {
        event ce;
        go_case c[] = {GO_RECV_CASE(stop, NULL),
                       GO_RECV_CASE(m->event_ch, &ce)};
        int i = go_select(c, 2, false);
        if (i == 0) {
            if (go_chan_recv(m->event_ch, NULL))
                go_chan_close(m->event_ch);
            return;
        }
        if (c[1].ok)
            process_config_event(m, ce);
    }
}

static void append_event_handler(struct configstore_monitor *m, handler h)
{
    m->handlers[m->nhandlers++] = h;
}

static void schedule_process_event(struct configstore_monitor *m, event e)
{
    go_chan_send(m->event_ch, &e);
}

struct controller {
    struct configstore_monitor *monitor;
};

static void register_event_handler(struct controller *c, handler f)
{
    append_event_handler(c->monitor, f);
}

struct run_arg {
    struct controller *c;
    go_chan *stop;
};

static void controller_run(void *arg)
{
    struct run_arg *a = arg;
    monitor_run(a->c->monitor, a->stop);
}

static void controller_create(struct controller *c)
{
    schedule_process_event(c->monitor, 0);
}

static go_chan *done;
static go_mutex lock;

static void test_handler(event e)
{
    (void)e;
    go_mutex_lock(&lock);
    bool v = true;
    go_chan_send(done, &v);
    go_mutex_unlock(&lock); /* deferred */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct configstore_monitor monitor; /* NewBufferedMonitor */
    monitor.event_ch = go_chan_make(sizeof(event), 0);
    static struct controller controller = {&monitor};
    done = go_chan_make(sizeof(bool), 0);
    register_event_handler(&controller, test_handler);
    go_chan *stop = go_chan_make(0, 0);
    struct run_arg ra = {&controller, stop};
    GO(controller_run, &ra);
    controller_create(&controller);
    go_mutex_lock(&lock);
    go_mutex_unlock(&lock);
    go_chan_recv(done, NULL);
    go_chan_close(stop);
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
