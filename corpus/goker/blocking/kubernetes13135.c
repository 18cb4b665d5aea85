// GoKer kubernetes#13135 (Resource Deadlock: AB-BA deadlock).
// Origin: kubernetes/kubernetes PR 13135; GoKer file
// goker/blocking/kubernetes/13135/kubernetes13135_test.go.
//
// NewCacher() starts G2, which repeats startCaching() until the stop
// channel closes: it locks the cacher, then (Replace) the watch cache,
// whose onReplace callback marks the cacher initialised (once) and
// unlocks the cacher. The test then starts G3, which adds an event: it
// locks the watch cache and, in its onEvent callback, the cacher; and a
// goroutine that closes the stop channel. When G2 holds the cacher and
// waits for the watch cache while G3 holds the watch cache and waits for
// the cacher, both block for good (AB-BA), and the test has returned:
// they leak. Whether G3's Add falls between G2's two locks depends on the
// schedule; but every run takes the two locks in both orders, which the
// lock-order detector reports at exit (`WARNING: POTENTIAL DEADLOCK`).
// So every run exits 66: with the leak report (`WARNING: GOROUTINE
// LEAK`, printed first) when the deadlock happened, else with the
// inversion alone. The lock-cycle detector is off (`lock_cycle=0`): it
// would end the deadlocked runs at once with `fatal error: deadlock: lock
// cycle` (4 of 10 free runs at GOMAXPROCS 1), and a header cannot state
// both outcomes; without it the test returns, as in Go, and the leak
// detector reports the two goroutines. The Store interface has one
// implementation: direct calls; the callbacks are function pointers.
// (Go's profile: Util [sync.Mutex.Lock]; (*WatchCache).Add
// [sync.Mutex.Lock].)
//
// expect: exit 66
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
// needs: detector
// gorace: lock_cycle=0
#include <gorace.h>
#include <stdlib.h>

static go_chan *stop_channel;

struct watch_cache {
    go_rwmutex mu; /* the embedded sync.RWMutex */
    void (*on_replace)(void *);
    void (*on_event)(void *);
    void *cb_arg;
};

struct reflector {
    struct watch_cache *store;
};

struct cacher {
    go_mutex mu; /* the embedded sync.Mutex */
    go_wg initialized;
    go_once init_once;
    struct watch_cache *watch_cache;
    struct reflector *reflector;
};

static void wc_set_on_event(struct watch_cache *w, void (*f)(void *))
{
    go_rwmutex_lock(&w->mu);
    w->on_event = f;
    go_rwmutex_unlock(&w->mu); /* deferred */
}

static void wc_set_on_replace(struct watch_cache *w, void (*f)(void *))
{
    go_rwmutex_lock(&w->mu);
    w->on_replace = f;
    go_rwmutex_unlock(&w->mu); /* deferred */
}

static void wc_process_event(struct watch_cache *w)
{
    go_rwmutex_lock(&w->mu);
    if (w->on_event != NULL)
        w->on_event(w->cb_arg);
    go_rwmutex_unlock(&w->mu); /* deferred */
}

static void wc_add(void *arg)
{
    wc_process_event(arg);
}

static void wc_replace(struct watch_cache *w)
{
    go_rwmutex_lock(&w->mu);
    if (w->on_replace != NULL)
        w->on_replace(w->cb_arg);
    go_rwmutex_unlock(&w->mu); /* deferred */
}

static int list_and_watch(struct reflector *r, go_chan *stop_ch)
{
    (void)stop_ch;
    wc_replace(r->store); /* r.syncWith() */
    return 0;
}

static void cacher_process_event(void *arg)
{
    struct cacher *c = arg;
    go_mutex_lock(&c->mu);
    go_mutex_unlock(&c->mu); /* deferred */
}

static void start_caching(struct cacher *c, go_chan *stop_channel)
{
    go_mutex_lock(&c->mu);
    for (;;) {
        int err = list_and_watch(c->reflector, stop_channel);
        if (err == 0)
            break;
    }
}

static void initialized_done(void *arg)
{
    struct cacher *c = arg;
    go_wg_done(&c->initialized);
}

static void on_replace(void *arg)
{
    struct cacher *c = arg;
    go_once_do(&c->init_once, initialized_done, c);
    go_mutex_unlock(&c->mu);
}

struct util_arg {
    struct cacher *c;
    go_chan *stop_ch;
    int64_t period;
};

static void util(void *arg)
{
    struct util_arg *a = arg;
    for (;;) {
        go_case cs[] = {GO_RECV_CASE(a->stop_ch, NULL)};
        if (go_select(cs, 1, true) == 0)
            return;
        start_caching(a->c, a->stop_ch); /* f() */
        go_sleep(a->period);
    }
}

static struct cacher *new_cacher(void)
{
    struct watch_cache *watch_cache = calloc(1, sizeof *watch_cache);
    struct cacher *cacher = calloc(1, sizeof *cacher);
    cacher->watch_cache = watch_cache;
    cacher->reflector = malloc(sizeof *cacher->reflector);
    cacher->reflector->store = watch_cache;
    watch_cache->cb_arg = cacher;
    go_wg_add(&cacher->initialized, 1);
    wc_set_on_replace(watch_cache, on_replace);
    wc_set_on_event(watch_cache, cacher_process_event);
    struct util_arg *a = malloc(sizeof *a);
    *a = (struct util_arg){cacher, stop_channel, 0};
    GO(util, a); /* G2 */
    go_wg_wait(&cacher->initialized);
    return cacher;
}

static void close_stop(void *arg)
{
    go_chan_close(arg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    stop_channel = go_chan_make(0, 0);
    struct cacher *c = new_cacher(); /* G1 */
    GO(wc_add, c->watch_cache);      /* G3 */
    GO(close_stop, stop_channel);
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
