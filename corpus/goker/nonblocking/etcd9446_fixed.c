// Fixed twin of etcd9446.c, after etcd-io/etcd PR 9446 (defrag blocks
// concurrent reads while it resets the transaction): the reset holds the
// readTx's RWMutex for writing and UnsafeRange() holds it for reading (as
// etcd's readers of the buffer do), so the delete and the lookup are
// ordered by the lock whichever runs first.
//
// expect: ok
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdbool.h>
#include <string.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

#define NBUCKETS 4

/* map[string]struct{} */
struct bucket_map {
    const char *keys[NBUCKETS];
    int n;
};

static void map_set(struct bucket_map *m, const char *k)
{
    for (int i = 0; i < NBUCKETS; i++)
        if (m->keys[i] && strcmp(m->keys[i], k) == 0)
            return;
    for (int i = 0; i < NBUCKETS; i++)
        if (!m->keys[i]) {
            m->keys[i] = k;
            m->n++;
            return;
        }
}

static bool map_get(struct bucket_map *m, const char *k)
{
    if (m->n == 0)
        return false;
    for (int i = 0; i < NBUCKETS; i++)
        if (m->keys[i] && strcmp(m->keys[i], k) == 0)
            return true;
    return false;
}

struct tx_buffer {
    struct bucket_map buckets;
};

static void tx_buffer_reset(struct tx_buffer *txb)
{
    /* for k := range txb.buckets { delete(txb.buckets, k) } */
    for (int i = 0; i < NBUCKETS; i++)
        if (txb->buckets.keys[i]) {
            txb->buckets.keys[i] = NULL;
            txb->buckets.n--;
        }
}

struct tx_read_buffer {
    struct tx_buffer txb;
};

static void tx_read_buffer_range(struct tx_read_buffer *txr)
{
    USE(map_get(&txr->txb.buckets, "1")); /* _ = txr.buckets["1"] */
}

struct read_tx {
    go_rwmutex mu; /* the fix: guards buf */
    struct tx_read_buffer buf;
};

static void read_tx_reset(struct read_tx *rt)
{
    go_rwmutex_lock(&rt->mu);
    tx_buffer_reset(&rt->buf.txb);
    go_rwmutex_unlock(&rt->mu);
}

static void read_tx_unsafe_range(struct read_tx *rt)
{
    go_rwmutex_rlock(&rt->mu);
    tx_read_buffer_range(&rt->buf);
    go_rwmutex_runlock(&rt->mu);
}

static go_wg wg;
static struct read_tx txn;

static void resetter(void *arg)
{
    read_tx_reset(arg);
    go_wg_done(&wg);
}

static void ranger(void *arg)
{
    read_tx_unsafe_range(arg);
    go_wg_done(&wg);
}

static void outer(void *arg)
{
    (void)arg;
    memset(&txn, 0, sizeof txn); /* buckets: make(map[string]struct{}) */
    map_set(&txn.buf.txb.buckets, "1");
    GO(resetter, &txn);
    GO(ranger, &txn);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 3);
    GO(outer, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
