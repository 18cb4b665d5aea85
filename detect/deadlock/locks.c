/*
 * Locks: who holds what, who waits for what, and in which order locks are
 * taken.
 *
 * Holding. The runtime reports mutex_lock after a goroutine owns a lock and
 * mutex_unlock before it lets go, so a recorded holder always really holds
 * the lock (the record may lag behind an acquisition, never ahead of a
 * release). Waiting is recorded at go_block for a lock wait, after the
 * goroutine queued on the lock's semaphore, and cleared at go_unblock; only
 * a release can wake it, and a release starts by clearing the holder.
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
 * program is asleep and the scheduler says so in Go's words. An RWMutex
 * read-unlocked by a goroutine that is not a recorded reader makes its reader
 * set unknown ("poisoned") until the last reader leaves; poisoned locks never
 * complete a cycle. A cycle of one goroutine (re-locking a lock it holds)
 * is not reported: Go lets another goroutine do the unlock.
 *
 * Lock order. Acquiring M2 while holding M1 adds the edge M1 -> M2 (with
 * both acquisition stacks) unless both are read locks, which never exclude
 * each other. An edge that closes a cycle in this graph is a potential
 * deadlock even if the schedule never interleaved the two paths, as TSan's
 * deadlock detector reports it: each new edge is checked once, so each
 * cycle is reported once, when its last edge appears.
 *
 * Misuse. Unlocking a Mutex locked by another goroutine is legal in Go (a
 * Mutex as a binary semaphore, RLocker handed to another goroutine), so it
 * is reported only on request (unlock_other=1), as a warning, once per
 * unlock site. A Mutex found locked
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

enum { MAX_CYCLE = 16, MAX_VISIT = 64 };

typedef struct held {
    const void *m;
    int write;
    dl_stack at;
} held;

typedef struct lgst {
    int64_t id;
    int nheld, capheld;
    held *held;
    int wait_reason; /* 0: not blocked */
    const void *wait_obj;
} lgst;

typedef struct lk lk;
typedef struct edge {
    lk *to;
    int64_t g;
    dl_stack from_at, to_at;
    struct edge *next;
} edge;

struct lk {
    const void *addr;
    int64_t writer;
    int nreaders, capreaders;
    int64_t *readers;
    bool poisoned;
    uint64_t visit;
    edge *out;
};

static dl_spin L;
static dl_map locks; /* address -> lk */
static dl_map gsts;  /* goroutine id -> lgst */
static uint64_t visit_gen;

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
    lk *l = dl_map_get(&locks, (uintptr_t)m);
    if (!l && make) {
        l = dl_alloc(sizeof *l);
        l->addr = m;
        dl_map_put(&locks, (uintptr_t)m, l);
    }
    return l;
}

static lgst *gst_get(int64_t g, bool make)
{
    lgst *s = dl_map_get(&gsts, (uintptr_t)g);
    if (!s && make) {
        s = dl_alloc(sizeof *s);
        s->id = g;
        dl_map_put(&gsts, (uintptr_t)g, s);
    }
    return s;
}

static held *held_find(lgst *s, const void *m)
{
    for (int i = s ? s->nheld - 1 : -1; i >= 0; i--)
        if (s->held[i].m == m)
            return &s->held[i];
    return NULL;
}

static void held_push(lgst *s, const void *m, int write, const dl_stack *at)
{
    if (s->nheld == s->capheld) {
        int cap = s->capheld ? 2 * s->capheld : 4;
        held *n = dl_alloc((size_t)cap * sizeof *n);
        if (s->nheld)
            memcpy(n, s->held, (size_t)s->nheld * sizeof *n);
        dl_free(s->held);
        s->held = n;
        s->capheld = cap;
    }
    s->held[s->nheld++] = (held){m, write, *at};
}

static void held_remove(lgst *s, const void *m)
{
    held *h = held_find(s, m);
    if (!h)
        return;
    long i = h - s->held;
    memmove(h, h + 1, (size_t)(s->nheld - i - 1) * sizeof *h);
    s->nheld--;
}

static void reader_add(lk *l, int64_t g)
{
    if (l->nreaders == l->capreaders) {
        int cap = l->capreaders ? 2 * l->capreaders : 4;
        int64_t *n = dl_alloc((size_t)cap * sizeof *n);
        if (l->nreaders)
            memcpy(n, l->readers, (size_t)l->nreaders * sizeof *n);
        dl_free(l->readers);
        l->readers = n;
        l->capreaders = cap;
    }
    l->readers[l->nreaders++] = g;
}

