/*
 * Recycled detector records (recycler.h). The shared stack is an array of
 * pointers, so a trade copies a batch of pointers and touches none of the
 * records, which the other thread wrote last.
 */
#include "recycler.h"

#include <stdbool.h>
#include <string.h>

/* glibc's own entry points: a detector's malloc may be interposed. */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);

static void pool_lock(recycler *p)
{
    while (atomic_flag_test_and_set_explicit(&p->lock, memory_order_acquire))
        ;
}

static void pool_unlock(recycler *p)
{
    atomic_flag_clear_explicit(&p->lock, memory_order_release);
}

static void take_batch(recycler *p, recycler_cache *c)
{
    pool_lock(p);
    size_t n = atomic_load_explicit(&p->n, memory_order_relaxed);
    size_t k = n < RECYCLER_BATCH ? n : RECYCLER_BATCH;
    memcpy(c->r, p->r + n - k, k * sizeof *p->r);
    atomic_store_explicit(&p->n, n - k, memory_order_relaxed);
    pool_unlock(p);
    c->n = (int)k;
}

/* Room for one more batch; false if the pool keeps no more (or cannot grow). */
static bool make_room(recycler *p, size_t n)
{
    if (n + RECYCLER_BATCH > p->max)
        return false;
    if (n + RECYCLER_BATCH <= p->cap)
        return true;
    size_t cap = p->cap ? 2 * p->cap : 4 * RECYCLER_CACHE;
    void **r = __libc_malloc(cap * sizeof *r);
    if (!r)
        return false;
    if (n)
        memcpy(r, p->r, n * sizeof *r);
    __libc_free(p->r);
    p->r = r;
    p->cap = cap;
    return true;
}

static void give_batch(recycler *p, recycler_cache *c)
{
    c->n -= RECYCLER_BATCH;
    void **batch = c->r + c->n;
    pool_lock(p);
    size_t n = atomic_load_explicit(&p->n, memory_order_relaxed);
    bool kept = make_room(p, n);
    if (kept) {
        memcpy(p->r + n, batch, RECYCLER_BATCH * sizeof *p->r);
        atomic_store_explicit(&p->n, n + RECYCLER_BATCH, memory_order_relaxed);
    }
    pool_unlock(p);
    if (!kept)
        for (int i = 0; i < RECYCLER_BATCH; i++)
            p->release(batch[i]);
}

void *recycler_get(recycler *p, recycler_cache *c)
{
    if (!c->n && atomic_load_explicit(&p->n, memory_order_relaxed))
        take_batch(p, c);
    return c->n ? c->r[--c->n] : NULL;
}

void recycler_put(recycler *p, recycler_cache *c, void *rec)
{
    if (c->n == RECYCLER_CACHE)
        give_batch(p, c);
    c->r[c->n++] = rec;
}
