// GoKer kubernetes#1321 (Mixed Deadlock: channel & lock).
// Origin: kubernetes/kubernetes PR 1321; GoKer file
// goker/blocking/kubernetes/1321/kubernetes1321_test.go.
//
// The mux's loop (G2) distributes 100 times: under m.lock and the global
// mutex it sends on every watcher's unbuffered result channel. The test's
// goroutine (G1) adds a watcher (under the global mutex) and stops it at
// once: stopWatching takes m.lock to delete the watcher and close its
// channel. If a distribute round finds the watcher, G2 blocks sending with
// m.lock held, nobody receives, and G1 blocks on m.lock: both leak (the
// test has returned). If G2's hundred rounds end before the watcher is
// added, or the watcher is stopped before the next round, nothing blocks:
// the bug depends on the schedule (`bug: leak`). At GOMAXPROCS 1, G2,
// started by G1, runs only after G1 added and stopped its watcher, and
// finds the map empty.
// Go leaves this kernel out of its leak-profile test because the original
// races on the map; the kernel as GoKer has it orders every map access
// (the length read in Watch and the writes are all G1's; G2 reads under
// both mutexes), and the race detector reports nothing. The watchers map
// (ids from 0) is a small table.
// (Go's profile: not in the test: Go excludes it.)
//
// expect: ok
// gomaxprocs: 1
// bug: leak
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

static go_mutex global_mtx;

struct mux;

struct mux_watcher {
    go_chan *result;
    struct mux *m;
    int64_t id;
};

enum { MAX_WATCHERS = 4 };

struct mux {
    go_mutex lock;
    struct mux_watcher *watchers[MAX_WATCHERS]; /* map[int64]*muxWatcher */
    int n;
};

static void mux_loop(void *arg);

static struct mux *new_mux(void)
{
    struct mux *m = calloc(1, sizeof *m);
    GO(mux_loop, m); /* G2 */
    return m;
}

static struct mux_watcher *mux_watch(struct mux *m)
{
    struct mux_watcher *mw = malloc(sizeof *mw);
    mw->result = go_chan_make(0, 0);
    mw->m = m;
    mw->id = m->n; /* len(m.watchers) */
    go_mutex_lock(&global_mtx);
    m->watchers[m->n++] = mw; /* ids are 0.. and never reused here */
    go_mutex_unlock(&global_mtx);
    return mw;
}

static void distribute(struct mux *m)
{
    go_mutex_lock(&m->lock);
    go_mutex_lock(&global_mtx);
    for (int i = 0; i < m->n; i++)
        go_chan_send(m->watchers[i]->result, NULL); /* blocked here */
    go_mutex_unlock(&global_mtx);
    go_mutex_unlock(&m->lock); /* deferred */
}

static void mux_loop(void *arg)
{
    struct mux *m = arg;
    for (int i = 0; i < 100; i++)
        distribute(m);
}

static void stop_watching(struct mux *m, int64_t id)
{
    go_mutex_lock(&m->lock);
    for (int i = 0; i < m->n; i++)
        if (m->watchers[i]->id == id) {
            struct mux_watcher *w = m->watchers[i];
            m->watchers[i] = m->watchers[--m->n];
            go_chan_close(w->result);
            break;
        }
    go_mutex_unlock(&m->lock); /* deferred */
}

static void mw_stop(struct mux_watcher *mw)
{
    stop_watching(mw->m, mw->id);
}

static void test_mux_watcher_close(void *arg)
{
    (void)arg;
    struct mux *m = new_mux();
    struct mux_watcher *w = mux_watch(m);
    mw_stop(w);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(test_mux_watcher_close, NULL); /* G1 */
    go_sleep(50 * GO_MILLISECOND);    /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
