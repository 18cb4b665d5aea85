/*
 * Locks: who holds what, who waits for what, and in which order locks are
 * taken.
 *
 * Holding. The runtime reports mutex_lock after a goroutine owns a lock and
 * mutex_unlock before it lets go, so a recorded holder always really holds
 * the lock (the record may lag behind an acquisition, never ahead of a
 * release). Each goroutine keeps what it holds in a list of its own, which
 * only it changes: Lock and Unlock, the hooks of every critical section,
 * take no lock shared with other goroutines (a global lock here cost an
 * RWMutex reader a third of its time at GOMAXPROCS 2). A lock's record,
 * found through a small per-goroutine cache, carries only its writer's id,
 * which the writer stores. The one cross-goroutine change, an Unlock by a
 * goroutine that did not Lock (legal in Go), goes under the detector's
 * lock L: it clears the writer and bumps the lock's generation, and a write
 * hold whose generation is older is gone (its owner's list drops it
 * lazily). Readers are not counted on the lock: an RUnlock by a goroutine
 * that holds no read lock of it "poisons" the lock, whose readers are then
 * unknown for good (its read holds count as ended), and a poisoned lock
 * never completes a cycle.
 *
 * Waiting is recorded at go_block for a lock wait, after the goroutine
 * queued on the lock's semaphore, and cleared at go_unblock, which the
 * waker runs before the goroutine can run again. Both take L. Between them
 * the goroutine runs nothing, so its list cannot change but through L:
 * under L, what a parked goroutine holds is exact. go_block indexes it on
 * the locks (the readers parked holding a lock, the writers parked waiting
 * for one), so a cycle walk reads only parked goroutines and these
 * indexes, never a running goroutine's list.
 *
 * Lock cycles. A goroutine waiting for lock L depends on L's holders: the
 * writer, and for a writer's wait also the readers; a reader's wait also
 * depends on writers waiting for L (Go's pending writer blocks new readers:
 * the recursive RLock deadlock). When a lock wait starts we follow holders
 * to what they wait for; reaching the waiter again means every goroutine on
 * the path is parked on a lock held by the next one: none can ever run
 * again, whatever the rest of the program does. Every edge of such a cycle
 * is in place before its last goroutine blocks (a goroutine runs its
 * mutex_lock hook before it can block again), so checking at each lock
 * wait finds every cycle, the moment it closes: "fatal error: deadlock:
 * lock cycle", exit 2, when some goroutine outside the cycle can still run
 * (runnable, running, in a system call or sleeping); otherwise the whole
 * program is asleep and the scheduler says so in Go's words. A cycle of
 * one goroutine (re-locking a lock it holds) is not reported: Go lets
 * another goroutine do the unlock.
 *
 * Lock order. Acquiring M2 while holding M1 adds the edge M1 -> M2 (with
 * both acquisition stacks) unless both are read locks, which never exclude
 * each other. An edge that closes a cycle in this graph is a potential
 * deadlock even if the schedule never interleaved the two paths, as TSan's
 * deadlock detector reports it: each new edge is checked once, so each
 * cycle is reported once, when its last edge appears. Only a nested
 * acquisition takes L for it.
 *
 * Misuse. Unlocking a Mutex locked by another goroutine is legal in Go (a
 * Mutex as a binary semaphore, RLocker handed to another goroutine), so it
 * is reported only on request (unlock_other=1), as a warning, once per
 * unlock site; with it, each Lock also leaves its stack on the lock's
 * record under L, for the report. A Mutex found locked
 * at an address where no Lock ever happened was copied while locked (the
 * copy carries the locked state): reported when the copy is unlocked, the
 * one moment that is certain (a waiter on such a copy could be racing with
 * the Lock hook of its real owner). Copies of unlocked mutexes carry no
 * state and cannot be told from fresh ones.
 */
#include "deadlock.h"

#include <gorace.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../rt/explore.h"
#include "../../rt/traceback.h"

enum { MAX_CYCLE = 16, LK_CACHE = 8, LK_SHARDS = 64 };

typedef struct lk lk;
typedef dl_lockst lockst;

