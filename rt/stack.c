/*
 * Goroutine stacks.
 *
 * C code cannot have its stack moved, so unlike Go we cannot start at 2 KB
 * and grow by copying. Instead every goroutine gets a fixed virtual range
 * (64 KB by default, GORACE_STACK_KB) that the kernel commits one page at a
 * time as it is touched: a parked goroutine that ran a little costs one or
 * two pages of RSS, whatever the virtual size.
 *
 * Slabs. Stacks are carved from slabs of SLAB_STACKS slots mapped with
 * MAP_NORESERVE, so a burst of spawns costs one mmap per slab, not one per
 * goroutine. A slab describes its slots with bitmaps (free, dirty: pages
 * maybe committed, aged: free and dirty at the scavenger's last pass,
 * guarded), so a free stack needs no list node in its own pages and can be
 * given back whole.
 *
 * Guard pages vs. canaries. Each stack slot is one page plus the stack. The
 * page below the stack is a guard wherever the kernel allows, so an overflow
 * faults at once and the SIGSEGV handler (on an alternate signal stack)
 * reports "fatal error: stack overflow" for the right goroutine. Since Linux
 * 6.13, madvise(MADV_GUARD_INSTALL) makes a guard page a marker in the page
 * table: it costs no VMA, survives MADV_DONTNEED, and every stack gets one
 * (a new slab's 64 in one process_madvise call where the kernel has it).
 * On older kernels the guard is a PROT_NONE page, and every such page splits
 * the slab's mapping, costing two kernel VMAs per stack; vm.max_map_count
 * (65530 by default) would cap us near 30k goroutines. So there only
 * GUARD_BUDGET slots get a guard, decided when a slot is first handed out
 * (a slab unmapped gives its guards back to the budget); later ones keep
 * the page readable and rely on a canary at the stack's low end, checked
 * at every switch away from the goroutine. A canary catches an overflow
 * late (after it happened, possibly after it scribbled on a neighbour), and
 * reading it costs a page fault per fresh stack (the kernel maps its zero
 * page) and a TLB entry per switch.
 *
 * The canary is zero: the lowest CANARY_WORDS words must stay zero. Writing a
 * magic value would commit the stack's lowest page, doubling the RSS of every
 * parked goroutine; reading an untouched page maps the kernel's shared zero
 * page and commits nothing. The price: an overflow that writes only zeros
 * there goes unseen, and a goroutine that legitimately dirties its last
 * CANARY_WORDS words is reported as overflowing (it had 64 bytes left). A
 * stack is reused without being cleared: its goroutine passed the canary
 * check when it exited, so the low words are still zero.
 *
 * Reuse and release. An exiting goroutine gives its stack to its P's cache
 * (rt/sched.c stack_put), which trades with this pool in batches, so
 * spawn+exit cycles touch no mapping at all, and freeing a stack here
 * makes no system call either: it only sets its bit. Allocation takes
 * from the slab freed into last and prefers a dirty slot (its pages are
 * still committed and likely cached: no page fault). Memory goes back to the
 * OS off the goroutines' path, in rt_stack_scavenge, which sysmon calls
 * (rt/sysmon.c): a slot free for a whole scavenger period is released with
 * MADV_DONTNEED, one call per run of adjacent slots, and a slab whose slots
 * are all free is unmapped, which also returns its VMAs. Go's scavenger does
 * the same for its heap pages. The cost against freeing at exit: up to two
 * periods' worth of dead stacks stays committed.
 *
 * A goroutine that has not run yet owns no stack: rt/sched.c allocates it at
 * first run, so a million spawned-but-waiting goroutines cost only their Gs.
 *
 * The arena. Slabs are placed side by side in one reserved range of
 * address space (ARENA_BYTES, PROT_NONE until a slab is mapped there, and
 * again once it is unmapped), so stack slot i of the whole arena lies at
 * base + i * slot_bytes, whatever its slab. A detector can then tell a
 * stack address, and its distance from its stack's top, by arithmetic
 * (rt_stack_arena): the race detector shadows the top pages of all stacks
 * side by side, where a linear shadow map spreads them 4 x 68 KB apart, a
 * page-table page per eight stacks (detect/race/shadow.c). Where the range
 * cannot be reserved or is full, slabs are mapped anywhere, as before.
 */
#include "stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
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
    SLAB_STACKS = 64,     /* one bit each in a uint64_t */
    GUARD_BUDGET = 15000, /* ~30k VMAs, under half of vm.max_map_count */
    DEFAULT_STACK_KB = 64,
    MIN_STACK_KB = 16,
};

/* 15M stacks of 64 KB; a few if they are huge. Address space only. */
#define ARENA_BYTES ((size_t)1 << 40)

enum { CANARY_WORDS = 8 };

