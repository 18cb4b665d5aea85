/*
 * Conservative marking: which blocked goroutines could still be woken?
 *
 * The idea is Go 1.27's goroutine leak profile (Saioc et al., ASPLOS 2025):
 * a goroutine blocked on a channel, select, Mutex, WaitGroup or Cond can
 * only be woken by someone who can reach the object it waits on. Mark from
 * the roots, never from a blocked goroutine's stack; when a blocked
 * goroutine's wait object turns out reachable, its stack joins the roots
 * (once woken it will use what it references); repeat to a fixpoint. Blocked
 * goroutines whose objects all stay unmarked can never be woken: leaked.
 *
 * We have no GC, so everything is conservative, as the Boehm collector is:
 *
 *   roots      the writable PT_LOAD segments of every loaded object (data,
 *              bss: globals of the program and of every library) minus the
 *              detectors' own records; the stacks of goroutines that can
 *              run: runnable (from the saved sp, which covers the saved
 *              registers), in a system call or still running because the
 *              world did not stop (their whole usable stack, as their sp
 *              is unknown), sleeping or waiting on anything that is not a
 *              user sync object (a timer will wake them), and the caller's
 *              own stack from its current sp (its callee-saved registers
 *              are spilled there first); and the start argument of a
 *              goroutine that has not run yet;
 *   pointers   every aligned word that points anywhere inside a registered
 *              heap block marks the whole block (interior pointers count),
 *              and anywhere inside a blocked goroutine's stack marks that
 *              stack live (someone can reach its locals, sync objects
 *              included);
 *   objects    a wait object is reachable when it lies in a marked block, a
 *              data segment, a live stack, or memory we do not track at all
 *              (mmap'd by the user, TLS): there we cannot tell, so we must
 *              assume someone can reach it.
 *
 * Runtime structures. The scheduler's own blocks, Gs, Ms and sudogs, are
 * reachable from its globals (allgs, the Ps' caches) and point at every
 * blocked goroutine's wait objects (sudog.obj, g.wait_obj) and stacks
 * (g.sp, sudog.elem). Scanning them would make every blocked object
 * reachable, and they are not scanned: the runtime takes them from mmap,
 * not malloc (rt/hooks.h), so the heap registry never lists them and the
 * scan stops at a pointer into them, as at any memory it does not track.
 * This loses nothing a user can use: a G or a sudog is never
 * handed to user code, and what a goroutine can reach it holds on its
 * stack (scanned when it can run) or, before it starts, in its start
 * argument (a root). Every other runtime block is scanned like user memory:
 * a channel's buffer holds user values; a timer (go_timer, go_after's
 * record, the timer heap) holds the channel it will send on and a context
 * the context it will cancel, so a pending timer keeps what it will wake
 * reachable, as it must.
 *
 * Why this may miss a leak but never invents one: every approximation adds
 * reachability (integers that look like pointers, stale slots above a live
 * sp, whole stacks of threads in system calls, untracked memory counted as
 * reachable), and what is left out of the scan is memory no goroutine that
 * can still run may use to reach a user object: the scheduler's
 * structures (see above), the stacks of parked goroutines that nothing
 * reachable points into, dead goroutines' stacks, freed blocks, and the
 * detectors' records. The one assumption is that user code keeps its references
 * in memory we scan: globals, heap blocks from malloc, goroutine stacks, start
 * arguments. A reference kept only in a thread-local variable (goroutines
 * migrate between threads, so gorace programs have no use for one) or in
 * memory mmap'd directly and not reachable otherwise is not seen. A check
 * gives no verdict (nothing is reported) when the world could not be
 * stopped or when the heap registry missed allocations (another detector's
 * malloc won at link time and does not report to the registry).
 */
#define _GNU_SOURCE
#include "deadlock.h"

#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "../common/heap.h"

enum { MAX_EXCLUDE = 32 };

typedef struct range {
    uintptr_t lo, hi;
} range;

static range excluded[MAX_EXCLUDE];
static int nexcluded;

void dl_root_exclude(const void *p, size_t len)
{
    if (nexcluded < MAX_EXCLUDE)
        excluded[nexcluded++] = (range){(uintptr_t)p, (uintptr_t)p + len};
}

/* ---- the heap snapshot ----------------------------------------------------
 */

