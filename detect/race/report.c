/*
 * Reports, and what they need: options, stack records, per-goroutine
 * history, heap blocks.
 *
 * History. The current access's stack is the shadow call stack kept by
 * __tsan_func_entry/exit. The earlier access is known only by its shadow cell
 * (slot, epoch, bytes), so, as TSan does, every goroutine logs its accesses,
 * function entries/exits and epoch changes into a bounded trace, and a report
 * replays the trace of the goroutine behind that cell up to the last access
 * of that epoch to the same bytes. The trace is a ring of at most TRACE_PARTS
 * parts; each part starts with a snapshot of the call stack and epoch so it
 * can be replayed alone when older parts have been recycled. Parts start
 * small and double up to 2^(12+history_size) events of 8 bytes (32 KB at the
 * default), so a million goroutines that each do little cost little. Past
 * 32 live goroutines (at the default) the cap shrinks so that all histories
 * together stay within 2^(19+history_size) events (8 MB). The budget is set
 * by the cache, not by memory: a goroutine that runs after many others
 * writes its next events to a line last written a whole budget of events
 * ago, so every such write misses once the budget outgrows the last-level
 * cache. In a ring of 1,000 goroutines at GOMAXPROCS 1 (race build), 64 MB
 * of history cost ~1.0 ms per lap, 8 MB 0.75 ms, and none 0.62 ms. The
 * price: with many goroutines an access leaves the history sooner (at 1,000
 * live goroutines, after 1,024 events of its goroutine); history_size
 * doubles the budget, as it doubles Go's history. When the access has left
 * the history the report says "[failed to restore the stack]", as TSan
 * does; the verdict does not depend on it.
 *
 * Past 16,384 live goroutines even parts of FIRST_PART events overrun the
 * budget, and one pool (below, "The pool") holds it: every goroutine keeps
 * its floor, the part it writes and the one before (at least 16 events of
 * its own), and parts beyond the floors go to whoever needs one, oldest
 * first. So at 10^5 goroutines an access older than its goroutine's last
 * 16-32 events may be gone, where TSan keeps a thread's last two parts of
 * 16K events each; history_size buys more, 2^(19+history_size) events
 * beyond the floors.
 *
 * Stack records are interned in a hash table and never freed: creation and
 * allocation sites repeat, so there are few distinct ones.
 */
#include "race.h"
#include "trace.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../rt/explore.h"
#include "../../rt/hooks.h"
#include "../../rt/traceback.h"

/* ---- options (GORACE) ---------------------------------------------------- */

race_options race_opts = {
    .exitcode = 66,
    .history_size = 1,
    /* Go documents 1000, but a go1.19 -race binary whose main returns while
     * other goroutines wait exits at once (measured): match the behaviour,
     * so -race does not change what such a program prints. */
    .atexit_sleep_ms = 0,
};

/* The race detector's GORACE options (rt/options.h), Go's names and
 * ranges; the deadlock detector reads log_path and strip_path_prefix too. */
const rt_option race_option_table[] = {
    {"log_path", RT_OPT_STR, &race_opts.log_path, 0, 0, NULL},
    {"strip_path_prefix", RT_OPT_STR, &race_opts.strip_path_prefix, 0, 0, NULL},
    {"exitcode", RT_OPT_INT, &race_opts.exitcode, 0, 255, NULL},
    {"halt_on_error", RT_OPT_BOOL, &race_opts.halt_on_error, 0, 0, NULL},
    {"history_size", RT_OPT_INT, &race_opts.history_size, 0, 7, NULL},
    {"atexit_sleep_ms", RT_OPT_INT, &race_opts.atexit_sleep_ms, 0, 1000000,
     NULL},
};
const int race_option_count =
    sizeof race_option_table / sizeof *race_option_table;

/* ---- stack records ------------------------------------------------------- */

enum { DEPOT_BUCKETS = 1 << 16, MAX_FRAMES = 64 };

static stackrec *depot[DEPOT_BUCKETS];
static atomic_flag depot_lock = ATOMIC_FLAG_INIT;

