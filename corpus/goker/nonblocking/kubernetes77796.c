// GoKer kubernetes#77796 (non-blocking, traditional: data race).
// Origin: kubernetes/kubernetes PR 77796; GoKer file
// goker/nonblocking/kubernetes/77796/kubernetes77796_test.go.
//
// Cacher.dispatchEvent() calls startDispatching(), which truncates
// c.watcherBuffer (`c.watcherBuffer = c.watcherBuffer[:0]`) under the
// Cacher's lock, then ranges over c.watcherBuffer after the lock is
// released. The Cacher's own dispatchEvents goroutine and three test
// goroutines (started 10ms apart) all call it. The lock orders each write
// after the previous holder's write, but not after the previous holder's
// unlocked read of the slice, so the first dispatcher's read and the next
// one's write race on every schedule.
//
// The test does not wait for its goroutines; main sleeps 50ms after it (the
// rest of the test binary; free in virtual time) so that they run.
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

static void test_goroutine(void *arg)
{
    dispatch_event(arg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct cacher *c = new_cacher_from_config();
    for (int i = 0; i < 3; i++) {
        GO(test_goroutine, c);
        go_sleep(10 * GO_MILLISECOND);
    }
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