typedef struct held {
    const void *m; /* l->addr, here so that a search reads no lock record */
    lk *l;
    int write;    /* RT_LOCK_READ, or exclusive: RT_LOCK_MUTEX, RT_LOCK_RW */
    uint32_t gen; /* a write hold: l->gen when it began */
    int grp, pos; /* a read hold, while parked: where in l->readers */
    dl_stack at;
} held;

/* Parked goroutines indexed on a lock (under L), grouped by what they wait
 * for: a cycle walk follows one of a group, whose members all lead on
 * alike. */
typedef struct pmember {
    lockst *s;
    int hix; /* the read hold it stands for; -1: a write wait */
} pmember;

typedef struct pgroup {
    lk *wait; /* what its members wait for ... */
    int kind; /* ... and how: is_read_wait */
    int n, cap;
    pmember *m;
} pgroup;

struct dl_lockst {
    int64_t id;
    int nheld, capheld;
    held *held;
    int wait_reason; /* under L; 0: not in a lock wait */
    lk *wait_lock;
    int ww_pos; /* waiting to write-lock: where in wait_lock->wwaiters */
    struct {
        const void *m;
        lk *l;
    } cache[LK_CACHE];
};

typedef struct edge {
    lk *to;
    int64_t g;
    dl_stack from_at, to_at;
    struct edge *next;
} edge;

struct lk { /* never freed, so a goroutine may cache it */
    const void *addr;
    int64_t writer; /* relaxed: the holder's hooks store it */
    uint32_t gen;   /* moved under L: write holds before it ended */
    bool poisoned;  /* under L, for good: readers unknown */
    int nrg, caprg;
    pgroup *readers; /* parked holding it for reading, by what they wait for */
    pgroup wwaiters; /* parked waiting to write-lock it */
    uint64_t visit;  /* the order graph's, under L */
    edge *out;
    /* the last cycle walk that followed it, for a read wait ([1]) or any
     * other ([0]), and from how near the start (under L) */
    uint64_t walked[2];
    int walked_depth[2];
    dl_stack *writer_at; /* unlock_other=1: the writer's Lock, under L */
};

static dl_spin L;
static struct lk_shard {
    dl_spin lock;
    dl_map map; /* address -> lk */
} __attribute__((aligned(64))) lk_shards[LK_SHARDS];
static dl_map gsts; /* goroutine id -> lockst, under L */
static uint64_t visit_gen, walk_gen;
static dl_spin outside; /* see lock_event */

bool dl_is_lock_wait(int reason)
{
    return reason == RT_WAIT_MUTEX || reason == RT_WAIT_RWMUTEX_R ||
           reason == RT_WAIT_RWMUTEX_W;
}

static bool is_read_wait(int reason)
{
    return dl_reason_kind(reason) == DL_K_RLOCK;
}

/* ---- records ----------------------------------------------------------------
 */

static lk *lock_get(const void *m, bool make)
{
    uint64_t h = (uint64_t)(uintptr_t)m * 0x9e3779b97f4a7c15ull;
    struct lk_shard *sh = &lk_shards[h >> 58];
    dl_spin_lock(&sh->lock);
    lk *l = dl_map_get(&sh->map, (uintptr_t)m);
    if (!l && make) {
        l = dl_alloc(sizeof *l);
        l->addr = m;
        dl_map_put(&sh->map, (uintptr_t)m, l);
    }
    dl_spin_unlock(&sh->lock);
    return l;
}

/* m's record through s's cache. */
static lk *lock_of(lockst *s, const void *m)
{
    unsigned i = (unsigned)((uintptr_t)m >> 4) % LK_CACHE;
    if (s->cache[i].m != m) {
        s->cache[i].l = lock_get(m, true);
        s->cache[i].m = m;
    }
    return s->cache[i].l;
}

/* g's locks: in its record's slot, else (code outside goroutines, or a
 * goroutine without a record) found by id. */
static lockst *lockst_of(lockst **slot, int64_t g)
{
    if (slot && *slot)
        return *slot;
    dl_spin_lock(&L);
    lockst *s = dl_map_get(&gsts, (uintptr_t)g);
    if (!s) {
        s = dl_alloc(sizeof *s);
        s->id = g;
        dl_map_put(&gsts, (uintptr_t)g, s);
    }
    dl_spin_unlock(&L);
    if (slot)
        *slot = s;
    return s;
}