typedef struct rt_slab {
    uintptr_t base;   /* slot i is [base + i * slot_bytes, + slot_bytes) */
    uint64_t free;    /* no goroutine owns the slot */
    uint64_t dirty;   /* its pages may be committed */
    uint64_t aged;    /* free and dirty at the last scavenger pass */
    uint64_t guarded; /* a guard page below the stack */
    uint64_t decided; /* the guard was tried (slot handed out once) */
    struct rt_slab *prev, *next; /* pool.avail */
    struct rt_slab *scav_next;   /* pool.scav */
    bool on_avail, on_scav;
} rt_slab;

static size_t stack_bytes;
static size_t page_bytes;
static size_t slot_bytes; /* guard or canary page + stack */
static size_t slab_bytes; /* SLAB_STACKS slots */
static struct {
    rt_lock lock;
    /* slabs with a free slot, the one freed into most recently first */
    rt_slab *avail;
    /* slabs with free dirty slots: the scavenger's work list */
    rt_slab *scav;
    long guards_left;   /* PROT_NONE guards still affordable */
    bool guard_markers; /* MADV_GUARD_INSTALL works: every stack guarded */
} pool;

static struct {
    uintptr_t base; /* 0: no arena */
    size_t len;     /* whole slab places: len / slab_bytes of them */
    size_t next;    /* places below next have been used */
    size_t *free;   /* places given back, reused first */
    size_t nfree, cap;
} arena;

static bool guard_markers_work(void);
static void arena_reserve(void);

size_t rt_stack_size(void)
{
    return stack_bytes;
}

void rt_stack_init(void)
{
    static bool inited; /* go_run calls it, or a detector's constructor */
    if (inited)
        return;
    inited = true;
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
    slot_bytes = page_bytes + stack_bytes;
    slab_bytes = slot_bytes * SLAB_STACKS;
    pool.guards_left = GUARD_BUDGET;
    pool.guard_markers = guard_markers_work();
    arena_reserve();
}

bool rt_stack_arena(uintptr_t *base, size_t *len, size_t *slot)
{
    rt_stack_init();
    *base = arena.base;
    *len = arena.len;
    *slot = slot_bytes;
    return arena.base != 0;
}

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif

/* Does this kernel install guard markers (no VMA per guard)? */
static bool guard_markers_work(void)
{
    void *p = mmap(NULL, 2 * page_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return false;
    bool ok = madvise(p, page_bytes, MADV_GUARD_INSTALL) == 0;
    munmap(p, 2 * page_bytes);
    return ok;
}

static void *map_or_die(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        rt_throw("out of memory allocating goroutine stacks");
    return p;
}

/* ---- the arena (pool.lock held, but at init) ---------------------------- */

static void arena_reserve(void)
{
    size_t len = ARENA_BYTES / slab_bytes * slab_bytes;
    if (!len)
        return;
    void *p = mmap(NULL, len, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return; /* RLIMIT_AS, say: slabs go anywhere */
    arena.base = (uintptr_t)p;
    arena.len = len;
}

/* A slab's place in the arena, mapped; 0 if the arena is full or absent. */
static uintptr_t arena_map(void)
{
    size_t k;
    if (arena.nfree)
        k = arena.free[--arena.nfree];
    else if (arena.next < arena.len / slab_bytes)
        k = arena.next++;
    else
        return 0;
    void *want = (void *)(arena.base + k * slab_bytes);
    void *p =
        mmap(want, slab_bytes, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED)
        rt_throw("out of memory allocating goroutine stacks");
    return (uintptr_t)p;
}

static bool in_arena(uintptr_t base)
{
    return base - arena.base < arena.len;
}

/* Gives a slab's pages back; in the arena, its place stays reserved for
 * the next slab (the address space is never handed to anyone else). */
static void slab_unmap(uintptr_t base)
{
    if (!arena.base || !in_arena(base)) {
        munmap((void *)base, slab_bytes);
        return;
    }
    if (mmap((void *)base, slab_bytes, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
             0) == MAP_FAILED) {
        munmap((void *)base, slab_bytes); /* its place is lost, nothing else */
        return;
    }
    if (arena.nfree == arena.cap) {
        size_t cap = arena.cap ? 2 * arena.cap : 64;
        size_t *n = realloc(arena.free, cap * sizeof *n);
        if (!n)
            return; /* the place is lost, nothing else */
        arena.free = n;
        arena.cap = cap;
    }
    arena.free[arena.nfree++] = (base - arena.base) / slab_bytes;
}

/* ---- the slab lists (pool.lock held) ------------------------------------ */

static void avail_remove(rt_slab *sl)
{
    if (!sl->on_avail)
        return;
    if (sl->prev)
        sl->prev->next = sl->next;
    else
        pool.avail = sl->next;
    if (sl->next)
        sl->next->prev = sl->prev;
    sl->prev = sl->next = NULL;
    sl->on_avail = false;
}

/* Most recently freed into first: its slots are the likeliest cached. */
static void avail_push(rt_slab *sl)
{
    avail_remove(sl);
    sl->next = pool.avail;
    if (pool.avail)
        pool.avail->prev = sl;
    pool.avail = sl;
    sl->on_avail = true;
}

static void scav_push(rt_slab *sl)
{
    if (sl->on_scav)
        return;
    sl->scav_next = pool.scav;
    pool.scav = sl;
    sl->on_scav = true;
}

/* All of a new slab's guard markers in one system call: process_madvise
 * on this process (PIDFD_SELF, Linux 6.14) takes one range per slot. If it
 * is missing, slot_take installs them one by one. */
static void slab_guard_all(rt_slab *sl)
{
#if defined(SYS_process_madvise)
    enum { PIDFD_SELF_ = -10000 };
    struct iovec iov[SLAB_STACKS];
    for (int i = 0; i < SLAB_STACKS; i++)
        iov[i] =
            (struct iovec){(void *)(sl->base + i * slot_bytes), page_bytes};
    long n = syscall(SYS_process_madvise, PIDFD_SELF_, iov, SLAB_STACKS,
                     MADV_GUARD_INSTALL, 0);
    if (n == (long)(SLAB_STACKS * page_bytes))
        sl->guarded = ~(uint64_t)0;
#else
    (void)sl;
#endif
}

static rt_slab *slab_new(void)
{
    rt_slab *sl = calloc(1, sizeof *sl);
    if (!sl)
        rt_throw("out of memory allocating goroutine stacks");
    sl->base = arena.base ? arena_map() : 0;
    if (!sl->base)
        sl->base = (uintptr_t)map_or_die(slab_bytes);
    sl->free = ~(uint64_t)0;
    if (pool.guard_markers)
        slab_guard_all(sl);
    avail_push(sl);
    return sl;
}

/* ---- allocation --------------------------------------------------------- */

/* A guard page below the stack at slot: a marker if the kernel has them,
 * else PROT_NONE while the budget lasts. */
static bool guard_slot(uintptr_t slot)
{
    if (pool.guard_markers)
        return madvise((void *)slot, page_bytes, MADV_GUARD_INSTALL) == 0;
    if (pool.guards_left > 0 &&
        mprotect((void *)slot, page_bytes, PROT_NONE) == 0) {
        pool.guards_left--;
        return true;
    }
    return false;
}

/* True if the slot's pages were given back (its top page will fault). */
static bool slot_take(rt_slab *sl, rt_stack *s)
{
    uint64_t hot = sl->free & sl->dirty;
    int i = __builtin_ctzll(hot ? hot : sl->free);
    uint64_t bit = (uint64_t)1 << i;
    sl->free &= ~bit;
    sl->aged &= ~bit;
    sl->dirty |= bit;
    if (!sl->free)
        avail_remove(sl);
    uintptr_t slot = sl->base + (uintptr_t)i * slot_bytes;
    if (!(sl->decided & bit)) {
        sl->decided |= bit;
        (void)stack_register(slot + page_bytes, slot + slot_bytes);
        if (!(sl->guarded & bit) && guard_slot(slot))
            sl->guarded |= bit;
    }
    s->lo = slot + page_bytes;
    s->hi = s->lo + stack_bytes;
    s->slab = sl;
    s->guarded = (sl->guarded & bit) != 0;
    return hot == 0;
}

/* A non-standard stack (main's) is mapped on its own, always guarded. */
static void alloc_large(rt_stack *s, size_t size)
{
    size = (size + page_bytes - 1) & ~(page_bytes - 1);
    uintptr_t base = (uintptr_t)map_or_die(size + page_bytes);
    mprotect((void *)base, page_bytes, PROT_NONE);
    s->lo = base + page_bytes;
    s->hi = s->lo + size;
    s->slab = NULL;
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
    slot_take(pool.avail ? pool.avail : slab_new(), s);
    rt_lock_release(&pool.lock);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* Commits the top page of each clean stack in one system call, where the
 * kernel allows process_madvise on itself: the first frame is written
 * there at once, and a page fault per stack is the costliest part of a
 * goroutine's first run (a virtual machine's fault is a trip through the
 * hypervisor). If the call fails, the faults happen as before. */
static void populate_tops(const struct iovec *iov, int k)
{
#if defined(SYS_process_madvise)
    enum { PIDFD_SELF_ = -10000 };
    if (k > 0 && pool.guard_markers)
        (void)syscall(SYS_process_madvise, PIDFD_SELF_, iov, k,
                      MADV_POPULATE_WRITE, 0);
#else
    (void)iov, (void)k;
#endif
}

int rt_stack_alloc_n(rt_stack *out, int n)
{
    enum { MAX_BATCH = 64 };
    struct iovec iov[MAX_BATCH];
    int k = 0;
    rt_lock_acquire(&pool.lock, RT_RANK_STACKPOOL);
    for (int i = 0; i < n; i++)
        if (slot_take(pool.avail ? pool.avail : slab_new(), &out[i]) &&
            k < MAX_BATCH)
            iov[k++] =
                (struct iovec){(void *)(out[i].hi - page_bytes), page_bytes};
    rt_lock_release(&pool.lock);
    populate_tops(iov, k);
    return n;
}

static void slot_put(rt_stack *s)
{
    rt_slab *sl = s->slab;
    int i = (int)((s->lo - page_bytes - sl->base) / slot_bytes);
    sl->free |= (uint64_t)1 << i;
    avail_push(sl);
    scav_push(sl);
    s->lo = s->hi = 0;
    s->slab = NULL;
}

/* No system call: the scavenger gives the pages back later. */
void rt_stack_free(rt_stack *s)
{
    if (!s->slab) {
        munmap((void *)(s->lo - page_bytes), s->hi - s->lo + page_bytes);
        s->lo = s->hi = 0;
        return;
    }
    rt_lock_acquire(&pool.lock, RT_RANK_STACKPOOL);
    slot_put(s);
    rt_lock_release(&pool.lock);
}

/* Oldest first, so the last one freed is the first taken again. */
void rt_stack_free_n(rt_stack *s, int n)
{
    rt_lock_acquire(&pool.lock, RT_RANK_STACKPOOL);
    for (int i = 0; i < n; i++)
        slot_put(&s[i]);
    rt_lock_release(&pool.lock);
}

/* ---- the scavenger ------------------------------------------------------ */

/* madvise(MADV_DONTNEED) crosses PROT_NONE guards' VMAs and leaves guard
 * markers in place, so a run of adjacent slots costs one call. */
static void release_slots(const rt_slab *sl, uint64_t mask)
{
    while (mask) {
        int i = __builtin_ctzll(mask);
        int j = i;
        while (j < SLAB_STACKS && (mask >> j & 1))
            j++;
        uintptr_t lo = sl->base + (uintptr_t)i * slot_bytes;
        madvise((void *)lo, (size_t)(j - i) * slot_bytes, MADV_DONTNEED);
        mask &= j < SLAB_STACKS ? ~(((uint64_t)1 << j) - 1) : 0;
    }
}

/* One slab's pass; false if the slab was unmapped. */
static bool scavenge_slab(rt_slab *sl, bool all, size_t *released)
{
    rt_lock_acquire(&pool.lock, RT_RANK_STACKPOOL);
    sl->on_scav = false;
    uint64_t rel = sl->free & sl->dirty & (all ? ~(uint64_t)0 : sl->aged);
    if (sl->free == ~(uint64_t)0 && (sl->dirty & ~rel) == 0) {
        avail_remove(sl);
        if (!pool.guard_markers)
            pool.guards_left += __builtin_popcountll(sl->guarded);
        slab_unmap(sl->base);
        rt_lock_release(&pool.lock);
        *released += (size_t)__builtin_popcountll(rel) * slot_bytes;
        free(sl);
        return false;
    }
    sl->free &= ~rel; /* nobody takes them while they are released */
    sl->aged = sl->free & sl->dirty;
    if (sl->aged)
        scav_push(sl); /* released at the next pass if still free */
    if (!sl->free)
        avail_remove(sl);
    rt_lock_release(&pool.lock);
    if (!rel)
        return true;
    release_slots(sl, rel);
    *released += (size_t)__builtin_popcountll(rel) * slot_bytes;
    rt_lock_acquire(&pool.lock, RT_RANK_STACKPOOL);
    sl->free |= rel;
    sl->dirty &= ~rel;
    if (!sl->on_avail)
        avail_push(sl);
    rt_lock_release(&pool.lock);
    return true;
}

size_t rt_stack_scavenge(bool all)
{
    /* The slabs taken stay on_scav until their turn, so a stack freed
     * meanwhile does not relink them; only the scavenger (sysmon) unmaps
     * slabs, so the list stays valid. */
    rt_lock_acquire(&pool.lock, RT_RANK_STACKPOOL);
    rt_slab *list = pool.scav;
    pool.scav = NULL;
    rt_lock_release(&pool.lock);
    size_t released = 0;
    while (list) {
        rt_slab *next = list->scav_next;
        scavenge_slab(list, all, &released);
        list = next;
    }
    return released;
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
