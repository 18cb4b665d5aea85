/*
 * The native race detector: Go's -race for C programs on the gorace runtime.
 *
 * User code is compiled with -fsanitize=thread; the compiler's callbacks
 * (__tsan_*, tsan.c) report every memory access, function entry and atomic
 * operation. The runtime reports goroutine life and the Go memory model's
 * synchronisation edges through rt/hooks.h. This file keeps the
 * happens-before state; shadow.c checks accesses, report.c prints and
 * keeps the histories, alloc.c gives the detector memory of its own.
 *
 * Happens-before. Every goroutine has a vector clock. release(addr) stores
 * the goroutine's clock into the sync object for addr (release_merge joins
 * it), acquire(addr) joins the object's clock into the goroutine's; after a
 * release the goroutine's own entry (its epoch) advances, so its later
 * accesses are not covered by what it released. The runtime emits these
 * edges at Go's race-annotation points (channel slots, close, mutexes,
 * WaitGroup, Once, context); atomics with acquire/release orders emit them on
 * the atomic's address; creating a goroutine gives the child the parent's
 * clock.
 *
 * Keeping clocks cheap. The costs that matter are not single joins but the
 * patterns that repeat them n times: a spawn loop, n Done()s into one
 * WaitGroup, n waiters woken by one close. Each becomes O(1) per goroutine:
 *  - a child shares its parent's clock (copy-on-write, clock.c) and keeps
 *    the parent's own entry aside as its pin, so the parent's clock does not
 *    change between spawns and n children share one clock;
 *  - a sync object remembers which clock it last merged whole (joined_gen):
 *    a release from a goroutine holding that clock merges its own entry and
 *    pin only;
 *  - a sync object remembers which clock it was found to cover (covers_gen):
 *    an acquire by a goroutine holding that clock shares the object's clock
 *    without comparing them again;
 *  - a goroutine remembers the object whose clock it took whole on an
 *    acquire, by the object's lineage (renewed whenever the object's clock
 *    is replaced rather than grown): while it stands and the goroutine
 *    learned nothing since, the object covers the goroutine's clock, and a
 *    merge release into it adds the goroutine's own entry only. Every read
 *    of Go's ioSync takes its clock, and the next write merges into it
 *    after other writers changed it, which joined_gen cannot tell.
 * And the channel operations each cost one hook, not two or four: a buffered
 * slot's acquire+release (Go's racereleaseacquire) and an unbuffered
 * hand-off (racesync) leave the goroutines and the object sharing one clock,
 * merged in place when nobody else holds it. A buffered channel's slot
 * finds its object in the channel itself (rt_hobj: "parts" below), with
 * no table lookup and no lock but the channel's.
 *
 * Many live goroutines that all talk. A ring of n goroutines passing a
 * token teaches every member every other's epoch: clocks are n wide
 * whatever we do, since all n goroutines are live and unordered but for
 * the ring. Two things keep that affordable:
 *  - clocks past FLAT_MAX entries are persistent radix trees (clock.c): a
 *    change copies one path (O(log n)), versions share everything else,
 *    and joins and compares skip shared subtrees;
 *  - a hand-off does not compare two wide clocks when one side knows the
 *    other's last release and the other learned nothing since
 *    (clean_and_known): a clock holding (s, e) holds the whole clock of
 *    s's owner at e, so the comparison's answer is known;
 *  - such a hand-off does not even change the clock: the two epochs it
 *    teaches wait as pending entries beside it ("Pending entries" below),
 *    and only every few hops are written, a path for several neighbours;
 *  - so do merges into an object that already holds the goroutine's
 *    clock (n adds to one atomic counter, n Done()s into one WaitGroup),
 *    and acquires take the object's pending entries along.
 * A ring hop is then O(log n) time and memory, where flat clocks cost O(n)
 * and a lap O(n^2) memory. Nothing is given up for it: every clock is
 * exact, at every width. Wide clocks pay for it: a lookup walks 3-6 tree
 * levels instead of indexing an array, and a join that no release-epoch
 * argument covers still costs O(entries that differ). We chose this over
 * TSan v3's bounded slots, where goroutines preempt each other's slots and
 * running out of epochs wipes the shadow memory (a race whose first access
 * predates the reset is lost), because no verdict may be lost:
 * corpus/race/scale holds races 10,000 slots and a ring lap apart, and one
 * whose writer's slot was reused twice.
 *
 * Slots. Clock entries are indexed by slot, not by goroutine id, and a slot
 * is reused once its goroutine finished, so clocks do not grow with the
 * number of goroutines that ever lived (TSan v3's idea). Epochs of a slot
 * keep increasing across its owners. Reuse is exact, with no missed race and
 * no false one, under one condition that we enforce: slot s whose last owner
 * finished at epoch E is given only to a child whose parent's clock already
 * has s >= E, i.e. the parent has joined the finished goroutine (WaitGroup,
 * channel receive, ...). Then the new owner's clock contains all of the old
 * owner's history, so "s >= e" means the same thing for every epoch e of
 * either owner: knowing the new owner implies knowing the old one. A spawn
 * with no joinable free slot takes a fresh one; MAX_SLOTS live goroutines
 * (4M) is the limit.
 *   One exception bounds memory: a program that never joins its goroutines
 * (fire and forget) would leave every slot unreusable, and keep ~500 bytes
 * per goroutine that ever lived. Past ADOPT_AFTER free slots, a spawn takes
 * the oldest free slot even though nobody knows its last owner. That can
 * only hide races, never invent one: a goroutine that later learns the new
 * owner's epoch also covers the old owner's accesses to memory it then
 * touches. It needs more than ADOPT_AFTER goroutines that ended unjoined,
 * and it is all the precision our clocks give up. Clocks stay short
 * where nothing forces them wide: a child shares its parent's clock
 * copy-on-write (clock.c), so a million parked goroutines cost a reference
 * each.
 *
 * Shadow memory (shadow.c) is direct-mapped (the tops of all goroutine
 * stacks side by side, the rest linearly), FastTrack in TSan's form:
 * four cells of (slot, epoch, bytes, write, atomic) per 8-byte word, an
 * epoch per access and several cells only when reads are concurrent.
 * Unlike TSan, two accesses to one word at the same instant on two threads
 * always see each other: a cell is stored with a CAS and a second look
 * (Dekker).
 *
 * One thread at a time. While only one thread can be running user code or
 * hooks (one M runs goroutines, whatever GOMAXPROCS, and no thread of the
 * program's own runs: the runtime's rt_hook_parallel), the detector works
 * in solo sections (race.h): shadow cells are stored plainly, clock and
 * tree-node reference counts change with plain arithmetic, and the sync
 * tables' locks are not taken. On this VM a locked instruction costs
 * ~6 ns, and a channel hand-off made a dozen (refcounts, the shard lock,
 * the CAS). Every hook that moves clocks opens a section (hook_begin), and
 * so does every ordered atomic (tsan.c); the rest (plain accesses, the
 * libc interceptors) stores its shadow cell in a section of its own. A
 * thread that could run hooks beside a section counts itself first and
 * waits out the section under way (rt_hook_parallel_enter): an M about to
 * run goroutines after sleeping; an M that is not counted (RT_PIN_IDLE: it
 * fires timers, readies what the poller found), for the length of its
 * hook; and a guest, a thread that is neither an M nor a thread of the
 * program's own, likewise. What is left is a thread that neither the
 * runtime nor this detector knows of running instrumented code itself (a
 * library's thread calling back into the program): against its plain
 * accesses the guarantee is TSan's, while its atomics and runtime calls
 * are guests like any other.
 *
 * Threads. A goroutine's state is touched by the thread running it, or by
 * the goroutine completing a hand-off with it while it is parked (the
 * runtime names that passive party in the hook), never by two at once.
 * Goroutine 0 (code outside goroutines, scheduler context) is `boot`, whose
 * hook events are serialised by a lock.
 */
#include "race.h"

#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../rt/hooks.h"

/* ---- slots --------------------------------------------------------------- */

enum {
    SLOT_CHUNK = 4096,
    INC_KEEP = 2,          /* incarnations of a slot kept for reports */
    REUSE_NEWEST = 4,      /* free slots examined per spawn, newest first ... */
    REUSE_OLDEST = 12,     /* ... then oldest first */
    ADOPT_AFTER = 1 << 14, /* free slots kept before reusing unjoined ones */
};

/* A slot: its last epoch, and its latest owners (newest first) so a report
 * can name the goroutine behind an old (slot, epoch) and restore its stack. */
typedef struct slot {
    epoch_t epoch;
    epoch_t adopted; /* first epoch of the last owner that did not know the
                        one before it (ADOPT_AFTER), or 0 */
    gstate *inc[INC_KEEP];
} slot;

/* Goroutines live and blocked: every spawn and end on every M counts. */
static _Alignas(64) _Atomic long nlive;
static _Atomic long nblocked;
static gstate boot; /* goroutine 0: code outside goroutines */
static atomic_flag boot_lock = ATOMIC_FLAG_INIT;
static slot *slot_chunks[MAX_SLOTS / SLOT_CHUNK];
static sid_t nslots;
/* Free slots, a ring from oldest (head) to newest: a spawn+join loop reuses
 * the slot it just joined (newest); a fan-out whose children end while the
 * parent still spawns buries the slots it joined last round under ones it
 * cannot reuse yet, and finds them at the head. Examined slots that cannot
 * be reused go round to the back, so a stuck head does not block reuse.
 * The slots lock and the counts of "Floors" share its line: at two Ps a
 * spawn on one M and an end on the other take turns at all of it. */
static struct {
    _Alignas(64) atomic_flag lock;
    sid_t *sid;
    size_t head, n, cap; /* cap: a power of two */
    size_t ended;        /* slots freed since the last floor pass */
} freeq;

void race_slots_lock(void)
{
    table_lock(&freeq.lock);
}
void race_slots_unlock(void)
{
    table_unlock(&freeq.lock);
}

static slot *slot_at(sid_t s)
{
    slot *c = slot_chunks[s / SLOT_CHUNK];
    if (!c)
        c = slot_chunks[s / SLOT_CHUNK] =
            race_calloc(SLOT_CHUNK * sizeof(slot));
    return &c[s % SLOT_CHUNK];
}

/* Dropped goroutine states are kept per thread, with their history buffers,
 * for the next spawns there: a fan-out of 10k goroutines otherwise spends a
 * fifth of its time in malloc and free. */