typedef struct blk {
    uintptr_t lo, hi;
    bool marked;
} blk;

typedef struct heap_snap {
    size_t n, cap;
    blk *b;
    bool overflow;
} heap_snap;

static void snap_block(const det_block *b, void *arg)
{
    heap_snap *h = arg;
    if (h->n == h->cap) {
        h->overflow = true; /* no verdict: see dl_mark */
        return;
    }
    h->b[h->n++] = (blk){b->addr, b->addr + b->size, false};
}

/* Heapsort by address: qsort may allocate, and the heap is locked. */
static void blk_sift(blk *b, size_t root, size_t n)
{
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && b[child + 1].lo > b[child].lo)
            child++;
        if (b[root].lo >= b[child].lo)
            return;
        blk t = b[root];
        b[root] = b[child];
        b[child] = t;
    }
}

static void blk_sort(blk *b, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        blk_sift(b, i, n);
    for (size_t end = n; end-- > 1;) {
        blk t = b[0];
        b[0] = b[end];
        b[end] = t;
        blk_sift(b, 0, end);
    }
}

static blk *blk_find(heap_snap *h, uintptr_t a)
{
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (h->b[mid].lo <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    blk *b = &h->b[lo - 1];
    return a < b->hi ? b : NULL;
}

/* ---- the mark phase -------------------------------------------------------
 */

typedef struct marker {
    heap_snap heap;
    dl_mg *gs;
    size_t ng;
    dl_mg **by_lo; /* goroutines sorted by stack lo */
    range *work;
    size_t nwork, capwork;
    range *segs; /* root segments, collected before the heap is locked */
    size_t nsegs, capsegs;
} marker;

static void push(marker *m, uintptr_t lo, uintptr_t hi)
{
    lo = (lo + 7) & ~(uintptr_t)7;
    if (hi <= lo)
        return;
    if (m->nwork == m->capwork) {
        size_t cap = m->capwork ? 2 * m->capwork : 256;
        range *n = dl_alloc(cap * sizeof *n);
        if (m->nwork)
            memcpy(n, m->work, m->nwork * sizeof *n);
        dl_free(m->work);
        m->work = n;
        m->capwork = cap;
    }
    m->work[m->nwork++] = (range){lo, hi};
}

static void add_seg(marker *m, uintptr_t lo, uintptr_t hi)
{
    if (hi <= lo)
        return;
    if (m->nsegs == m->capsegs) {
        size_t cap = m->capsegs ? 2 * m->capsegs : 32;
        range *n = dl_alloc(cap * sizeof *n);
        if (m->nsegs)
            memcpy(n, m->segs, m->nsegs * sizeof *n);
        dl_free(m->segs);
        m->segs = n;
        m->capsegs = cap;
    }
    m->segs[m->nsegs++] = (range){lo, hi};
}

/* A root segment minus the excluded ranges inside it. */
static void add_segment(marker *m, uintptr_t lo, uintptr_t hi)
{
    for (int i = 0; i < nexcluded; i++) {
        range x = excluded[i];
        if (x.hi <= lo || x.lo >= hi)
            continue;
        add_segment(m, lo, x.lo > lo ? x.lo : lo);
        add_segment(m, x.hi < hi ? x.hi : hi, hi);
        return;
    }
    add_seg(m, lo, hi);
}

static int segment_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    marker *m = arg;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        add_segment(m, lo, lo + ph->p_memsz);
    }
    return 0;
}

static int g_cmp(const void *a, const void *b)
{
    const dl_mg *x = *(dl_mg *const *)a, *y = *(dl_mg *const *)b;
    return x->gi.stack_lo < y->gi.stack_lo ? -1
                                           : x->gi.stack_lo > y->gi.stack_lo;
}

/* The goroutine whose stack contains a, if any. */
static dl_mg *stack_find(marker *m, uintptr_t a)
{
    dl_mg **sorted = m->by_lo;
    size_t lo = 0, hi = m->ng;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sorted[mid]->gi.stack_lo <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    dl_mg *g = sorted[lo - 1];
    return a < g->gi.stack_hi ? g : NULL;
}

static void scan_word(marker *m, uintptr_t w);

