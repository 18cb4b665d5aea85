// GoKer kubernetes#11298 (Communication Deadlock: channel & condition
// variable).
// Origin: kubernetes/kubernetes PR 11298; GoKer file
// goker/blocking/kubernetes/11298/kubernetes11298_test.go.
//
// Notify() runs serviceLoop() over and over (Until with period 0) while a
// signaller goroutine, started through After(), locks, signals the
// notifier's Cond and unlocks in a loop until abort is closed. serviceLoop
// holds n.lock and runs n.cond.Wait in a fresh goroutine (After(Wait):
// Wait unlocks the lock the loop holds, which Go allows), then selects
// between `finished` (the signaller's After channel) and that goroutine's
// channel. When the signaller has finished, serviceLoop signals once and
// waits for the Wait goroutine; if that goroutine had not yet enqueued
// itself on the Cond, the Signal is lost, it waits forever, and so do
// serviceLoop, Notify's After goroutine and the test, which waits for
// it. The test closes abort (done) after 300ns. Whether the last Signal is
// lost depends on the schedule (`bug: deadlock`): free runs deadlocked in
// 0 of 20 at GOMAXPROCS 1 and 2 of 20 at GOMAXPROCS 2 (free runs here:
// GOMAXPROCS 1 only).
// Seeded runs use `step_ns=1000`: by default virtual time moves only
// when nothing can run (or after 10000 steps in which no goroutine
// blocked), but here something can always run and the Wait goroutines
// block, so the 300ns sleep that closes `done` never ended and
// serviceLoop spawned goroutines forever (seed 1 timed out after 60s).
// With a microsecond passing at each scheduling step the sleep ends.
// (Go's profile: After.func1 [chan receive], [sync.Cond.Wait];
// Kubernetes11298.func2 [chan receive].)
//
// expect: ok
// gomaxprocs: 1
// gorace: step_ns=1000
// bug: deadlock
#include <gorace.h>
#include <stdlib.h>

/* After(f): runs f(arg) in a goroutine that closes the returned channel. */
struct after_arg {
    void (*f)(void *);
    void *arg;
    go_chan *ch;
};

static void after_func1(void *arg)
{
    struct after_arg *a = arg;
    if (a->f != NULL)
        a->f(a->arg);
    go_chan_close(a->ch); /* deferred */
    free(a);
}

static go_chan *after(void (*f)(void *), void *arg)
{
    struct after_arg *a = malloc(sizeof *a);
    go_chan *ch = go_chan_make(0, 0);
    *a = (struct after_arg){f, arg, ch};
    GO(after_func1, a);
    return ch;
}

static void until(void (*f)(void *), void *arg, int64_t period,
                  go_chan *stop_ch)
{
    if (f == NULL)
        return;
    for (;;) {
        go_case c1[] = {GO_RECV_CASE(stop_ch, NULL)};
        if (go_select(c1, 1, true) == 0)
            return;
        f(arg);
        go_case c2[] = {GO_RECV_CASE(stop_ch, NULL),
                        GO_AFTER_CASE(period, NULL)};
        go_select(c2, 2, false);
    }
}

struct notifier {
    go_mutex lock;
    go_cond cond;
};

static void cond_wait(void *arg)
{
    go_cond_wait(arg);
}

static void service_loop(struct notifier *n, go_chan *abort_ch)
{
    go_mutex_lock(&n->lock);
    for (;;) {
        go_case c1[] = {GO_RECV_CASE(abort_ch, NULL)};
        if (go_select(c1, 1, true) == 0)
            break;
        go_chan *ch = after(cond_wait, &n->cond);
        go_case c2[] = {GO_RECV_CASE(abort_ch, NULL), GO_RECV_CASE(ch, NULL)};
        if (go_select(c2, 2, false) == 0) {
            go_cond_signal(&n->cond);
            go_chan_recv(ch, NULL);
            break;
        }
    }
    go_mutex_unlock(&n->lock); /* deferred */
}

struct notify_state {
    struct notifier *n;
    go_chan *abort_ch;
    go_chan *finished;
};

static void signal_loop(void *arg)
{
    struct notify_state *st = arg;
    for (;;) {
        go_case c[] = {GO_RECV_CASE(st->abort_ch, NULL)};
        if (go_select(c, 1, true) == 0)
            return;
        go_mutex_lock(&st->n->lock);
        go_cond_signal(&st->n->cond);
        go_mutex_unlock(&st->n->lock); /* deferred */
    }
}

static void notify_func1(void *arg)
{
    struct notify_state *st = arg;
    until(signal_loop, st, 0, st->abort_ch);
}

static void service_loop_fn(void *arg)
{
    struct notify_state *st = arg;
    service_loop(st->n, st->finished);
}

static void notify(go_chan *abort_ch)
{
    struct notifier *n = calloc(1, sizeof *n);
    go_cond_init(&n->cond, &n->lock);
    struct notify_state *st = malloc(sizeof *st);
    st->n = n;
    st->abort_ch = abort_ch;
    st->finished = after(notify_func1, st);
    until(service_loop_fn, st, 0, abort_ch);
}

static void test_func1(void *arg)
{
    notify(arg);
}

static void test_func2(void *arg)
{
    go_sleep(300 * GO_NANOSECOND);
    go_chan_close(arg); /* deferred close(done) */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *done = go_chan_make(0, 0);
    go_chan *notify_done = after(test_func1, done);
    GO(test_func2, done);
    go_chan_recv(notify_done, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
