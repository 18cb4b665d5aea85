/*
 * Recycled detector records: what a goroutine's life makes and ends (the
 * deadlock detector's record of each goroutine).
 *
 * A record goes back to a cache of the thread that ends its goroutine, and
 * threads trade them with a shared stack RECYCLER_BATCH at a time, as the
 * runtime's G pools do. A fan-out spawns on one thread and ends goroutines
 * on another: through malloc and free, every record met the other thread
 * at one glibc arena's lock, twice. The shared stack keeps up to `max`
 * records; a burst's surplus beyond it goes to `release`.
 *
 * A detector library that uses it compiles its own copy (the names are not
 * exported, so two copies never meet at link time) and declares its pool
 * and a thread-local cache for it:
 *     static recycler pool = {.max = 1 << 14, .release = my_free};
 *     static __thread recycler_cache cache;
 */
#ifndef DET_RECYCLER_H
#define DET_RECYCLER_H

#include <stdatomic.h>
#include <stddef.h>

enum { RECYCLER_CACHE = 64, RECYCLER_BATCH = RECYCLER_CACHE / 2 };

typedef struct recycler_cache {
    void *r[RECYCLER_CACHE];
    int n;
} recycler_cache;

typedef struct recycler {
    size_t max;              /* records the shared stack keeps */
    void (*release)(void *); /* frees a record the pool does not keep */
    atomic_flag lock;
    _Atomic size_t n; /* read without the lock by recycler_get */
    size_t cap;
    void **r;
} recycler;

/* A recycled record, as it was put (the caller resets it), or NULL: the
 * caller allocates a fresh one. */
void *recycler_get(recycler *p, recycler_cache *c);
/* rec is done with; the pool keeps it or releases it. */
void recycler_put(recycler *p, recycler_cache *c, void *rec);

#endif
