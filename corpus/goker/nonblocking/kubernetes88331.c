// GoKer kubernetes#88331 (non-blocking, traditional: data race).
// Origin: kubernetes/kubernetes PR 88331; GoKer file
// goker/nonblocking/kubernetes/88331/kubernetes88331_test.go.
//
// The test's goroutine calls wg.Done() at once, then makes a PriorityQueue
// (two heaps of two items each) and runs it: Run() starts
// Until(flushBackoffQCompleted, stop), whose flush pops the backoff heap
// under the queue's lock (`h.queue = h.queue[0 : len(h.queue)-1]`) and then
// waits for stop, which nobody closes. The goroutine then calls
// podBackoffQ.Len(), reading len(h.queue) with no lock. The pop's write of
// the slice header and the read of its length are unordered on every
// schedule: a race. The Until goroutine stays blocked on stop: also a
// leaked goroutine at exit.
//
// The test does not wait for its goroutine past the Done; main sleeps 50ms
// after it (the rest of the test binary; free in virtual time). The
// upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdlib.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

/* struct{} and a Go slice []struct{}. */
struct empty {
    char unused;
};

struct empty_slice {
    struct empty *ptr;
    long len, cap;
};

struct data {
    struct empty_slice queue;
};

static void data_pop(struct data *h)
{
    h->queue =
        (struct empty_slice){h->queue.ptr, h->queue.len - 1, h->queue.cap};
}

/* Interface has one implementation: a direct call. */
static void pop(struct data *h)
{
    data_pop(h);
}

struct heap {
    struct data *data;
};

static void heap_pop(struct heap *h)
{
    pop(h->data);
}

static long heap_len(struct heap *h)
{
    return h->data->queue.len;
}

static struct heap *new_with_recorder(void)
{
    struct heap *h = calloc(1, sizeof *h);
    h->data = calloc(1, sizeof *h->data);
    h->data->queue =
        (struct empty_slice){calloc(2, sizeof(struct empty)), 2, 2};
    return h;
}

struct priority_queue {
    go_chan *stop;
    go_rwmutex lock;
    struct heap *pod_backoff_q;
    struct heap *active_q;
};

static void flush_backoff_q_completed(void *arg)
{
    struct priority_queue *p = arg;
    go_rwmutex_lock(&p->lock);
    heap_pop(p->pod_backoff_q);
    go_rwmutex_unlock(&p->lock);
}

static struct priority_queue *new_priority_queue(void)
{
    struct priority_queue *q = calloc(1, sizeof *q);
    q->stop = go_chan_make(0, 0);
    q->active_q = new_with_recorder();
    q->pod_backoff_q = new_with_recorder();
    return q;
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

static struct priority_queue *create_and_run_priority_queue(void)
{
    struct priority_queue *q = new_priority_queue();
    run(q);
    return q;
}

static go_wg wg;

static void test_goroutine(void *arg)
{
    (void)arg;
    go_wg_done(&wg);
    struct priority_queue *p = create_and_run_priority_queue();
    USE(heap_len(p->pod_backoff_q));
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
