// GoKer kubernetes#79631 (non-blocking, traditional: data race).
// Origin: kubernetes/kubernetes PR 79631; GoKer file
// goker/nonblocking/kubernetes/79631/kubernetes79631_test.go.
//
// The test's goroutine calls wg.Done() at once, then makes a PriorityQueue,
// whose run() starts Until(flushBackoffQCompleted, stop): the flush pops
// the backoff heap under the queue's lock (`delete(h.items, "1")`), then
// waits for stop, which nobody closes. The goroutine then calls
// podBackoffQ.Get(), which looks "1" up in the same map with no lock. The
// delete and the lookup are unordered on every schedule: a race. (Go's
// race detector counts a delete as a write of the map even when the map is
// empty, as here; the port's delete stores the map's count whether or not
// it found the key, and the lookup reads the count.) The Until
// goroutine stays blocked on stop: also a leaked goroutine at exit.
//
// The test does not wait for its goroutine past the Done; main sleeps 50ms
// after it (the rest of the test binary; free in virtual time). The
// upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdlib.h>
#include <string.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

#define NKEYS 4

/* map[string]struct{}: a count and the keys. */
struct string_set {
    int count;
    const char *keys[NKEYS];
};

/* Always a write of the count: Go's race detector sees every delete as a
 * write of the map, found or not. */
static void set_delete(struct string_set *m, const char *k)
{
    int removed = 0;
    for (int i = 0; i < NKEYS; i++)
        if (m->keys[i] && strcmp(m->keys[i], k) == 0) {
            m->keys[i] = NULL;
            removed++;
        }
    m->count -= removed;
}

static bool set_get(struct string_set *m, const char *k)
{
    if (m->count == 0)
        return false;
    for (int i = 0; i < NKEYS; i++)
        if (m->keys[i] && strcmp(m->keys[i], k) == 0)
            return true;
    return false;
}

struct heap_data {
    struct string_set *items;
};

static void heap_data_pop(struct heap_data *h)
{
    set_delete(h->items, "1");
}

/* Interface has one implementation: a direct call. */
static void pop(struct heap_data *h)
{
    heap_data_pop(h);
}

struct heap {
    struct heap_data *data;
};

static void heap_pop(struct heap *h)
{
    pop(h->data);
}

static void heap_get_by_key(struct heap *h)
{
    USE(set_get(h->data->items, "1"));
}

static void heap_get(struct heap *h)
{
    heap_get_by_key(h);
}

static struct heap *new_with_recorder(void)
{
    struct heap *h = calloc(1, sizeof *h);
    h->data = calloc(1, sizeof *h->data);
    h->data->items = calloc(1, sizeof *h->data->items);
    return h;
}

struct priority_queue {
    go_chan *stop;
    go_rwmutex lock;
    struct heap *pod_backoff_q;
};

static void flush_backoff_q_completed(void *arg)
{
    struct priority_queue *p = arg;
    go_rwmutex_lock(&p->lock);
    heap_pop(p->pod_backoff_q);
    go_rwmutex_unlock(&p->lock);
}

static void backoff_until(void (*f)(void *), void *recv, go_chan *stop_ch)
{
    for (;;) {
        go_case poll[] = {GO_RECV_CASE(stop_ch, NULL)};
        if (go_select(poll, 1, true) == 0)
            return;
        f(recv);
        go_case wait[] = {GO_RECV_CASE(stop_ch, NULL)};
        go_select(wait, 1, false);
        return;
    }
}

static void jitter_until(void (*f)(void *), void *recv, go_chan *stop_ch)
{
    backoff_until(f, recv, stop_ch);
}

static void until(void (*f)(void *), void *recv, go_chan *stop_ch)
{
    jitter_until(f, recv, stop_ch);
}

/* go Until(p.flushBackoffQCompleted, p.stop): a method value. */
static void until_goroutine(void *arg)
{
    struct priority_queue *p = arg;
    until(flush_backoff_q_completed, p, p->stop);
}

static void run(struct priority_queue *p)
{
    GO(until_goroutine, p);
}

static struct priority_queue *new_priority_queue_with_clock(void)
{
    struct priority_queue *pg = calloc(1, sizeof *pg);
    pg->stop = go_chan_make(0, 0);
    pg->pod_backoff_q = new_with_recorder();
    run(pg);
    return pg;
}

static struct priority_queue *new_priority_queue(void)
{
    return new_priority_queue_with_clock();
}

static go_wg wg;

static void test_goroutine(void *arg)
{
    (void)arg;
    go_wg_done(&wg);
    struct priority_queue *q = new_priority_queue();
    heap_get(q->pod_backoff_q);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(test_goroutine, NULL);
    go_wg_wait(&wg);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
