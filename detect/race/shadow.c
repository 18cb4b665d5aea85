/*
 * Shadow memory: the access history of every application word.
 *
 * Mapping. Application addresses are folded to their low 44 bits (the
 * regions Linux uses on x86-64: the executable and brk heap near 0 or
 * 0x55..., mmap and stacks at 0x7f..., differ in those bits) and every
 * 8-byte word gets SHADOW_CELLS 8-byte cells at
 *     SHADOW_BASE + (addr & (2^44 - 1)) / 8 * 32,
 * a 64 TiB range reserved once with MAP_NORESERVE: the kernel commits a page
 * of shadow only when it is first written, and checks are O(1).
 *
 * Stack tops. Goroutine stacks are 68 KB apart (the API's default 64 KB and
 * a guard page; C stacks cannot grow), so linear shadow puts each stack's
 * top 272 KB from the next: a page-table page per eight goroutines, 130,000 of
 * them for a million parked goroutines. Past some 100,000 page-table pages, on
 * the paravirtual MMU of the machines we measure on, every hop of a ring of a
 * million goroutines paid a slow translation: 19 us a hop, against 3 with
 * 16 KB stacks (bench/README, session 12). So the top STACK_TOP bytes of
 * every stack slot of the runtime's arena (rt_hook_stack_arena) are
 * shadowed side by side in a region of their own, DENSE_BASE + (slot *
 * STACK_TOP + offset in the window) / 8 * 32, which is where nearly every
 * stack access lands; deeper frames keep the linear map. Any address has
 * one shadow address either way, so nothing else changes; ranges are
 * handled in runs of contiguous shadow (shadow_run_end). Without an arena
 * (or if the region cannot be reserved) every address maps linearly. The
 * cost: a compare on every access, and for another goroutine's stack a
 * multiply (shadow_at); an access to the goroutine's own stack top uses
 * the run's start kept for its life (shadow_for_g), as cheap as before.
 *
 * The very top. A page of shadow covers 1 KB of stack, and the goroutines
 * that are many at once are mostly shallow: a ring member's accesses all
 * lie in the top 192 bytes of its stack, yet its window's top page took a
 * page of its own, 400 MB for a ring of 10^5 (its release build's whole
 * footprint is 455 MB). So the top PACKED_TOP (256) bytes of every slot
 * are shadowed in a third region, PACKED_BASE + slot * 1 KB + offset,
 * four slots to a page, and the window's dense pages are committed only
 * for deeper frames. Ring of 10^5, peak RSS: 1.55 -> 1.26 GB (Go -race:
 * 1.53). A goroutine between 256 bytes and 1 KB deep pays a quarter page
 * more than before.
 *
 * Stacks change hands. A goroutine's end forgets its stack's history (race.c,
 * forget_stack) from the lowest address used there, since the stack's next
 * owner is unrelated to it. Its own accesses lower gstate.stack_min; those
 * of other goroutines (a local lent to a child, which the parent may never
 * touch), and sync objects placed there, lower the arena slot's mark
 * (shadow_note_stack_use): one more compare for every access off the
 * goroutine's own stack, and a CAS when it lands on another's below its mark.
 * Without an arena only the goroutine's own accesses count.
 *
 * Cells (race.h) are read and written with relaxed atomics and no lock: a
 * lost update forgets an access, never invents one. The check is FastTrack
 * with TSan's bounded read set: an access compares against the cells of the
 * words it touches; cells of the same slot, of non-overlapping bytes, two
 * reads, or two atomics never race; otherwise the earlier access must happen
 * before the current one (its epoch <= our clock entry for its slot). Then
 * the access is stored: in place of a cell it supersedes (same slot, or one
 * that happens before it, no stronger and covering no more bytes), else in
 * an empty cell, else over a pseudo-random one. Up to four concurrent reads
 * are remembered, so a read vector exists only when reads are concurrent.
 *
 * The access path. Every instrumented load and store comes here, a dozen
 * per channel operation of a typical program, so its length is most of the
 * detector's cost. It is written for the common case and inlined whole into
 * one entry point per size and kind (race_read8 & co.), where the access's
 * masks are constants: one unrolled pass over the word's cells compares
 * each against a few of them (shadow_view: is it this access already, ours,
 * empty, conflicting?), the rare conflicting cell is tested against g's
 * clock and pin, the history event is written inline (trace.h), and the
 * chosen cell is stored plainly in a solo section. While another thread
 * runs user code the same pass runs in a copy per entry point, out of
 * line, and stores with a CAS (check_word_careful). Anything else (an
 * order that only pending entries or floors prove; a cell that changed
 * under the CAS; an access across words; atomics beside another thread)
 * takes check_word_shared, the whole check out of line. Measured with callgrind
 * on ChanRingN/1e2: 326 instructions a read before, about 200 now; TSan's
 * vectorised check takes fewer still, but our cells need 64-bit compares that
 * baseline x86-64 (SSE2) lacks, and a scalar pass with early exits costs no
 * more.
 *
 * Among many goroutines that take turns (a ring, a pipeline), the cells a
 * woken goroutine checks first are a turn old and out of the cache: the
 * waker starts fetching them (shadow_prefetch, from race.c on_go_unblock).
 */
#include "race.h"
#include "trace.h"

#include <sys/mman.h>

#include "../../rt/hooks.h"

