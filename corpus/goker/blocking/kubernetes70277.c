// GoKer kubernetes#70277 (Communication Deadlock: channel).
// Origin: kubernetes/kubernetes PR 70277; GoKer file
// goker/blocking/kubernetes/70277/kubernetes70277_test.go.
//
// WaitFor() hands the test's stop channel to a poller and returns after
// the first tick (the condition is true at once). The test then waits on
// that same done channel, which only its own deferred close would close:
// the test goroutine (main) blocks in chan receive for good. The poller
// goroutine ticks until its timeout (ForeverTestTimeout) ends it; from
// then on every goroutine is asleep, on every schedule. The timeout is
// shrunk 100x (20s to 200ms; free under a seed), as the corpus shrinks
// long durations; the poller's tick stays 1ms.
// (Go's profile: Kubernetes70277.func2 [chan receive].)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

static const int64_t forever_test_timeout = 200 * GO_MILLISECOND;

struct poller {
    int64_t interval, timeout;
};

struct poll_arg {
    struct poller p;
    go_chan *ch, *done;
};

static void poller_func1(void *arg)
{
    struct poll_arg *a = arg;
    go_ticker *tick = go_ticker_new(a->p.interval);
    go_chan *after = NULL;
    go_timer *timer = NULL;
    if (a->p.timeout != 0) {
        timer = go_timer_new(a->p.timeout);
        after = go_timer_chan(timer);
    }
    for (;;) {
        go_case cases[] = {GO_RECV_CASE(go_ticker_chan(tick), NULL),
                           GO_RECV_CASE(after, NULL),
                           GO_RECV_CASE(a->done, NULL)};
        int i = go_select(cases, 3, false);
        if (i == 0) {
            go_case send[] = {GO_SEND_CASE(a->ch, NULL)};
            go_select(send, 1, true);
        } else {
            break;
        }
    }
    if (timer != NULL)
        go_timer_stop(timer); /* deferred, in reverse order */
    go_ticker_stop(tick);
    go_chan_close(a->ch);
}

/* waitFunc(done) of poller(interval, timeout). */
static go_chan *poller_wait(struct poller p, go_chan *done)
{
    struct poll_arg *a = malloc(sizeof *a);
    *a = (struct poll_arg){p, go_chan_make(0, 0), done};
    GO(poller_func1, a);
    return a->ch;
}

static struct poller wait_func;
static go_chan *done_ch;

/* The WaitFunc the test passes: records done, then polls. */
static go_chan *test_wait(go_chan *done)
{
    done_ch = done;
    return poller_wait(wait_func, done);
}

static int test_condition(bool *done)
{
    *done = true;
    return 0;
}

static int wait_for(go_chan *(*wait)(go_chan *), int (*fn)(bool *),
                    go_chan *done)
{
    go_chan *c = wait(done);
    for (;;) {
        bool open = go_chan_recv(c, NULL);
        bool ok;
        int err = fn(&ok);
        if (err != 0)
            return err;
        if (ok)
            return 0;
        if (!open)
            break;
    }
    return 0;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *stop_ch = go_chan_make(0, 0);
    wait_func = (struct poller){GO_MILLISECOND, forever_test_timeout};
    wait_for(test_wait, test_condition, stop_ch);
    go_chan_recv(done_ch, NULL); /* blocks here */
    go_chan_close(stop_ch);      /* defer close(stopCh) */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