const stackrec *stack_intern(const uintptr_t *pc, uint32_t depth)
{
    uint64_t h = 0xcbf29ce484222325ull ^ depth;
    for (uint32_t i = 0; i < depth; i++)
        h = (h ^ pc[i]) * 0x100000001b3ull;
    stackrec **b = &depot[h % DEPOT_BUCKETS];
    spin_lock(&depot_lock);
    for (stackrec *s = *b; s; s = s->next)
        if (s->hash == h && s->depth == depth &&
            !memcmp(s->pc, pc, depth * sizeof *pc)) {
            spin_unlock(&depot_lock);
            return s;
        }
    stackrec *s = race_alloc(sizeof *s + depth * sizeof *pc);
    s->hash = h;
    s->depth = depth;
    memcpy(s->pc, pc, depth * sizeof *pc);
    s->next = *b;
    *b = s;
    spin_unlock(&depot_lock);
    return s;
}

const stackrec *stack_current(gstate *g, uintptr_t pc)
{
    uintptr_t f[MAX_FRAMES];
    uint32_t n = 0;
    if (pc)
        f[n++] = pc;
    for (uint32_t i = g->depth; i > 0 && n < MAX_FRAMES; i--)
        f[n++] = g->stk[i - 1];
    return stack_intern(f, n);
}

/* ---- history (trace.h has its format) ---------------------------------- */

/*
 * The pool. A goroutine's trace is a ring of at most TRACE_PARTS parts, the
 * newest (its head) being written. Its newest FLOOR_PARTS parts are its
 * own: a report can always replay the part being written and the whole part
 * before it. Older parts sit in one pool queue, oldest first, in the order
 * they left their floors; a goroutine that needs a part while all histories
 * together are over the budget takes the front of that queue, whoever's it
 * is, as TSan v3 recycles trace parts. So the budget bounds what lies
 * beyond the floors, and the memory of many goroutines is their floors
 * (FLOOR_PARTS * FIRST_PART events each) plus the budget.
 *
 * A goroutine's first part opens short, at SHORT_OPEN of its FIRST_PART
 * events; when those are written, the second part of its floor is
 * allocated to wait as its spare, and the first opens whole. So the
 * allocation comes early in a busy goroutine's life, near its spawn, which
 * allocates anyway. Without it every goroutine of a ring allocates its
 * second part in the same later lap, and a fresh page costs 11-16 us here:
 * ChanRingN's timed lap at 1e5 goroutines spent half its time there (its
 * goroutines fill 12 events before the untimed lap ends). Both parts at
 * the first event would cost a goroutine that writes a few events 240
 * bytes: race_million measured 5,600 bytes a goroutine so, and opening at 8
 * events, but 5,390 opening at 12.
 *
 * hist.lock guards every ring and the queue: part switches, the queue's
 * thefts, and replays, which read other goroutines' rings. Only the head
 * part is written outside it, by its goroutine alone, and a head is never
 * taken.
 */
enum { FLOOR_PARTS = 2, SHORT_OPEN = FIRST_PART * 3 / 4 };

struct trace {
    tpart *parts[TRACE_PARTS]; /* ring; parts[head] is being written */
    int head, count;
    tpart *spare[FLOOR_PARTS]; /* FIRST_PART-sized, for a floor */
    int nspare;
    bool short_head; /* the head is the first part, open at SHORT_OPEN */
};

static struct {
    atomic_flag lock;
    tpart *oldest, *newest; /* the queue, linked through newer/older */
    long events;            /* in every part allocated */
} hist = {.lock = ATOMIC_FLAG_INIT};

static long hist_budget(void)
{
    return 1l << (19 + race_opts.history_size);
}

long trace_events_allocated(void)
{
    spin_lock(&hist.lock);
    long n = hist.events;
    spin_unlock(&hist.lock);
    return n;
}

/* The largest part: history_size's, or less when many goroutines share the
 * budget (a power of two, at least FIRST_PART). */
static uint32_t max_part(void)
{
    uint32_t cap = 1u << (12 + race_opts.history_size);
    long live = race_live_goroutines();
    while (cap > FIRST_PART && (long)cap * TRACE_PARTS * live > hist_budget())
        cap /= 2;
    return cap;
}

static tpart *part_new(uint32_t cap)
{
    tpart *p = race_alloc(sizeof *p + cap * sizeof(tevent));
    p->cap = cap;
    p->stack0 = p->stack0_in;
    p->stack0_cap = STACK0_IN;
    return p;
}

static void part_free(tpart *p)
{
    if (p->stack0 != p->stack0_in)
        race_free(p->stack0);
    race_free(p);
}