#define SHADOW_BASE 0x100000000000ull
#define SHADOW_SIZE ((APP_MASK + 1) / 8 * SHADOW_CELLS * sizeof(shadow_t))
#define SHADOW_SCALE (SHADOW_CELLS * sizeof(shadow_t) / 8)
/* After the linear shadow, below where PIE executables load (0x55...). */
#define DENSE_BASE (SHADOW_BASE + SHADOW_SIZE)
#define DENSE_MAX 0x20000000000ull /* 2 TiB */
#define PACKED_BASE (DENSE_BASE + DENSE_MAX)
/* A slot's packed shadow, and how many slots share a page of it. */
#define PACKED_SPAN ((size_t)PACKED_TOP * SHADOW_SCALE)
#define PACKED_PER_PAGE (4096 / PACKED_SPAN)

bool shadow_ready;

/* The runtime's stack arena; len 0 until known (then never changed). */
static struct {
    uintptr_t base;
    size_t len, slot;
    uint64_t magic; /* 2^64 / slot, rounded up: d / slot without a divide */
    /* Per slot, the lowest address of its stack that anyone used, or 0:
     * see shadow_note_stack_use. */
    _Atomic uintptr_t *low;
    /* Per slot, how many pages of its stack top's shadow, from the top,
     * are known committed, and whether its packed shadow is: see "First
     * touch". */
    uint8_t *depth, *packed;
} stacks;

/* Reserves [at, at + len) for shadow, committed page by page as written;
 * NULL if that range is taken. */
static void *reserve_at(uintptr_t at, size_t len)
{
    void *p =
        mmap((void *)at, len, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
             -1, 0);
    if (p != (void *)at) {
        if (p != MAP_FAILED)
            munmap(p, len);
        return NULL;
    }
    madvise(p, len, MADV_NOHUGEPAGE);
    return p;
}

static void stack_tops_init(void)
{
    uintptr_t base;
    size_t len, slot;
    if (!rt_hook_stack_arena(&base, &len, &slot) || slot < STACK_TOP ||
        slot % 8)
        return;
    size_t n = len / slot, dense = n * STACK_TOP * SHADOW_SCALE;
    size_t packed = (n * PACKED_SPAN + 4095) & ~(size_t)4095;
    if (dense > DENSE_MAX)
        return;
    void *p = reserve_at(DENSE_BASE, dense);
    if (!p)
        return;
    void *q = reserve_at(PACKED_BASE, packed);
    void *low = mmap(NULL, n * (sizeof *stacks.low + 2), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!q || low == MAP_FAILED) {
        munmap(p, dense);
        if (q)
            munmap(q, packed);
        if (low != MAP_FAILED)
            munmap(low, n * (sizeof *stacks.low + 2));
        return;
    }
    stacks.low = low;
    stacks.depth = (uint8_t *)(stacks.low + n);
    stacks.packed = stacks.depth + n;
    stacks.base = base;
    stacks.slot = slot;
    stacks.magic = UINT64_MAX / slot + 1;
    stacks.len = len;
}

/* Slot d / stacks.slot for d < 2^40: the multiply is at most one too high. */
static inline size_t stack_slot_of(uintptr_t d)
{
    size_t i = (size_t)(((unsigned __int128)d * stacks.magic) >> 64);
    return i * stacks.slot > d ? i - 1 : i;
}

bool shadow_map_init(void)
{
    void *p =
        mmap((void *)SHADOW_BASE, SHADOW_SIZE, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
             -1, 0);
    if (p != (void *)SHADOW_BASE)
        return false;
    madvise(p, SHADOW_SIZE, MADV_NOHUGEPAGE);
    stack_tops_init();
    __atomic_store_n(&shadow_ready, true, __ATOMIC_RELEASE);
    return true;
}

bool shadow_covers(uintptr_t addr)
{
    return addr >= 4096 && addr < (1ull << 47) &&
           (addr < SHADOW_BASE || addr >= SHADOW_BASE + SHADOW_SIZE);
}

static inline _Atomic shadow_t *linear_shadow(uintptr_t addr)
{
    return (_Atomic shadow_t *)(SHADOW_BASE +
                                ((addr & APP_MASK) >> 3) * SHADOW_SCALE * 8);
}

/* shadow_for of an address in the arena. */
__attribute__((noinline)) static _Atomic shadow_t *arena_shadow(uintptr_t d)
{
    size_t i = stack_slot_of(d);
    uintptr_t in = d - i * stacks.slot;     /* offset in the slot */
    uintptr_t below = stacks.slot - 1 - in; /* bytes above it in the slot */
    if (below < PACKED_TOP)
        return (_Atomic shadow_t *)(PACKED_BASE + i * PACKED_SPAN +
                                    ((PACKED_TOP - 1 - below) >> 3) *
                                        SHADOW_SCALE * 8);
    if (below < STACK_TOP)
        return (_Atomic shadow_t *)(DENSE_BASE + i * STACK_TOP * SHADOW_SCALE +
                                    ((STACK_TOP - 1 - below) >> 3) *
                                        SHADOW_SCALE * 8);
    return linear_shadow(stacks.base + d);
}

static inline _Atomic shadow_t *shadow_at(uintptr_t addr)
{
    uintptr_t d = addr - stacks.base;
    if (__builtin_expect(d < stacks.len, 0))
        return arena_shadow(d);
    return linear_shadow(addr);
}