static bool is_exclusive(int write)
{
    return write != RT_LOCK_READ;
}

/* A write hold ends when another goroutine unlocks: the lock's generation
 * moves past it. A read hold of a poisoned lock may have been ended by
 * anyone: it is taken as ended, so that an RLocker's goroutine, whose
 * holds another goroutine keeps ending, does not pile them up. */
static bool hold_ended(const held *h)
{
    if (!is_exclusive(h->write))
        return __atomic_load_n(&h->l->poisoned, __ATOMIC_RELAXED);
    return h->gen != __atomic_load_n(&h->l->gen, __ATOMIC_RELAXED);
}

/* s's hold of m (any mode: write < 0), newest first. */
static held *held_find(lockst *s, const void *m, int write)
{
    for (int i = s->nheld - 1; i >= 0; i--) {
        held *h = &s->held[i];
        if (h->m == m &&
            (write < 0 || is_exclusive(h->write) == is_exclusive(write)) &&
            !hold_ended(h))
            return h;
    }
    return NULL;
}

static void held_compact(lockst *s)
{
    int n = 0;
    for (int i = 0; i < s->nheld; i++)
        if (!hold_ended(&s->held[i]))
            s->held[n++] = s->held[i];
    s->nheld = n;
}

/* An array of n elements of `size` bytes, with room for twice *cap. */
static void *grow(void *a, int n, int *cap, size_t size)
{
    *cap = *cap ? 2 * *cap : 4;
    void *b = dl_alloc((size_t)*cap * size);
    if (n)
        memcpy(b, a, (size_t)n * size);
    dl_free(a);
    return b;
}

static held *held_push(lockst *s)
{
    if (s->nheld == s->capheld)
        held_compact(s);
    if (s->nheld == s->capheld)
        s->held = grow(s->held, s->nheld, &s->capheld, sizeof *s->held);
    return &s->held[s->nheld++];
}

static void held_remove(lockst *s, held *h)
{
    held *top = &s->held[--s->nheld];
    if (h != top) /* locks mostly go last in, first out */
        memmove(h, h + 1, (size_t)(top - h) * sizeof *h);
}

static int *member_pos(pmember m)
{
    return m.hix < 0 ? &m.s->ww_pos : &m.s->held[m.hix].pos;
}

static int pgroup_add(pgroup *g, lockst *s, int hix)
{
    if (g->n == g->cap)
        g->m = grow(g->m, g->n, &g->cap, sizeof *g->m);
    g->m[g->n] = (pmember){s, hix};
    return g->n++;
}

/* Swap-removes the member at pos, telling the one moved where it went. */
static void pgroup_remove(pgroup *g, int pos)
{
    pmember last = g->m[--g->n];
    if (pos == g->n)
        return;
    g->m[pos] = last;
    *member_pos(last) = pos;
}

/* l's group of readers that wait like s (an empty one is reused). */
static int reader_group(lk *l, const lockst *s)
{
    int kind = is_read_wait(s->wait_reason), spare = -1;
    for (int i = 0; i < l->nrg; i++) {
        pgroup *g = &l->readers[i];
        if (g->wait == s->wait_lock && g->kind == kind)
            return i;
        if (g->n == 0 && spare < 0)
            spare = i;
    }
    if (spare < 0) {
        if (l->nrg == l->caprg)
            l->readers =
                grow(l->readers, l->nrg, &l->caprg, sizeof *l->readers);
        spare = l->nrg++;
    }
    l->readers[spare].wait = s->wait_lock;
    l->readers[spare].kind = kind;
    return spare;
}

static bool is_write_wait(const lockst *s)
{
    return s->wait_lock && dl_reason_kind(s->wait_reason) == DL_K_WLOCK;
}

/* Under L, at a lock wait's start: what s holds for reading, and the lock
 * it waits to write-lock, index it as parked. */
static void index_parked(lockst *s)
{
    for (int i = 0; i < s->nheld; i++) {
        held *h = &s->held[i];
        if (is_exclusive(h->write))
            continue;
        h->grp = reader_group(h->l, s);
        h->pos = pgroup_add(&h->l->readers[h->grp], s, i);
    }
    if (is_write_wait(s))
        s->ww_pos = pgroup_add(&s->wait_lock->wwaiters, s, -1);
}