enum { GSTATE_KEEP = 256 };
static __thread struct {
    gstate *g[GSTATE_KEEP];
    unsigned n;
} spare_gstates __attribute__((tls_model("initial-exec")));

static gstate *gstate_new(void)
{
    if (!spare_gstates.n)
        return race_calloc(sizeof(gstate));
    gstate *g = spare_gstates.g[--spare_gstates.n];
    trace *tr = g->tr; /* emptied by trace_reset */
    uintptr_t *stk = g->stk;
    uint32_t stk_cap = g->stk_cap;
    memset(g, 0, sizeof *g);
    g->tr = tr;
    g->stk = stk;
    g->stk_cap = stk_cap;
    return g;
}

/* g is finished and out of every table. */
static void gstate_destroy(gstate *g)
{
    vc_unref(g->vc);
    g->vc = NULL;
    if (spare_gstates.n < GSTATE_KEEP) {
        trace_reset(g);
        spare_gstates.g[spare_gstates.n++] = g;
        return;
    }
    trace_free(g);
    race_free(g->stk);
    race_free(g);
}

/* g's clock entry for slot s. */
static epoch_t knows(const gstate *g, sid_t s)
{
    if (s == g->sid)
        return g->epoch;
    epoch_t e = vc_get(g->vc, s), f = race_floor_for(vc_fgen(g->vc), s);
    if (s == g->pin_sid && g->pin_epoch > e)
        e = g->pin_epoch;
    if (f > e)
        e = f;
    return g->pending ? pend_max(&g->pend, s, e) : e;
}

/* Does a clock whose entry for g's slot is `known` hold everything g knows
 * (but its own entry)? Yes if g has learned nothing since its last release
 * and that release is known: a clock that holds (s, e) holds the whole
 * clock of s's owner at e, since every edge carries whole clocks. This
 * spares the O(width) comparison of two wide clocks at a hand-off: in a
 * ring of n goroutines, each one's clock is n wide and differs from its
 * partner's in every entry, but each partner knows the other's last
 * release. Slot reuse keeps the premise: a slot's epochs grow across its
 * owners, so (s, e >= g's release) can only come from g while g lives. */
static bool clean_and_known(const gstate *g, epoch_t known)
{
    uint64_t gen = g->vc ? g->vc->gen : 0;
    return g->rel_epoch && gen == g->rel_gen && known >= g->rel_epoch;
}

/* Tags clock vc, which holds exactly what g knew at its release of epoch
 * g->epoch (and nothing g learned later), with that release: whoever
 * learns (g's slot, that epoch) learns all of vc, which then needs no
 * comparing. Only a private clock is tagged: shared ones are read
 * unlocked. */
static void tag_release(vclock *vc, const gstate *g)
{
    if (vc && __atomic_load_n(&vc->ref, __ATOMIC_ACQUIRE) == 1) {
        vc->tag_sid = g->sid;
        vc->tag_epoch = g->epoch;
    }
}

/* Does a clock whose entry for slot s is `known` cover every clock tagged
 * (s, e)? Yes if known >= e, unless a goroutine adopted slot s after the
 * release: an adopter's epochs do not imply its predecessor's (then the
 * caller compares the clocks). */
static bool covers_tag(sid_t s, epoch_t e, epoch_t known)
{
    return e && known >= e &&
           __atomic_load_n(&slot_at(s)->adopted, __ATOMIC_RELAXED) <= e;
}

/* Does g's knowledge cover clock vc? Known at once for a tagged clock.
 * Asked of wide clocks only: comparing flat ones costs less than asking. */
static bool knows_tagged(const gstate *g, const vclock *vc)
{
    return vc && vc->depth &&
           covers_tag(vc->tag_sid, vc->tag_epoch, knows(g, vc->tag_sid));
}

/* Adds g's pin, if any, to the clock *vcp (copying it if it is shared and
 * the pin is news). */
static void join_pin(vclock **vcp, const gstate *g)
{
    if (g->pin_sid != SID_NONE)
        vc_raise(vcp, g->pin_sid, g->pin_epoch);
}

/* Moves g's pin into its own clock. */
static void fold_pin(gstate *g)
{
    join_pin(&g->vc, g);
    g->pin_sid = SID_NONE;
}

/* Drops g's pin once its clock covers it. */
static void drop_covered_pin(gstate *g)
{
    if (g->pin_sid != SID_NONE && vc_get(g->vc, g->pin_sid) >= g->pin_epoch)
        g->pin_sid = SID_NONE;
}

/* ---- pending entries -----------------------------------------------------
 *
 * A hand-off in which the sender already knows everything its partner
 * does (clean_and_known or a tag: every hop of a ring, a ping-pong) still
 * has two entries to teach: the partner learns the sender's epoch, and the
 * sender its partner's. Written into the shared clock, they cost a path
 * copy per hop, and a lap later the release of the old version: sixteen
 * kids' reference counts up and down per copied inner node, on lines a lap
 * old, a fifth of a ring hop at 1e3-1e4 goroutines (measured by leaving
 * them out). Instead, once the clock is a tree (a flat one is cheaper to
 * copy than pending entries are to consult), both goroutines and the
 * channel's sync object keep the sender's clock shared and unchanged, and
 * hold the entries it lacks in a small pending set (gstate.pend,
 * syncobj.pend), merged by slot. Only when the set would overflow
 * (PEND_MAX) does the hand-off write it into a copy: one path for up to
 * PEND_MAX neighbouring slots. Knowledge is the same either way: knows()
 * and the access check read the set.
 *   Merges and acquires use the same sets. n goroutines that each add to
 * one atomic counter and call Done on one WaitGroup leave the two objects
 * with wide clocks that share nodes; each merge taught one of them a
 * single entry, and copied a path to write it (node_copy and its
 * reference counts were a fifth of TicketWaveN/1e5). A merge into an
 * object that already holds the goroutine's clock (joined_gen, a tag)
 * now adds the goroutine's own entry, pin and set to the object's set,
 * and an acquire takes the object's set along into the goroutine's
 * (learn_pending).
 *   The shortcuts stay exact because an object's set only ever adds to
 * what its clock says: joined_gen, covers_gen and tags are statements
 * about the clock, and knowledge beyond it cannot make them false. The
 * other operations settle the states they touch first (write their sets
 * into their clocks), and replacing an object's clock (a plain release,
 * a hand-off) replaces its set. A goroutine's set, though, can grow
 * without its clock changing, after its last release: so learning a set
 * clears the goroutine's release epoch, and clean_and_known ("learned
 * nothing since the release") does not vouch for it until it releases
 * again. A hand-off always ends with both parties' advance(), so there
 * the test stays exact.
 */

/* Adds (s, e) to p, merged by slot; false if p is full. */
static bool pend_add(pendset *p, sid_t s, epoch_t e)
{
    for (uint32_t i = 0; i < p->n; i++)
        if (p->sid[i] == s) {
            if (e > p->epoch[i])
                p->epoch[i] = e;
            return true;
        }
    if (p->n == PEND_MAX)
        return false;
    p->sid[p->n] = s;
    p->epoch[p->n] = e;
    p->n++;
    return true;
}

static bool pend_add_all(pendset *p, const pendset *q)
{
    for (uint32_t i = 0; i < q->n; i++)
        if (!pend_add(p, q->sid[i], q->epoch[i]))
            return false;
    return true;
}

static bool pend_add_pin(pendset *p, const gstate *g)
{
    return g->pin_sid == SID_NONE || pend_add(p, g->pin_sid, g->pin_epoch);
}

/* Writes p into the clock *vcp (copying a shared one). */
static void pend_write(vclock **vcp, const pendset *p)
{
    for (uint32_t i = 0; i < p->n; i++)
        vc_raise(vcp, p->sid[i], p->epoch[i]);
}

/* The same, and empties p. */
static void pend_fold(vclock **vcp, pendset *p)
{
    pend_write(vcp, p);
    p->n = 0;
}

/* Writes g's pending entries into its clock. That changes the clock but not
 * what g knows: a goroutine clean before (nothing learned since its last
 * release, clean_and_known) stays clean, or every hand-off after a ring's
 * last lap (a close waking each member in turn) would compare two wide
 * clocks that differ in a growing number of entries: O(n^2) in all. */
static void settle(gstate *g)
{
    if (g->pending) {
        bool clean = g->vc && g->vc->gen == g->rel_gen;
        pend_fold(&g->vc, &g->pend);
        g->pending = false;
        if (clean)
            g->rel_gen = g->vc->gen;
    }
}

static sid_t *freeq_at(size_t i) /* i-th oldest */
{
    return &freeq.sid[(freeq.head + i) & (freeq.cap - 1)];
}

static void freeq_push(sid_t s)
{
    if (freeq.n == freeq.cap) {
        size_t cap = freeq.cap ? 2 * freeq.cap : 1024;
        sid_t *n = race_alloc(cap * sizeof *n);
        for (size_t i = 0; i < freeq.n; i++)
            n[i] = *freeq_at(i);
        race_free(freeq.sid);
        freeq.sid = n;
        freeq.head = 0;
        freeq.cap = cap;
    }
    *freeq_at(freeq.n++) = s;
}

static sid_t freeq_pop_oldest(void)
{
    sid_t s = *freeq_at(0);
    freeq.head = (freeq.head + 1) & (freeq.cap - 1);
    freeq.n--;
    return s;
}

/* May the parent's child take slot s? See "Slots" above. */
static bool reusable_by(const gstate *parent, sid_t s)
{
    epoch_t last = slot_at(s)->epoch;
    return knows(parent, s) >= last && last < UINT32_MAX / 2;
}

/* A free slot the parent has joined, else a fresh one. Slots lock held. */
static sid_t slot_pick(const gstate *parent)
{
    for (size_t k = 0; k < REUSE_NEWEST && k < freeq.n; k++) {
        sid_t *p = freeq_at(freeq.n - 1 - k), s = *p;
        if (reusable_by(parent, s)) {
            *p = *freeq_at(--freeq.n); /* the newest fills the hole */
            return s;
        }
    }
    for (size_t k = 0; k < REUSE_OLDEST && k < freeq.n; k++) {
        sid_t s = freeq_pop_oldest();
        if (reusable_by(parent, s))
            return s;
        freeq_push(s);
    }
    while (freeq.n > ADOPT_AFTER) { /* see "fire and forget" above */
        sid_t s = freeq_pop_oldest();
        slot *sl = slot_at(s);
        if (sl->epoch < UINT32_MAX / 2) {
            __atomic_store_n(&sl->adopted, sl->epoch + 1, __ATOMIC_RELAXED);
            return s;
        }
    }
    if (nslots == MAX_SLOTS) {
        fprintf(stderr, "race: limit of %d live goroutines exceeded\n",
                MAX_SLOTS);
        _exit(2);
    }
    return nslots++;
}