static bool reader_remove(lk *l, int64_t g)
{
    for (int i = 0; i < l->nreaders; i++)
        if (l->readers[i] == g) {
            l->readers[i] = l->readers[--l->nreaders];
            return true;
        }
    return false;
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
                                int64_t owner, const held *h,
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
    if (h) {
        rt_fdprintf(fd, "\nPreviously locked by goroutine %lld at:\n",
                    (long long)owner);
        dl_stack_print(fd, &h->at);
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

void dl_locks_mutex_lock(int64_t g, const void *m, int write, rt_hg *hg,
                         uintptr_t pc)
{
    dl_stack at;
    dl_stack_capture(&at, hg, pc);
    inversion inv[1];
    bool found = false;
    dl_spin_lock(&L);
    lk *l = lock_get(m, true);
    lgst *s = gst_get(g, true);
    if (write)
        l->writer = g;
    else
        reader_add(l, g);
    if (dl_opt.lock_order)
        for (int i = 0; i < s->nheld && !found; i++) {
            held *h = &s->held[i];
            if (h->m == m || (!h->write && !write))
                continue;
            found = order_add(lock_get(h->m, true), l, &h->at, &at, g, inv);
        }
    held_push(s, m, write, &at);
    dl_spin_unlock(&L);
    if (found)
        report_inversion(inv);
}

void dl_locks_mutex_unlock(int64_t g, const void *m, int write, rt_hg *hg,
                           uintptr_t pc)
{
    dl_stack now;
    bool copied = false, other = false;
    int64_t owner = 0;
    held h_copy;
    bool have_h = false;
    dl_spin_lock(&L);
    lk *l = lock_get(m, false);
    if (write) {
        const go_mutex *mu = m;
        if (!l)
            copied = __atomic_load_n(&mu->state, __ATOMIC_RELAXED) & 1;
        else {
            owner = l->writer;
            lgst *os = owner ? gst_get(owner, false) : NULL;
            held *h = held_find(os, m);
            if (h) {
                h_copy = *h;
                have_h = true;
                held_remove(os, m);
            }
            other = owner && owner != g;
            l->writer = 0;
        }
    } else if (l) {
        if (!reader_remove(l, g))
            l->poisoned = true;
        held_remove(gst_get(g, false), m);
        if (l->nreaders == 0)
            l->poisoned = false;
    }
    dl_spin_unlock(&L);
    if (copied) {
        dl_stack_capture(&now, hg, pc);
        report_copied(g, m, write, &now);
    } else if (other && dl_opt.unlock_other) {
        dl_stack_capture(&now, hg, pc);
        report_unlock_other(g, m, write, owner, have_h ? &h_copy : NULL, &now);
    }
}

/* ---- lock cycles ------------------------------------------------------------
 */

typedef struct cycle {
    int n;
    int64_t g[MAX_CYCLE];        /* g[i] waits for lock[i] ... */
    const void *lock[MAX_CYCLE]; /* ... held by g[i+1 mod n] */
    int reason[MAX_CYCLE];
    dl_stack acquired[MAX_CYCLE]; /* where g[i+1] acquired lock[i] */
} cycle;

typedef struct walk {
    int64_t start;
    int nvisited;
    int64_t visited[MAX_VISIT];
    cycle *c;
} walk;

static bool visited(walk *w, int64_t g)
{
    for (int i = 0; i < w->nvisited; i++)
        if (w->visited[i] == g)
            return true;
    if (w->nvisited < MAX_VISIT)
        w->visited[w->nvisited++] = g;
    return false;
}

static bool waits_through(walk *w, lgst *s, int depth);

/* Does holder h (of the lock g[depth] waits for) lead back to the start? */
static bool through_holder(walk *w, int64_t h, int depth)
{
    if (h == 0)
        return false;
    if (h == w->start) {
        w->c->n = depth + 1;
        return true;
    }
    if (depth + 1 >= MAX_CYCLE || visited(w, h))
        return false;
    lgst *hs = gst_get(h, false);
    if (!hs || !dl_is_lock_wait(hs->wait_reason))
        return false;
    w->c->g[depth + 1] = h;
    return waits_through(w, hs, depth + 1);
}

static bool pending_writers_lead_back(walk *w, lk *l, int depth)
{
    for (size_t i = 0; i < gsts.cap; i++) {
        lgst *o = gsts.keys[i] ? gsts.vals[i] : NULL;
        if (o && o->wait_obj == l->addr &&
            dl_reason_kind(o->wait_reason) == DL_K_WLOCK &&
            through_holder(w, o->id, depth))
            return true;
    }
    return false;
}

/* s (= c->g[depth]) waits for a lock: does some holder lead back? */
static bool waits_through(walk *w, lgst *s, int depth)
{
    lk *l = lock_get(s->wait_obj, false);
    if (!l || l->poisoned)
        return false;
    w->c->lock[depth] = l->addr;
    w->c->reason[depth] = s->wait_reason;
    if (through_holder(w, l->writer, depth))
        return true;
    if (is_read_wait(s->wait_reason))
        return pending_writers_lead_back(w, l, depth);
    for (int i = 0; i < l->nreaders; i++)
        if (through_holder(w, l->readers[i], depth))
            return true;
    return false;
}

static void fill_acquisitions(cycle *c)
{
    for (int i = 0; i < c->n; i++) {
        held *h = held_find(gst_get(c->g[(i + 1) % c->n], false), c->lock[i]);
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
        p->ids[i] = c->g[i];
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

static void report_cycle(const cycle *c) __attribute__((noreturn));
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
                    (long long)c->g[i], c->lock[i],
                    rt_hook_wait_reason(c->reason[i]),
                    (long long)c->g[(i + 1) % c->n]);
    for (int i = 0; i < c->n; i++) {
        rt_fdprintf(fd, "\n%p acquired by goroutine %lld at:\n", c->lock[i],
                    (long long)c->g[(i + 1) % c->n]);
        if (c->acquired[i].n)
            dl_stack_print(fd, &c->acquired[i]);
        else
            rt_fdprintf(fd, "\t(unknown)\n");
    }
    for (int i = 0; i < c->n; i++) {
        rt_fdprintf(fd, "\ngoroutine %lld [%s]:\n", (long long)c->g[i],
                    rt_hook_wait_reason(c->reason[i]));
        if (i == 0)
            dl_stack_print(fd, &self);
        else if (p.ok[i])
            print_saved(fd, p.gi[i].sp);
        else
            rt_fdprintf(fd, "\t(still switching out)\n");
        /* every goroutine of the cycle but main says where it came from */
        if (p.gi[i].id == c->g[i] && p.gi[i].parent != 0)
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
        if (o->c->g[i] == gi->id)
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

/* Does g's wait on a lock close a cycle? Called with L held; releases it.
 * Kept out of dl_locks_block: its cycle buffer is ~7 KB of stack, which
 * every goroutine's first park would otherwise fault in (two fresh pages
 * of RSS per parked goroutine). */
static __attribute__((noinline)) void check_lock_cycle(int64_t g, lgst *s)
{
    cycle c;
    walk w = {.start = g, .c = &c};
    c.g[0] = g;
    visited(&w, g);
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
}

void dl_locks_block(int64_t g, int reason, const void *obj)
{
    dl_spin_lock(&L);
    lgst *s = gst_get(g, true);
    s->wait_reason = reason;
    s->wait_obj = obj;
    if (dl_opt.lock_cycle && obj && dl_is_lock_wait(reason))
        check_lock_cycle(g, s);
    else
        dl_spin_unlock(&L);
}

void dl_locks_unblock(int64_t g)
{
    dl_spin_lock(&L);
    lgst *s = gst_get(g, false);
    if (s) {
        s->wait_reason = 0;
        s->wait_obj = NULL;
    }
    dl_spin_unlock(&L);
}

void dl_locks_go_end(int64_t g)
{
    dl_spin_lock(&L);
    lgst *s = dl_map_del(&gsts, (uintptr_t)g);
    dl_spin_unlock(&L);
    if (s) {
        dl_free(s->held);
        dl_free(s);
    }
}

__attribute__((constructor)) static void locks_init(void)
{
    dl_root_exclude(&locks, sizeof locks);
    dl_root_exclude(&gsts, sizeof gsts);
}