/* ... and at its end (its holds have not changed meanwhile). */
static void unindex_parked(lockst *s)
{
    for (int i = 0; i < s->nheld; i++) {
        held *h = &s->held[i];
        if (!is_exclusive(h->write))
            pgroup_remove(&h->l->readers[h->grp], h->pos);
    }
    if (is_write_wait(s))
        pgroup_remove(&s->wait_lock->wwaiters, s->ww_pos);
}

/* ---- lock-order graph ---------------------------------------------------- */

typedef struct inversion {
    int n;
    const void *locks[MAX_CYCLE];
    edge *edges[MAX_CYCLE]; /* edges[i]: locks[i] -> locks[i+1 mod n] */
} inversion;

static edge *edge_find(lk *from, lk *to)
{
    for (edge *e = from->out; e; e = e->next)
        if (e->to == to)
            return e;
    return NULL;
}

/* Depth-first search for a path from `at` to `target`; fills inv from
 * position depth on. */
static bool order_path(lk *at, lk *target, inversion *inv, int depth)
{
    if (at == target)
        return true;
    if (depth >= MAX_CYCLE || at->visit == visit_gen)
        return false;
    at->visit = visit_gen;
    for (edge *e = at->out; e; e = e->next) {
        inv->locks[depth] = at->addr;
        inv->edges[depth] = e;
        if (order_path(e->to, target, inv, depth + 1)) {
            if (inv->n == 0)
                inv->n = depth + 1;
            return true;
        }
    }
    return false;
}

/* Adds from -> to; true (and the cycle in inv) if it closes a cycle. */
static bool order_add(lk *from, lk *to, const dl_stack *from_at,
                      const dl_stack *to_at, int64_t g, inversion *inv)
{
    if (edge_find(from, to))
        return false;
    edge *e = dl_alloc(sizeof *e);
    e->to = to;
    e->g = g;
    e->from_at = *from_at;
    e->to_at = *to_at;
    e->next = from->out;
    from->out = e;
    /* cycle: from -> to -> ... -> from */
    visit_gen++;
    inv->n = 0;
    inv->locks[0] = from->addr;
    inv->edges[0] = e;
    return order_path(to, from, inv, 1);
}

static void report_inversion(const inversion *inv)
{
    dl_report_begin();
    int fd = dl_out_fd();
    rt_fdprintf(fd, "WARNING: POTENTIAL DEADLOCK (lock order inversion)\n");
    rt_fdprintf(fd, "Cycle in lock order graph: ");
    for (int i = 0; i < inv->n; i++)
        rt_fdprintf(fd, "M%d (%p) => ", i + 1, inv->locks[i]);
    rt_fdprintf(fd, "M1\n");
    for (int i = 0; i < inv->n; i++) {
        const edge *e = inv->edges[i];
        int to = (i + 1) % inv->n + 1;
        rt_fdprintf(fd,
                    "\nMutex M%d acquired here while holding mutex M%d in "
                    "goroutine %lld:\n",
                    to, i + 1, (long long)e->g);
        dl_stack_print(fd, &e->to_at);
        rt_fdprintf(fd,
                    "\nMutex M%d previously acquired by the same "
                    "goroutine here:\n",
                    i + 1);
        dl_stack_print(fd, &e->from_at);
    }
    rt_fdprintf(fd, "==================\n");
    dl_report_end();
    dl_count_report();
}

/* ---- lock and unlock ------------------------------------------------------
 */

static const char *lock_type(int write)
{
    return write == RT_LOCK_RW ? "sync.RWMutex" : "sync.Mutex";
}

/* Call sites already warned about: a loop unlocking on behalf of others
 * (a binary semaphore) gets one warning, not one per iteration. */
static dl_spin sites_lock;
static dl_map unlock_sites;

static bool first_at_site(uintptr_t pc)
{
    dl_spin_lock(&sites_lock);
    bool first = pc == 0 || !dl_map_get(&unlock_sites, pc);
    if (pc)
        dl_map_put(&unlock_sites, pc, (void *)1);
    dl_spin_unlock(&sites_lock);
    return first;
}

