// GoKer grpc#3017 (Resource Deadlock: double locking, here a missing
// unlock).
// Origin: grpc/grpc-go PR 3017; GoKer file
// goker/blocking/grpc/3017/grpc3017_test.go.
//
// RemoveSubConn() caches the sub-connection and arms a 1ns time.AfterFunc
// that deletes it under ccc.mu; NewSubConn() on the same address cancels
// the entry, and when timer.Stop() reports that the timer already fired,
// it sets abortDeleting. The timer function then takes ccc.mu, sees
// abortDeleting, and returns without unlocking it. The test's goroutine
// alternates RemoveSubConn and NewSubConn a thousand times; the next
// Lock after the leaked one blocks it forever, and the test waits for
// done: all asleep. The timer must fire between RemoveSubConn and the
// following Stop, and its function run after NewSubConn released the
// lock: this depends on the schedule and on time (`bug: deadlock`).
// Free-running, it deadlocks or leaks in 17 of 20 runs at GOMAXPROCS 1
// and 20 of 20 at 2: no header holds on every run, so it runs under
// seeds only, with `step_ns=1000`: a microsecond of virtual time passes
// at each scheduling step, so the 1ns timer fires while the loop runs
// (without it, virtual time stands still while anything can run, and the
// loop always can: no seed showed the bug).
// The two Go maps (one address, one sub-connection) are one-slot tables.
// (Go's profile: Grpc3017.func2 [chan receive]; .func2.1
// [sync.Mutex.Lock]; (*lbCacheClientConn).RemoveSubConn.func1
// [sync.Mutex.Lock].)
//
// expect: ok
// gomaxprocs: none free-running, real time decides (see above)
// gorace: step_ns=1000
// bug: deadlock
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

typedef int address;
typedef int sub_conn;

struct lb_cache_client_conn;

struct sub_conn_cache_entry {
    sub_conn sc;
    go_timer *timer; /* what the cancel closure captures */
    bool abort_deleting;
};

struct lb_cache_client_conn {
    go_mutex mu;
    int64_t timeout;
    /* map[Address]*subConnCacheEntry, one slot */
    bool cache_ok;
    address cache_key;
    struct sub_conn_cache_entry *cache_val;
    /* map[SubConn]Address, one slot */
    bool to_addr_ok;
    sub_conn to_addr_key;
    address to_addr_val;
};

static struct sub_conn_cache_entry *cache_get(struct lb_cache_client_conn *c,
                                              address a)
{
    return c->cache_ok && c->cache_key == a ? c->cache_val : NULL;
}

static void cache_delete(struct lb_cache_client_conn *c, address a)
{
    if (c->cache_ok && c->cache_key == a)
        c->cache_ok = false;
}

static bool to_addr_get(struct lb_cache_client_conn *c, sub_conn sc, address *a)
{
    if (!c->to_addr_ok || c->to_addr_key != sc)
        return false;
    *a = c->to_addr_val;
    return true;
}

static void to_addr_delete(struct lb_cache_client_conn *c, sub_conn sc)
{
    if (c->to_addr_ok && c->to_addr_key == sc)
        c->to_addr_ok = false;
}

/* entry.cancel() */
static void entry_cancel(struct sub_conn_cache_entry *e)
{
    if (!go_timer_stop(e->timer))
        e->abort_deleting = true;
}

static sub_conn new_sub_conn(struct lb_cache_client_conn *ccc,
                             const address *addrs, int n)
{
    if (n != 1)
        return 1;
    address addr_without_md = addrs[0];
    go_mutex_lock(&ccc->mu);
    struct sub_conn_cache_entry *entry = cache_get(ccc, addr_without_md);
    if (entry != NULL) {
        entry_cancel(entry);
        cache_delete(ccc, addr_without_md);
        go_mutex_unlock(&ccc->mu); /* deferred */
        return entry->sc;
    }
    sub_conn sc_new = 1;
    ccc->to_addr_ok = true;
    ccc->to_addr_key = sc_new;
    ccc->to_addr_val = addr_without_md;
    go_mutex_unlock(&ccc->mu);
    return sc_new;
}

struct timer_arg {
    struct lb_cache_client_conn *ccc;
    struct sub_conn_cache_entry *entry;
    sub_conn sc;
    address addr;
};

static void remove_sub_conn_func1(void *arg)
{
    struct timer_arg *a = arg;
    go_mutex_lock(&a->ccc->mu);
    if (a->entry->abort_deleting)
        return; /* missing go_mutex_unlock(&a->ccc->mu) */
    to_addr_delete(a->ccc, a->sc);
    cache_delete(a->ccc, a->addr);
    go_mutex_unlock(&a->ccc->mu);
}

static void remove_sub_conn(struct lb_cache_client_conn *ccc, sub_conn sc)
{
    go_mutex_lock(&ccc->mu);
    address addr;
    if (!to_addr_get(ccc, sc, &addr)) {
        go_mutex_unlock(&ccc->mu);
        return;
    }
    struct sub_conn_cache_entry *entry = cache_get(ccc, addr);
    if (entry != NULL) {
        if (entry->sc != sc)
            to_addr_delete(ccc, sc);
        go_mutex_unlock(&ccc->mu);
        return;
    }
    entry = calloc(1, sizeof *entry);
    entry->sc = sc;
    ccc->cache_ok = true;
    ccc->cache_key = addr;
    ccc->cache_val = entry;
    struct timer_arg *ta = malloc(sizeof *ta);
    *ta = (struct timer_arg){ccc, entry, sc, addr};
    entry->timer = go_after_func(ccc->timeout, remove_sub_conn_func1, ta);
    go_mutex_unlock(&ccc->mu);
}

static struct lb_cache_client_conn ccc = {.timeout = GO_NANOSECOND};
static sub_conn sc;
static go_chan *done;

static void func2_1(void *arg)
{
    (void)arg;
    static const address addrs[] = {1};
    for (int i = 0; i < 1000; i++) {
        remove_sub_conn(&ccc, sc);
        sc = new_sub_conn(&ccc, addrs, 1);
    }
    go_chan_close(done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static const address addrs[] = {1};
    done = go_chan_make(0, 0);
    sc = new_sub_conn(&ccc, addrs, 1);
    GO(func2_1, NULL);
    go_chan_recv(done, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
