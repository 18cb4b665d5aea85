/*
 * Goroutine stacks.
 *
 * C code cannot have its stack moved, so unlike Go we cannot start at 2 KB
 * and grow by copying. Instead every goroutine gets a fixed virtual range
 * (64 KB by default, GORACE_STACK_KB) that the kernel commits one page at a
 * time as it is touched: a parked goroutine that ran a little costs one or
 * two pages of RSS, whatever the virtual size.
 *
 * Slabs. Stacks are carved from slabs of SLAB_STACKS stacks mapped with
 * MAP_NORESERVE, so a burst of spawns costs one mmap per slab, not one per
 * goroutine.
 *
 * Guard pages vs. canaries. Each stack slot is one page plus the stack. While
 * affordable the page below the stack is made PROT_NONE, so an overflow
 * faults at once and the SIGSEGV handler (on an alternate signal stack)
 * reports "fatal error: stack overflow" for the right goroutine. But every
 * guard page splits the slab's mapping, costing two kernel VMAs per stack,
 * and vm.max_map_count (65530 by default) would cap us near 30k goroutines.
 * So only the first GUARD_BUDGET stacks get a guard; later ones keep the page
 * readable and rely on a canary at the stack's low end, checked at every
 * switch away from the goroutine. A canary catches an overflow late (after
 * it happened, possibly after it scribbled on a neighbour), which is why
 * guarded stacks are handed out first and preferred when reused.
 *
 * The canary is zero: the lowest CANARY_WORDS words must stay zero. Writing a
 * magic value would commit the stack's lowest page, doubling the RSS of every
 * parked goroutine; reading an untouched page maps the kernel's shared zero
 * page and commits nothing. The price: an overflow that writes only zeros
 * there goes unseen, and a goroutine that legitimately dirties its last
 * CANARY_WORDS words is reported as overflowing (it had 64 bytes left).
 *
 * Pooling. A dead goroutine keeps its stack (rt/sched.c's G free lists), so
 * spawn+exit cycles touch no mapping at all. Stacks released here go to a
 * global free list after MADV_DONTNEED gives their pages back.
 * A goroutine that has not run yet owns no stack: rt/sched.c allocates it at
 * first run, so a million spawned-but-waiting goroutines cost only their Gs.
 */
#include "stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lock.h"
#include "sched.h"

/* Tell valgrind where goroutine stacks are, or it takes every switch for a
 * wild stack-pointer change. The client requests are a few no-op
 * instructions when not running under valgrind. */
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define stack_register(lo, hi) VALGRIND_STACK_REGISTER((lo), (hi))
#else
#define stack_register(lo, hi) 0
#endif

enum {
    SLAB_STACKS = 64,
    GUARD_BUDGET = 15000, /* ~30k VMAs, under half of vm.max_map_count */
    DEFAULT_STACK_KB = 64,
    MIN_STACK_KB = 16,
};

enum { CANARY_WORDS = 8 };

typedef struct free_stack {
    struct free_stack *next;
    rt_stack s;
} free_stack;

static size_t stack_bytes;
static size_t page_bytes;
static struct {
    rt_lock lock;
    uintptr_t slab_next, slab_end; /* unused slots of the current slab */
    long guards_left;
    free_stack *free_guarded, *free_plain; /* nodes live in the stacks */
} pool;

size_t rt_stack_size(void)
{
    return stack_bytes;
}

void rt_stack_init(void)
{
    page_bytes = (size_t)sysconf(_SC_PAGESIZE);
    size_t kb = DEFAULT_STACK_KB;
    const char *env = getenv("GORACE_STACK_KB");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end || v < MIN_STACK_KB || v > 1024 * 1024) {
            fprintf(stderr,
                    "gorace: GORACE_STACK_KB=%s: want an integer from %d to "
                    "1048576\n",
                    env, MIN_STACK_KB);
            exit(2);
        }
        kb = (size_t)v;
    }
    stack_bytes = (kb * 1024 + page_bytes - 1) & ~(page_bytes - 1);
    pool.guards_left = GUARD_BUDGET;
}