/* Under hist.lock: p, which has left its floor, joins the queue's back. */
static void queue_push(tpart *p)
{
    p->newer = NULL;
    p->older = hist.newest;
    if (hist.newest)
        hist.newest->newer = p;
    else
        hist.oldest = p;
    hist.newest = p;
}

static void queue_unlink(tpart *p)
{
    if (p->older)
        p->older->newer = p->newer;
    else
        hist.oldest = p->newer;
    if (p->newer)
        p->newer->older = p->older;
    else
        hist.newest = p->older;
}

static int ring_oldest(const trace *t)
{
    return (t->head - t->count + 1 + TRACE_PARTS) % TRACE_PARTS;
}

/* Under hist.lock: takes t's oldest part, out of the queue if it was
 * beyond the floor. */
static tpart *ring_take_oldest(trace *t)
{
    int i = ring_oldest(t);
    tpart *p = t->parts[i];
    t->parts[i] = NULL;
    if (t->count-- > FLOOR_PARTS)
        queue_unlink(p);
    return p;
}

/* Under hist.lock: p leaves the pool's count, for the list *dead that is
 * freed once the lock is dropped. */
static void retire(tpart *p, tpart **dead)
{
    hist.events -= p->cap;
    p->newer = *dead;
    *dead = p;
}

static void free_list(tpart *p)
{
    while (p) {
        tpart *next = p->newer;
        part_free(p);
        p = next;
    }
}

/* Under hist.lock: a part for g's next, of about want events, from what is
 * already allocated (NULL if nothing fits): its own oldest part when its
 * ring is full, a spare of its floor, or, over the budget, the oldest part
 * in the queue. One that is too small or too large is retired to *dead. */
static tpart *part_reuse(trace *t, uint32_t want, tpart **dead)
{
    tpart *p = NULL;
    if (t->count == TRACE_PARTS)
        p = ring_take_oldest(t);
    else if (t->nspare && want == FIRST_PART)
        return t->spare[--t->nspare];
    else if (hist.oldest && hist.events + want > hist_budget())
        p = ring_take_oldest(hist.oldest->owner);
    if (p && (p->cap < want || p->cap > 2 * want)) {
        retire(p, dead);
        p = NULL;
    }
    return p;
}

/* Starts a part: the current stack and epoch let it be replayed alone. */
static void part_start(gstate *g, tpart *p)
{
    if (g->depth > p->stack0_cap) {
        if (p->stack0 != p->stack0_in)
            race_free(p->stack0);
        p->stack0_cap = g->depth < 16 ? 16 : g->depth;
        p->stack0 = race_alloc(p->stack0_cap * sizeof(uintptr_t));
    }
    if (g->depth)
        memcpy(p->stack0, g->stk, g->depth * sizeof(uintptr_t));
    p->depth0 = g->depth;
    p->epoch0 = g->epoch;
    p->last_pc = 0;
    atomic_store_explicit(&p->n, 0, memory_order_release);
}

/* Under hist.lock: p becomes t's head; the part it pushes out of the floor
 * joins the queue. */
static void ring_push(trace *t, tpart *p)
{
    t->head = (t->head + 1) % TRACE_PARTS;
    t->parts[t->head] = p;
    p->owner = t;
    if (++t->count > FLOOR_PARTS)
        queue_push(
            t->parts[(t->head - FLOOR_PARTS + TRACE_PARTS) % TRACE_PARTS]);
}

/* A FIRST_PART-sized part for t's floor, counted in the pool. */
static void add_spare(trace *t)
{
    tpart *p = part_new(FIRST_PART);
    spin_lock(&hist.lock);
    hist.events += FIRST_PART;
    t->spare[t->nspare++] = p;
    spin_unlock(&hist.lock);
}

/* A new history: its first part, as a spare. */
static trace *trace_new(void)
{
    trace *t = race_calloc(sizeof *t);
    t->head = -1;
    add_spare(t);
    return t;
}

/* Under hist.lock: a first part without a spare behind it opens short. */
static void open_short(trace *t, tpart *p)
{
    if (t->count == 1 && !t->nspare) {
        p->cap = SHORT_OPEN;
        t->short_head = true;
    }
}

/* The short head is full: the floor's second part, then the rest of the
 * head (the pool's essay). The head's cap is its goroutine's alone. */
static tpart *open_rest(trace *t)
{
    add_spare(t);
    tpart *p = t->parts[t->head];
    p->cap = FIRST_PART;
    t->short_head = false;
    return p;
}