static void make_live(marker *m, dl_mg *g)
{
    if (g->live)
        return;
    g->live = true;
    if (!g->lo) /* blocked goroutines are scanned from their saved sp */
        g->lo = g->gi.sp ? (uintptr_t)g->gi.sp : g->gi.stack_lo;
    if (!g->hi)
        g->hi = g->gi.stack_hi;
    push(m, g->lo, g->hi);
    scan_word(m, (uintptr_t)g->gi.start_arg);
}

static void scan_word(marker *m, uintptr_t w)
{
    blk *b = blk_find(&m->heap, w);
    if (b) {
        if (!b->marked) {
            b->marked = true;
            push(m, b->lo, b->hi);
        }
        return;
    }
    dl_mg *g = stack_find(m, w);
    if (g)
        make_live(m, g);
}

static void drain(marker *m)
{
    while (m->nwork) {
        range r = m->work[--m->nwork];
        for (uintptr_t p = r.lo; p + 8 <= r.hi; p += 8)
            scan_word(m, *(const uintptr_t *)p);
    }
}

/* Could someone that can run reach obj? */
static bool obj_reachable(marker *m, const void *obj)
{
    uintptr_t a = (uintptr_t)obj;
    blk *b = blk_find(&m->heap, a);
    if (b)
        return b->marked;
    dl_mg *g = stack_find(m, a);
    if (g)
        return g->live && a >= g->lo;
    /* a global, or memory we do not track: assume reachable */
    return true;
}

static void add_roots(marker *m, int64_t self, uintptr_t self_lo)
{
    for (size_t i = 0; i < m->ng; i++) {
        dl_mg *g = &m->gs[i];
        const rt_ginfo *gi = &g->gi;
        g->live = false;
        g->lo = g->hi = 0;
        if (gi->id == self && self_lo) {
            g->lo = self_lo;
        } else if (dl_blocked_on_sync(gi)) {
            continue;
        } else if (!gi->sp && gi->status != RT_GS_WAITING) {
            /* running (the world did not stop), in a system call or not
             * started: the whole stack (if any) */
            g->lo = gi->stack_lo;
        }
        g->root = true;
        make_live(m, g);
    }
}

/* Blocked goroutines whose wait objects became reachable join the roots. */
static bool wake_reachable(marker *m)
{
    bool more = false;
    for (size_t i = 0; i < m->ng; i++) {
        dl_mg *g = &m->gs[i];
        if (g->live)
            continue;
        if (dl_reason_kind(g->gi.wait_reason) == DL_K_NILCHAN)
            continue;                  /* nothing can ever wake it */
        bool reach = g->gi.nobjs == 0; /* unknown object: assume it can */
        for (int k = 0; k < g->gi.nobjs && !reach; k++)
            reach = obj_reachable(m, g->gi.objs[k]);
        if (reach) {
            make_live(m, g);
            more = true;
        }
    }
    return more;
}

bool dl_mark(dl_mg *gs, size_t n, int64_t self, uintptr_t self_lo)
{
    if (!det_heap_complete())
        return false;
    marker m = {.gs = gs, .ng = n};
    dl_mg **sorted = dl_alloc((n ? n : 1) * sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = &gs[i];
    qsort(sorted, n, sizeof *sorted, g_cmp);
    m.by_lo = sorted;
    /* The loader's lock may be held by a thread that is allocating: never
     * take it with the heap locked. */
    dl_iterate_phdr(segment_cb, &m);

    /* Room for blocks allocated between counting and locking: threads
     * outside the stopped world (system calls, timers) may allocate. */
    m.heap.cap = det_heap_count() + 4096;
    m.heap.b = dl_alloc(m.heap.cap * sizeof *m.heap.b);
    det_heap_lock_all();
    det_heap_each(snap_block, &m.heap);
    blk_sort(m.heap.b, m.heap.n);

    bool verdict = !m.heap.overflow;
    if (verdict) {
        for (size_t i = 0; i < m.nsegs; i++)
            push(&m, m.segs[i].lo, m.segs[i].hi);
        add_roots(&m, self, self_lo);
        do
            drain(&m);
        while (wake_reachable(&m));
    }
    det_heap_unlock_all();
    dl_free(m.heap.b);
    dl_free(sorted);
    dl_free(m.work);
    dl_free(m.segs);
    return verdict;
}

__attribute__((constructor)) static void mark_init(void)
{
    dl_root_exclude(excluded, sizeof excluded);
}