static void report_unlock_other(int64_t g, const void *m, int write,
                                int64_t owner, const dl_stack *owner_at,
                                const dl_stack *now)
{
    if (!first_at_site(dl_stack_top_pc(now)))
        return;
    dl_report_begin();
    int fd = dl_out_fd();
    rt_fdprintf(fd,
                "WARNING: %s unlocked by a goroutine that did not lock it\n",
                lock_type(write));
    rt_fdprintf(fd,
                "Mutex %p locked by goroutine %lld, unlocked by goroutine "
                "%lld at:\n",
                m, (long long)owner, (long long)g);
    dl_stack_print(fd, now);
    if (owner_at) {
        rt_fdprintf(fd, "\nPreviously locked by goroutine %lld at:\n",
                    (long long)owner);
        dl_stack_print(fd, owner_at);
    }
    rt_fdprintf(fd, "==================\n");
    dl_report_end();
}

static void report_copied(int64_t g, const void *m, int write,
                          const dl_stack *now)
{
    dl_report_begin();
    int fd = dl_out_fd();
    rt_fdprintf(fd, "WARNING: %s copied after first use\n", lock_type(write));
    rt_fdprintf(fd,
                "Mutex %p is locked but was never locked at this address: "
                "it is a copy of a locked mutex.\nUnlocked by goroutine %lld "
                "at:\n",
                m, (long long)g);
    dl_stack_print(fd, now);
    rt_fdprintf(fd, "==================\n");
    dl_report_end();
    dl_count_report();
}

/* s just took top while holding others: the order edges, under L. */
static __attribute__((noinline)) void note_order(lockst *s, held *top)
{
    inversion inv[1];
    bool found = false;
    dl_spin_lock(&L);
    for (held *h = s->held; h < top && !found; h++) {
        if (h->l == top->l ||
            (!is_exclusive(h->write) && !is_exclusive(top->write)) ||
            hold_ended(h))
            continue;
        found = order_add(h->l, top->l, &h->at, &top->at, s->id, inv);
    }
    dl_spin_unlock(&L);
    if (found)
        report_inversion(inv);
}

static void note_lock(lockst *s, const void *m, int write, rt_hg *hg,
                      uintptr_t pc)
{
    lk *l = lock_of(s, m);
    held *h = held_push(s);
    h->m = m;
    h->l = l;
    h->write = write;
    dl_stack_capture(&h->at, hg, pc);
    if (is_exclusive(write)) {
        h->gen = __atomic_load_n(&l->gen, __ATOMIC_RELAXED);
        __atomic_store_n(&l->writer, s->id, __ATOMIC_RELAXED);
        if (dl_opt.unlock_other) {
            dl_spin_lock(&L);
            if (!l->writer_at)
                l->writer_at = dl_alloc(sizeof *l->writer_at);
            *l->writer_at = h->at;
            dl_spin_unlock(&L);
        }
    }
    if (dl_opt.lock_order && s->nheld > 1)
        note_order(s, h);
}

/* An unlock of what the goroutine does not hold: another goroutine's lock,
 * a copy of a locked lock, or an RLocker's RUnlock. */
static __attribute__((noinline)) void
unlock_unheld(int64_t g, const void *m, int write, rt_hg *hg, uintptr_t pc)
{
    dl_stack now, owner_at;
    bool copied = false, other = false, have_at = false;
    int64_t owner = 0;
    lk *l = lock_get(m, false);
    dl_spin_lock(&L);
    if (is_exclusive(write)) {
        const go_mutex *mu = m;
        if (!l)
            copied = __atomic_load_n(&mu->state, __ATOMIC_RELAXED) & 1;
        else {
            owner = __atomic_load_n(&l->writer, __ATOMIC_RELAXED);
            other = owner && owner != g;
            if (other && dl_opt.unlock_other && l->writer_at) {
                owner_at = *l->writer_at;
                have_at = true;
            }
            __atomic_store_n(&l->writer, 0, __ATOMIC_RELAXED);
            __atomic_store_n(&l->gen, l->gen + 1, __ATOMIC_RELAXED);
        }
    } else if (l)
        __atomic_store_n(&l->poisoned, true, __ATOMIC_RELAXED);
    dl_spin_unlock(&L);
    if (copied) {
        dl_stack_capture(&now, hg, pc);
        report_copied(g, m, write, &now);
    } else if (other && dl_opt.unlock_other) {
        dl_stack_capture(&now, hg, pc);
        report_unlock_other(g, m, write, owner, have_at ? &owner_at : NULL,
                            &now);
    }
}

