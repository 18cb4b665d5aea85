/*
 * The detector's own memory: its small objects (vector clocks, history
 * parts, sync objects, heap and stack records) come from chunks of their
 * own, never from the program's heap.
 *
 * Why not glibc's malloc, as before:
 *  - the program's heap is the program's. With the detector's objects
 *    between them, ChanRingN's channels lay 480 bytes apart, not 160, and
 *    the one shadow cell each send reads at its channel committed a page
 *    of shadow for every few channels: 260 MB at 10^5 channels;
 *  - a burst (10k timers made, then 10k received and freed) overflows
 *    glibc's per-thread cache, and each of the detector's allocations and
 *    frees then cost 150-270 instructions (callgrind, After10k: 15% of
 *    the race build's instructions).
 *
 * Design. Requests of at most SMALL_MAX bytes are rounded up to one of
 * NCLASS size classes; larger ones still go to glibc. One region is
 * reserved at the first request (REGION bytes, MAP_NORESERVE: a page
 * commits when first touched) and cut into CHUNK-sized chunks, each
 * holding blocks of one class; chunk_class[] says which, so a free finds a
 * block's class from its address alone and needs no header. Each thread
 * keeps a free list per class (at most CACHE_MAX blocks); a miss takes a
 * batch from the class's central list, or carves one from the class's
 * current chunk, under the class's lock; a full list gives half back.
 *
 * What it costs against glibc:
 *  - memory is never given back to the kernel, and freed blocks serve only
 *    their own class;
 *  - a thread that exits keeps its cached blocks (at most CACHE_MAX a
 *    class): runtime threads live as long as the program;
 *  - where the region cannot be reserved (a 16 GiB mapping refused), or
 *    once it is used up, requests go to glibc, as before.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "race.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void __libc_free(void *);

#define REGION ((size_t)16 << 30)
enum {
    CHUNK = 64 << 10,
    NCHUNKS = (int)(REGION / CHUNK),
    SMALL_MAX = 1024,
    NCLASS = 24, /* 16 to 256 by 16, then 320 to 1024 by quarter-steps */
    CACHE_MAX = 64,
    BATCH = 32,
};

static const uint16_t class_size[NCLASS] = {
    16,  32,  48,  64,  80,  96,  112, 128, 144, 160, 176, 192,
    208, 224, 240, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
};

static inline int class_of_size(size_t n)
{
    if (n <= 256)
        return n ? (int)((n - 1) >> 4) : 0;
    int c = 16;
    while (class_size[c] < n)
        c++;
    return c;
}

static struct central {
    atomic_flag lock;
    void *free;       /* blocks linked through their first word */
    char *bump, *end; /* the class's current chunk, carved in order */
} central[NCLASS];

static char *_Atomic region;      /* NULL: not reserved (yet, or ever) */
static _Atomic size_t chunks_cut; /* chunks handed to classes so far */
static uint8_t chunk_class[NCHUNKS];
static _Atomic int region_state; /* 0 none, 1 reserving, 2 ready, 3 failed */

static __thread struct {
    void *head[NCLASS];
    uint32_t n[NCLASS];
} cache __attribute__((tls_model("initial-exec")));

static _Noreturn void out_of_memory(void)
{
    static const char msg[] = "race: out of memory\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

/* The region, reserved by the first caller; false if it cannot be. */
static bool region_ready(void)
{
    int s = atomic_load_explicit(&region_state, memory_order_acquire);
    if (__builtin_expect(s == 2, 1))
        return true;
    if (s == 0 && atomic_compare_exchange_strong(&region_state, &s, 1)) {
        void *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        region = p == MAP_FAILED ? NULL : p;
        atomic_store_explicit(&region_state, region ? 2 : 3,
                              memory_order_release);
    }
    while ((s = atomic_load_explicit(&region_state, memory_order_acquire)) == 1)
        __builtin_ia32_pause();
    return s == 2;
}

static bool in_region(const void *p)
{
    const char *r = atomic_load_explicit(&region, memory_order_relaxed);
    return r && (size_t)((const char *)p - r) < REGION;
}

/* Under c's lock: up to BATCH blocks of class c into this thread's list
 * (none when the region is used up). */
static void refill(int c)
{
    struct central *k = &central[c];
    size_t size = class_size[c];
    for (int i = 0; i < BATCH; i++) {
        void *b = k->free;
        if (b) {
            k->free = *(void **)b;
        } else {
            if (k->bump + size > k->end) {
                size_t n = atomic_fetch_add(&chunks_cut, 1);
                if (n >= NCHUNKS)
                    return;
                chunk_class[n] = (uint8_t)c;
                k->bump = region + n * CHUNK;
                k->end = k->bump + CHUNK;
            }
            b = k->bump;
            k->bump += size;
        }
        *(void **)b = cache.head[c];
        cache.head[c] = b;
        cache.n[c]++;
    }
}

/* A block of class c, or NULL when the region is used up. */
static void *alloc_small(int c)
{
    void *b = cache.head[c];
    if (__builtin_expect(!b, 0)) {
        spin_lock(&central[c].lock);
        refill(c);
        spin_unlock(&central[c].lock);
        if (!(b = cache.head[c]))
            return NULL;
    }
    cache.head[c] = *(void **)b;
    cache.n[c]--;
    return b;
}

/* This thread's list of class c is full: half of it goes back. */
static void give_back(int c)
{
    void *first = cache.head[c], *last = first;
    for (int i = 1; i < CACHE_MAX / 2; i++)
        last = *(void **)last;
    cache.head[c] = *(void **)last;
    cache.n[c] -= CACHE_MAX / 2;
    struct central *k = &central[c];
    spin_lock(&k->lock);
    *(void **)last = k->free;
    k->free = first;
    spin_unlock(&k->lock);
}

void *race_alloc(size_t n)
{
    void *p;
    if (n <= SMALL_MAX && region_ready() && (p = alloc_small(class_of_size(n))))
        return p;
    p = __libc_malloc(n);
    if (!p)
        out_of_memory();
    return p;
}

void *race_calloc(size_t n)
{
    void *p;
    if (n <= SMALL_MAX && region_ready() && (p = alloc_small(class_of_size(n))))
        return memset(p, 0, n);
    p = __libc_calloc(1, n);
    if (!p)
        out_of_memory();
    return p;
}

void race_free(void *p)
{
    if (!in_region(p)) {
        __libc_free(p);
        return;
    }
    int c = chunk_class[((char *)p - region) / CHUNK];
    *(void **)p = cache.head[c];
    cache.head[c] = p;
    if (++cache.n[c] > CACHE_MAX)
        give_back(c);
}
