// GoKer kubernetes#26980 (Mixed Deadlock: channel & lock).
// Origin: kubernetes/kubernetes PR 26980; GoKer file
// goker/blocking/kubernetes/26980/kubernetes26980_test.go.
//
// The test adds one notification, starts pop() and then a goroutine that
// takes the listener's lock and closes resultCh, and waits for resultCh;
// stopCh is closed only by the test's deferred close. pop() takes the lock
// and, with a notification pending, waits in a select on stopCh while
// holding it. If pop() takes the lock first, the second goroutine blocks
// on the lock and the test on resultCh: all asleep, a deadlock. If the
// second goroutine locks first, it closes resultCh, the test unlocks,
// returns and closes stopCh, and pop() returns. At GOMAXPROCS 1 the
// goroutine started last runs first (runnext), so free runs pass; the
// bug needs a schedule where pop() runs first (`bug: deadlock`).
//
// The listener's Cond has the RWMutex as its Locker; go_cond takes a
// go_mutex, so the wait is the helper cond_wait_rw (README.md). It is
// never reached here: a notification is pending before pop() starts.
// (Go's profile: Kubernetes26980.func2 [chan receive]; .func2.1
// [sync.Mutex.Lock]; (*processorListener).pop [chan receive].)
//
// expect: ok
// gomaxprocs: 1
// bug: deadlock
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>

struct processor_listener {
    go_rwmutex lock;
    go_mutex cond_mu; /* see cond_wait_rw */
    go_cond cond;
    int pending_notifications; /* len([]interface{}) */
};

/* p.cond.Wait() with p.lock as the Cond's Locker: the caller holds
 * p->lock for writing. */
static void cond_wait_rw(struct processor_listener *p)
{
    go_mutex_lock(&p->cond_mu);
    go_rwmutex_unlock(&p->lock);
    go_cond_wait(&p->cond);
    go_mutex_unlock(&p->cond_mu);
    go_rwmutex_lock(&p->lock);
}

static void add(struct processor_listener *p, int notification)
{
    (void)notification;
    go_rwmutex_lock(&p->lock);
    p->pending_notifications++;
    go_mutex_lock(&p->cond_mu);
    go_cond_broadcast(&p->cond);
    go_mutex_unlock(&p->cond_mu);
    go_rwmutex_unlock(&p->lock);
}

struct pop_arg {
    struct processor_listener *p;
    go_chan *stop_ch;
};

static void pop(void *arg)
{
    struct pop_arg *a = arg;
    struct processor_listener *p = a->p;
    go_rwmutex_lock(&p->lock);
    for (;;) {
        while (p->pending_notifications == 0) {
            go_case c1[] = {GO_RECV_CASE(a->stop_ch, NULL)};
            if (go_select(c1, 1, true) == 0)
                goto out;
            cond_wait_rw(p);
        }
        go_case c2[] = {GO_RECV_CASE(a->stop_ch, NULL)};
        if (go_select(c2, 1, false) == 0) /* blocks here, lock held */
            goto out;
    }
out:
    go_rwmutex_unlock(&p->lock);
}

struct func2_arg {
    struct processor_listener *p;
    go_chan *result_ch;
};

static void func2_1(void *arg)
{
    struct func2_arg *a = arg;
    go_rwmutex_lock(&a->p->lock); /* blocks here */
    go_chan_close(a->result_ch);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct processor_listener pl;
    go_cond_init(&pl.cond, &pl.cond_mu);
    go_chan *stop_ch = go_chan_make(0, 0);
    add(&pl, 1);
    struct pop_arg pa = {&pl, stop_ch};
    GO(pop, &pa);
    struct func2_arg fa = {&pl, go_chan_make(0, 0)};
    GO(func2_1, &fa);
    go_chan_recv(fa.result_ch, NULL);
    go_rwmutex_unlock(&pl.lock);
    go_chan_close(stop_ch);        /* defer close(stopCh) */
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