_Atomic shadow_t *shadow_for(uintptr_t addr)
{
    return shadow_at(addr);
}

_Atomic shadow_t *shadow_stack_top(uintptr_t hi)
{
    return shadow_for(hi - STACK_TOP);
}

_Atomic shadow_t *shadow_stack_packed(uintptr_t hi)
{
    return shadow_for(hi - PACKED_TOP);
}

/* Lowers the use mark of the arena slot holding addr (offset d). */
__attribute__((noinline)) static void note_slot_use(uintptr_t d)
{
    _Atomic uintptr_t *low = &stacks.low[stack_slot_of(d)];
    uintptr_t addr = stacks.base + d,
              old = atomic_load_explicit(low, memory_order_relaxed);
    while ((!old || addr < old) &&
           !atomic_compare_exchange_weak_explicit(
               low, &old, addr, memory_order_relaxed, memory_order_relaxed))
        ;
}

void shadow_note_stack_use(uintptr_t addr)
{
    uintptr_t d = addr - stacks.base;
    if (d < stacks.len)
        note_slot_use(d);
}

uintptr_t shadow_take_stack_use(uintptr_t hi)
{
    uintptr_t d = hi - 1 - stacks.base;
    if (d >= stacks.len)
        return 0;
    return atomic_exchange_explicit(&stacks.low[stack_slot_of(d)], 0,
                                    memory_order_relaxed);
}

/* shadow_for for an access by g: its own stack's top without arithmetic
 * on the arena (most stack accesses). */
static inline _Atomic shadow_t *shadow_for_g(const gstate *g, uintptr_t addr)
{
    uintptr_t below = g->top_hi - addr - 1; /* wraps unless addr < top */
    if (below < PACKED_TOP)
        return g->top_packed + ((PACKED_TOP - 1 - below) >> 3) * SHADOW_CELLS;
    if (below < STACK_TOP)
        return g->top_shadow + ((STACK_TOP - 1 - below) >> 3) * SHADOW_CELLS;
    return shadow_at(addr);
}

void shadow_prefetch(const gstate *g, uintptr_t addr)
{
    if (!shadow_ready || !shadow_covers(addr))
        return;
    const char *c = (const char *)shadow_for_g(g, addr & ~(uintptr_t)7);
    const size_t word = SHADOW_CELLS * sizeof(shadow_t);
    __builtin_prefetch(c - word, 1);
    __builtin_prefetch(c, 1);
    __builtin_prefetch(c + word, 1);
}

/* The end of the run from addr (before end) whose shadow is contiguous. */
static uintptr_t shadow_run_end(uintptr_t addr, uintptr_t end)
{
    uintptr_t d = addr - stacks.base, b = end;
    if (d < stacks.len) {
        size_t i = stack_slot_of(d);
        uintptr_t slot_end = stacks.base + (i + 1) * stacks.slot;
        uintptr_t top = slot_end - STACK_TOP, packed = slot_end - PACKED_TOP;
        b = addr < top ? top : addr < packed ? packed : slot_end;
    } else if (addr < stacks.base) {
        b = stacks.base;
    }
    return b < end ? b : end;
}

/* First touch. A page of shadow that nothing has written costs two faults
 * at its first access, since the check reads the cells before it stores
 * one: the read maps the zero page, the store faults again for a page of
 * its own. On the virtual machines we measure on a fault is a trip through
 * the hypervisor, 10-15 us, and the top of every fresh stack's shadow took
 * two: a ring of 10^5 goroutines ran its first lap at 30 us a hop, where Go
 * -race takes 4. So a goroutine's first access to a page of its stack
 * top's shadow commits it in one system call (MADV_POPULATE_WRITE, Linux
 * 5.14), and the slot remembers how deep its window is committed, so that
 * the goroutines that use the stack next make no call at all: note_stack
 * asks only when the goroutine's stack reaches a new low (top_ready). The
 * packed page is committed first, for all four slots that share it. */
enum { TOP_PAGE_APP = 4096 / SHADOW_SCALE }; /* stack bytes a page shadows */
static _Atomic bool populate_works = true;

/* How far below hi, the top of slot i, its shadow is known committed.
 * A window's dense pages are committed only after its packed shadow. */
static uintptr_t ready_below(uintptr_t hi, size_t i)
{
    if (!stacks.packed[i])
        return hi;
    return stacks.depth[i] ? hi - stacks.depth[i] * (uintptr_t)TOP_PAGE_APP
                           : hi - PACKED_TOP;
}