static tpart *trace_next_part(gstate *g)
{
    if (!g->tr)
        g->tr = trace_new();
    trace *t = g->tr;
    if (t->short_head)
        return open_rest(t);
    tpart *dead = NULL;
    spin_lock(&hist.lock);
    uint32_t want = FIRST_PART;
    if (t->count >= FLOOR_PARTS) {
        want = t->parts[t->head]->cap * 2;
        if (want > max_part())
            want = max_part();
    }
    tpart *p = part_reuse(t, want, &dead);
    if (!p) {
        hist.events += want;
        spin_unlock(&hist.lock);
        free_list(dead);
        p = part_new(want);
        spin_lock(&hist.lock);
    }
    part_start(g, p);
    ring_push(t, p);
    open_short(t, p);
    g->tp = p;
    spin_unlock(&hist.lock);
    return p;
}

/* The part to write an event of up to `words` words into, and in *n where. */
static inline tpart *trace_reserve(gstate *g, uint32_t words, uint32_t *n)
{
    tpart *p = g->tp;
    uint32_t k = p ? atomic_load_explicit(&p->n, memory_order_relaxed) : 0;
    if (__builtin_expect(!p || k + words > p->cap, 0)) {
        p = trace_next_part(g);
        k = atomic_load_explicit(&p->n, memory_order_relaxed);
    }
    *n = k;
    return p;
}
/* Makes the events below n visible to a replay. */
static inline void trace_publish(tpart *p, uint32_t n)
{
    atomic_store_explicit(&p->n, n, memory_order_release);
}

static inline void trace_put(gstate *g, tevent ev)
{
    uint32_t n;
    tpart *p = trace_reserve(g, 1, &n);
    p->ev[n] = ev;
    trace_publish(p, n + 1);
}

void trace_access(gstate *g, uintptr_t pc, uintptr_t addr, size_t size,
                  bool write, bool atomic)
{
    (void)atomic; /* a replay matches accesses by address, size and kind */
    uint32_t n;
    tpart *p = trace_reserve(g, EVENT_MAX_WORDS, &n);
    uint64_t w = write ? EV_WRITE : 0;
    int64_t delta = (int64_t)(pc - p->last_pc);
    if (size <= 8 && !(size & (size - 1)) &&
        delta >= -(1ll << (DELTA_BITS - 1)) &&
        delta < 1ll << (DELTA_BITS - 1)) {
        p->ev[n++] =
            EV(EV_ACCESS) | w |
            (uint64_t)__builtin_ctzll(size) << (ADDR_BITS + DELTA_BITS) |
            ((uint64_t)delta & ((1ull << DELTA_BITS) - 1)) << ADDR_BITS |
            (addr & ADDR_MASK);
    } else if (size < 256) {
        p->ev[n++] =
            EV(EV_ACCESS_PC) | w | (uint64_t)size << 48 | (pc & PC_MASK);
        p->ev[n++] = addr;
    } else {
        p->ev[n++] = EV(EV_RANGE) | w | (pc & PC_MASK);
        p->ev[n++] = addr;
        p->ev[n++] = size;
    }
    p->last_pc = pc;
    trace_publish(p, n);
}

void trace_func_enter(gstate *g, uintptr_t pc)
{
    trace_put(g, EV(EV_ENTER) | (pc & PC_MASK));
}

void trace_func_exit(gstate *g)
{
    trace_put(g, EV(EV_EXIT));
}

void trace_epoch(gstate *g)
{
    if (g->tr)
        trace_put(g, EV(EV_EPOCH) | g->epoch);
}
/* Empties t's ring, keeping up to `keep` FIRST_PART-sized parts as its
 * spares; the rest are freed. */
static void trace_empty(trace *t, int keep)
{
    tpart *dead = NULL;
    spin_lock(&hist.lock);
    if (t->short_head) {
        t->parts[t->head]->cap = FIRST_PART;
        t->short_head = false;
    }
    while (t->count) {
        tpart *p = ring_take_oldest(t);
        if (p->cap == FIRST_PART && t->nspare < keep)
            t->spare[t->nspare++] = p;
        else
            retire(p, &dead);
    }
    while (t->nspare > keep)
        retire(t->spare[--t->nspare], &dead);
    t->head = -1;
    spin_unlock(&hist.lock);
    free_list(dead);
}