static void *map_or_die(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        rt_throw("out of memory allocating goroutine stacks");
    return p;
}

/* A slot is one page (guard or canary page) followed by the stack. */
static void take_slot(rt_stack *s)
{
    size_t slot = page_bytes + stack_bytes;
    if (pool.slab_next == pool.slab_end) {
        pool.slab_next = (uintptr_t)map_or_die(slot * SLAB_STACKS);
        pool.slab_end = pool.slab_next + slot * SLAB_STACKS;
    }
    uintptr_t base = pool.slab_next;
    pool.slab_next += slot;
    s->lo = base + page_bytes;
    s->hi = s->lo + stack_bytes;
    s->guarded = false;
    (void)stack_register(s->lo, s->hi);
    if (pool.guards_left > 0 &&
        mprotect((void *)base, page_bytes, PROT_NONE) == 0) {
        pool.guards_left--;
        s->guarded = true;
    }
}

static bool pop_free(free_stack **list, rt_stack *s)
{
    free_stack *f = *list;
    if (!f)
        return false;
    *list = f->next;
    *s = f->s;
    return true;
}

/* A non-standard stack (main's) is mapped on its own, always guarded. */
static void alloc_large(rt_stack *s, size_t size)
{
    size = (size + page_bytes - 1) & ~(page_bytes - 1);
    uintptr_t base = (uintptr_t)map_or_die(size + page_bytes);
    mprotect((void *)base, page_bytes, PROT_NONE);
    s->lo = base + page_bytes;
    s->hi = s->lo + size;
    s->guarded = true;
    (void)stack_register(s->lo, s->hi);
}

void rt_stack_alloc(rt_stack *s, size_t size)
{
    if (size && size != stack_bytes) {
        alloc_large(s, size);
        return;
    }
    rt_lock_acquire(&pool.lock, RT_RANK_STACKPOOL);
    if (!pop_free(&pool.free_guarded, s) && !pop_free(&pool.free_plain, s))
        take_slot(s);
    rt_lock_release(&pool.lock);
}

void rt_stack_free(rt_stack *s)
{
    if (s->hi - s->lo != stack_bytes) {
        munmap((void *)(s->lo - page_bytes), s->hi - s->lo + page_bytes);
        s->lo = s->hi = 0;
        return;
    }
    /* Keep the top page (it holds the free-list node); return the rest. */
    madvise((void *)s->lo, stack_bytes - page_bytes, MADV_DONTNEED);
    free_stack *f = (free_stack *)(s->hi - sizeof(free_stack));
    f->s = *s;
    rt_lock_acquire(&pool.lock, RT_RANK_STACKPOOL);
    free_stack **list = s->guarded ? &pool.free_guarded : &pool.free_plain;
    f->next = *list;
    *list = f;
    rt_lock_release(&pool.lock);
    s->lo = s->hi = 0;
}

void *rt_stack_first_frame(const rt_stack *s, void (*entry)(void))
{
    /* sp must be 16-byte aligned so that, after rt_ctx_switch pops the
     * frame (64 bytes), the trampoline's call leaves the ABI alignment. */
    uintptr_t sp = (s->hi - 64) & ~(uintptr_t)15;
    uint64_t *f = (uint64_t *)sp;
    memset(f, 0, 64);
    f[0] = 0x1f80 | ((uint64_t)0x037f << 32); /* default MXCSR, x87 CW */
    f[5] = (uint64_t)(uintptr_t)entry;        /* rbx */
    f[7] = (uint64_t)(uintptr_t)rt_gogo_trampoline;
    return f;
}

bool rt_stack_canary_ok(const rt_stack *s)
{
    const uint64_t *w = (const uint64_t *)s->lo;
    uint64_t any = 0;
    for (int i = 0; i < CANARY_WORDS; i++)
        any |= w[i];
    return any == 0;
}

bool rt_stack_is_overflow(const rt_stack *s, uintptr_t addr)
{
    /* A big frame can jump past the guard page: accept anything within a
     * few pages below the stack's bottom. */
    return s->lo && addr < s->lo && addr + 16 * page_bytes >= s->lo;
}