uintptr_t shadow_stack_top_ready(uintptr_t hi)
{
    uintptr_t d = hi - 1 - stacks.base;
    if (d >= stacks.len || !populate_works)
        return 0;
    return ready_below(hi, stack_slot_of(d));
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static bool populate(uintptr_t at, size_t len)
{
    if (madvise((void *)at, len, MADV_POPULATE_WRITE)) {
        populate_works = false; /* an older kernel: fault as before */
        return false;
    }
    return true;
}

/* Commits the page of packed shadow that holds slot i's. */
static bool commit_packed(size_t i)
{
    size_t first = i - i % PACKED_PER_PAGE, n = stacks.len / stacks.slot;
    if (!populate(PACKED_BASE + first * PACKED_SPAN, 4096))
        return false;
    for (size_t k = first; k < first + PACKED_PER_PAGE && k < n; k++)
        stacks.packed[k] = 1;
    return true;
}

/* g is about to touch addr, below g->top_ready on its own stack. */
__attribute__((noinline)) static void commit_stack_top(gstate *g,
                                                       uintptr_t addr)
{
    uintptr_t hi = g->top_hi;
    g->top_ready = 0; /* unless committed below */
    if (addr < hi - STACK_TOP || !populate_works || !stacks.len)
        return; /* below the window: the linear shadow, left to faults */
    size_t i = stack_slot_of(hi - 1 - stacks.base);
    if (!stacks.packed[i] && !commit_packed(i))
        return;
    size_t want = hi - addr <= PACKED_TOP
                      ? 0
                      : (hi - addr + TOP_PAGE_APP - 1) / TOP_PAGE_APP;
    uint8_t *depth = &stacks.depth[i];
    if (want > *depth) {
        uintptr_t end = (uintptr_t)g->top_shadow + STACK_TOP * SHADOW_SCALE;
        if (!populate(end - want * 4096, (want - *depth) * 4096))
            return;
        *depth = (uint8_t)want;
    }
    g->top_ready = ready_below(hi, i);
}

/* Shadow pages [lo, hi) went back to the kernel: the stack windows among
 * them are no longer known committed. */
static void forget_committed(uintptr_t lo, uintptr_t hi)
{
    if (!stacks.len)
        return;
    const size_t window = STACK_TOP * SHADOW_SCALE,
                 n = stacks.len / stacks.slot;
    if (lo >= DENSE_BASE && lo < DENSE_BASE + n * window)
        for (size_t i = (lo - DENSE_BASE) / window;
             i <= (hi - 1 - DENSE_BASE) / window; i++)
            stacks.depth[i] = 0;
    if (lo >= PACKED_BASE && lo < PACKED_BASE + n * PACKED_SPAN)
        for (size_t i = (lo - PACKED_BASE) / PACKED_SPAN;
             i <= (hi - 1 - PACKED_BASE) / PACKED_SPAN && i < n; i++)
            stacks.packed[i] = 0;
}

/* shadow_reset of one run of contiguous shadow. */
static void reset_run(uintptr_t addr, size_t size)
{
    uintptr_t lo = (uintptr_t)shadow_at(addr & ~(uintptr_t)7);
    uintptr_t hi =
        lo + (((addr + size + 7) & ~(uintptr_t)7) - (addr & ~(uintptr_t)7)) *
                 SHADOW_SCALE;
    if (hi <= lo)
        return;
    uintptr_t plo = (lo + 4095) & ~(uintptr_t)4095, phi = hi & ~(uintptr_t)4095;
    if (phi > plo + 4 * 4096) {
        reset_run(addr, (plo - lo) / SHADOW_SCALE);
        madvise((void *)plo, phi - plo, MADV_DONTNEED);
        forget_committed(plo, phi);
        reset_run(addr + (phi - lo) / SHADOW_SCALE, (hi - phi) / SHADOW_SCALE);
    } else {
        /* Read before writing: shadow never touched stays uncommitted. A
         * word's cells are looked at together: most words of a fresh block
         * have none. */
        _Static_assert(SHADOW_CELLS == 4, "a word's cells, one by one");
        for (shadow_t *c = (shadow_t *)lo; c < (shadow_t *)hi;
             c += SHADOW_CELLS)
            if (__atomic_load_n(&c[0], __ATOMIC_RELAXED) |
                __atomic_load_n(&c[1], __ATOMIC_RELAXED) |
                __atomic_load_n(&c[2], __ATOMIC_RELAXED) |
                __atomic_load_n(&c[3], __ATOMIC_RELAXED))
                for (int k = 0; k < SHADOW_CELLS; k++)
                    __atomic_store_n(&c[k], 0, __ATOMIC_RELAXED);
    }
}

/* Forgets every access to [addr, addr+size): fresh heap blocks, recycled
 * goroutine stacks. Whole pages go back to the kernel. */
void shadow_reset(uintptr_t addr, size_t size)
{
    if (!shadow_ready || !size || !shadow_covers(addr))
        return;
    uintptr_t end = addr + size;
    if (end < addr)
        end = UINTPTR_MAX;
    while (addr < end) {
        uintptr_t next = shadow_run_end(addr, end);
        reset_run(addr, next - addr);
        addr = next;
    }
}

/* One look at a word's cells, in one pass, decides nearly every access.
 * Each test of a cell is a mask and a compare against a constant made once
 * per access from cur (shadow_view): no field is extracted, and a cell of
 * ours costs the same few instructions whatever it holds. */
typedef struct shadow_view {
    shadow_t cur;
    shadow_t rec_mask, rec_val;   /* (o & rec_mask) == rec_val: o says cur */
    shadow_t sup_mask, sup_val;   /* ... : cur, in o's place, loses nothing */
    shadow_t bytes;               /* cur's byte mask, in place */
    shadow_t kind_mask, kind_val; /* ... : o's kind can race with cur's */
} shadow_view;

#define CELL_SLOT_EPOCH 0x3fffffffffffffull /* bits 0..53 */
#define CELL_SLOT ((shadow_t)(MAX_SLOTS - 1) << 32)
#define CELL_BYTES ((shadow_t)0xff << 54)
#define CELL_WRITE ((shadow_t)1 << 62)
#define CELL_ATOMIC ((shadow_t)1 << 63)

/* cw and ca are cur's write and atomic bits, given apart so that they fold
 * where they are constants. */
static inline shadow_view shadow_view_of(shadow_t cur, bool cw, bool ca)
{
    shadow_t bytes = cur & CELL_BYTES, w = cw ? CELL_WRITE : 0;
    return (shadow_view){
        .cur = cur,
        /* The same slot and epoch, the same bytes or more, a write for a
         * write, as atomic: then cur adds nothing a check or a report
         * could use (TSan's fast path): a loop that reads what it just
         * wrote costs a few loads. */
        .rec_mask = CELL_SLOT_EPOCH | bytes | w | CELL_ATOMIC,
        .rec_val = (cur & CELL_SLOT_EPOCH) | (ca ? CELL_ATOMIC : 0) | bytes | w,
        /* No byte outside cur's, no write where cur reads, as atomic. */
        .sup_mask = (CELL_BYTES & ~bytes) | (cw ? 0 : CELL_WRITE) | CELL_ATOMIC,
        .sup_val = ca ? CELL_ATOMIC : 0,
        .bytes = bytes,
        /* A read races with writes, a write with anything; two atomics
         * never race. */
        .kind_mask = (cw ? 0 : CELL_WRITE) | (ca ? CELL_ATOMIC : 0),
        .kind_val = cw ? 0 : CELL_WRITE,
    };
}

/* What the pass found: bit i for cell i. */
typedef struct cell_scan {
    shadow_t old[SHADOW_CELLS];
    unsigned empty, replace, widen, conflict;
    shadow_t widened; /* cur with the bytes of the first cell in widen */
    bool recorded;
} cell_scan;

/* Unrolled, with constant indices only, so that in the access path the
 * whole scan lives in registers. */
static inline __attribute__((always_inline)) void
scan_cells(_Atomic shadow_t *cells, const shadow_view *v, cell_scan *s)
{
    s->empty = s->replace = s->widen = s->conflict = 0;
    s->widened = 0;
    s->recorded = false;
#pragma GCC unroll 4
    for (int i = 0; i < SHADOW_CELLS; i++) {
        shadow_t o = s->old[i] =
            atomic_load_explicit(&cells[i], memory_order_relaxed);
        shadow_t diff = o ^ v->cur;
        if (!o) {
            s->empty |= 1u << i;
        } else if ((o & v->rec_mask) == v->rec_val) {
            s->recorded = true;
            return;
        } else if (!(diff & CELL_SLOT)) {
            /* Ours, older or of another kind. A byte loop of ours widens
             * one cell rather than filling all four and evicting another
             * goroutine's access. */
            if ((o & v->sup_mask) == v->sup_val) {
                s->replace |= 1u << i;
            } else if (!(diff & ~CELL_BYTES) && !s->widen) {
                s->widen = 1u << i;
                s->widened = v->cur | (o & CELL_BYTES);
            }
        } else if ((o & v->bytes) && (o & v->kind_mask) == v->kind_val) {
            s->conflict |= 1u << i;
        }
    }
}

/* Are the conflicting cells all ordered before the access by g's clock
 * and pin alone, as they nearly always are? Then those it supersedes may
 * be replaced. False sends the access to the full test (happens_before:
 * pending entries, floors). */
static inline __attribute__((always_inline)) bool
clock_orders_conflicts(const gstate *g, const shadow_view *v, cell_scan *s)
{
#pragma GCC unroll 4
    for (int i = 0; i < SHADOW_CELLS; i++) {
        if (!(s->conflict >> i & 1))
            continue;
        shadow_t o = s->old[i];
        sid_t sid = shadow_sid(o);
        epoch_t e = shadow_epoch(o);
        if ((sid != g->pin_sid || e > g->pin_epoch) && e > vc_get(g->vc, sid))
            return false;
        if ((o & v->sup_mask) == v->sup_val)
            s->replace |= 1u << i;
    }
    return true;
}

/* The first cell of s->conflict that does not happen before the access
 * (0 if none); those that do and that it supersedes may be replaced. */
static inline __attribute__((always_inline)) shadow_t
order_conflicts(cell_scan *s, const shadow_view *v, const accessor *a)
{
    for (unsigned m = s->conflict; m; m &= m - 1) {
        int i = __builtin_ctz(m);
        if (!happens_before(a, s->old[i]))
            return s->old[i];
        if ((s->old[i] & v->sup_mask) == v->sup_val)
            s->replace |= 1u << i;
    }
    return 0;
}

/* The cell to store in, and what to store: in place of one the access
 * supersedes, else widening one of ours, else an empty one, else over a
 * pseudo-random one. Dropping an earlier read of ours on a write would
 * lose nothing, but keeping reads of other goroutines lets later writes
 * race with them. */
static inline __attribute__((always_inline)) int
choose_cell(const cell_scan *s, const shadow_view *v, _Atomic shadow_t *cells,
            epoch_t epoch, shadow_t *store)
{
    *store = v->cur;
    if (s->replace)
        return __builtin_ctz(s->replace);
    if (s->widen) {
        *store = s->widened;
        return __builtin_ctz(s->widen);
    }
    if (s->empty)
        return __builtin_ctz(s->empty);
    return (int)((epoch ^ (v->bytes >> 54) ^ (uintptr_t)cells >> 5) %
                 SHADOW_CELLS);
}

/* Could old, a cell of another slot, race with the access? */
static inline bool conflicts(shadow_t old, const shadow_view *v)
{
    return (old & v->bytes) && (old & v->kind_mask) == v->kind_val;
}

__thread bool race_solo;
__thread uint32_t *race_pin_word;
static __thread bool not_an_m;

/* A thread that is not an M at its first look (a pthread of the program,
 * the thread that called go_run) never becomes one. */
uint32_t *race_pin_word_lookup(void)
{
    if (not_an_m)
        return NULL;
    race_pin_word = rt_hook_pin_word();
    not_an_m = !race_pin_word;
    return race_pin_word;
}

/* rt_hook_parallel_gen when this thread last read the cells it stores
 * over (a thread-local, not an argument: kept in a register it cost the
 * inlined access path spills). */
static __thread uint32_t scan_gen;

/* Stores a cell with a plain store when no other thread can be running
 * user code: in a solo section (race.h), the caller's or one of its own,
 * and, for a section opened here, the count has not changed since the
 * cells were read (scan_gen). Without that, another thread could be
 * counted, store a conflicting cell and stop between our read and our
 * store, and each access would miss the other (TestRacePlus2, once, under
 * load).
 * False: not alone, store it the careful way. */

static inline __attribute__((always_inline)) bool
store_alone(_Atomic shadow_t *cell, shadow_t store)
{
    bool opened = solo_begin();
    if (!race_solo)
        return false;
    /* The cells were read before the section opened: if a thread started
     * meanwhile, it may have stored one we never saw (rt/hooks.h). */
    if (opened &&
        __atomic_load_n(&rt_hook_parallel_gen, __ATOMIC_RELAXED) != scan_gen) {
        solo_end(true);
        return false;
    }
    atomic_store_explicit(cell, store, memory_order_relaxed);
    solo_end(opened);
    return true;
}

/* The careful store: a CAS on the cell as the scan read it. */
static inline __attribute__((always_inline)) bool
cas_cell(_Atomic shadow_t *cell, shadow_t expect, shadow_t store)
{
    if (!atomic_compare_exchange_strong_explicit(
            cell, &expect, store, memory_order_seq_cst, memory_order_relaxed))
        return false;
#if !defined(__x86_64__)
    /* x86's locked CAS is already a full barrier. */
    atomic_thread_fence(memory_order_seq_cst);
#endif
    return true;
}

/* After the careful store, the first other cell that changed since the
 * scan and races with the access (0 if none). */
static inline shadow_t second_look(_Atomic shadow_t *cells, int slot,
                                   const shadow_view *v, const cell_scan *s,
                                   const accessor *a)
{
    for (int i = 0; i < SHADOW_CELLS; i++) {
        if (i == slot)
            continue;
        shadow_t o = atomic_load_explicit(&cells[i], memory_order_relaxed);
        if (o && o != s->old[i] && ((o ^ v->cur) & CELL_SLOT) &&
            conflicts(o, v) && !happens_before(a, o))
            return o;
    }
    return 0;
}

/* Two goroutines accessing one word at the same moment on two threads
 * would each miss the other with a plain read-then-store: both read before
 * either stored. So the store is a CAS on the cell read (a cell changed
 * underneath sends us round again), and after it a full fence and a second
 * look at the other cells: of two concurrent accessors at least one then
 * sees the other (Dekker), so a race is reported whatever the timing. The
 * locked CAS costs as much as the rest of the check on some machines, and
 * with one thread running user code (GOMAXPROCS=1 and nobody in a system
 * call) there is no second accessor: store_alone stores plainly then.
 * Returns 0 or the conflicting earlier cell. */
static inline __attribute__((always_inline)) shadow_t
commit_cells(_Atomic shadow_t *cells, const shadow_view *v, cell_scan *s,
             const accessor *a)
{
    for (;;) {
        shadow_t old = order_conflicts(s, v, a);
        if (old)
            return old;
        shadow_t store;
        int slot = choose_cell(s, v, cells, a->epoch, &store);
        if (store_alone(&cells[slot], store))
            return 0;
        if (!cas_cell(&cells[slot], s->old[slot], store)) {
            scan_gen = __atomic_load_n(&rt_hook_parallel_gen, __ATOMIC_ACQUIRE);
            scan_cells(cells, v, s);
            if (s->recorded)
                return 0;
            continue;
        }
        return second_look(cells, slot, v, s, a);
    }
}

/* store_beside's second look, when a cell changed since the scan. */
__attribute__((noinline)) static void
report_second_look(gstate *g, _Atomic shadow_t *cells, int slot,
                   const shadow_view *v, const cell_scan *s, uintptr_t addr,
                   size_t size, uintptr_t pc)
{
    accessor a = {g->sid, g->epoch, g->vc, g->pin_sid, g->pin_epoch, &g->pend};
    shadow_t old = second_look(cells, slot, v, s, &a);
    if (old)
        race_report(g, addr, size, v->cur, old, pc);
}

/* commit_cells' careful store for the access path, given its scan, with
 * the second look inline while no cell changed since the scan, as nearly
 * always. False: the CAS failed and nothing is stored; the full check
 * starts again. */
static inline __attribute__((always_inline)) bool
store_beside(gstate *g, _Atomic shadow_t *cells, int slot, shadow_t store,
             const shadow_view *v, const cell_scan *s, uintptr_t addr,
             size_t size, uintptr_t pc)
{
    if (!cas_cell(&cells[slot], s->old[slot], store))
        return false;
    bool changed = false;
#pragma GCC unroll 4
    for (int i = 0; i < SHADOW_CELLS; i++)
        changed |=
            i != slot &&
            atomic_load_explicit(&cells[i], memory_order_relaxed) != s->old[i];
    if (__builtin_expect(changed, 0))
        report_second_look(g, cells, slot, v, s, addr, size, pc);
    return true;
}

/* The whole check, for race_unit's rules tests. */
shadow_t shadow_check(_Atomic shadow_t *cells, const accessor *a, shadow_t cur)
{
    shadow_view v = shadow_view_of(cur, shadow_write(cur), shadow_atomic(cur));
    cell_scan s;
    scan_gen = __atomic_load_n(&rt_hook_parallel_gen, __ATOMIC_ACQUIRE);
    scan_cells(cells, &v, &s);
    return s.recorded ? 0 : commit_cells(cells, &v, &s, a);
}

/* Accesses to stacks, to clean them when their goroutine ends: its own in
 * g->stack_min, without an atomic; another goroutine's in its slot's mark
 * (shadow_note_stack_use), a compare more for every other access. */
static inline void note_stack(gstate *g, uintptr_t addr)
{
    if (addr - g->stack_lo < g->stack_hi - g->stack_lo) {
        if (addr < g->stack_min) {
            g->stack_min = addr;
            if (__builtin_expect(addr < g->top_ready, 0))
                commit_stack_top(g, addr);
        }
    } else if (__builtin_expect(addr - stacks.base < stacks.len, 0)) {
        note_slot_use(addr - stacks.base);
    }
}

/* The history event of an access, before its check: a report racing with
 * it finds its stack. */
static inline __attribute__((always_inline)) void
trace_event(gstate *g, uintptr_t pc, uintptr_t addr, size_t size, bool write,
            bool atomic)
{
    g->touched = true;
    if (size & (size - 1) || size > 8)
        trace_access(g, pc, addr, size, write, atomic);
    else
        trace_word(g, pc, addr, __builtin_ctzl(size), write);
}

/* The check of an access to one word with every case covered: the cells
 * stored by CAS unless alone, happens_before's whole test. traced: its
 * history event is already written. */
__attribute__((noinline)) static void
check_word_shared(gstate *g, _Atomic shadow_t *cells, shadow_t cur,
                  uintptr_t addr, size_t size, uintptr_t pc, bool traced)
{
    shadow_view v = shadow_view_of(cur, shadow_write(cur), shadow_atomic(cur));
    cell_scan s;
    scan_gen = __atomic_load_n(&rt_hook_parallel_gen, __ATOMIC_ACQUIRE);
    scan_cells(cells, &v, &s);
    if (s.recorded)
        return;
    if (!traced)
        trace_event(g, pc, addr, size, shadow_write(cur), shadow_atomic(cur));
    accessor a = {g->sid, g->epoch, g->vc, g->pin_sid, g->pin_epoch, &g->pend};
    shadow_t old = commit_cells(cells, &v, &s, &a);
    if (old)
        race_report(g, addr, size, cur, old, pc);
}

/* The check of one word while another thread runs user code: the solo
 * path's pass, then a CAS where the solo path stores plainly. A copy per
 * size and kind, whose masks are constants, out of line so that the solo
 * path keeps its registers. Before, these accesses took check_word_shared
 * from the start (MacroPipeline3 at GOMAXPROCS 2: 19% of the time there,
 * a third of it the CAS and the rest a check with masks in registers). */
static inline __attribute__((always_inline)) void
check_word_careful(gstate *g, _Atomic shadow_t *cells, shadow_t cur,
                   uintptr_t addr, size_t size, bool write, uintptr_t pc)
{
    shadow_view v = shadow_view_of(cur, write, false);
    cell_scan s;
    scan_cells(cells, &v, &s);
    if (s.recorded)
        return;
    trace_event(g, pc, addr, size, write, false);
    if (!s.conflict || clock_orders_conflicts(g, &v, &s)) {
        shadow_t store;
        int slot = choose_cell(&s, &v, cells, g->epoch, &store);
        if (store_beside(g, cells, slot, store, &v, &s, addr, size, pc))
            return;
    }
    check_word_shared(g, cells, cur, addr, size, pc, true);
}

typedef void careful_fn(gstate *g, _Atomic shadow_t *cells, shadow_t cur,
                        uintptr_t addr, uintptr_t pc);
#define DEFINE_CAREFUL(n)                                                      \
    __attribute__((noinline)) static void careful_read##n(                     \
        gstate *g, _Atomic shadow_t *cells, shadow_t cur, uintptr_t addr,      \
        uintptr_t pc)                                                          \
    {                                                                          \
        check_word_careful(g, cells, cur, addr, n, false, pc);                 \
    }                                                                          \
    __attribute__((noinline)) static void careful_write##n(                    \
        gstate *g, _Atomic shadow_t *cells, shadow_t cur, uintptr_t addr,      \
        uintptr_t pc)                                                          \
    {                                                                          \
        check_word_careful(g, cells, cur, addr, n, true, pc);                  \
    }
