/*
 * The heap block registry (see heap.h).
 *
 * Interposition. The executable defines malloc, free, calloc, realloc and
 * the aligned variants; the dynamic linker binds every caller to them, libc's
 * own internal calls (strdup, stdio buffers, libdw) included. Each forwards
 * to glibc's exported __libc_* entry points, so there is no dlsym bootstrap:
 * the first calloc, made by the dynamic linker itself before any
 * constructor has run, already works. Blocks glibc allocates through its
 * internal aliases (none that user memory can reach, in practice) are not
 * seen; reallocarray is interposed because glibc's calls __libc_realloc
 * directly.
 *
 * The registry. 64 shards chosen by the block's address hash, each an
 * open-addressing table (linear probing, backward-shift deletion, so no
 * tombstones) under a spinlock held for a few dozen instructions. Tables
 * live in memory from __libc_calloc, never in the registry itself, so a
 * scan of the heap never finds the registry's own pointers. A block is
 * inserted after glibc returns it and removed before glibc gets it back,
 * so a block in the registry is always live memory.
 *
 * det_heap_lock_all takes every shard lock: allocation and free stop on all
 * threads until det_heap_unlock_all, which is what lets a detector read
 * every block while the world keeps running in system calls.
 */
#define _GNU_SOURCE
#include "heap.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "../../rt/hooks.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

#define WEAK __attribute__((weak))
#define CALLER_PC() ((uintptr_t)__builtin_return_address(0))

enum { NSHARDS = 64, MIN_CAP = 256, MAX_OBSERVERS = 4 };

typedef struct shard {
    int lock;
    size_t cap, len; /* cap: power of two */
    det_block *tab;  /* addr == 0: empty slot */
} shard;

static shard shards[NSHARDS];
static const det_heap_observer *observers[MAX_OBSERVERS];
static int nobservers;
static int seen_alloc; /* some allocation reached the registry */
static __thread int holds_all;

/* ---- locks ------------------------------------------------------------- */

static void spin_lock(int *l)
{
    for (int spins = 0; __atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE); spins++) {
        while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
            if (spins++ < 64)
                __builtin_ia32_pause();
            else
                sched_yield();
        }
    }
}

static void spin_unlock(int *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* ---- the sharded table ------------------------------------------------- */

static uint64_t addr_hash(uintptr_t a)
{
    return (uint64_t)(a >> 4) * 0x9e3779b97f4a7c15ull;
}

static shard *shard_of(uintptr_t a)
{
    return &shards[addr_hash(a) >> 58];
}

static size_t slot_of(const shard *s, uintptr_t a)
{
    return (size_t)(addr_hash(a) >> 20) & (s->cap - 1);
}

static void table_put(shard *s, const det_block *b);

static void table_grow(shard *s)
{
    size_t old_cap = s->cap;
    det_block *old = s->tab;
    size_t cap = old_cap ? 2 * old_cap : MIN_CAP;
    det_block *tab = __libc_calloc(cap, sizeof *tab);
    if (!tab)
        return; /* keep probing the full-ish table; inserts still fit */
    s->tab = tab;
    s->cap = cap;
    s->len = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].addr)
            table_put(s, &old[i]);
    __libc_free(old);
}

/* Inserts or replaces (an address glibc reused behind our back). */
static void table_put(shard *s, const det_block *b)
{
    if (!s->tab || (s->len + 1) * 10 > s->cap * 7)
        table_grow(s);
    if (!s->tab || s->len + 1 >= s->cap)
        return;
    size_t i = slot_of(s, b->addr);
    while (s->tab[i].addr && s->tab[i].addr != b->addr)
        i = (i + 1) & (s->cap - 1);
    if (!s->tab[i].addr)
        s->len++;
    s->tab[i] = *b;
}

static det_block *table_get(shard *s, uintptr_t a)
{
    if (!s->tab)
        return NULL;
    for (size_t i = slot_of(s, a);; i = (i + 1) & (s->cap - 1)) {
        if (s->tab[i].addr == a)
            return &s->tab[i];
        if (!s->tab[i].addr)
            return NULL;
    }
}

/* Backward-shift deletion: later entries of the probe run move up into the
 * hole when their home slot allows it. */
static void table_del(shard *s, uintptr_t a)
{
    det_block *e = table_get(s, a);
    if (!e)
        return;
    size_t mask = s->cap - 1, hole = (size_t)(e - s->tab);
    for (size_t j = (hole + 1) & mask; s->tab[j].addr; j = (j + 1) & mask) {
        size_t home = slot_of(s, s->tab[j].addr);
        bool movable =
            hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            s->tab[hole] = s->tab[j];
            hole = j;
        }
    }
    s->tab[hole].addr = 0;
    s->len--;
}

/* ---- recording --------------------------------------------------------- */

