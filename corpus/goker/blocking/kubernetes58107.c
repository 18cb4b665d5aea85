// GoKer kubernetes#58107 (Resource Deadlock: RWR deadlock).
// Origin: kubernetes/kubernetes PR 58107; GoKer file
// goker/blocking/kubernetes/58107/kubernetes58107_test.go.
//
// Two workers each hold workerLock for reading while they wait on their
// queue's Cond (Get) for a signal; Sync() takes workerLock for writing
// in a loop (with a 1ns sleep inside); the test goroutine signals both
// queues in a loop (Put: Signal without the lock) and returns. A worker
// that starts waiting after the last signal never wakes and keeps its
// read lock; Sync's next Lock waits for it forever, and a worker that
// asks for its read lock after that writer waits behind it (RWR). The
// test has returned by then: the blocked goroutines leak. At GOMAXPROCS 1
// the test goroutine sends every signal before a worker runs: every free
// run leaks. Seeded schedules where both workers wait before the last
// signals exit clean (`bug: exit 0`: the expectation is the bug, the
// `bug:` line names the schedules that miss it, README.md). The loop counts
// are shrunk 100x (100000 to 1000) as the corpus shrinks long durations:
// 100000 1ns sleeps cost seconds free-running. The RateLimitingInterface
// has one implementation: direct calls.
// (Go's profile: (*ResourceQuotaController).worker [sync.Cond.Wait],
// [sync.RWMutex.RLock]; .Sync [sync.RWMutex.Lock].)
//
// expect: leak
// gomaxprocs: 1
// bug: exit 0
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

enum { LOOPS = 1000 }; /* 100000 in GoKer */

struct queue_type {
    go_cond cond;
};

static void q_get(struct queue_type *q)
{
    go_mutex_lock(q->cond.L);
    go_cond_wait(&q->cond);
    go_mutex_unlock(q->cond.L); /* deferred */
}

static void q_put(struct queue_type *q)
{
    go_cond_signal(&q->cond);
}

struct resource_quota_controller {
    go_rwmutex worker_lock;
    struct queue_type *queue;
    struct queue_type *missing_usage_queue;
};

struct worker_arg {
    struct resource_quota_controller *rq;
    struct queue_type *queue;
};

static bool work_func(struct worker_arg *a)
{
    go_rwmutex_rlock(&a->rq->worker_lock);
    q_get(a->queue);
    go_rwmutex_runlock(&a->rq->worker_lock); /* deferred */
    return true;
}

static void worker(void *arg)
{
    for (;;)
        if (work_func(arg))
            return;
}

static void rq_run(void *arg)
{
    struct resource_quota_controller *rq = arg;
    static struct worker_arg g1, g2;
    g1 = (struct worker_arg){rq, rq->queue};
    g2 = (struct worker_arg){rq, rq->missing_usage_queue};
    GO(worker, &g1); /* G1 */
    GO(worker, &g2); /* G2 */
}

static void rq_sync(void *arg)
{
    struct resource_quota_controller *rq = arg;
    for (int i = 0; i < LOOPS; i++) {
        go_rwmutex_lock(&rq->worker_lock);
        go_sleep(GO_NANOSECOND);
        go_rwmutex_unlock(&rq->worker_lock);
    }
}

static void helper_signals(struct resource_quota_controller *rq)
{
    for (int i = 0; i < LOOPS; i++) {
        q_put(rq->queue);
        q_put(rq->missing_usage_queue);
    }
}

static struct queue_type *new_queue(void)
{
    struct queue_type *q = calloc(1, sizeof *q);
    go_cond_init(&q->cond, calloc(1, sizeof(go_mutex)));
    return q;
}

static void start_resource_quota_controller(void)
{
    static struct resource_quota_controller rq;
    rq.queue = new_queue();
    rq.missing_usage_queue = new_queue();
    GO(rq_run, &rq);
    GO(rq_sync, &rq); /* G3 */
    helper_signals(&rq);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    start_resource_quota_controller();
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
