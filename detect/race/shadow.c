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
 * Among many goroutines that take turns (a ring, a pipeline), the cells a
 * woken goroutine checks first are a turn old and out of the cache: the
 * waker starts fetching them (shadow_prefetch, from race.c on_go_unblock).
 */
#include "race.h"

#include <sys/mman.h>

#include "../../rt/hooks.h"

#define SHADOW_BASE 0x100000000000ull
#define SHADOW_SIZE ((APP_MASK + 1) / 8 * SHADOW_CELLS * sizeof(shadow_t))
#define SHADOW_SCALE (SHADOW_CELLS * sizeof(shadow_t) / 8)
/* After the linear shadow, below where PIE executables load (0x55...). */
#define DENSE_BASE (SHADOW_BASE + SHADOW_SIZE)
#define DENSE_MAX 0x20000000000ull /* 2 TiB */

bool shadow_ready;

/* The runtime's stack arena; len 0 until known (then never changed). */
static struct {
    uintptr_t base;
    size_t len, slot;
    uint64_t magic; /* 2^64 / slot, rounded up: d / slot without a divide */
} stacks;

static void stack_tops_init(void)
{
    uintptr_t base;
    size_t len, slot;
    if (!rt_hook_stack_arena(&base, &len, &slot) || slot < STACK_TOP ||
        slot % 8)
        return;
    size_t dense = len / slot * STACK_TOP * SHADOW_SCALE;
    if (dense > DENSE_MAX)
        return;
    void *p =
        mmap((void *)DENSE_BASE, dense, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
             -1, 0);
    if (p != (void *)DENSE_BASE) {
        if (p != MAP_FAILED)
            munmap(p, dense);
        return;
    }
    madvise(p, dense, MADV_NOHUGEPAGE);
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
    uintptr_t in = d - i * stacks.slot; /* offset in the slot */
    if (in < stacks.slot - STACK_TOP)
        return linear_shadow(stacks.base + d);
    return (_Atomic shadow_t *)(DENSE_BASE + ((i * STACK_TOP + in -
                                               (stacks.slot - STACK_TOP)) >>
                                              3) *
                                                 SHADOW_SCALE * 8);
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

/* shadow_for for an access by g: its own stack's top without arithmetic
 * on the arena (most stack accesses). */
static inline _Atomic shadow_t *shadow_for_g(const gstate *g, uintptr_t addr)
{
    uintptr_t below = g->top_hi - addr - 1; /* wraps unless addr < top */
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
        uintptr_t slot = stacks.base + i * stacks.slot;
        uintptr_t top = slot + stacks.slot - STACK_TOP;
        b = addr < top ? top : slot + stacks.slot;
    } else if (addr < stacks.base) {
        b = stacks.base;
    }
    return b < end ? b : end;
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
        reset_run(addr + (phi - lo) / SHADOW_SCALE, (hi - phi) / SHADOW_SCALE);
    } else {
        /* Read before writing: shadow never touched stays uncommitted. */
        for (shadow_t *c = (shadow_t *)lo; c < (shadow_t *)hi; c++)
            if (__atomic_load_n(c, __ATOMIC_RELAXED))
                __atomic_store_n(c, 0, __ATOMIC_RELAXED);
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

/* Does old, now superseded by cur, carry nothing cur does not? */
static bool supersedes(shadow_t cur, shadow_t old)
{
    return (shadow_mask(old) & ~shadow_mask(cur)) == 0 &&
           (shadow_write(cur) || !shadow_write(old)) &&
           shadow_atomic(cur) == shadow_atomic(old);
}

/* Is cur already said by a cell of the same goroutine and epoch: the same
 * bytes or more, a write for a read, as atomic? Then it adds nothing a
 * check or a report could use (TSan's fast path): a loop that reads what it
 * just wrote costs a few loads. */
static inline bool already_recorded(_Atomic shadow_t *cells, shadow_t cur)
{
    const shadow_t same = 0xffffffffffffffull; /* slot and epoch */
    unsigned cm = shadow_mask(cur);
    for (int i = 0; i < SHADOW_CELLS; i++) {
        shadow_t o = atomic_load_explicit(&cells[i], memory_order_relaxed);
        if ((o & same) == (cur & same) && (shadow_mask(o) & cm) == cm &&
            (shadow_write(o) || !shadow_write(cur)) &&
            shadow_atomic(o) == shadow_atomic(cur))
            return true;
    }
    return false;
}

/* Are cur and old one goroutine's accesses of one kind in one epoch, to
 * other bytes? Then one cell with both masks says both exactly. */
static inline bool same_access_but_bytes(shadow_t cur, shadow_t old)
{
    const shadow_t mask_bits = (shadow_t)0xff << 54;
    return ((cur ^ old) & ~mask_bits) == 0;
}

/* Could old and cur race, were they unordered? */
static inline bool conflicts(shadow_t old, unsigned cm, bool cw, bool ca)
{
    return (shadow_mask(old) & cm) && (shadow_write(old) || cw) &&
           !(shadow_atomic(old) && ca);
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

/* Stores a cell with a plain store when no other thread can be running
 * user code: in a solo section (race.h), the caller's or one of its own.
 * False: not alone, store it the careful way. */
static inline bool store_alone(_Atomic shadow_t *cell, shadow_t store)
{
    bool opened = solo_begin();
    if (!race_solo)
        return false;
    atomic_store_explicit(cell, store, memory_order_relaxed);
    solo_end(opened);
    return true;
}

/* Two goroutines accessing one word at the same moment on two threads
 * would each miss the other with a plain read-then-store: both read before
 * either stored. So the store is a CAS on the cell read (a cell changed
 * underneath sends us round again), and after it a full fence and a second
 * look at the other cells: of two concurrent accessors at least one then
 * sees the other (Dekker), so a race is reported whatever the timing. The
 * locked CAS costs as much as the rest of the check on some machines, and
 * with one thread running user code (GOMAXPROCS=1 and nobody in a system
 * call) there is no second accessor: store_alone stores plainly then. */
static inline __attribute__((always_inline)) shadow_t
check_cells(_Atomic shadow_t *cells, const accessor *a, shadow_t cur)
{
    unsigned cm = shadow_mask(cur);
    bool cw = shadow_write(cur), ca = shadow_atomic(cur);
    for (;;) {
        shadow_t old[SHADOW_CELLS];
        int empty = -1, replace = -1, widen = -1;
        for (int i = 0; i < SHADOW_CELLS; i++) {
            shadow_t o = old[i] =
                atomic_load_explicit(&cells[i], memory_order_relaxed);
            if (o == cur)
                return 0; /* this very access is already recorded */
            if (!o) {
                if (empty < 0)
                    empty = i;
                continue;
            }
            if (shadow_sid(o) == a->sid) {
                if (replace < 0 && supersedes(cur, o))
                    replace = i;
                else if (widen < 0 && same_access_but_bytes(cur, o))
                    widen = i;
                continue;
            }
            if (!conflicts(o, cm, cw, ca))
                continue;
            if (!happens_before(a, o))
                return o;
            if (replace < 0 && supersedes(cur, o))
                replace = i;
        }
        /* Dropping an earlier read of ours on a write would lose nothing,
         * but keeping reads of other goroutines lets later writes race with
         * them. A byte loop of ours widens one cell rather than filling
         * all four and evicting another goroutine's access. */
        shadow_t store = cur;
        int slot;
        if (replace >= 0) {
            slot = replace;
        } else if (widen >= 0) {
            slot = widen;
            store = cur | (shadow_t)shadow_mask(old[widen]) << 54;
        } else {
            slot = empty >= 0 ? empty
                              : (int)((a->epoch ^ cm ^ (uintptr_t)cells >> 5) %
                                      SHADOW_CELLS);
        }
        if (store_alone(&cells[slot], store))
            return 0;
        shadow_t expect = old[slot];
        if (!atomic_compare_exchange_strong_explicit(
                &cells[slot], &expect, store, memory_order_seq_cst,
                memory_order_relaxed))
            continue;
#if !defined(__x86_64__)
        /* x86's locked CAS is already a full barrier. */
        atomic_thread_fence(memory_order_seq_cst);
#endif
        for (int i = 0; i < SHADOW_CELLS; i++) {
            if (i == slot)
                continue;
            shadow_t o = atomic_load_explicit(&cells[i], memory_order_relaxed);
            if (o && o != old[i] && shadow_sid(o) != a->sid &&
                conflicts(o, cm, cw, ca) && !happens_before(a, o))
                return o;
        }
        return 0;
    }
}

/* check_cells out of line, for race_unit's rules tests. */
shadow_t shadow_check(_Atomic shadow_t *cells, const accessor *a, shadow_t cur)
{
    return check_cells(cells, a, cur);
}

/* The goroutine's own stack accesses, to clean them when it ends. */
static inline void note_stack(gstate *g, uintptr_t addr)
{
    if (addr - g->stack_lo < g->stack_hi - g->stack_lo && addr < g->stack_min)
        g->stack_min = addr;
}

/* Checks and records an access; the history event comes first, so that a
 * report racing with it finds its stack. It and check_cells run on every
 * instrumented load and store: inlined into both callers they cost 5%
 * fewer instructions an access (callgrind, ChanRingN/1e2: 321 a read, not
 * 338; TSan's inlined, vectorised check needs a fraction of either). */
static inline __attribute__((always_inline)) void
check_words(gstate *g, uintptr_t addr, size_t size, bool write, bool atomic,
            uintptr_t pc)
{
    unsigned off = addr & 7;
    if (__builtin_expect(off + size <= 8, 1)) { /* one word: most accesses */
        unsigned mask = ((1u << size) - 1) << off;
        shadow_t cur = shadow_make(g->sid, g->epoch, mask, write, atomic);
        _Atomic shadow_t *cells = shadow_for_g(g, addr);
        if (already_recorded(cells, cur))
            return;
        accessor a = {g->sid,     g->epoch,     g->vc,
                      g->pin_sid, g->pin_epoch, &g->pend};
        g->touched = true;
        trace_access(g, pc, addr, size, write, atomic);
        shadow_t old = check_cells(cells, &a, cur);
        if (old)
            race_report(g, addr, size, cur, old, pc);
        return;
    }
    accessor a = {g->sid, g->epoch, g->vc, g->pin_sid, g->pin_epoch, &g->pend};
    g->touched = true;
    trace_access(g, pc, addr, size, write, atomic);
    bool reported = false; /* one report per access, not per word */
    while (size) {
        off = addr & 7;
        size_t n = size < 8 - off ? size : 8 - off;
        unsigned mask = ((1u << n) - 1) << off;
        shadow_t cur = shadow_make(g->sid, g->epoch, mask, write, atomic);
        shadow_t old = check_cells(shadow_at(addr), &a, cur);
        if (old && !reported) {
            race_report(g, addr, n, cur, old, pc);
            reported = true;
        }
        addr += n;
        size -= n;
    }
}

void race_access(gstate *g, uintptr_t addr, size_t size, bool write,
                 bool atomic, uintptr_t pc)
{
    if (!shadow_covers(addr) || !shadow_ready)
        return;
    note_stack(g, addr);
    check_words(g, addr, size, write, atomic, pc);
}

void race_access_range(gstate *g, uintptr_t addr, size_t size, bool write,
                       uintptr_t pc)
{
    if (!size || !shadow_covers(addr) || !shadow_ready)
        return;
    note_stack(g, addr);
    check_words(g, addr, size, write, false, pc);
}