static void record_alloc(void *p, size_t size, uintptr_t pc)
{
    if (!p)
        return;
    __atomic_store_n(&seen_alloc, 1, __ATOMIC_RELAXED);
    det_block b = {
        .addr = (uintptr_t)p,
        .size = size ? size : 1,
        .gid = rt_hook_goid(rt_hook_cur()),
        .pcs = {pc},
        .npcs = 1,
    };
    shard *s = shard_of(b.addr);
    spin_lock(&s->lock);
    table_put(s, &b);
    spin_unlock(&s->lock);
    int n = __atomic_load_n(&nobservers, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (observers[i]->on_alloc)
            observers[i]->on_alloc(b.addr, b.size, pc);
}

static void record_free(void *p)
{
    if (!p)
        return;
    int n = __atomic_load_n(&nobservers, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (observers[i]->on_free)
            observers[i]->on_free((uintptr_t)p);
    shard *s = shard_of((uintptr_t)p);
    spin_lock(&s->lock);
    table_del(s, (uintptr_t)p);
    spin_unlock(&s->lock);
}

void det_heap_note_alloc(void *p, size_t size, uintptr_t pc)
{
    record_alloc(p, size, pc);
}

void det_heap_note_free(void *p)
{
    record_free(p);
}

bool det_heap_complete(void)
{
    return __atomic_load_n(&seen_alloc, __ATOMIC_RELAXED);
}

void det_heap_observe(const det_heap_observer *o)
{
    if (nobservers < MAX_OBSERVERS) {
        observers[nobservers] = o;
        __atomic_store_n(&nobservers, nobservers + 1, __ATOMIC_RELEASE);
    }
}

/* ---- queries ----------------------------------------------------------- */

void det_heap_lock_all(void)
{
    for (int i = 0; i < NSHARDS; i++)
        spin_lock(&shards[i].lock);
    holds_all = 1;
}

void det_heap_unlock_all(void)
{
    holds_all = 0;
    for (int i = NSHARDS - 1; i >= 0; i--)
        spin_unlock(&shards[i].lock);
}

static void lock_shard(shard *s)
{
    if (!holds_all)
        spin_lock(&s->lock);
}

static void unlock_shard(shard *s)
{
    if (!holds_all)
        spin_unlock(&s->lock);
}

bool det_heap_find(uintptr_t addr, det_block *out)
{
    shard *s = shard_of(addr);
    lock_shard(s);
    det_block *e = table_get(s, addr);
    if (e)
        *out = *e;
    unlock_shard(s);
    if (e)
        return true;
    bool found = false;
    for (int k = 0; k < NSHARDS && !found; k++) {
        s = &shards[k];
        lock_shard(s);
        for (size_t i = 0; i < s->cap; i++) {
            const det_block *b = &s->tab[i];
            if (b->addr && b->addr <= addr && addr - b->addr < b->size) {
                *out = *b;
                found = true;
                break;
            }
        }
        unlock_shard(s);
    }
    return found;
}

void det_heap_each(void (*fn)(const det_block *b, void *arg), void *arg)
{
    for (int k = 0; k < NSHARDS; k++) {
        shard *s = &shards[k];
        lock_shard(s);
        for (size_t i = 0; i < s->cap; i++)
            if (s->tab[i].addr)
                fn(&s->tab[i], arg);
        unlock_shard(s);
    }
}

size_t det_heap_count(void)
{
    size_t n = 0;
    for (int k = 0; k < NSHARDS; k++)
        n += __atomic_load_n(&shards[k].len, __ATOMIC_RELAXED);
    return n;
}

void *det_heap_raw_alloc(size_t n)
{
    return __libc_malloc(n);
}

void *det_heap_raw_calloc(size_t n)
{
    return __libc_calloc(1, n);
}

void *det_heap_raw_realloc(void *p, size_t n)
{
    return __libc_realloc(p, n);
}

void det_heap_raw_free(void *p)
{
    __libc_free(p);
}

/* ---- the interposers ---------------------------------------------------- */

WEAK void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    record_alloc(p, n, CALLER_PC());
    return p;
}

WEAK void free(void *p)
{
    record_free(p);
    __libc_free(p);
}

WEAK void *calloc(size_t k, size_t n)
{
    void *p = __libc_calloc(k, n);
    record_alloc(p, k * n, CALLER_PC());
    return p;
}

WEAK void *realloc(void *old, size_t n)
{
    uintptr_t pc = CALLER_PC();
    /* Forget the old block first: glibc may hand its address to another
     * thread the moment realloc moves it. A failed realloc keeps it. */
    det_block was;
    bool had = old && det_heap_find((uintptr_t)old, &was) &&
               was.addr == (uintptr_t)old;
    if (old)
        record_free(old);
    void *p = __libc_realloc(old, n);
    if (p)
        record_alloc(p, n, pc);
    else if (had && n)
        record_alloc(old, was.size, was.pcs[0]);
    return p;
}

WEAK void *reallocarray(void *old, size_t k, size_t n)
{
    size_t bytes;
    if (__builtin_mul_overflow(k, n, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(old, bytes);
}

WEAK void *memalign(size_t align, size_t n)
{
    void *p = __libc_memalign(align, n);
    record_alloc(p, n, CALLER_PC());
    return p;
}

WEAK void *aligned_alloc(size_t align, size_t n)
{
    void *p = __libc_memalign(align, n);
    record_alloc(p, n, CALLER_PC());
    return p;
}

WEAK int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = __libc_memalign(align, n);
    if (!p)
        return ENOMEM;
    record_alloc(p, n, CALLER_PC());
    *out = p;
    return 0;
}

WEAK void *valloc(size_t n)
{
    void *p = __libc_valloc(n);
    record_alloc(p, n, CALLER_PC());
    return p;
}

WEAK void *pvalloc(size_t n)
{
    void *p = __libc_pvalloc(n);
    record_alloc(p, n, CALLER_PC());
    return p;
}
