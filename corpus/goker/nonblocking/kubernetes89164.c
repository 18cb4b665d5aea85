// GoKer kubernetes#89164 (non-blocking, traditional: data race).
// Origin: kubernetes/kubernetes PR 89164; GoKer file
// goker/nonblocking/kubernetes/89164/kubernetes89164_test.go.
//
// Same Cacher as kubernetes77796: dispatchEvent() truncates
// c.watcherBuffer under the lock in startDispatching() and ranges over it
// after the unlock. Here the test's three dispatchers run one after the
// other (each waited for with a WaitGroup), so they are ordered among
// themselves; the race is between the Cacher's own dispatchEvents goroutine
// and the test's dispatchers: whichever of the two runs its locked write
// second races with the other's unlocked read, on every schedule.
//
// The test does not wait for dispatchEvents; main sleeps 50ms after it (the
// rest of the test binary; free in virtual time) so that it runs.
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>

typedef int cache_watcher;

/* A Go slice []*cacheWatcher. */
struct watcher_slice {
    cache_watcher **ptr;
    long len, cap;
};

struct cacher {
    go_rwmutex mu; /* embedded sync.RWMutex */
    struct watcher_slice watcher_buffer;
};

static void start_dispatching(struct cacher *c)
{
    go_rwmutex_lock(&c->mu);
    c->watcher_buffer.len = 0; /* c.watcherBuffer = c.watcherBuffer[:0] */
    go_rwmutex_unlock(&c->mu);
}

static void dispatch_event(struct cacher *c)
{
    start_dispatching(c);
    struct watcher_slice ws = c->watcher_buffer; /* for _ = range ... */
    for (long i = 0; i < ws.len; i++) {
    }
}

static void dispatch_events(void *arg)
{
    dispatch_event(arg);
}

static struct cacher the_cacher;

static struct cacher *new_cacher_from_config(void)
{
    struct cacher *c = &the_cacher;
    GO(dispatch_events, c);
    return c;
}

struct job {
    struct cacher *c;
    go_wg *wg;
};

static void test_goroutine(void *arg)
{
    struct job *j = arg;
    dispatch_event(j->c);
    go_wg_done(j->wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct cacher *c = new_cacher_from_config();
    for (int i = 0; i < 3; i++) {
        go_wg wg = {0};
        struct job j = {c, &wg};
        go_wg_add(&wg, 1);
        GO(test_goroutine, &j);
        go_wg_wait(&wg);
    }
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