DEFINE_CAREFUL(1)
DEFINE_CAREFUL(2)
DEFINE_CAREFUL(4)
DEFINE_CAREFUL(8)
/* [write][log2 size] */
static careful_fn *const careful_entry[2][4] = {
    {careful_read1, careful_read2, careful_read4, careful_read8},
    {careful_write1, careful_write2, careful_write4, careful_write8},
};

/* Checks and records an access. Most touch one word while this thread
 * alone runs user code (GOMAXPROCS=1, or one goroutine busy at a time),
 * and meet only cells of their own goroutine and cells the clock orders
 * before them: for those the check is one pass over the cells, a few
 * compares against constants, and a plain store, inlined into each of the
 * compiler's entry points (race_read8 & co.); everything else goes to
 * check_word_shared. */
static inline __attribute__((always_inline)) void
check_words(gstate *g, uintptr_t addr, size_t size, bool write, bool atomic,
            uintptr_t pc)
{
    unsigned off = addr & 7;
    if (__builtin_expect(off + size <= 8, 1)) {
        unsigned mask = ((1u << size) - 1) << off;
        shadow_t cur = shadow_make(g->sid, g->epoch, mask, write, atomic);
        _Atomic shadow_t *cells = shadow_for_g(g, addr);
        /* read before the count and the cells (acquire: neither load may
         * move above it): see store_alone */
        scan_gen = __atomic_load_n(&rt_hook_parallel_gen, __ATOMIC_ACQUIRE);
        if (__builtin_expect(race_solo || !__atomic_load_n(&rt_hook_parallel,
                                                           __ATOMIC_RELAXED),
                             1)) {
            shadow_view v = shadow_view_of(cur, write, atomic);
            cell_scan s;
            scan_cells(cells, &v, &s);
            if (s.recorded)
                return;
            trace_event(g, pc, addr, size, write, atomic);
            if (!s.conflict || clock_orders_conflicts(g, &v, &s)) {
                shadow_t store;
                int slot = choose_cell(&s, &v, cells, g->epoch, &store);
                if (store_alone(&cells[slot], store))
                    return;
            }
            check_word_shared(g, cells, cur, addr, size, pc, true);
            return;
        }
        if (!atomic && size <= 8 && !(size & (size - 1)))
            careful_entry[write][__builtin_ctzl(size)](g, cells, cur, addr, pc);
        else
            check_word_shared(g, cells, cur, addr, size, pc, false);
        return;
    }
    accessor a = {g->sid, g->epoch, g->vc, g->pin_sid, g->pin_epoch, &g->pend};
    trace_event(g, pc, addr, size, write, atomic);
    bool reported = false; /* one report per access, not per word */
    while (size) {
        off = addr & 7;
        size_t n = size < 8 - off ? size : 8 - off;
        unsigned mask = ((1u << n) - 1) << off;
        shadow_t cur = shadow_make(g->sid, g->epoch, mask, write, atomic);
        shadow_t old = shadow_check(shadow_at(addr), &a, cur);
        if (old && !reported) {
            race_report(g, addr, n, cur, old, pc);
            reported = true;
        }
        addr += n;
        size -= n;
    }
}