/* ---- floors -------------------------------------------------------------
 *
 * A clock keeps an entry for every slot its goroutine ever learned of, so
 * one burst of 10,000 goroutines leaves its joiner, and everyone it later
 * talks to, with a 10,000-wide clock long after they ended: a tree whose
 * every change copies a path. A worker pool of nine goroutines then paid
 * a path copy per channel operation for the rest of the program
 * (MacroPool100k after Cancel10k in one process: 5-7x slower).
 *
 * Yet once a clock holds a free slot's last epoch E, the entry can only
 * ever say E: the slot's past owners are done, and a new owner's epochs
 * start above E. A floor records E once for every clock that holds it:
 * race_floor(s) = {E, gen} says that every clock standing on generation
 * gen or later (vclock.fgen) holds (s, E), and knows() and the access
 * check read it where such a clock has less. Such a clock may then leave
 * out all it holds at or below the floors, and keep short and flat.
 *
 * A pass (floor_pass) is a generation: it floors the free slots whose
 * last epoch the spawner that runs it knows, and lifts onto the new
 * generation every clock (goroutines' and sync objects', each shared clock
 * once) that holds all of them, dropping from it what the floors cover.
 * A clock that does not hold them all keeps its generation and its
 * entries: whoever stands on it knows exactly what it knew, so a long-lived
 * goroutine that joined none of a burst (a logger, a ticker loop, code
 * outside goroutines) neither blocks the floors nor seems to learn them; a
 * race between it and a goroutine of the burst is still reported. It
 * climbs onto the new generation when it joins a clock standing there,
 * like any knowledge (vc_join). A holder that takes or keeps a clock
 * because it covers the holder's knowledge, rather than joining it (learn,
 * a merge that adds only its own entry, a hand-off), stands on the newer
 * generation of the two (vc_raise_fgen): dropped onto the older one, it
 * would never be lifted again, as a pass lifts only clocks standing on the
 * generation just before it. A floor raised again when a reused slot
 * ends again would take its earlier floor from the clocks left on the
 * generations between: a pass first writes that floor into them as an
 * entry. Before deciding, the pass writes every live goroutine's pending
 * entries and pin into its clock, so that the clock alone says what it
 * knows.
 *   A pass runs at a spawn, only while few goroutines live
 * (FLOOR_MAX_LIVE), and only after as many slots ended as the pass costs
 * to scan (floor_due). It reads and rewrites every live goroutine's state,
 * so it needs a solo section: the spawner's own at GOMAXPROCS 1; at more,
 * one opened by stopping the world for the pass (floor_pass_stopped). A
 * pass after 10,000 goroutines took 0.5-1 ms at two Ps (0.2-0.4 ms of it
 * stopping the world and waiting for the other M), against some 15 ms for
 * the burst itself. It then lines the free slots up lowest first, so the
 * next goroutines take small slot numbers and their clocks stay flat and
 * short: a clock is as wide as the highest slot it knows above its floor,
 * so one live goroutine in a high slot keeps the clocks that know it wide
 * until it ends. Nothing is given up: every clock means what it meant.
 */
enum {
    FLOOR_AFTER = 1024,    /* slots ended before a pass is worth it */
    FLOOR_MAX_LIVE = 32,   /* live goroutines a pass compares */
    FLOOR_SYNC_RATIO = 64, /* sync objects per ended slot a pass may visit */
};

floor_t *race_floor_chunks[MAX_SLOTS / FLOOR_CHUNK];
static uint32_t floor_gen; /* generations so far (passes that floored) */

/* A slot's earlier floors, oldest first, kept while a clock stands on a
 * generation that reads one of them (prune_floor_history). */
typedef struct floor_hist {
    uint32_t n, cap;
    floor_t f[];
} floor_hist;
static floor_hist **floor_hist_chunks[MAX_SLOTS / FLOOR_CHUNK];

static floor_hist **floor_hist_at(sid_t s, bool create)
{
    floor_hist ***c = &floor_hist_chunks[s / FLOOR_CHUNK];
    if (!*c) {
        if (!create)
            return NULL;
        *c = race_calloc(FLOOR_CHUNK * sizeof(floor_hist *));
    }
    return &(*c)[s % FLOOR_CHUNK];
}

/* Runs only for a clock on a generation older than s's floor: a long-lived
 * goroutine that joined nobody, or what it released. */
epoch_t race_floor_before(uint32_t fgen, sid_t s)
{
    floor_hist **hp = floor_hist_at(s, false), *h = hp ? *hp : NULL;
    epoch_t e = 0;
    for (uint32_t i = 0; h && i < h->n && h->f[i].gen <= fgen; i++)
        e = h->f[i].epoch;
    return e;
}