static void note_unlock(lockst *s, const void *m, int write, rt_hg *hg,
                        uintptr_t pc)
{
    held *h = held_find(s, m, write);
    if (!h) {
        if (is_exclusive(write) ||
            !__atomic_load_n(&lock_of(s, m)->poisoned, __ATOMIC_RELAXED))
            unlock_unheld(s->id, m, write, hg, pc);
        return;
    }
    if (is_exclusive(write))
        __atomic_store_n(&h->l->writer, 0, __ATOMIC_RELAXED);
    held_remove(s, h);
}

/* Runs a lock event on g's records; code outside goroutines, which shares
 * records by id, one event at a time. */
static inline __attribute__((always_inline)) void
lock_event(void (*note)(lockst *, const void *, int, rt_hg *, uintptr_t),
           lockst **slot, int64_t g, const void *m, int write, rt_hg *hg,
           uintptr_t pc)
{
    if (slot) {
        note(lockst_of(slot, g), m, write, hg, pc);
        return;
    }
    dl_spin_lock(&outside);
    note(lockst_of(NULL, g), m, write, hg, pc);
    dl_spin_unlock(&outside);
}

void dl_locks_mutex_lock(lockst **slot, int64_t g, const void *m, int write,
                         rt_hg *hg, uintptr_t pc)
{
    lock_event(note_lock, slot, g, m, write, hg, pc);
}

void dl_locks_mutex_unlock(lockst **slot, int64_t g, const void *m, int write,
                           rt_hg *hg, uintptr_t pc)
{
    lock_event(note_unlock, slot, g, m, write, hg, pc);
}

/* ---- lock cycles ------------------------------------------------------------
 * Under L: only parked goroutines (and the walker) are read, and what they
 * hold cannot change until L is let go. */

typedef struct cycle {
    int n;
    lockst *g[MAX_CYCLE]; /* g[i] waits for lock[i] ... */
    lk *lock[MAX_CYCLE];  /* ... held by g[i+1 mod n] */
    int reason[MAX_CYCLE];
    dl_stack *acquired; /* [i]: where g[i+1] acquired lock[i] (found) */
} cycle;

typedef struct walk {
    lockst *start;
    cycle *c;
} walk;

static bool waits_through(walk *w, lockst *s, int depth);

/* Does holder h (of the lock g[depth] waits for) lead back to the start? */
static bool through_holder(walk *w, lockst *h, int depth)
{
    if (!h)
        return false;
    if (h == w->start) {
        w->c->n = depth + 1;
        return true;
    }
    if (depth + 1 >= MAX_CYCLE || !dl_is_lock_wait(h->wait_reason))
        return false;
    w->c->g[depth + 1] = h;
    return waits_through(w, h, depth + 1);
}

/* l's writer, if it is the walker or parked: then what it holds is exact. */
static lockst *settled_writer(const walk *w, lk *l)
{
    int64_t id = __atomic_load_n(&l->writer, __ATOMIC_RELAXED);
    lockst *h = id ? dl_map_get(&gsts, (uintptr_t)id) : NULL;
    if (!h || (h != w->start && !dl_is_lock_wait(h->wait_reason)))
        return NULL;
    return held_find(h, l->addr, RT_LOCK_MUTEX) ? h : NULL;
}

/* The readers of l: the start, if it is one, or one of each group. */
static bool through_readers(walk *w, lk *l, int depth)
{
    if (held_find(w->start, l->addr, RT_LOCK_READ))
        return through_holder(w, w->start, depth);
    for (int i = 0; i < l->nrg; i++)
        if (l->readers[i].n && through_holder(w, l->readers[i].m[0].s, depth))
            return true;
    return false;
}

/* The writers waiting for l: the start, if it is one, or any one (all
 * wait alike). */
static bool through_pending_writers(walk *w, lk *l, int depth)
{
    if (w->start->wait_lock == l && is_write_wait(w->start))
        return through_holder(w, w->start, depth);
    return l->wwaiters.n && through_holder(w, l->wwaiters.m[0].s, depth);
}