void trace_reset(gstate *g)
{
    g->tp = NULL;
    if (g->tr)
        trace_empty(g->tr, FLOOR_PARTS);
}

void trace_free(gstate *g)
{
    if (!g->tr)
        return;
    trace_empty(g->tr, 0);
    race_free(g->tr);
    g->tr = NULL;
    g->tp = NULL;
}

/* One access replayed from a part. */
typedef struct replayed {
    uintptr_t pc, addr; /* addr: its low ADDR_BITS */
    size_t size;
    bool write;
} replayed;

/* Decodes the access event at ev[*i] (advancing *i past its extra words),
 * given the part's previous access pc. */
static replayed replay_access(const tevent *ev, uint32_t *i, uintptr_t prev_pc)
{
    tevent e = ev[*i];
    replayed r = {.write = (e & EV_WRITE) != 0};
    switch (e >> EV_KIND_SHIFT) {
    case EV_ACCESS: {
        uint64_t d = (e >> ADDR_BITS) & ((1ull << DELTA_BITS) - 1);
        int64_t delta = (int64_t)(d << (64 - DELTA_BITS)) >> (64 - DELTA_BITS);
        r.pc = prev_pc + (uintptr_t)delta;
        r.size = (size_t)1 << ((e >> (ADDR_BITS + DELTA_BITS)) & 3);
        r.addr = e & ADDR_MASK;
        break;
    }
    case EV_ACCESS_PC:
        r.pc = e & PC_MASK;
        r.size = (e >> 48) & 0xff;
        r.addr = ev[++*i] & ADDR_MASK;
        break;
    default: /* EV_RANGE */
        r.pc = e & PC_MASK;
        r.addr = ev[++*i] & ADDR_MASK;
        r.size = ev[++*i];
        break;
    }
    return r;
}

/* Replays g's history for the last access of epoch ep that touched
 * [addr, addr+size) with the given kind; returns its stack or NULL. */
static const stackrec *trace_restore(gstate *g, epoch_t ep, uintptr_t addr,
                                     size_t size, bool write)
{
    uintptr_t stk[256], best[MAX_FRAMES];
    uint32_t nbest = 0;
    bool found = false;
    addr &= ADDR_MASK;
    spin_lock(&hist.lock);
    trace *t = g->tr;
    for (int k = t ? t->count - 1 : -1; k >= 0; k--) {
        tpart *p = t->parts[(t->head - k + TRACE_PARTS) % TRACE_PARTS];
        uint32_t d = p->depth0 < 256 ? p->depth0 : 256;
        memcpy(stk, p->stack0, d * sizeof *stk);
        epoch_t e = p->epoch0;
        uintptr_t prev_pc = 0;
        uint32_t n = atomic_load_explicit(&p->n, memory_order_acquire);
        for (uint32_t i = 0; i < n; i++) {
            tevent ev = p->ev[i];
            int kind = (int)(ev >> EV_KIND_SHIFT);
            if (kind == EV_ENTER) {
                if (d < 256)
                    stk[d] = ev & PC_MASK;
                d++;
            } else if (kind == EV_EXIT) {
                d -= d > 0;
            } else if (kind == EV_EPOCH) {
                e = (epoch_t)ev;
            } else {
                replayed a = replay_access(p->ev, &i, prev_pc);
                prev_pc = a.pc;
                if (e == ep && a.write == write && a.addr < addr + size &&
                    addr < a.addr + a.size) {
                    found = true;
                    nbest = 0;
                    best[nbest++] = a.pc;
                    for (uint32_t j = d < 256 ? d : 256;
                         j > 0 && nbest < MAX_FRAMES; j--)
                        best[nbest++] = stk[j - 1];
                }
            }
        }
    }
    spin_unlock(&hist.lock);
    return found ? stack_intern(best, nbest) : NULL;
}

/* ---- heap blocks --------------------------------------------------------- */

enum { HEAP_SHARDS = 256 };

typedef struct hblock {
    struct hblock *next;
    uintptr_t p;
    size_t n;
    int64_t gid;
    const stackrec *stk;
} hblock;

static struct hshard {
    atomic_flag lock;
    hblock *head[64];
} heap[HEAP_SHARDS];

static struct hshard *heap_shard(uintptr_t p, size_t *bucket)
{
    uint64_t h = (p >> 4) * 0x9e3779b97f4a7c15ull;
    *bucket = (h >> 20) % 64;
    return &heap[h >> 56];
}

