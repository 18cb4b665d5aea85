// GoKer moby#21233 (Communication Deadlock: channel).
// Origin: moby/moby PR 21233; GoKer file
// goker/blocking/moby/21233/moby21233_test.go.
//
// testTransfer() (G1, started by the test, which returns) starts a
// progress consumer (G3) and three transfers, each with a watcher (G2)
// that, on every round, may write a progress value to the unbuffered
// progress channel, then waits for a signal or for its release; after the
// release it makes one more round and closes `running`. G1 releases each
// transfer and waits for its watcher's `running`. The consumer may stop
// consuming after any value (and then never closes progressDone). A
// watcher that writes after the consumer stopped blocks in chan send; G1
// waits on its `running` forever, and they leak.
// Both draw from math/rand's global source (rand.Int31n(2) >= 1), which
// before Go 1.20 is seeded with 1 and locked: the port keeps its first 64
// draws (computed with Go 1.19) behind a go_mutex, consumed in the order
// the goroutines draw. The Output interface has one implementation (a
// channel): direct calls.
// (Go's profile: (*Transfer).Watch.func1 [chan send], [select];
// testTransfer [chan receive].)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* rand.Int31n(2) on rand.NewSource(1): Go 1.19's global source. */
static const unsigned char draws[64] = {
    1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0,
    0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 1,
    1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0};
static go_mutex rand_lk; /* lockedSource.lk */
static int ndraws;

static int rand_int31n_2(void)
{
    go_mutex_lock(&rand_lk);
    int v = draws[ndraws++ % 64];
    go_mutex_unlock(&rand_lk);
    return v;
}

typedef struct {
    char unused;
} progress;

/* chanOutput: WriteProgress sends on the channel. */
static int write_progress(go_chan *out, progress p)
{
    go_chan_send(out, &p);
    return 0;
}

struct transfer_manager {
    go_mutex mu;
};

struct transfer {
    go_mutex mu;
};

struct watcher {
    go_chan *signal_chan;
    go_chan *release_chan;
    go_chan *running;
};

static void release(struct transfer *t, struct watcher *w)
{
    go_mutex_lock(&t->mu);
    go_mutex_unlock(&t->mu);
    go_chan_close(w->release_chan);
    go_chan_recv(w->running, NULL);
}

struct watch_arg {
    struct transfer *t;
    struct watcher *w;
    go_chan *progress_output;
};

static void watch_func1(void *arg)
{
    struct watch_arg *a = arg;
    progress last_progress = {0};
    bool done = false;
    for (;;) {
        go_mutex_lock(&a->t->mu);
        go_mutex_unlock(&a->t->mu);
        if (rand_int31n_2() >= 1)
            write_progress(a->progress_output, last_progress);
        if (done)
            break;
        go_case c[] = {GO_RECV_CASE(a->w->signal_chan, NULL),
                       GO_RECV_CASE(a->w->release_chan, NULL)};
        if (go_select(c, 2, false) == 1) {
            done = true;
            go_select(NULL, 0, true); /* select { default: } */
        }
    }
    go_chan_close(a->w->running); /* deferred */
}

static struct watcher *watch(struct transfer *t, go_chan *progress_output)
{
    go_mutex_lock(&t->mu);
    struct watcher *w = malloc(sizeof *w);
    w->release_chan = go_chan_make(0, 0);
    w->signal_chan = go_chan_make(0, 0);
    w->running = go_chan_make(0, 0);
    struct watch_arg *a = malloc(sizeof *a);
    *a = (struct watch_arg){t, w, progress_output};
    GO(watch_func1, a);      /* G2 */
    go_mutex_unlock(&t->mu); /* deferred */
    return w;
}

static struct transfer *tm_transfer(struct transfer_manager *tm,
                                    go_chan *progress_output,
                                    struct watcher **w)
{
    go_mutex_lock(&tm->mu);
    struct transfer *t = calloc(1, sizeof *t);
    *w = watch(t, progress_output);
    go_mutex_unlock(&tm->mu); /* deferred */
    return t;
}

struct consumer_arg {
    go_chan *progress_chan, *progress_done;
};

static void consumer(void *arg)
{
    struct consumer_arg *a = arg;
    progress p;
    while (go_chan_recv(a->progress_chan, &p)) {
        if (rand_int31n_2() >= 1)
            return;
        printf("{}\n");
    }
    go_chan_close(a->progress_done);
}

static void test_transfer(void *arg)
{
    (void)arg;
    struct transfer_manager *tm = calloc(1, sizeof *tm);
    go_chan *progress_chan = go_chan_make(sizeof(progress), 0);
    go_chan *progress_done = go_chan_make(0, 0);
    struct consumer_arg ca = {progress_chan, progress_done};
    GO(consumer, &ca); /* G3 */
    struct transfer *xrefs[3];
    struct watcher *watchers[3];
    for (int i = 0; i < 3; i++)
        xrefs[i] = tm_transfer(tm, progress_chan, &watchers[i]);
    for (int i = 0; i < 3; i++)
        release(xrefs[i], watchers[i]); /* blocks here */
    go_chan_close(progress_chan);
    go_chan_recv(progress_done, NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(test_transfer, NULL);       /* G1 */
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