/* The first of the ascending gens[0, n) that is >= g, or n. */
static size_t gens_lower_bound(const uint32_t *gens, size_t n, uint32_t g)
{
    size_t a = 0, b = n;
    while (a < b) {
        size_t mid = (a + b) / 2;
        if (gens[mid] < g)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

/* Does a generation in use (gens, ascending) lie in [lo, hi)? */
static bool gen_in_use(const uint32_t *gens, size_t ng, uint32_t lo,
                       uint32_t hi)
{
    size_t a = gens_lower_bound(gens, ng, lo);
    return a < ng && gens[a] < hi;
}

/* Raises s's floor, keeping the one it had while a clock left behind
 * (its generation among gens) reads it. */
static void floor_set(sid_t s, floor_t f, const uint32_t *gens, size_t ng)
{
    floor_t **c = &race_floor_chunks[s / FLOOR_CHUNK];
    if (!*c)
        *c = race_calloc(FLOOR_CHUNK * sizeof(floor_t));
    floor_t old = (*c)[s % FLOOR_CHUNK];
    (*c)[s % FLOOR_CHUNK] = f;
    if (!old.gen || !gen_in_use(gens, ng, old.gen, f.gen))
        return;
    floor_hist **hp = floor_hist_at(s, true), *h = *hp;
    if (!h || h->n == h->cap) {
        uint32_t cap = h ? 2 * h->cap : 2;
        floor_hist *n = race_alloc(sizeof *n + cap * sizeof(floor_t));
        n->n = h ? h->n : 0;
        n->cap = cap;
        if (h)
            memcpy(n->f, h->f, h->n * sizeof(floor_t));
        race_free(h);
        *hp = h = n;
    }
    h->f[h->n++] = old;
}

/* Keeps of each slot's earlier floors only those that a generation in
 * use (gens, ascending) still reads: an entry serves the generations from
 * its own up to the next floor's. */
static void prune_floor_history(const uint32_t *gens, size_t ng)
{
    for (size_t c = 0; c < MAX_SLOTS / FLOOR_CHUNK; c++) {
        if (!floor_hist_chunks[c])
            continue;
        for (size_t k = 0; k < FLOOR_CHUNK; k++) {
            floor_hist *h = floor_hist_chunks[c][k];
            if (!h)
                continue;
            sid_t s = (sid_t)(c * FLOOR_CHUNK + k);
            uint32_t kept = 0;
            for (uint32_t i = 0; i < h->n; i++) {
                uint32_t next =
                    i + 1 < h->n ? h->f[i + 1].gen : race_floor(s).gen;
                if (gen_in_use(gens, ng, h->f[i].gen, next))
                    h->f[kept++] = h->f[i];
            }
            h->n = kept;
            if (!kept) {
                race_free(h);
                floor_hist_chunks[c][k] = NULL;
            }
        }
    }
}

/* Live goroutines' and threads' states (boot's too) into out; SIZE_MAX if
 * there are more than max. */
static size_t live_states(gstate **out, size_t max)
{
    size_t n = 0;
    for (sid_t s = 0; s < nslots; s++) {
        gstate *g = slot_at(s)->inc[0];
        if (!g || atomic_load_explicit(&g->finished, memory_order_relaxed))
            continue;
        if (n == max)
            return SIZE_MAX;
        out[n++] = g;
    }
    return n;
}

/* Writes g's pending entries and pin into its clock: what it knows stays
 * the same, so a clean goroutine stays clean (as in settle). */
static void settle_all(gstate *g)
{
    settle(g);
    if (g->pin_sid != SID_NONE) {
        bool clean = g->vc && g->vc->gen == g->rel_gen;
        fold_pin(g);
        if (clean)
            g->rel_gen = g->vc->gen;
    }
}

/* The slots a pass floors, with their floors before it. */
typedef struct raised {
    sid_t s;
    epoch_t last;
    floor_t old;
} raised;

typedef struct floor_batch {
    raised *r;
    size_t n;
    uint32_t gen; /* the generation the pass makes */
} floor_batch;

/* The free slots whose last epoch p knows and that are above their floor. */
static floor_batch slots_to_floor(const gstate *p)
{
    floor_batch b = {race_alloc((freeq.n ? freeq.n : 1) * sizeof(raised)), 0,
                     floor_gen + 1};
    for (size_t k = 0; k < freeq.n; k++) {
        sid_t s = *freeq_at(k);
        epoch_t last = slot_at(s)->epoch;
        floor_t old = race_floor(s);
        if (last <= old.epoch || last >= UINT32_MAX / 2 || knows(p, s) < last)
            continue;
        b.r[b.n++] = (raised){s, last, old};
    }
    return b;
}

/* Slot s of vc, by the floors before the pass. */
static epoch_t held_before(const vclock *vc, const raised *r)
{
    epoch_t e = vc_get(vc, r->s);
    return r->old.gen && r->old.gen <= vc->fgen && r->old.epoch > e
               ? r->old.epoch
               : e;
}

/* May vc stand on the new generation: does it stand on the one before and
 * hold every slot the pass floors? */
static bool holds_batch(const vclock *vc, const floor_batch *b)
{
    if (vc->fgen + 1 != b->gen)
        return false;
    for (size_t i = 0; i < b->n; i++)
        if (held_before(vc, &b->r[i]) < b->r[i].last)
            return false;
    return true;
}

/* Old clock -> what replaces it, so that holders sharing a clock share
 * the replacement. Decided before the floors rise, made after (a lifted
 * clock's copy above the new floors). The table holds a reference to every
 * clock until the pass ends: no old clock is freed, and its address
 * reused, while it is a key. */
struct remap {
    vclock *old, *now; /* now NULL: keep old */
    bool lift;
};

static struct remap *remap_slot(struct remap *tab, size_t mask, vclock *vc)
{
    size_t h = ((uintptr_t)vc >> 4) * 0x9e3779b97f4a7c15ull >> 20 & mask;
    while (tab[h].old && tab[h].old != vc)
        h = (h + 1) & mask;
    return &tab[h];
}

static void decide_clock(struct remap *tab, size_t mask, vclock *vc,
                         const floor_batch *b)
{
    if (!vc)
        return;
    struct remap *m = remap_slot(tab, mask, vc);
    if (m->old)
        return;
    m->old = vc_share(vc);
    m->lift = holds_batch(vc, b);
}

/* Replaces *vcp by what the pass made of it, if anything. */
static void apply_clock(struct remap *tab, size_t mask, vclock **vcp,
                        uint32_t gen)
{
    if (!*vcp)
        return;
    struct remap *m = remap_slot(tab, mask, *vcp);
    if (m->lift) {
        m->lift = false;
        m->now = vc_above_floor(m->old, gen);
        if (!m->now) /* shared by holders that all hold the batch: lift it */
            m->old->fgen = gen;
    }
    if (m->now) {
        vc_unref(*vcp);
        *vcp = vc_share(m->now);
    }
}

static size_t sync_objects(void);
static void sync_clocks(void (*fn)(vclock **, void *), void *arg);

struct pass_ctx {
    struct remap *tab;
    size_t mask;
    const floor_batch *b;
};

static void decide_sync(vclock **vcp, void *arg)
{
    struct pass_ctx *x = arg;
    decide_clock(x->tab, x->mask, *vcp, x->b);
}

static void apply_sync(vclock **vcp, void *arg)
{
    struct pass_ctx *x = arg;
    apply_clock(x->tab, x->mask, vcp, x->b->gen);
}

/* Adds g to the ascending set gens[0, *n) unless it is there. Few
 * generations are in use at once (the newest, and the one of each
 * goroutine that joined nobody), so insertion costs little. */
static void gens_add(uint32_t *gens, size_t *n, uint32_t g)
{
    size_t lo = gens_lower_bound(gens, *n, g);
    if (lo < *n && gens[lo] == g)
        return;
    memmove(gens + lo + 1, gens + lo, (*n - lo) * sizeof *gens);
    gens[lo] = g;
    (*n)++;
}

/* Decides for every clock, raises the floors, then replaces the clocks. A
 * goroutine's knowledge does not change, so one that was clean
 * (clean_and_known) stays clean, as in settle(). */
static void lift_clocks(gstate *const *live, size_t nl, size_t nsync,
                        const floor_batch *b)
{
    size_t cap = 16;
    while (cap < 2 * (nl + nsync))
        cap *= 2;
    struct pass_ctx x = {race_calloc(cap * sizeof(struct remap)), cap - 1, b};
    for (size_t i = 0; i < nl; i++)
        decide_clock(x.tab, x.mask, live[i]->vc, b);
    sync_clocks(decide_sync, &x);
    /* The generations clocks will stand on, ascending: every clock to come
     * is made from these and stands on one of them. */
    uint32_t *gens = race_alloc((cap + 1) * sizeof *gens);
    size_t ng = 0;
    gens_add(gens, &ng, b->gen);
    for (size_t i = 0; i < cap; i++)
        if (x.tab[i].old && !x.tab[i].lift)
            gens_add(gens, &ng, x.tab[i].old->fgen);
    for (size_t i = 0; i < b->n; i++)
        floor_set(b->r[i].s, (floor_t){b->r[i].last, b->gen}, gens, ng);
    floor_gen = b->gen;
    for (size_t i = 0; i < nl; i++) {
        gstate *g = live[i];
        bool clean = g->vc && g->vc->gen == g->rel_gen;
        apply_clock(x.tab, x.mask, &g->vc, b->gen);
        if (clean)
            g->rel_gen = g->vc->gen;
    }
    sync_clocks(apply_sync, &x);
    for (size_t i = 0; i < cap; i++) {
        vc_unref(x.tab[i].old);
        vc_unref(x.tab[i].now);
    }
    race_free(x.tab);
    prune_floor_history(gens, ng);
    race_free(gens);
}

/* Lines the free slots up so that the lowest is the newest, which
 * slot_pick tries first: a bitmap of them, read from the top down. */
static void freeq_lowest_newest(void)
{
    size_t words = (nslots + 63) / 64;
    uint64_t *set = race_calloc(words * sizeof *set);
    for (size_t k = 0; k < freeq.n; k++) {
        sid_t s = *freeq_at(k);
        set[s / 64] |= 1ull << (s % 64);
    }
    freeq.head = 0;
    size_t k = 0;
    for (size_t w = words; w-- > 0;)
        for (uint64_t b = set[w]; b; b &= ~(1ull << (63 - __builtin_clzll(b))))
            freeq.sid[k++] = (sid_t)(w * 64 + 63 - __builtin_clzll(b));
    race_free(set);
}

/* Is a pass worth its cost now, before parent spawns? Its scan of every
 * slot is paid for by the slots that ended since the last pass: at most
 * 16 looked at for each, or 64 when parent's clock is a tree, which costs
 * every channel operation a path copy until a pass makes it flat. And the
 * slot that ended last must be one that parent has joined: while a
 * fan-out's children end before it joins them, a pass would floor nothing. */
static bool floor_due(const gstate *parent)
{
    bool wide = parent->vc && parent->vc->depth;
    size_t need = wide ? FLOOR_AFTER / 16 : FLOOR_AFTER;
    sid_t slots = __atomic_load_n(&nslots, __ATOMIC_RELAXED);
    if (need < slots / (wide ? 64 : 16))
        need = slots / (wide ? 64 : 16);
    if (__atomic_load_n(&freeq.ended, __ATOMIC_RELAXED) < need ||
        atomic_load_explicit(&nlive, memory_order_relaxed) > FLOOR_MAX_LIVE)
        return false;
    race_slots_lock();
    sid_t last = freeq.n ? *freeq_at(freeq.n - 1) : 0;
    bool joined = freeq.n && knows(parent, last) >= slot_at(last)->epoch;
    race_slots_unlock();
    return joined;
}

/* Solo section: no other thread touches any state. p spawns. */
static void floor_pass(gstate *p)
{
    gstate *live[FLOOR_MAX_LIVE + 8]; /* boot and a few threads besides */
    size_t nl = live_states(live, sizeof live / sizeof live[0]);
    size_t nsync = sync_objects();
    size_t ended = freeq.ended;
    freeq.ended = 0;
    if (nl == SIZE_MAX || nsync > FLOOR_SYNC_RATIO * ended)
        return;
    for (size_t i = 0; i < nl; i++)
        settle_all(live[i]);
    floor_batch b = slots_to_floor(p);
    if (b.n) {
        lift_clocks(live, nl, nsync, &b);
        freeq_lowest_newest();
    }
    race_free(b.r);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A pass while other threads run goroutines (GOMAXPROCS > 1): stop the
 * world, wait until the other Ms stop counting (rt/hooks.h), and pass in
 * the solo section that can then open. Gives up after FLOOR_STW_NS (a
 * goroutine busy in a loop, or in a system call); the slots that ended
 * then wait for the next chance. Called in a hook of a counted M. */
static void floor_pass_stopped(gstate *p)
{
    enum { FLOOR_STW_NS = 1000 * 1000 };
    bool passed = false;
    /* Only an M opens solo sections: a thread of the program's own that
     * spawns does not try. */
    if (race_pin_word_lookup()) {
        if (rt_hook_stop_the_world(FLOOR_STW_NS)) {
            int64_t until = mono_ns() + FLOOR_STW_NS;
            while (!passed && mono_ns() < until) {
                if (!solo_begin()) {
                    usleep(20);
                    continue;
                }
                floor_pass(p);
                solo_end(true);
                passed = true;
            }
        }
        rt_hook_start_the_world();
    }
    if (!passed) {
        race_slots_lock();
        freeq.ended = 0;
        race_slots_unlock();
    }
}

/* Makes g the new owner of a slot. Slots lock held. Returns the
 * incarnation that drops out of the slot's memory, for the caller to destroy
 * once the lock is released (nothing can reach it any more). */
static gstate *slot_attach(gstate *g, const gstate *parent)
{
    sid_t s = slot_pick(parent);
    slot *sl = slot_at(s);
    g->sid = s;
    g->start_epoch = g->epoch = sl->epoch + 1;
    sl->epoch = g->epoch;
    gstate *old = sl->inc[INC_KEEP - 1];
    memmove(&sl->inc[1], &sl->inc[0], (INC_KEEP - 1) * sizeof sl->inc[0]);
    sl->inc[0] = g;
    return old;
}

static void slot_release(gstate *g)
{
    race_slots_lock();
    /* The last epoch its shadow cells can hold: the current one only if it
     * was used. A goroutine that ends right after a release (WaitGroup
     * Done, a send) is then fully known to whoever acquired that release,
     * who can reuse the slot: spawn+join loops keep clocks short. */
    slot_at(g->sid)->epoch = g->touched ? g->epoch : g->epoch - 1;
    freeq_push(g->sid);
    freeq.ended++;
    race_slots_unlock();
}

/* The owner of (sid, ep), for reports. Slots lock held by the caller. */
gstate *race_lookup_incarnation(sid_t sid, epoch_t ep, int64_t *gid,
                                bool *finished)
{
    if (sid >= nslots)
        return NULL;
    slot *sl = slot_at(sid);
    for (int i = 0; i < INC_KEEP; i++) {
        gstate *g = sl->inc[i];
        if (g && g->start_epoch <= ep) {
            *gid = g->gid;
            *finished = atomic_load(&g->finished);
            return g;
        }
    }
    return NULL;
}

/* ---- the current goroutine ----------------------------------------------- */

long race_live_goroutines(void)
{
    return atomic_load_explicit(&nlive, memory_order_relaxed);
}

/* The running goroutine's state, cached per thread: every instrumented
 * access needs it. The runtime reports each resume (go_switch) on the thread
 * where it happens, and go_switch(0) when the thread returns to the
 * scheduler, so the cache is dropped exactly when it could go stale. */
__thread gstate *race_tls_cur __attribute__((tls_model("initial-exec")));

/* Not an M, or one not looked up yet (hook_begin). A thread of the
 * program's own is counted for its life (race_thread_new); any other is a
 * guest for the hook's length. */
int race_hook_begin_slow(void)
{
    uint32_t *pins = race_pin_word_lookup();
    if (pins && !(__atomic_load_n(pins, __ATOMIC_RELAXED) & RT_PIN_IDLE))
        return HOOK_PLAIN; /* a counted M while others run */
    gstate *cur = race_tls_cur;
    if (cur && cur->gid < 0)
        return HOOK_PLAIN;
    rt_hook_parallel_enter();
    return HOOK_GUEST;
}

static void on_go_switch(rt_hg *gid)
{
    (void)gid;
    race_tls_cur = NULL;
}

/* Our index among the installed detectors: our per-goroutine slot. */
static int hook_idx;

gstate *race_cur_slow(void)
{
    rt_hg *hg = rt_hook_cur();
    gstate *g = hg ? hg->slot[hook_idx] : NULL;
    if (__builtin_expect(g != NULL, 1))
        return race_tls_cur = g;
    return &boot;
}

/* The state a hook names: the goroutine's slot; boot (locked) for
 * scheduler context, but a thread gorace did not start has its own
 * (negative gid), and the runtime names no goroutine for it either. */
static gstate *named(rt_hg *hg)
{
    if (hg)
        return hg->slot[hook_idx];
    gstate *cur = race_tls_cur;
    if (cur && cur->gid < 0)
        return cur;
    table_lock(&boot_lock);
    return &boot;
}

static void done_with(gstate *g)
{
    if (g == &boot)
        table_unlock(&boot_lock);
}

/* ---- sync objects: address -> clock ------------------------------------- */

enum { SYNC_SHARDS = 1024 };

typedef struct syncobj {
    struct syncobj *next;
    uintptr_t addr;
    vclock *vc;
    uint64_t joined_gen; /* vc covers the goroutine clock of this gen */
    uint64_t covers_gen; /* and this one but for entry covers_sid, found */
    sid_t covers_sid;    /* by comparison */
    pendset *pend; /* known beyond vc ("Pending entries"), made on first use */
    /* Unique, and renewed whenever vc is replaced by a clock that need not
     * cover it: while it stands, vc has only grown, and still covers every
     * clock taken from it since (learn, race_release). */
    uint64_t lineage;
} syncobj;

/* o's clock was replaced: what was found about the old one does not hold
 * for the new. */
static void clock_replaced(syncobj *o)
{
    o->covers_gen = 0;
    o->lineage = vc_unique();
}

static struct syncshard {
    atomic_flag lock;
    syncobj **tab;
    size_t n, cap;
} syncs[SYNC_SHARDS];

/* Sync objects removed so far, counted under the removed object's shard
 * lock (or in a solo section). A goroutine remembers the object it last
 * operated on with this count (gstate.sync_hint): while the count stands,
 * no object was freed, so the pointer still names the object for that
 * address. A goroutine in a ring, or one that sends on one channel in a
 * loop, then finds its channel's object without the table's two dependent
 * misses (a bucket, then the object), and whoever wakes it can fetch the
 * object ahead (on_go_unblock). */
static _Atomic uint64_t sync_removed;

static void count_removed(void)
{
    if (race_solo)
        atomic_store_explicit(
            &sync_removed,
            atomic_load_explicit(&sync_removed, memory_order_relaxed) + 1,
            memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&sync_removed, 1, memory_order_relaxed);
}

/* By word, as sync_hash: the objects of one word share a shard and a
 * chain, so that a word is forgotten in one walk (forget_word). */
static struct syncshard *sync_shard(uintptr_t a)
{
    return &syncs[((a >> 3) * 0x9e3779b97f4a7c15ull) >> 54];
}

/* cap is a power of two. */
static size_t sync_hash(uintptr_t a, size_t cap)
{
    return ((a >> 3) * 0xff51afd7ed558ccdull >> 32) & (cap - 1);
}

/* ---- sync objects in reused memory -------------------------------------
 *
 * A sync object is known by its address only. When that memory is handed
 * out again (a malloc block, the stack of a goroutine that ended), the
 * mutex or WaitGroup there is a new one and must start with no history:
 * otherwise locking a mutex in a fresh block learns the last unlock of the
 * freed block's mutex, and a race is missed (TSan drops a freed range's
 * sync objects too). A lookup per word of every block allocated would tax
 * every malloc, so a bitmap marks the words that have held a sync object,
 * under a summary bit per 64 KB; both are reserved like the shadow and
 * committed only where sync objects are made. A block in a region with no
 * summary bit, nearly every block of a program whose sync objects are not
 * in malloc'd memory, costs one load. Marks are never cleared but by
 * forgetting: a stale one costs a walk of one chain. */
#define REGION_SHIFT 16
static _Atomic uint64_t *word_marks;   /* a bit per 8 bytes */
static _Atomic uint64_t *region_marks; /* a bit per 64 KB */

static _Atomic uint64_t *reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, bytes, MADV_NOHUGEPAGE);
    return p;
}

static void marks_init(void)
{
    word_marks = reserve((APP_MASK + 1) / 8 / 8);
    region_marks = reserve((APP_MASK + 1) >> REGION_SHIFT >> 3);
    if (!word_marks || !region_marks)
        word_marks = region_marks = NULL;
}

static void set_bit(_Atomic uint64_t *map, uint64_t i)
{
    uint64_t bit = 1ull << (i % 64);
    if (!(atomic_load_explicit(&map[i / 64], memory_order_relaxed) & bit))
        atomic_fetch_or_explicit(&map[i / 64], bit, memory_order_relaxed);
}

static bool bit_set(_Atomic uint64_t *map, uint64_t i)
{
    return atomic_load_explicit(&map[i / 64], memory_order_relaxed) >>
               (i % 64) &
           1;
}

static void mark_sync(uintptr_t a)
{
    if (!word_marks)
        return;
    set_bit(word_marks, (a & APP_MASK) >> 3);
    set_bit(region_marks, (a & APP_MASK) >> REGION_SHIFT);
}

static void sync_free_obj(syncobj *o)
{
    vc_unref(o->vc);
    race_free(o->pend);
    race_free(o);
}

/* Forgets every sync object in the 8 bytes at w. */
static void forget_word(uintptr_t w)
{
    struct syncshard *s = sync_shard(w);
    syncobj *dead = NULL;
    table_lock(&s->lock);
    if (s->cap)
        for (syncobj **p = &s->tab[sync_hash(w, s->cap)]; *p;) {
            syncobj *o = *p;
            if (o->addr >> 3 != w >> 3) {
                p = &o->next;
                continue;
            }
            *p = o->next;
            o->next = dead;
            dead = o;
            s->n--;
            count_removed();
        }
    table_unlock(&s->lock);
    while (dead) {
        syncobj *o = dead;
        dead = o->next;
        sync_free_obj(o);
    }
}

/* Forgets the marked words of [lo, hi), which lie in one 64 KB region;
 * base turns a folded address back into the application's. */
static void forget_marked(uintptr_t base, uint64_t lo, uint64_t hi)
{
    for (uint64_t w = lo >> 3; w < (hi + 7) >> 3;) {
        uint64_t bits =
            atomic_load_explicit(&word_marks[w / 64], memory_order_relaxed) >>
            (w % 64);
        if (!bits) {
            w = (w / 64 + 1) * 64;
            continue;
        }
        w += (uint64_t)__builtin_ctzll(bits);
        if (w >= (hi + 7) >> 3)
            break;
        forget_word(base | w << 3);
        atomic_fetch_and_explicit(&word_marks[w / 64], ~(1ull << (w % 64)),
                                  memory_order_relaxed);
        w++;
    }
}

void race_sync_reset(uintptr_t addr, size_t size)
{
    if (!word_marks || !size || size > APP_MASK)
        return;
    uintptr_t base = addr & ~(uintptr_t)APP_MASK;
    uint64_t lo = addr & APP_MASK, end = lo + size;
    if (end > APP_MASK + 1)
        end = APP_MASK + 1;
    while (lo < end) {
        uint64_t r = lo >> REGION_SHIFT;
        uint64_t next = (r + 1) << REGION_SHIFT;
        uint64_t hi = next < end ? next : end;
        if (bit_set(region_marks, r))
            forget_marked(base, lo, hi);
        lo = hi;
    }
}

static void sync_rehash(struct syncshard *s)
{
    size_t cap = s->cap ? 2 * s->cap : 16;
    syncobj **tab = race_calloc(cap * sizeof *tab);
    for (size_t i = 0; i < s->cap; i++)
        for (syncobj *o = s->tab[i], *nx; o; o = nx) {
            nx = o->next;
            size_t h = sync_hash(o->addr, cap);
            o->next = tab[h];
            tab[h] = o;
        }
    race_free(s->tab);
    s->tab = tab;
    s->cap = cap;
}

/* Shard lock held. */
static syncobj *sync_find(struct syncshard *s, uintptr_t a, bool create)
{
    if (s->cap)
        for (syncobj *o = s->tab[sync_hash(a, s->cap)]; o; o = o->next)
            if (o->addr == a)
                return o;
    if (!create)
        return NULL;
    if (s->n >= s->cap)
        sync_rehash(s);
    syncobj *o = race_calloc(sizeof *o);
    o->addr = a;
    o->lineage = vc_unique();
    mark_sync(a);
    shadow_note_stack_use(a); /* a WaitGroup in a frame: forget_stack */
    size_t h = sync_hash(a, s->cap);
    o->next = s->tab[h];
    s->tab[h] = o;
    s->n++;
    return o;
}

/* sync_find for g's operation. Shard lock held. */
static syncobj *sync_lookup(gstate *g, struct syncshard *s, uintptr_t a,
                            bool create)
{
    uint64_t removed =
        atomic_load_explicit(&sync_removed, memory_order_relaxed);
    if (g->sync_hint.addr == a && g->sync_hint.removed == removed &&
        g->sync_hint.obj)
        return g->sync_hint.obj;
    syncobj *o = sync_find(s, a, create);
    if (o) {
        g->sync_hint.addr = a;
        g->sync_hint.obj = o;
        g->sync_hint.removed = removed;
    }
    return o;
}

static void sync_forget(uintptr_t a)
{
    struct syncshard *s = sync_shard(a);
    syncobj *dead = NULL;
    table_lock(&s->lock);
    if (s->cap)
        for (syncobj **p = &s->tab[sync_hash(a, s->cap)]; *p; p = &(*p)->next)
            if ((*p)->addr == a) {
                dead = *p;
                *p = dead->next;
                s->n--;
                count_removed();
                break;
            }
    table_unlock(&s->lock);
    if (dead)
        sync_free_obj(dead);
}

void race_sync_forget(uintptr_t addr)
{
    sync_forget(addr);
}

/* Sync objects in all shards. */
static size_t sync_objects(void)
{
    size_t n = 0;
    for (size_t i = 0; i < SYNC_SHARDS; i++)
        n += syncs[i].n;
    return n;
}

/* Floors: fn on every sync object's clock. Solo. */
static void sync_clocks(void (*fn)(vclock **, void *), void *arg)
{
    for (size_t i = 0; i < SYNC_SHARDS; i++)
        for (size_t h = 0; h < syncs[i].cap; h++)
            for (syncobj *o = syncs[i].tab[h]; o; o = o->next)
                fn(&o->vc, arg);
}

/* o's entry for slot s: its clock's, or a pending one. */
static epoch_t obj_knows(const syncobj *o, sid_t s)
{
    epoch_t e = vc_get(o->vc, s);
    return o->pend ? pend_max(o->pend, s, e) : e;
}

/* Does o know all of clock vc? (knows_tagged for a sync object) */
static bool holds_tagged(const syncobj *o, const vclock *vc)
{
    return vc && vc->depth &&
           covers_tag(vc->tag_sid, vc->tag_epoch, obj_knows(o, vc->tag_sid));
}

/* Settles g and the object it is about to operate on. */
static void settle_both(gstate *g, syncobj *o)
{
    settle(g);
    if (o->pend && o->pend->n)
        pend_fold(&o->vc, o->pend);
}

/* Is g's clock still the one it took whole from o (learn), which o's has
 * only grown from since? Then o's clock covers it. */
static bool took_from(const gstate *g, const syncobj *o)
{
    return g->took_lineage == o->lineage && g->vc && g->vc->gen == g->took_gen;
}

/* Does o's clock cover g's (but g's own entry)? Then g may take o's clock
 * as its own, copying nothing. Shard lock held; o->vc is not NULL. */
static bool covers(syncobj *o, const gstate *g)
{
    if (took_from(g, o) || clean_and_known(g, obj_knows(o, g->sid)))
        return true;
    uint64_t gen = g->vc ? g->vc->gen : 0;
    sid_t skip = o->covers_sid;
    /* Found before for this clock, but for entry `skip`: n waiters woken by
     * one close share a clock, each with its own slot. */
    if (gen == o->covers_gen &&
        (skip == g->sid || vc_get(g->vc, skip) <= obj_knows(o, skip)))
        return true;
    if (!vc_dominated(g->vc, o->vc, g->sid))
        return false;
    o->covers_gen = gen; /* valid while o->vc only grows */
    o->covers_sid = g->sid;
    return true;
}

/* Has g still something to learn from o? */
static bool news_for(const syncobj *o, const gstate *g)
{
    return o->vc && o->vc->gen != g->joined_gen && g->vc != o->vc;
}

/* An acquire of a wide clock beside other threads decides under the
 * object's lock and learns after it. Under the lock it takes what it
 * needs: a share of the object's clock, to join into g's or to become
 * g's, and a copy of the object's pending entries.
 * A shared clock is immutable and g's state is g's thread's alone, so the
 * rest needs no lock; under it, two threads that acquired one wide clock
 * in turn (every read acquires Go's ioSync) spun while the other joined,
 * freed the clock it had replaced, or folded pending entries into it. */
typedef struct acquired {
    vclock *join; /* the object's clock, to join into g's */
    vclock *drop; /* g's clock before it took the object's */
    bool took;    /* g took the object's clock whole */
    pendset pend; /* the object's pending entries */
} acquired;

/* g learns o's clock: takes it when it covers g's (`covered`), copying
 * nothing (with `move`, o's own reference passes to g and o is left without
 * a clock), else joins it; with `a`, the join and the release of g's old
 * clock wait for learn_acquired. Shard lock held; news_for(o, g). */
static void learn(gstate *g, syncobj *o, bool covered, bool move, acquired *a)
{
    if (covered) /* o knows what g's floors stand for */
        vc_raise_fgen(&o->vc, vc_fgen(g->vc));
    g->joined_gen = o->vc->gen;
    if (covered) {
        if (a)
            a->drop = g->vc;
        else
            vc_unref(g->vc);
        g->vc = move ? o->vc : vc_share(o->vc);
        g->took_gen = g->vc->gen;
        g->took_lineage = o->lineage;
        if (move) /* o's next clock is g's, which holds this one */
            o->vc = NULL;
    } else if (knows_tagged(g, o->vc)) {
        /* nothing to learn */
    } else if (a) {
        a->join = vc_share(o->vc);
        return;
    } else {
        vc_join(&g->vc, o->vc, SID_NONE, 0);
    }
    drop_covered_pin(g);
}

/* g learns the entries p holds beyond a clock that g now holds: as pending
 * entries of its own, or written into its clock when they do not fit.
 * Either way g may have learned something since its last release, which
 * clean_and_known must not vouch for. */
static void learn_pending(gstate *g, const pendset *p)
{
    if (!p->n)
        return;
    g->rel_epoch = 0;
    g->pending = true;
    if (pend_add_all(&g->pend, p))
        return;
    settle(g);
    pend_write(&g->vc, p);
}

/* *dst = *src, the entries in use only. */
static void pend_copy(pendset *dst, const pendset *src)
{
    dst->n = src->n;
    for (uint32_t i = 0; i < src->n; i++) {
        dst->sid[i] = src->sid[i];
        dst->epoch[i] = src->epoch[i];
    }
}

/* Drops g's pending entries that its clock holds. */
static void pend_drop_held(gstate *g)
{
    pendset *p = &g->pend;
    uint32_t k = 0;
    for (uint32_t i = 0; i < p->n; i++)
        if (vc_get(g->vc, p->sid[i]) < p->epoch[i]) {
            p->sid[k] = p->sid[i];
            p->epoch[k++] = p->epoch[i];
        }
    p->n = k;
    g->pending = k > 0;
}

/* g learns from o, under o's lock; with `a`, only takes what it learns
 * there, for learn_acquired. A g that takes o's clock keeps its pending
 * entries beside it rather than write them into the clock it drops
 * (every read of Go's ioSync took those a write had left pending, a path
 * copy each). */
static inline __attribute__((always_inline)) void
acquire_locked(gstate *g, syncobj *o, acquired *a)
{
    bool news = news_for(o, g), took = news && covers(o, g);
    if (!took)
        settle(g);
    if (news)
        learn(g, o, took, false, a);
    if (a) {
        a->took = took;
        if (o->pend)
            pend_copy(&a->pend, o->pend);
        return;
    }
    if (took && g->pending)
        pend_drop_held(g);
    if (o->pend)
        learn_pending(g, o->pend);
}

static void learn_acquired(gstate *g, acquired *a)
{
    vc_unref(a->drop);
    if (a->join) {
        vc_join(&g->vc, a->join, SID_NONE, 0);
        vc_unref(a->join);
        drop_covered_pin(g);
    }
    if (a->took && g->pending)
        pend_drop_held(g);
    learn_pending(g, &a->pend);
}

void race_acquire(gstate *g, uintptr_t addr)
{
    struct syncshard *s = sync_shard(addr);
    table_lock(&s->lock);
    syncobj *o = sync_lookup(g, s, addr, false);
    if (!o || race_solo || !o->vc || !o->vc->depth) {
        /* Nobody waits for the lock, or for less than the bookkeeping of
         * learning after it would cost: all of it in place. */
        if (o)
            acquire_locked(g, o, NULL);
        table_unlock(&s->lock);
        return;
    }
    acquired a = {.join = NULL, .drop = NULL, .took = false, .pend.n = 0};
    acquire_locked(g, o, &a);
    table_unlock(&s->lock);
    learn_acquired(g, &a);
}

void race_call_acquire(const void *obj)
{
    int mode = hook_begin();
    race_acquire(race_cur(), (uintptr_t)obj);
    hook_end(mode);
}

/* After releasing, the goroutine's later accesses are a new epoch. The
 * release is remembered for clean_and_known. */
static void advance(gstate *g)
{
    g->rel_gen = g->vc ? g->vc->gen : 0;
    g->rel_epoch = g->epoch;
    g->touched = false;
    g->epoch++;
    trace_epoch(g);
}

/* A merge release that teaches o only what g holds beyond a clock o
 * already covers: g's own entry, pin and pending entries. Kept pending
 * beside o's clock while that is a tree, whose every change copies a path
 * (n goroutines that each add to one atomic counter and call Done on one
 * WaitGroup: the two objects share nodes, so each change copied one). Up
 * to PEND_MAX neighbouring slots then cost one path. */
static void release_news(gstate *g, syncobj *o)
{
    vc_raise_fgen(&o->vc, g->vc->fgen); /* o knows all g's clock does */
    if (o->vc->depth) {
        pendset next = o->pend ? *o->pend : (pendset){0};
        if (pend_add_all(&next, &g->pend) && pend_add_pin(&next, g) &&
            pend_add(&next, g->sid, g->epoch)) {
            if (!o->pend)
                o->pend = race_calloc(sizeof *o->pend);
            *o->pend = next;
            return;
        }
    }
    if (o->pend)
        pend_fold(&o->vc, o->pend);
    pend_write(&o->vc, &g->pend);
    vc_raise(&o->vc, g->sid, g->epoch);
    join_pin(&o->vc, g);
}

void race_release(gstate *g, uintptr_t addr, bool merge)
{
    struct syncshard *s = sync_shard(addr);
    table_lock(&s->lock);
    syncobj *o = sync_lookup(g, s, addr, true);
    if (merge && g->vc && o->vc &&
        (g->vc->gen == o->joined_gen || took_from(g, o) ||
         holds_tagged(o, g->vc))) {
        release_news(g, o);
    } else if (merge) {
        settle_both(g, o);
        uint64_t gen = g->vc ? g->vc->gen : 0;
        vc_join(&o->vc, g->vc, g->sid, g->epoch);
        join_pin(&o->vc, g);
        o->joined_gen = gen;
    } else {
        settle_both(g, o);
        vc_assign(&o->vc, g->vc, g->sid, g->epoch);
        join_pin(&o->vc, g);
        tag_release(o->vc, g);
        o->joined_gen = 0;
        clock_replaced(o); /* the clock may have shrunk */
    }
    table_unlock(&s->lock);
    advance(g);
}

void race_call_release(const void *obj)
{
    int mode = hook_begin();
    race_release(race_cur(), (uintptr_t)obj, true);
    hook_end(mode);
}

/* *dst holds src's knowledge for acquire_release_on: in a solo section a
 * share, whose counts are plain and which later changes in place when the
 * partner let go; else vc_hold's private copy of a short clock, as two
 * CPUs sharing one took turns at its count (BufferedChan128 at GOMAXPROCS
 * 2: 193 -> 167 ns; at 1 copies cost 9% more instructions). */
static void hold_slot_clock(vclock **dst, vclock *src)
{
    if (race_solo) {
        vclock *old = *dst;
        *dst = vc_share(src);
        vc_unref(old);
    } else {
        vc_hold(dst, src);
    }
}

/* Acquire then release on one object (a buffered channel slot, every send
 * and receive): afterwards g and the object know the same, so they hold one
 * clock (hold_slot_clock), which g updates in place whenever the object is
 * its only other holder. In a solo section a goroutine passing through
 * slots that its partner filled then copies no clock at all. */
static void acquire_release_on(gstate *g, syncobj *o)
{
    settle_both(g, o);
    bool news = news_for(o, g);
    bool alone = news && __atomic_load_n(&o->vc->ref, __ATOMIC_ACQUIRE) == 1;
    /* Between flat clocks the join in place costs what the test for
     * coverage would (vc_join's one pass), and leaves the same clock. */
    bool flat = alone && !o->vc->depth && (!g->vc || !g->vc->depth);
    bool covered = news && !flat && covers(o, g);
    if (alone && !covered) {
        /* Both learn from each other: merge g into the object's clock, which
         * only the object holds, in place, and let g share the result. */
        vc_join(&o->vc, g->vc, g->sid, g->epoch);
        join_pin(&o->vc, g);
        g->pin_sid = SID_NONE;
        hold_slot_clock(&g->vc, o->vc);
    } else {
        if (news)
            learn(g, o, covered, true, NULL); /* now g's clock covers o's */
        if (g->vc && g->vc == o->vc) {
            vc_unref(o->vc); /* private again if o held the other */
            o->vc = NULL;
        }
        vc_set(&g->vc, g->sid, g->epoch);
        fold_pin(g);
        hold_slot_clock(&o->vc, g->vc);
    }
    o->joined_gen = g->joined_gen = g->vc->gen;
}

void race_acquire_release(gstate *g, uintptr_t addr)
{
    struct syncshard *s = sync_shard(addr);
    table_lock(&s->lock);
    acquire_release_on(g, sync_lookup(g, s, addr, true));
    table_unlock(&s->lock);
    advance(g);
}

/* The sync objects of an object's parts (a buffered channel's slots), kept
 * in its rt_hobj. Each is also in the table, where frees, resets and floor
 * passes find it, but a part's operations find it here: no hash, and no
 * shard lock, since the runtime's lock on the object orders them and
 * nothing else changes the object but a floor pass, which runs while no
 * other thread runs hooks. At GOMAXPROCS 2 the shard lock was half of
 * BufferedChan128's acquire_release: a locked exchange on a line the
 * partner's CPU wrote last. */
typedef struct parts {
    size_t n;
    syncobj *obj[];
} parts;

static void acquire_release_part(gstate *g, void **home, size_t i, size_t n,
                                 uintptr_t addr)
{
    parts *p = *home;
    if (!p) {
        p = race_calloc(sizeof *p + n * sizeof p->obj[0]);
        p->n = n;
        *home = p;
    }
    syncobj *o = i < p->n ? p->obj[i] : NULL;
    if (!o) {
        struct syncshard *s = sync_shard(addr);
        table_lock(&s->lock);
        o = sync_find(s, addr, true);
        table_unlock(&s->lock);
        if (i < p->n)
            p->obj[i] = o;
    }
    acquire_release_on(g, o);
    advance(g);
}

static void parts_free(void **home)
{
    race_free(*home);
    *home = NULL;
}

/* Does g know everything peer does? Peer's pin and pending entries apart
 * when only peer's clock is tagged with something g knows. */
static bool knows_all_of(const gstate *g, const gstate *peer)
{
    return clean_and_known(peer, knows(g, peer->sid)) ||
           knows_tagged(g, peer->vc);
}

/* A hand-off whose sender g knows all that peer does, as pending entries
 * (above): peer and the object share g's clock unchanged, and all three
 * hold what it lacks. False, with nothing changed, if that does not fit. */
static bool handoff_pending(gstate *g, gstate *peer, syncobj *o)
{
    pendset next = g->pend;
    if (!pend_add_pin(&next, g) || !pend_add_pin(&next, peer) ||
        !pend_add_all(&next, &peer->pend) ||
        !pend_add(&next, g->sid, g->epoch) ||
        !pend_add(&next, peer->sid, peer->epoch))
        return false;
    if (!o->pend)
        o->pend = race_calloc(sizeof *o->pend);
    vc_raise_fgen(&g->vc, vc_fgen(peer->vc)); /* g knows all peer does */
    vclock *vc = g->vc;
    if (peer->vc != vc) {
        vc_unref(peer->vc);
        peer->vc = vc_share(vc);
    }
    if (o->vc != vc) {
        vc_unref(o->vc);
        o->vc = vc_share(vc);
    }
    g->pend = peer->pend = *o->pend = next;
    g->pending = peer->pending = true;
    g->pin_sid = peer->pin_sid = SID_NONE;
    o->joined_gen = g->joined_gen = peer->joined_gen = vc ? vc->gen : 0;
    clock_replaced(o);
    return true;
}

/* The same, written into one clock for both and the object. g_knows_all
 * and peer_knows_all were found before settling, which changes clocks but
 * not what anyone knows (and would fail clean_and_known). */
static void handoff_settled(gstate *g, gstate *peer, syncobj *o,
                            bool g_knows_all, bool peer_knows_all)
{
    /* The clock made here holds what both knew: it stands on the newer
     * generation of theirs, which taking one side's clock would not do. */
    uint32_t fgen =
        vc_fgen(g->vc) > vc_fgen(peer->vc) ? vc_fgen(g->vc) : vc_fgen(peer->vc);
    settle(g);
    if (g_knows_all) {
        pend_fold(&g->vc, &peer->pend); /* all g may lack of peer's */
        peer->pending = false;
    } else {
        settle(peer);
    }
    if (peer_knows_all) {
        fold_pin(peer); /* peer knows all g does: take peer's clock */
        vc_unref(g->vc);
        g->vc = vc_share(peer->vc);
        g->pin_sid = SID_NONE;
    } else if (!g_knows_all) {
        vc_join(&g->vc, peer->vc, SID_NONE, 0);
    }
    vc_raise(&g->vc, g->sid, g->epoch);
    vc_raise(&g->vc, peer->sid, peer->epoch);
    fold_pin(g);
    join_pin(&g->vc, peer);
    vc_raise_fgen(&g->vc, fgen);
    peer->pin_sid = SID_NONE;
    tag_release(g->vc, g); /* both know this much at g's epoch */
    vc_hold(&peer->vc, g->vc);
    vc_hold(&o->vc, g->vc);
    if (o->pend)
        o->pend->n = 0;
    o->joined_gen = g->joined_gen = peer->joined_gen = g->vc->gen;
    clock_replaced(o);
}

/* Go's racesync in one step: g releases on addr, peer acquires and
 * releases, g acquires. Afterwards both know what either knew, each its
 * partner's epoch of the hand-off, and so does the object. */
void race_sync_pair(gstate *g, gstate *peer, uintptr_t addr)
{
    struct syncshard *s = sync_shard(addr);
    table_lock(&s->lock);
    syncobj *o = sync_lookup(g, s, addr, true);
    bool g_knows_all = knows_all_of(g, peer);
    if (!g_knows_all || !g->vc || !g->vc->depth || !handoff_pending(g, peer, o))
        handoff_settled(g, peer, o, g_knows_all,
                        !g_knows_all &&
                            clean_and_known(g, knows(peer, g->sid)));
    table_unlock(&s->lock);
    advance(g);
    advance(peer);
}

/* ---- hooks --------------------------------------------------------------- */

/* A new goroutine's or program thread's state, made by its creator p: it
 * starts with everything p knows (p's clock, and p's own entry as its pin),
 * and p moves to a new epoch. */
static gstate *child_of(gstate *p, int64_t gid, uintptr_t pc)
{
    gstate *c = gstate_new();
    c->gid = gid;
    c->parent = p->gid;
    /* A goroutine spawned in scheduler context (time.AfterFunc's) was
     * created at pc alone: boot's frames are the main thread's. */
    c->created_at =
        p == &boot ? stack_intern(&pc, pc != 0) : stack_current(p, pc);
    settle(p);
    fold_pin(p);
    c->vc = vc_share(p->vc);
    c->pin_sid = p->sid;
    c->pin_epoch = p->epoch;
    race_slots_lock();
    gstate *dropped = slot_attach(c, p);
    race_slots_unlock();
    if (dropped)
        gstate_destroy(dropped);
    advance(p);
    return c;
}

static void on_go_create(rt_hg *parent, rt_hg *child, uintptr_t pc,
                         const char *file, int line, const char *func)
{
    (void)file, (void)line, (void)func;
    int mode = hook_begin();
    gstate *p = named(parent);
    if (!p)
        p = &boot;
    if (floor_due(p)) {
        if (race_solo)
            floor_pass(p);
        else if (mode == HOOK_PLAIN && p != &boot)
            floor_pass_stopped(p);
    }
    gstate *c = child_of(p, rt_hook_goid(child), pc);
    c->parent = rt_hook_goid(parent);
    done_with(p);
    atomic_fetch_add(&nlive, 1);
    child->slot[hook_idx] = c;
    hook_end(mode);
}

/* ---- threads the program starts (pthread_create, libc.c) ----------------
 * Each gets a state of its own, made by its creator as a goroutine's is
 * (it knows what its creator knew: pthread_create happens before it), kept
 * in race_tls_cur for the thread's life (no go_switch ever clears it there),
 * with gid -tid, which reports print as a thread. Its end releases on the
 * pthread_t, which pthread_join acquires. */
gstate *race_thread_new(uintptr_t pc)
{
    rt_hook_parallel_add(1); /* before it can run */
    int mode = hook_begin(); /* a guest may be creating it */
    gstate *g = child_of(race_cur(), INT64_MIN /* set by the thread */, pc);
    hook_end(mode);
    return g;
}

void race_thread_unborn(void)
{
    rt_hook_parallel_add(-1);
}

void race_thread_start(gstate *g, int64_t tid, uintptr_t stack_lo)
{
    g->gid = -tid;
    g->stack_hi = (uintptr_t)__builtin_frame_address(0);
    g->stack_lo = stack_lo;
    g->stack_min = g->stack_hi;
    g->top_ready = 0;
    race_tls_cur = g;
}

/* The stack goes back to the runtime's pool (or glibc's): forget what was
 * done on it, or its next owner would race with this goroutine's locals
 * and find its WaitGroups' and mutexes' history. */
static void forget_stack(gstate *g)
{
    uintptr_t used = shadow_take_stack_use(g->stack_hi);
    uintptr_t min = used && used < g->stack_min ? used : g->stack_min;
    if (min >= g->stack_hi)
        return;
    uintptr_t lo = min & ~(uintptr_t)7;
    shadow_reset(lo, g->stack_hi - lo);
    race_sync_reset(lo, g->stack_hi - lo);
}

void race_thread_end(gstate *g, uintptr_t join_token)
{
    race_release(g, join_token, false);
    race_tls_cur = NULL;
    forget_stack(g); /* glibc reuses thread stacks */
    g->depth = 0;
    vc_unref(g->vc);
    g->vc = NULL;
    atomic_store(&g->finished, 1);
    slot_release(g);
    rt_hook_parallel_add(-1); /* its user code is over */
}

static void on_go_start(rt_hg *hg)
{
    gstate *g = hg->slot[hook_idx]; /* attached at go_create */
    if (!g)
        return;
    /* We run at the top of g's stack: its frames all lie below, down to
     * the bottom the runtime reports. */
    uintptr_t lo, hi;
    g->stack_hi = (uintptr_t)__builtin_frame_address(0);
    bool known = rt_hook_stack_bounds(&lo, &hi);
    g->stack_lo = known ? lo : g->stack_hi;
    g->stack_min = g->stack_hi;
    g->top_hi = known && hi - lo >= STACK_TOP && !(hi % 8) ? hi : 0;
    g->top_shadow = g->top_hi ? shadow_stack_top(hi) : NULL;
    g->top_packed = g->top_hi ? shadow_stack_packed(hi) : NULL;
    g->top_ready = g->top_hi ? shadow_stack_top_ready(hi) : 0;
}

static void go_end(rt_hg *hg)
{
    gstate *g = hg->slot[hook_idx];
    if (!g)
        return;
    hg->slot[hook_idx] = NULL;
    forget_stack(g);
    atomic_fetch_sub(&nlive, 1);
    g->depth = 0; /* a small shadow stack buffer stays for a next life */
    if (g->stk_cap > 64) {
        race_free(g->stk);
        g->stk = NULL;
        g->stk_cap = 0;
    }
    vc_unref(g->vc);
    g->vc = NULL;
    atomic_store(&g->finished, 1);
    slot_release(g);
}

static void on_go_end(rt_hg *hg)
{
    int mode = hook_begin();
    go_end(hg);
    hook_end(mode);
}

static void on_go_block(rt_hg *hg, int reason, const void *obj)
{
    (void)reason, (void)obj;
    gstate *g = hg->slot[hook_idx];
    if (g && !g->blocked) {
        g->blocked = true;
        atomic_fetch_add(&nblocked, 1);
    }
}

/* A goroutine woken by a hand-off runs soon and first writes what it
 * received: next to the element it last sent or received, in a loop. With
 * thousands of goroutines in turn (a ring) that word's shadow is a lap old
 * and out of the cache, and the write's check waited for it (ChanRingN/1e4:
 * 15% of the time on one load); fetched now, it arrives while the waker
 * finishes its operation. So does the sync object it last used, which in a
 * loop is the one it operates on next. While other threads run hooks, the
 * goroutine may run on another CPU, whose cache the fetch would rob of the
 * line (PingPong at GOMAXPROCS 2), so the fetch is made only when so many
 * goroutines live that the line is out of every cache (a ring of 1e5:
 * still most often run here next, from the runnext slot). */
enum { PREFETCH_LIVE = 4096 };

static void on_go_unblock(rt_hg *hg, rt_hg *by)
{
    (void)by;
    gstate *g = hg->slot[hook_idx];
    if (!g)
        return;
    if (!__atomic_load_n(&rt_hook_parallel, __ATOMIC_RELAXED) ||
        atomic_load_explicit(&nlive, memory_order_relaxed) > PREFETCH_LIVE) {
        if (g->last_rt_access)
            shadow_prefetch(g, g->last_rt_access);
        if (g->sync_hint.obj)
            __builtin_prefetch(g->sync_hint.obj, 1);
    }
    if (g->blocked) {
        g->blocked = false;
        atomic_fetch_sub(&nblocked, 1);
    }
}

static void on_acquire(rt_hg *gid, const void *addr)
{
    int mode = hook_begin();
    gstate *g = named(gid);
    if (g)
        race_acquire(g, (uintptr_t)addr);
    done_with(g);
    hook_end(mode);
}

static void on_release(rt_hg *gid, const void *addr)
{
    int mode = hook_begin();
    gstate *g = named(gid);
    if (g)
        race_release(g, (uintptr_t)addr, false);
    done_with(g);
    hook_end(mode);
}

static void on_release_merge(rt_hg *gid, const void *addr)
{
    int mode = hook_begin();
    gstate *g = named(gid);
    if (g)
        race_release(g, (uintptr_t)addr, true);
    done_with(g);
    hook_end(mode);
}

static void on_acquire_release(rt_hg *gid, const void *addr)
{
    int mode = hook_begin();
    gstate *g = named(gid);
    if (g)
        race_acquire_release(g, (uintptr_t)addr);
    done_with(g);
    hook_end(mode);
}

static void on_acquire_release_part(rt_hg *gid, rt_hobj *obj, size_t i,
                                    size_t n, const void *addr)
{
    int mode = hook_begin();
    gstate *g = named(gid);
    if (g)
        acquire_release_part(g, &obj->slot[hook_idx], i, n, (uintptr_t)addr);
    done_with(g);
    hook_end(mode);
}

static void on_obj_free(rt_hg *gid, rt_hobj *obj)
{
    (void)gid;
    parts_free(&obj->slot[hook_idx]);
}

static void sync_pair(rt_hg *gid, rt_hg *peer, const void *addr)
{
    gstate *g = named(gid);
    if (!g) {
        done_with(g);
        return;
    }
    gstate *p = gid == peer ? g : named(peer);
    if (p && p != g)
        race_sync_pair(g, p, (uintptr_t)addr);
    else /* a partner unknown to us: still publish g's clock */
        race_release(g, (uintptr_t)addr, false);
    if (p != g)
        done_with(p);
    done_with(g);
}

static void on_sync_pair(rt_hg *gid, rt_hg *peer, const void *addr)
{
    int mode = hook_begin();
    sync_pair(gid, peer, addr);
    hook_end(mode);
}

static void on_chan_free(rt_hg *gid, const void *c)
{
    (void)gid;
    int mode = hook_begin();
    sync_forget((uintptr_t)c);
    hook_end(mode);
}

static void on_mem_access(rt_hg *gid, const void *addr, size_t size, int write,
                          uintptr_t pc)
{
    gstate *cur = race_tls_cur;
    if (gid && cur && gid->slot[hook_idx] == cur) {
        /* The running goroutine's (a channel's element copies): as its
         * instrumented accesses, which need no hook bracket. */
        cur->last_rt_access = (uintptr_t)addr;
        race_access_range(cur, (uintptr_t)addr, size, write, pc);
        return;
    }
    int mode = hook_begin();
    gstate *g = named(gid);
    if (g) {
        g->last_rt_access = (uintptr_t)addr;
        race_access_range(g, (uintptr_t)addr, size, write, pc);
    }
    done_with(g);
    hook_end(mode);
}

/* Go sleeps at exit while other goroutines may still be racing. */
static void atexit_sleep(void)
{
    if (race_opts.atexit_sleep_ms > 0 &&
        atomic_load(&nlive) - atomic_load(&nblocked) > 1)
        usleep((useconds_t)race_opts.atexit_sleep_ms * 1000);
}

/* The last word on the exit status (rt/hooks.h's at_exit). go_exit with a
 * non-zero code exits at once, as os.Exit does under Go's -race. */
static int on_at_exit(rt_hg *gid, int code, int from_go_exit)
{
    (void)gid;
    if (from_go_exit && code != 0)
        return code;
    atexit_sleep();
    return race_finish(code);
}

/* The shadow stack answers the other detectors' stack queries: a copy of
 * a few words where an unwind walks every frame's unwind table. */
static size_t on_stack(rt_hg *hg, uintptr_t pc, uintptr_t *out, size_t max)
{
    gstate *g = hg ? hg->slot[hook_idx] : NULL;
    if (!g || !max)
        return 0;
    size_t n = 0;
    out[n++] = pc;
    for (uint32_t i = g->depth; i > 0 && n < max; i--)
        out[n++] = g->stk[i - 1];
    return n;
}

static const rt_hooks race_hooks = {
    .go_create = on_go_create,
    .go_start = on_go_start,
    .go_switch = on_go_switch,
    .go_end = on_go_end,
    .go_block = on_go_block,
    .go_unblock = on_go_unblock,
    .acquire = on_acquire,
    .release = on_release,
    .release_merge = on_release_merge,
    .acquire_release = on_acquire_release,
    .acquire_release_part = on_acquire_release_part,
    .obj_free = on_obj_free,
    .sync_pair = on_sync_pair,
    .chan_free = on_chan_free,
    /* a freed channel's buffer slots, forgotten as the channel is: a
     * slot's clock would otherwise hand stale knowledge to whatever is
     * allocated there next */
    .sync_free = on_chan_free,
    .mem_access = on_mem_access,
    .at_exit = on_at_exit,
    .stack = on_stack,
};

static void read_options(void)
{
    rt_options_register(race_option_table, race_option_count);
}

static int inited;

void race_init(void)
{
    if (__atomic_exchange_n(&inited, 1, __ATOMIC_ACQ_REL))
        return;
    read_options();
    if (!shadow_map_init()) {
        fprintf(stderr, "race: cannot reserve shadow memory\n");
        _exit(2);
    }
    marks_init();
    race_slots_lock();
    boot.gid = 0;
    boot.pin_sid = SID_NONE;
    (void)slot_attach(&boot, &boot);
    race_slots_unlock();
    hook_idx = rt_hooks_install(&race_hooks);
}

/* Priority 102: after the deadlock detector (101), so that at exit its leak
 * report comes before "Found N data race(s)", the last line, as in Go. */
__attribute__((constructor(102))) static void race_ctor(void)
{
    race_init();
}