/* s (= c->g[depth]) waits for a lock: does some holder lead back? */
static bool waits_through(walk *w, lockst *s, int depth)
{
    lk *l = s->wait_lock;
    /* Whether what a wait depends on leads back to the start does not
     * depend on the path to it, only on the depth left: a lock is followed
     * again, for a kind of wait, only from nearer the start. A walk then
     * stays linear in the parked goroutines (times the depth bound),
     * however many wait on one lock. */
    if (!l || l->poisoned)
        return false;
    int k = is_read_wait(s->wait_reason);
    if (l->walked[k] == walk_gen && l->walked_depth[k] <= depth)
        return false;
    l->walked[k] = walk_gen;
    l->walked_depth[k] = depth;
    w->c->lock[depth] = l;
    w->c->reason[depth] = s->wait_reason;
    if (through_holder(w, settled_writer(w, l), depth))
        return true;
    /* a reader waits for pending writers, a writer for the readers */
    if (k)
        return through_pending_writers(w, l, depth);
    return through_readers(w, l, depth);
}

static void fill_acquisitions(cycle *c)
{
    c->acquired = dl_alloc(MAX_CYCLE * sizeof *c->acquired);
    for (int i = 0; i < c->n; i++) {
        held *h = held_find(c->g[(i + 1) % c->n], c->lock[i]->addr, -1);
        if (h)
            c->acquired[i] = h->at;
        else
            c->acquired[i].n = 0;
    }
}

typedef struct parked {
    int n;
    int64_t ids[MAX_CYCLE];
    rt_ginfo gi[MAX_CYCLE];
    bool ok[MAX_CYCLE];
} parked;

static void collect_parked(const rt_ginfo *gi, void *arg)
{
    parked *p = arg;
    for (int i = 0; i < p->n; i++)
        if (p->ids[i] == gi->id) { /* its creation site, in any state */
            p->gi[i] = *gi;
            p->ok[i] = gi->status == RT_GS_WAITING && gi->sp;
        }
}

/* The other goroutines of the cycle blocked before us but may still be
 * switching out on their threads: wait (at most a second) until each has
 * saved its registers, so its stack can be walked. */
static void wait_parked(const cycle *c, parked *p)
{
    p->n = c->n;
    for (int i = 0; i < c->n; i++)
        p->ids[i] = c->g[i]->id;
    for (int tries = 0; tries < 10000; tries++) {
        memset(p->ok, 0, sizeof p->ok);
        rt_hook_goroutines(collect_parked, p);
        bool all = true;
        for (int i = 1; i < c->n; i++)
            all = all && p->ok[i];
        if (all)
            return;
        usleep(100);
    }
}

/* A parked goroutine's stack, paths stripped as everywhere else. */
static void print_saved(int fd, void *sp)
{
    char *text = dl_alloc(16384);
    dl_traceback_saved_text(sp, text, 16384);
    dl_print_text(fd, text);
    dl_free(text);
}

static void report_cycle(const cycle *c) __attribute__((noreturn, noinline));
static void report_cycle(const cycle *c)
{
    int fd = dl_out_fd();
    parked p;
    dl_stack self;
    dl_stack_capture(&self, NULL, 0);
    wait_parked(c, &p);
    dl_report_begin();
    fflush(stdout);
    rt_fdprintf(fd, "fatal error: deadlock: lock cycle\n\n");
    for (int i = 0; i < c->n; i++)
        rt_fdprintf(fd,
                    "goroutine %lld waits for %p (%s), held by goroutine "
                    "%lld\n",
                    (long long)c->g[i]->id, c->lock[i]->addr,
                    rt_hook_wait_reason(c->reason[i]),
                    (long long)c->g[(i + 1) % c->n]->id);
    for (int i = 0; i < c->n; i++) {
        rt_fdprintf(fd, "\n%p acquired by goroutine %lld at:\n",
                    c->lock[i]->addr, (long long)c->g[(i + 1) % c->n]->id);
        if (c->acquired[i].n)
            dl_stack_print(fd, &c->acquired[i]);
        else
            rt_fdprintf(fd, "\t(unknown)\n");
    }
    for (int i = 0; i < c->n; i++) {
        rt_fdprintf(fd, "\ngoroutine %lld [%s]:\n", (long long)c->g[i]->id,
                    rt_hook_wait_reason(c->reason[i]));
        if (i == 0)
            dl_stack_print(fd, &self);
        else if (p.ok[i])
            print_saved(fd, p.gi[i].sp);
        else
            rt_fdprintf(fd, "\t(still switching out)\n");
        /* every goroutine of the cycle but main says where it came from */
        if (p.gi[i].id == c->g[i]->id && p.gi[i].parent != 0)
            rt_print_created_by(
                fd, p.gi[i].create_func, dl_strip(p.gi[i].create_file),
                p.gi[i].create_line, p.gi[i].create_pc, p.gi[i].parent);
    }
    fflush(stderr);
    rt_explore_finish(); /* a seeded run's schedule_out, if asked for */
    _exit(2);
}

