// GoKer serving#6472 (non-blocking, traditional: data race).
// Origin: knative/serving PR 6472; GoKer file
// goker/nonblocking/serving/6472/serving6472_test.go.
//
// NewProber() queues one work item; Start() starts two workers, each
// taking one item from the queue (under the queue's mutex) and, if it got
// one, decrementing the item's ingressState.pendingCount with an atomic
// add; a third goroutine waits for both and closes `cancelled`. The test
// then calls IsReady(), which queues a new item for a fresh ingressState
// (under the queue's mutex) and afterwards increments that state's
// pendingCount with a plain `+=`. A worker that takes this second item
// decrements it atomically, ordered after the queueing but not with the
// plain increment: a race. A worker that looks at the queue before
// IsReady() queues the item finds it empty and returns; if both workers
// do that (or one takes the first item, the other looks too early), the
// run is clean. At GOMAXPROCS 1 the test queues the item before the
// workers first run; some seeded schedules run both workers first
// (`bug: exit 0`).
//
// The work queue's three interface layers (rateLimitingType embeds
// delayingType embeds *Type) have one implementation each: direct calls.
// An interface{} item is a pointer, nil for Go's nil. The test's `done`
// channel is made and closed but read by nobody; the deferred receive on
// `cancelled` waits for the workers. The upstream patch is not carried by
// GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1
// bug: exit 0
#include <gorace.h>
#include <stdlib.h>
#include <string.h>

struct ingress_state {
    int32_t pending_count;
};

struct work_item {
    struct ingress_state *ingress_state;
};

/* []t, t being interface{} */
struct item_slice {
    void **ptr;
    long len, cap;
};

static struct item_slice append_item(struct item_slice s, void *item)
{
    if (s.len == s.cap) {
        long cap = s.cap ? 2 * s.cap : 1;
        void **p = calloc((size_t)cap, sizeof *p);
        if (s.len)
            memcpy(p, s.ptr, (size_t)s.len * sizeof *p);
        s.ptr = p, s.cap = cap;
    }
    s.ptr[s.len++] = item;
    return s;
}

struct queue_type {
    struct item_slice queue;
    go_cond *cond;
};

static void *queue_get(struct queue_type *q)
{
    go_mutex_lock(q->cond->L);
    if (q->queue.len == 0) {
        go_mutex_unlock(q->cond->L);
        return NULL;
    }
    void *item = q->queue.ptr[0];
    q->queue = (struct item_slice){q->queue.ptr + 1, q->queue.len - 1,
                                   q->queue.cap - 1};
    go_mutex_unlock(q->cond->L);
    return item;
}

static void queue_add(struct queue_type *q, void *item)
{
    go_mutex_lock(q->cond->L);
    q->queue = append_item(q->queue, item);
    go_mutex_unlock(q->cond->L);
}

/* delayingType{Interface} and rateLimitingType{DelayingInterface}. */
struct delaying_type {
    struct queue_type *interface;
};

static void delaying_add_after(struct delaying_type *q, void *item)
{
    queue_add(q->interface, item);
}

static struct delaying_type *new_delaying_queue(void)
{
    struct queue_type *t = calloc(1, sizeof *t);
    t->queue = (struct item_slice){calloc(1, sizeof(void *)), 0, 0};
    t->cond = calloc(1, sizeof *t->cond);
    go_cond_init(t->cond, calloc(1, sizeof(go_mutex)));
    struct delaying_type *d = calloc(1, sizeof *d);
    d->interface = t;
    return d;
}

struct rate_limiting_type {
    struct delaying_type *delaying_interface;
};

static void rate_limiting_add_rate_limited(struct rate_limiting_type *q,
                                           void *item)
{
    delaying_add_after(q->delaying_interface, item);
}

static struct rate_limiting_type *new_rate_limiting_queue(void)
{
    struct rate_limiting_type *q = calloc(1, sizeof *q);
    q->delaying_interface = new_delaying_queue();
    return q;
}

/* The promoted methods Add and Get of the rate-limiting queue. */
static void wq_add(struct rate_limiting_type *q, void *item)
{
    queue_add(q->delaying_interface->interface, item);
}

static void *wq_get(struct rate_limiting_type *q)
{
    return queue_get(q->delaying_interface->interface);
}

struct prober {
    struct rate_limiting_type *work_queue;
};

/* map[string][]*workItem, local to IsReady: one key at most. */
struct work_items_map {
    int count;
    const char *key;
    struct item_slice val;
};

static void is_ready(struct prober *m)
{
    struct work_items_map work_items = {0};
    struct ingress_state *ingress_state = calloc(1, sizeof *ingress_state);
    struct work_item *wi = calloc(1, sizeof *wi);
    wi->ingress_state = ingress_state;
    /* workItems["0"] = append(workItems["0"], wi) */
    work_items.val = append_item(work_items.val, wi);
    work_items.key = "0";
    work_items.count = 1;
    for (int k = 0; k < work_items.count; k++) {
        struct item_slice ip_work_items = work_items.val;
        for (long i = 0; i < ip_work_items.len; i++)
            wq_add(m->work_queue, ip_work_items.ptr[i]);
    }
    ingress_state->pending_count += (int32_t)work_items.count;
}

static void update_states(struct prober *m, struct ingress_state *s)
{
    (void)m;
    if (__atomic_add_fetch(&s->pending_count, -1, __ATOMIC_SEQ_CST) == 0) {
    }
}

static void process_work_item(struct prober *m)
{
    void *obj = wq_get(m->work_queue);
    struct work_item *item = obj; /* obj.(*workItem) */
    if (item == NULL)
        return;
    update_states(m, item->ingress_state);
}

struct start_env {
    struct prober *m;
    go_wg wg;
    go_chan *ch;
};

static void worker(void *arg)
{
    struct start_env *e = arg;
    process_work_item(e->m);
    go_wg_done(&e->wg);
}

static void waiter(void *arg)
{
    struct start_env *e = arg;
    go_wg_wait(&e->wg);
    go_chan_close(e->ch);
}

static go_chan *prober_start(struct prober *m)
{
    struct start_env *e = calloc(1, sizeof *e);
    e->m = m;
    for (int i = 0; i < 2; i++) {
        go_wg_add(&e->wg, 1);
        GO(worker, e);
    }
    e->ch = go_chan_make(0, 0);
    GO(waiter, e);
    return e->ch;
}

static struct prober *new_prober(void)
{
    struct rate_limiting_type *work_queue = new_rate_limiting_queue();
    struct work_item *wi = calloc(1, sizeof *wi);
    wi->ingress_state = calloc(1, sizeof *wi->ingress_state);
    wq_add(work_queue, wi);
    struct prober *p = calloc(1, sizeof *p);
    p->work_queue = work_queue;
    return p;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    (void)rate_limiting_add_rate_limited; /* in the kernel, never called */
    struct prober *prober = new_prober();
    go_chan *done = go_chan_make(0, 0);
    go_chan *cancelled = prober_start(prober);

    is_ready(prober);
    go_sleep(1 * GO_MILLISECOND);

    go_chan_close(done); /* the deferred function */
    go_chan_recv(cancelled, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
