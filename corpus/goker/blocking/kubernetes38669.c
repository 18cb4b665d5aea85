// GoKer kubernetes#38669 (Communication Deadlock: channel).
// Origin: kubernetes/kubernetes PR 38669; GoKer file
// goker/blocking/kubernetes/38669/kubernetes38669_test.go.
//
// newCacheWatcher() starts process(), which first sends every initial
// event on c.result. The test makes the watcher with channel size 0 and
// two initial events and only calls Stop(): nobody receives from result,
// so process() blocks in chan send on the first event, on every schedule,
// and its deferred close/Stop never run. (Go's profile: (*cacheWatcher).process
// [chan send].)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

typedef int event;
typedef int watch_cache_event;

struct cache_watcher {
    go_mutex mu;     /* the embedded sync.Mutex */
    go_chan *input;  /* chan watchCacheEvent */
    go_chan *result; /* chan Event */
    bool stopped;
};

struct process_arg {
    struct cache_watcher *c;
    const watch_cache_event *init_events;
    int n;
};

static void cw_stop(struct cache_watcher *c)
{
    go_mutex_lock(&c->mu);
    if (!c->stopped) {
        c->stopped = true;
        go_chan_close(c->input);
    }
    go_mutex_unlock(&c->mu);
}

static void send_watch_cache_event(struct cache_watcher *c,
                                   const watch_cache_event *e)
{
    event ev = *e;
    go_chan_send(c->result, &ev);
}

static void process(void *arg)
{
    struct process_arg *a = arg;
    struct cache_watcher *c = a->c;
    for (int i = 0; i < a->n; i++) {
        watch_cache_event e = a->init_events[i];
        send_watch_cache_event(c, &e);
    }
    for (;;) {
        watch_cache_event e;
        if (!go_chan_recv(c->input, &e))
            break;
    }
    cw_stop(c);               /* defer c.Stop() */
    go_chan_close(c->result); /* defer close(c.result) */
}

static struct cache_watcher *
new_cache_watcher(size_t chan_size, const watch_cache_event *ev, int n)
{
    struct cache_watcher *w = calloc(1, sizeof *w);
    w->input = go_chan_make(sizeof(watch_cache_event), chan_size);
    w->result = go_chan_make(sizeof(event), chan_size);
    struct process_arg *a = malloc(sizeof *a);
    *a = (struct process_arg){w, ev, n};
    GO(process, a);
    return w;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static const watch_cache_event init_events[] = {1, 2};
    struct cache_watcher *w = new_cache_watcher(0, init_events, 2);
    cw_stop(w);
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