void heap_note_alloc(gstate *g, uintptr_t p, size_t n, uintptr_t pc)
{
    hblock *b = race_alloc(sizeof *b);
    *b = (hblock){NULL, p, n, g->gid, stack_current(g, pc)};
    size_t k;
    struct hshard *s = heap_shard(p, &k);
    spin_lock(&s->lock);
    b->next = s->head[k];
    s->head[k] = b;
    spin_unlock(&s->lock);
}

void heap_note_free(uintptr_t p)
{
    size_t k;
    struct hshard *s = heap_shard(p, &k);
    hblock *dead = NULL;
    spin_lock(&s->lock);
    for (hblock **b = &s->head[k]; *b; b = &(*b)->next)
        if ((*b)->p == p) {
            dead = *b;
            *b = dead->next;
            break;
        }
    spin_unlock(&s->lock);
    race_free(dead);
}

/* The live block containing addr (reports only: a full scan). */
static bool heap_find(uintptr_t addr, hblock *out)
{
    for (int i = 0; i < HEAP_SHARDS; i++) {
        spin_lock(&heap[i].lock);
        for (int k = 0; k < 64; k++)
            for (hblock *b = heap[i].head[k]; b; b = b->next)
                if (addr - b->p < b->n) {
                    *out = *b;
                    spin_unlock(&heap[i].lock);
                    return true;
                }
        spin_unlock(&heap[i].lock);
    }
    return false;
}

/* ---- reports ------------------------------------------------------------- */

static pthread_mutex_t report_mu = PTHREAD_MUTEX_INITIALIZER;
static int nreports;
static bool verdict_given; /* race_finish ran (under report_mu) */
static int log_fd = -1;

enum { SEEN_CAP = 4096 };
static uintptr_t seen[SEEN_CAP][2];
static int nseen;
static uintptr_t seen_words[SEEN_CAP];
static int nseen_words;

int race_count(void)
{
    return __atomic_load_n(&nreports, __ATOMIC_ACQUIRE);
}

static void open_log(void);

/* One fd for the life of the process: the deadlock detector writes to it
 * too (det_race_log_fd), so the two never truncate each other's file. */
static int out_fd(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, open_log);
    return log_fd;
}

int det_race_log_fd(void)
{
    return out_fd();
}

static void open_log(void)
{
    const char *p = race_opts.log_path;
    if (!p || !*p || !strcmp(p, "stderr")) {
        log_fd = 2;
    } else if (!strcmp(p, "stdout")) {
        log_fd = 1;
    } else {
        char name[600];
        snprintf(name, sizeof name, "%s.%d", p, (int)getpid());
        log_fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log_fd < 0)
            log_fd = 2;
    }
}

static void print_stack(int fd, const stackrec *s)
{
    int printed = 0;
    for (uint32_t i = 0; s && i < s->depth; i++) {
        const char *func, *file, *module;
        int line;
        uintptr_t off;
        rt_symbolize_module(s->pc[i], 1, &func, &file, &line, &module, &off);
        if (rt_frame_is_runtime(func, file))
            continue;
        const char *pre = race_opts.strip_path_prefix;
        size_t strip = pre ? strlen(pre) : 0;
        if (strip && !strncmp(file, pre, strip))
            file += strip;
        if (strcmp(file, "?") != 0)
            rt_fdprintf(fd, "  %s()\n      %s:%d\n", func, file, line);
        else /* built without -g: the symbol table named it */
            rt_fdprintf(fd, "  %s()\n      %s+0x%lx\n", func,
                        module ? module : "?", (unsigned long)off);
        printed++;
    }
    if (!printed)
        rt_fdprintf(fd, "  [failed to restore the stack]\n");
}

static const char *kind(shadow_t s, bool previous)
{
    static const char *names[2][2][2] = {
        {{"Read", "Write"}, {"Atomic read", "Atomic write"}},
        {{"Previous read", "Previous write"},
         {"Previous atomic read", "Previous atomic write"}},
    };
    return names[previous][shadow_atomic(s)][shadow_write(s)];
}

static void print_who(int fd, int64_t gid, bool known)
{
    if (!known)
        rt_fdprintf(fd, "unknown goroutine:\n");
    else if (gid < 0) /* a thread gorace did not start (race.c) */
        rt_fdprintf(fd, "thread T%lld:\n", (long long)-gid);
    else if (gid == 1)
        rt_fdprintf(fd, "main goroutine:\n");
    else
        rt_fdprintf(fd, "goroutine %lld:\n", (long long)gid);
}