static inline __attribute__((always_inline)) void
access(gstate *g, uintptr_t addr, size_t size, bool write, bool atomic,
       uintptr_t pc)
{
    if (!shadow_covers(addr) || !shadow_ready)
        return;
    note_stack(g, addr);
    check_words(g, addr, size, write, atomic, pc);
}

void race_access(gstate *g, uintptr_t addr, size_t size, bool write,
                 bool atomic, uintptr_t pc)
{
    access(g, addr, size, write, atomic, pc);
}

/* The compiler's plain accesses, one function per size and kind: the
 * check's masks are constants in each. */
#define DEFINE_PLAIN_ACCESS(n)                                                 \
    void race_read##n(gstate *g, uintptr_t addr, uintptr_t pc)                 \
    {                                                                          \
        access(g, addr, n, false, false, pc);                                  \
    }                                                                          \
    void race_write##n(gstate *g, uintptr_t addr, uintptr_t pc)                \
    {                                                                          \
        access(g, addr, n, true, false, pc);                                   \
    }
DEFINE_PLAIN_ACCESS(1)
DEFINE_PLAIN_ACCESS(2)
DEFINE_PLAIN_ACCESS(4)
DEFINE_PLAIN_ACCESS(8)
DEFINE_PLAIN_ACCESS(16)

/* Any other size, out of line: the dispatch before stays a few
 * instructions and tail calls. */
__attribute__((noinline)) static void
access_any(gstate *g, uintptr_t addr, size_t size, bool write, uintptr_t pc)
{
    if (!shadow_covers(addr) || !shadow_ready)
        return;
    note_stack(g, addr);
    check_words(g, addr, size, write, false, pc);
}

/* Ranges of the compiler's sizes (the runtime's copies of channel
 * elements, mostly) take its entry points, whose masks are constants:
 * [write][log2 size]. */
typedef void plain_fn(gstate *g, uintptr_t addr, uintptr_t pc);
static plain_fn *const plain_entry[2][4] = {
    {race_read1, race_read2, race_read4, race_read8},
    {race_write1, race_write2, race_write4, race_write8},
};

void race_access_range(gstate *g, uintptr_t addr, size_t size, bool write,
                       uintptr_t pc)
{
    if (!size)
        return;
    if (size <= 8 && !(size & (size - 1))) {
        plain_entry[write][__builtin_ctzl(size)](g, addr, pc);
        return;
    }
    access_any(g, addr, size, write, pc);
}
