// GoKer kubernetes#81148 (non-blocking, traditional: data race).
// Origin: kubernetes/kubernetes PR 81148; GoKer file
// goker/nonblocking/kubernetes/81148/kubernetes81148_test.go.
//
// The test's goroutine makes a PriorityQueue, whose run() starts
// Until(flushUnschedulableQLeftover, stop): unless stop is already closed,
// it calls the flush once, then waits for stop. The goroutine then adds a
// pod to the unschedulable map under the queue's lock and, after the lock
// is released, writes the pod's PodInfo.Timestamp through a map lookup.
// The flush ranges over the map under the lock, reading each entry's
// Timestamp. When the flush takes the lock after the add, it finds the
// entry and its read is ordered after the add but not with the
// Timestamp write: a race. When the flush runs before the add (empty map)
// or only after main's close(stop) (it returns without calling f), the run
// is clean. At GOMAXPROCS 1 the test's goroutine runs on to its Done and
// main closes stop before the Until goroutine first runs, so the run is
// clean; schedules that run the flush between the add and the close show
// the race (`bug: race`).
//
// The test does not wait for the Until goroutine; main sleeps 50ms after
// it (the rest of the test binary; free in virtual time). time.Time is an
// int64 of go_now(). The upstream patch is not carried by GoKer; no fixed
// twin.
//
// expect: ok
// gomaxprocs: 1
// bug: race
#include <gorace.h>
#include <stdlib.h>
#include <string.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

static const int64_t unschedulable_q_time_interval = 60 * GO_SECOND;

/* Pod is a Go string. */
struct string {
    const char *ptr;
    long len;
};

struct pod_info {
    struct string pod;
    int64_t timestamp;
};

/* map[string]*PodInfo: a small fixed table. */
#define MAP_CAP 4
struct pod_info_map {
    struct string keys[MAP_CAP];
    struct pod_info *vals[MAP_CAP];
    int count;
};

static bool str_eq(struct string a, struct string b)
{
    return a.len == b.len && memcmp(a.ptr, b.ptr, (size_t)a.len) == 0;
}

static struct pod_info **map_lookup(struct pod_info_map *m, struct string k)
{
    for (int i = 0; i < m->count; i++)
        if (str_eq(m->keys[i], k))
            return &m->vals[i];
    return NULL;
}

static void map_store(struct pod_info_map *m, struct string k,
                      struct pod_info *v)
{
    struct pod_info **slot = map_lookup(m, k);
    if (slot) {
        *slot = v;
        return;
    }
    m->keys[m->count] = k;
    m->vals[m->count] = v;
    m->count++;
}

struct unschedulable_pods_map {
    struct pod_info_map *pod_info_map;
    struct string (*key_func)(struct string);
};

static void add_or_update(struct unschedulable_pods_map *u,
                          struct pod_info *p_info)
{
    struct string pod_id = u->key_func(p_info->pod);
    map_store(u->pod_info_map, pod_id, p_info);
}

static struct string get_pod_full_name(struct string pod)
{
    return pod;
}

static struct unschedulable_pods_map *new_unschedulable_pods_map(void)
{
    struct unschedulable_pods_map *u = calloc(1, sizeof *u);
    u->pod_info_map = calloc(1, sizeof *u->pod_info_map);
    u->key_func = get_pod_full_name;
    return u;
}

struct priority_queue {
    go_chan *stop;
    go_rwmutex lock;
    struct unschedulable_pods_map *unschedulable_q;
};

static void flush_unschedulable_q_leftover(void *arg)
{
    struct priority_queue *p = arg;
    go_rwmutex_lock(&p->lock);
    struct pod_info_map *m = p->unschedulable_q->pod_info_map;
    for (int i = 0; i < m->count; i++) { /* for _, pInfo := range ... */
        struct pod_info *p_info = m->vals[i];
        USE(p_info->timestamp);
    }
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

/* go Until(p.flushUnschedulableQLeftover, p.stop): a method value. */
static void until_goroutine(void *arg)
{
    struct priority_queue *p = arg;
    until(flush_unschedulable_q_leftover, p, p->stop);
}

static void run(struct priority_queue *p)
{
    GO(until_goroutine, p);
}

static struct pod_info *new_pod_info(struct priority_queue *p,
                                     struct string pod)
{
    (void)p;
    struct pod_info *pi = calloc(1, sizeof *pi);
    pi->pod = pod;
    pi->timestamp = go_now();
    return pi;
}

static struct priority_queue *new_priority_queue_with_clock(go_chan *stop)
{
    struct priority_queue *pq = calloc(1, sizeof *pq);
    pq->stop = stop;
    pq->unschedulable_q = new_unschedulable_pods_map();
    run(pq);
    return pq;
}

static struct priority_queue *new_priority_queue(go_chan *stop)
{
    return new_priority_queue_with_clock(stop);
}

static void add_or_update_unschedulable_pod(struct priority_queue *p,
                                            struct string pod)
{
    go_rwmutex_lock(&p->lock);
    add_or_update(p->unschedulable_q, new_pod_info(p, pod));
    go_rwmutex_unlock(&p->lock);
}

static go_wg wg;

static void test_goroutine(void *arg)
{
    go_chan *stop = arg;
    struct priority_queue *q = new_priority_queue(stop);
    struct string high_pod = {"1", 1};
    add_or_update_unschedulable_pod(q, high_pod);
    struct pod_info **e = map_lookup(q->unschedulable_q->pod_info_map,
                                     get_pod_full_name(high_pod));
    (*e)->timestamp = go_now() - unschedulable_q_time_interval;
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *stop = go_chan_make(0, 0);
    go_wg_add(&wg, 1);
    GO(test_goroutine, stop);
    go_wg_wait(&wg);
    go_chan_close(stop);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