/* Whether this pair of source locations, or a race on this word, was
 * reported already (TSan's suppress_equal_stacks/addresses, as Go runs). */
static bool seen_before(uintptr_t a, uintptr_t b, uintptr_t addr)
{
    uintptr_t w = addr & ~(uintptr_t)7;
    for (int i = 0; i < nseen_words; i++)
        if (seen_words[i] == w)
            return true;
    if (nseen_words < SEEN_CAP)
        seen_words[nseen_words++] = w;
    if (a > b) {
        uintptr_t t = a;
        a = b;
        b = t;
    }
    for (int i = 0; i < nseen; i++)
        if (seen[i][0] == a && seen[i][1] == b)
            return true;
    if (nseen < SEEN_CAP) {
        seen[nseen][0] = a;
        seen[nseen][1] = b;
        nseen++;
    }
    return false;
}

static void print_created(int fd, int64_t gid, bool finished,
                          const stackrec *at)
{
    if (gid <= 1)
        return;
    rt_fdprintf(fd, "\nGoroutine %lld (%s) created at:\n", (long long)gid,
                finished ? "finished" : "running");
    print_stack(fd, at);
}

void race_report(gstate *g, uintptr_t addr, size_t size, shadow_t cur,
                 shadow_t old, uintptr_t pc)
{
    pthread_mutex_lock(&report_mu);
    if (verdict_given) { /* the exit status is decided: stay consistent */
        pthread_mutex_unlock(&report_mu);
        return;
    }
    int64_t pgid = 0;
    bool pfinished = false;
    const stackrec *pstk = NULL, *pcreated = NULL;
    race_slots_lock();
    gstate *pg = race_lookup_incarnation(shadow_sid(old), shadow_epoch(old),
                                         &pgid, &pfinished);
    if (pg) {
        pstk =
            trace_restore(pg, shadow_epoch(old), addr, size, shadow_write(old));
        pcreated = pg->created_at;
    }
    race_slots_unlock();
    uintptr_t ppc = pstk && pstk->depth ? pstk->pc[0] : 0;
    if (seen_before(pc, ppc, addr)) {
        pthread_mutex_unlock(&report_mu);
        return;
    }
    int fd = out_fd();
    const stackrec *cstk = stack_current(g, pc);
    rt_fdprintf(fd, "==================\nWARNING: DATA RACE\n");
    rt_fdprintf(fd, "%s at 0x%012lx by ", kind(cur, false),
                (unsigned long)addr);
    print_who(fd, g->gid, true);
    print_stack(fd, cstk);
    rt_fdprintf(fd, "\n%s at 0x%012lx by ", kind(old, true),
                (unsigned long)addr);
    print_who(fd, pgid, pg != NULL);
    print_stack(fd, pstk);
    hblock hb;
    if (heap_find(addr, &hb)) {
        rt_fdprintf(fd,
                    "\nLocation is heap block of size %zu at 0x%012lx "
                    "allocated by ",
                    hb.n, (unsigned long)hb.p);
        print_who(fd, hb.gid, true);
        print_stack(fd, hb.stk);
    }
    print_created(fd, g->gid, false, g->created_at);
    if (pg && pgid != g->gid)
        print_created(fd, pgid, pfinished, pcreated);
    rt_fdprintf(fd, "==================\n");
    __atomic_add_fetch(&nreports, 1, __ATOMIC_RELEASE);
    if (race_opts.halt_on_error) {
        fflush(NULL);
        rt_explore_finish(); /* a seeded run's schedule_out, if asked for */
        _exit(race_opts.exitcode);
    }
    pthread_mutex_unlock(&report_mu);
}

/* Counted under report_mu: a report being printed (symbolising its stacks
 * can take milliseconds) is finished and counted first, so a printed
 * report always sets the exit status, and none starts after the verdict. */
int race_finish(int code)
{
    pthread_mutex_lock(&report_mu);
    int n = race_count();
    verdict_given = true;
    if (n)
        rt_fdprintf(out_fd(), "Found %d data race(s)\n", n);
    pthread_mutex_unlock(&report_mu);
    return n && code == 0 ? race_opts.exitcode : code;
}