typedef struct others {
    const cycle *c;
    bool run;
} others;

static void note_other(const rt_ginfo *gi, void *arg)
{
    others *o = arg;
    for (int i = 0; i < o->c->n; i++)
        if (o->c->g[i]->id == gi->id)
            return;
    if (gi->status != RT_GS_WAITING ||
        dl_reason_kind(gi->wait_reason) == DL_K_SLEEP)
        o->run = true;
}

/* Could a goroutine outside the cycle still run? If not, every goroutine
 * is asleep and the scheduler reports that, in Go's words. */
static bool others_can_run(const cycle *c)
{
    others o = {c, false};
    rt_hook_goroutines(note_other, &o);
    return o.run;
}

/* Does s's wait on a lock close a cycle? Called with L held; releases it.
 * Every lock wait runs it on the parking goroutine's stack, below where
 * the goroutine will sleep, so its frame stays small: a report's buffers
 * (the acquisition stacks, the parked goroutines' details) live in
 * report_cycle's frame or the heap, only when a cycle is found. A frame of
 * 6.7 KB here had cost every goroutine parked on a Mutex an extra stack
 * page or two. */
static __attribute__((noinline)) void check_lock_cycle(lockst *s)
{
    cycle c;
    walk w = {.start = s, .c = &c};
    walk_gen++;
    c.g[0] = s;
    /* A goroutine re-locking a Mutex it holds is waiting for an unlock
     * that Go lets any goroutine do (the memory model's own example does
     * it); while others can run that is not yet a deadlock, and if none
     * can, the scheduler reports it. Cycles through two or more goroutines
     * are. */
    bool found = waits_through(&w, s, 0) && c.n > 1;
    if (found)
        fill_acquisitions(&c);
    dl_spin_unlock(&L);
    if (found && others_can_run(&c))
        report_cycle(&c);
    if (found)
        dl_free(c.acquired);
}

void dl_locks_block(lockst **slot, int64_t g, int reason, const void *obj)
{
    lockst *s = lockst_of(slot, g);
    lk *l = obj ? lock_get(obj, true) : NULL;
    dl_spin_lock(&L);
    s->wait_reason = reason;
    s->wait_lock = l;
    index_parked(s);
    if (dl_opt.lock_cycle && l && dl_is_lock_wait(reason))
        check_lock_cycle(s);
    else
        dl_spin_unlock(&L);
}

void dl_locks_unblock(lockst **slot, int64_t g)
{
    dl_spin_lock(&L);
    lockst *s = slot ? *slot : dl_map_get(&gsts, (uintptr_t)g);
    if (s && s->wait_reason) {
        unindex_parked(s);
        s->wait_reason = 0;
        s->wait_lock = NULL;
    }
    dl_spin_unlock(&L);
}

void dl_locks_go_end(lockst **slot, int64_t g)
{
    dl_spin_lock(&L);
    lockst *s = dl_map_del(&gsts, (uintptr_t)g);
    dl_spin_unlock(&L);
    if (slot)
        *slot = NULL;
    if (s) {
        dl_free(s->held);
        dl_free(s);
    }
}

__attribute__((constructor)) static void locks_init(void)
{
    dl_root_exclude(lk_shards, sizeof lk_shards);
    dl_root_exclude(&gsts, sizeof gsts);
}
