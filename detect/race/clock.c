/*
 * Vector clocks indexed by slot id (see race.c for slots).
 *
 * A goroutine's clock is shared copy-on-write with the children it spawns
 * and with the goroutines and sync objects it hands off to: spawning a
 * million goroutines costs one reference each, not a million copies. A
 * clock with ref > 1 is immutable; whoever wants to change it copies it
 * first (clock_own). Only the holder of the single reference can share it,
 * so the ref == 1 test cannot race.
 *
 * Two shapes. A clock of at most FLAT_MAX entries is a flat array: the
 * common case (a few goroutines talking) and the fastest lookup, which
 * every access check makes. A wider clock is a persistent 16-ary radix tree
 * whose nodes are shared copy-on-write in their turn: changing one entry
 * copies the path to it (five nodes, ~600 bytes, at a million slots), not
 * the clock. A ring of n goroutines that all learn each other then costs
 * O(log n) per hand-off and O(n log n) memory for the n clocks its parked
 * members hold, where flat clocks cost O(n) and O(n^2). A missing subtree
 * is all zeros. Joins and comparisons skip subtrees the two clocks share
 * (pointer equality), and a join keeps the other side's subtree, shared,
 * wherever it covers ours. What stays O(n) is a join of two wide clocks
 * that differ everywhere; race.c avoids those where it can prove that one
 * side already covers the other (its "clean" test). Proving it is O(n)
 * too the first time two such trees meet, but an inner node remembers the
 * node it was found covered by, so the next comparison of the same pair
 * (n goroutines, spawned with one clock, each taking a sync object's other
 * clock in turn) stops at the top. Joins use and leave the same notes:
 * n goroutines that each learn all before them through one object (an
 * atomic counter) and then release into another (a WaitGroup's Done) join
 * two n-wide trees built apart, which differ only along the newest
 * goroutine's path; each join then reads that path, not all n entries.
 * Cost: 16 bytes per inner node, and a node changed in place after it was
 * remembered takes a new serial.
 *
 * Every content has a unique generation number (renewed whenever a clock is
 * changed), so "already joined that clock" is one comparison: a million
 * goroutines woken by one close share its clock, and merging them all into
 * a WaitGroup costs one full join and then their own entries only.
 *
 * Lengths are the highest slot ever set plus one, so flat clocks stay as
 * short as the slots a goroutine actually learned about.
 *
 * Short clocks and tree nodes are made and dropped on every channel
 * operation; each thread keeps a small stack of each for reuse rather than
 * going through malloc.
 */
#include "race.h"

#include <string.h>

enum {
    FAN_BITS = 4,
    FAN = 1 << FAN_BITS,
    SMALL_CAP = 16,
    KEEP = 256, /* spare objects of each size kept per thread */
};

/* A tree node: FAN kids (inner) or FAN entries (leaf). Level 1 is the
 * leaves; a leaf is allocated with room for its entries only.
 *
 * An inner node remembers the last node found to cover it (see
 * node_exceeds, node_join): two clocks built apart hold equal or growing
 * content in different nodes, which pointer equality cannot skip, and n
 * goroutines that take one such clock after another each compared it in full
 * (n^2). A node is immutable while shared and every content has its own serial
 * (node_new, node_own), so "a <= the node with serial s" stays true. */
struct vnode {
    uint32_t ref;
    uint32_t watched; /* inner nodes: its serial is some node's dom */
    union {
        struct vnode *kid[FAN];
        epoch_t e[FAN];
    };
    uint64_t serial; /* inner nodes only: this content's */
    uint64_t dom;    /* inner nodes only: a serial known to cover it */
};

#define LEAF_BYTES (offsetof(vnode, e) + FAN * sizeof(epoch_t))
#define INNER_BYTES sizeof(vnode)

/* Generations (vc_unique, race.h) are drawn per thread (thread number in
 * the top 24 bits), so a clock change costs no shared atomic. Never 0:
 * that is "no clock". */
__thread uint64_t vc_gen_next __attribute__((tls_model("initial-exec")));
__thread uint64_t vc_gen_end __attribute__((tls_model("initial-exec")));

uint64_t vc_gen_refill(void)
{
    static _Atomic uint64_t threads;
    uint64_t t =
        atomic_fetch_add_explicit(&threads, 1, memory_order_relaxed) + 1;
    vc_gen_next = t << 40;
    vc_gen_end = vc_gen_next + (1ull << 40);
    return ++vc_gen_next;
}

/* ---- per-thread spares --------------------------------------------------- */

typedef struct spares {
    void *top[KEEP];
    unsigned n;
} spares;

/* small clocks, leaves, inner nodes */
static __thread spares spare_small __attribute__((tls_model("initial-exec")));
static __thread spares spare_leaf __attribute__((tls_model("initial-exec")));
static __thread spares spare_inner __attribute__((tls_model("initial-exec")));

static void *spare_get(spares *s, size_t bytes)
{
    return s->n ? s->top[--s->n] : race_alloc(bytes);
}

static void spare_put(spares *s, void *p)
{
    if (s->n < KEEP)
        s->top[s->n++] = p;
    else
        race_free(p);
}

/* ---- tree nodes ---------------------------------------------------------- */

static long nodes_live;

long vc_nodes_live(void)
{
    return __atomic_load_n(&nodes_live, __ATOMIC_RELAXED);
}

static void nodes_live_add(long d)
{
    if (race_solo)
        __atomic_store_n(&nodes_live,
                         __atomic_load_n(&nodes_live, __ATOMIC_RELAXED) + d,
                         __ATOMIC_RELAXED);
    else
        __atomic_add_fetch(&nodes_live, d, __ATOMIC_RELAXED);
}

static vnode *node_new(unsigned level)
{
    nodes_live_add(1);
    vnode *n = level == 1 ? spare_get(&spare_leaf, LEAF_BYTES)
                          : spare_get(&spare_inner, INNER_BYTES);
    n->ref = 1;
    if (level == 1) {
        memset(n->e, 0, sizeof n->e);
    } else {
        memset(n->kid, 0, sizeof n->kid);
        n->serial = vc_unique();
        n->watched = 0;
        n->dom = 0;
    }
    return n;
}

static vnode *node_share(const vnode *n)
{
    if (n)
        ref_inc(&((vnode *)n)->ref);
    return (vnode *)n;
}

static void node_unref(vnode *n, unsigned level)
{
    if (!n || !ref_dec(&n->ref))
        return;
    nodes_live_add(-1);
    if (level == 1) {
        spare_put(&spare_leaf, n);
        return;
    }
    for (int k = 0; k < FAN; k++)
        node_unref(n->kid[k], level - 1);
    spare_put(&spare_inner, n);
}

/* A private copy of n (a fresh zero node for NULL); n keeps its reference. */
static vnode *node_copy(const vnode *n, unsigned level)
{
    vnode *c = node_new(level);
    if (!n)
        return c;
    if (level == 1) {
        memcpy(c->e, n->e, sizeof c->e);
    } else {
        for (int k = 0; k < FAN; k++)
            c->kid[k] = node_share(n->kid[k]);
    }
    return c;
}

static __attribute__((noinline, cold)) void node_renew(vnode *n)
{
    n->serial = vc_unique();
    n->watched = 0;
    __atomic_store_n(&n->dom, 0, __ATOMIC_RELAXED);
}

/* Makes *np writable: in place when nobody else holds it, else as a copy.
 * Only for a node reached through nodes (and a header) already private to
 * the caller: then ref == 1 means nobody else can reach it. */
static inline __attribute__((always_inline)) vnode *node_own(vnode **np,
                                                             unsigned level)
{
    vnode *n = *np;
    if (n && __atomic_load_n(&n->ref, __ATOMIC_ACQUIRE) == 1) {
        /* about to change: a content of its own, if anyone noted this one */
        if (level > 1 && (n->watched || n->dom))
            node_renew(n);
        return n;
    }
    vnode *c = node_copy(n, level);
    node_unref(n, level);
    return *np = c;
}

static unsigned kid_index(sid_t i, unsigned level)
{
    return (i >> (FAN_BITS * (level - 1))) & (FAN - 1);
}

epoch_t vc_tree_get(const vclock *vc, sid_t i)
{
    const vnode *n = vc->root;
    for (unsigned level = vc->depth; n && level > 1; level--)
        n = n->kid[kid_index(i, level)];
    return n ? n->e[i & (FAN - 1)] : 0;
}

/* ---- clock headers ------------------------------------------------------- */

/* Four words of header before e[]: a clock of four entries fills a line. */
_Static_assert(offsetof(vclock, e) == 40 && FLAT_MAX <= UINT16_MAX,
               "vclock's header grew");

static vclock *header_new(uint32_t cap)
{
    vclock *vc = cap <= SMALL_CAP
                     ? spare_get(&spare_small,
                                 sizeof(vclock) + SMALL_CAP * sizeof(epoch_t))
                     : race_alloc(sizeof(vclock) + cap * sizeof(epoch_t));
    vc->ref = 1;
    vc->len = 0;
    vc->cap = cap <= SMALL_CAP ? SMALL_CAP : cap;
    vc->depth = 0;
    vc->root = NULL;
    vc->gen = vc_unique();
    vc->tag_sid = 0;
    vc->tag_epoch = 0;
    vc->fgen = 0;
    return vc;
}

void vc_unref(vclock *vc)
{
    if (!vc || !ref_dec(&vc->ref))
        return;
    node_unref(vc->root, vc->depth);
    if (vc->cap == SMALL_CAP)
        spare_put(&spare_small, vc);
    else
        race_free(vc);
}

vclock *vc_share(vclock *vc)
{
    if (vc)
        ref_inc(&vc->ref);
    return vc;
}

/* A header of our own over tree `root` (a reference the caller gives). */
static vclock *tree_header(vnode *root, uint32_t len, uint32_t depth)
{
    vclock *vc = header_new(0);
    vc->depth = depth;
    vc->root = root;
    vc->len = len;
    return vc;
}

/* The depth of a tree holding entries [0, len): at least 3, so that every
 * tree holds more than FLAT_MAX entries. */
static uint32_t levels_for(uint32_t len)
{
    uint32_t depth = 3;
    while (len > (1u << (FAN_BITS * depth)))
        depth++;
    return depth;
}

/* Deepens a private tree until entry need_len - 1 fits: the old root
 * becomes the first kid of a new one. */
static void tree_deepen(vclock *vc, uint32_t need_len)
{
    while (vc->depth < levels_for(need_len)) {
        vnode *r = NULL;
        if (vc->root) {
            r = node_new(vc->depth + 1);
            r->kid[0] = vc->root;
        }
        vc->root = r;
        vc->depth++;
    }
}

/* The subtree at `level` holding the flat entries e[base, len). */
static vnode *tree_build(const epoch_t *e, uint32_t len, sid_t base,
                         unsigned level)
{
    sid_t span = (sid_t)1 << (FAN_BITS * (level - 1));
    if (base >= len)
        return NULL;
    vnode *n = node_new(level);
    for (unsigned k = 0; k < FAN; k++) {
        sid_t at = base + k * span;
        if (level == 1)
            n->e[k] = at < len ? e[at] : 0;
        else
            n->kid[k] = tree_build(e, len, at, level - 1);
    }
    return n;
}

/* Makes *vcp private with room for need_len entries: a shared header is
 * copied (a tree's nodes stay shared until written: set_owned copies the
 * path it writes), and a flat clock becomes a tree past FLAT_MAX. */
static vclock *clock_own(vclock **vcp, uint32_t need_len)
{
    vclock *vc = *vcp;
    bool shared = vc && __atomic_load_n(&vc->ref, __ATOMIC_ACQUIRE) > 1;
    uint32_t len = vc ? vc->len : 0;
    if (vc && vc->depth) {
        if (shared) {
            *vcp = tree_header(node_share(vc->root), len, vc->depth);
            (*vcp)->fgen = vc->fgen;
            vc_unref(vc);
            vc = *vcp;
        }
        vc->gen = vc_unique(); /* the caller changes it */
        vc->tag_epoch = 0;
        tree_deepen(vc, need_len);
        return vc;
    }
    if (vc && !shared && need_len <= vc->cap) {
        vc->gen = vc_unique();
        vc->tag_epoch = 0;
        return vc;
    }
    uint32_t want = need_len > len ? need_len : len;
    vclock *n;
    if (want > FLAT_MAX) {
        uint32_t depth = levels_for(want);
        n = tree_header(tree_build(vc ? vc->e : NULL, len, 0, depth), len,
                        depth);
    } else {
        uint32_t cap = want;
        if (vc && !shared)
            cap = cap > 2 * vc->cap ? cap : 2 * vc->cap;
        n = header_new(cap > FLAT_MAX ? FLAT_MAX : cap);
        n->len = len;
        if (len)
            memcpy(n->e, vc->e, len * sizeof(epoch_t));
    }
    n->fgen = vc_fgen(vc);
    vc_unref(vc);
    *vcp = n;
    return n;
}

/* Entry i of a private clock (clock_own made room for it). */
static void set_owned(vclock *vc, sid_t i, epoch_t e)
{
    if (!vc->depth) {
        if (i >= vc->len) {
            memset(vc->e + vc->len, 0, (i + 1 - vc->len) * sizeof(epoch_t));
            vc->len = i + 1;
        }
        vc->e[i] = e;
        return;
    }
    if (i >= vc->len)
        vc->len = i + 1;
    vnode **np = &vc->root;
    for (unsigned level = vc->depth; level > 1; level--)
        np = &node_own(np, level)->kid[kid_index(i, level)];
    node_own(np, 1)->e[i & (FAN - 1)] = e;
}

void vc_set(vclock **vcp, sid_t i, epoch_t e)
{
    vclock *vc = *vcp;
    if (vc && !vc->depth && i < vc->len) {
        if (vc->e[i] == e)
            return;
        /* A goroutine advancing its own entry in its private clock: every
         * channel operation of one that holds its clock alone. */
        if (__atomic_load_n(&vc->ref, __ATOMIC_ACQUIRE) == 1) {
            vc->gen = vc_unique();
            vc->tag_epoch = 0;
            vc->e[i] = e;
            return;
        }
    } else if (vc_get(vc, i) == e) {
        return;
    }
    set_owned(clock_own(vcp, i + 1), i, e);
}

bool vc_raise(vclock **vcp, sid_t i, epoch_t e)
{
    if (e <= vc_get(*vcp, i))
        return false;
    vc_set(vcp, i, e);
    return true;
}

/* ---- comparison ---------------------------------------------------------- */

/* Does a[lo, hi) exceed b anywhere? Four entries per step with vector
 * compares: clocks as wide as many live goroutines are compared at every
 * hand-off. */
typedef uint32_t v4u __attribute__((vector_size(16)));

static inline bool exceeds(const epoch_t *a, const epoch_t *b, uint32_t lo,
                           uint32_t hi)
{
    uint32_t i = lo;
    for (; i + 16 <= hi; i += 16) {
        v4u over = {0, 0, 0, 0};
        for (int k = 0; k < 16; k += 4) {
            v4u x, y;
            memcpy(&x, a + i + k, sizeof x);
            memcpy(&y, b + i + k, sizeof y);
            over |= (v4u)(x > y);
        }
        if (over[0] | over[1] | over[2] | over[3])
            return true;
    }
    for (; i < hi; i++)
        if (a[i] > b[i])
            return true;
    return false;
}

/* Does a exceed b on [lo, hi) but at entry own? */
static inline bool exceeds_but(const epoch_t *a, const epoch_t *b, uint32_t lo,
                               uint32_t hi, sid_t own)
{
    if (own >= lo && own < hi)
        return exceeds(a, b, lo, own) || exceeds(a, b, own + 1, hi);
    return exceeds(a, b, lo, hi);
}

static const epoch_t zeros[FAN];

/* Inner nodes a and b: is a known to be covered by b (a <= b)? */
static inline bool covered_by(const vnode *a, const vnode *b)
{
    return __atomic_load_n(&a->dom, __ATOMIC_RELAXED) == b->serial;
}

/* Remembers that inner node a <= inner node b. Either may be shared, so
 * the notes are relaxed atomics: whoever wins, a fact is noted. */
static void note_covered(const vnode *a, const vnode *b)
{
    if (!__atomic_load_n(&b->watched, __ATOMIC_RELAXED))
        __atomic_store_n(&((vnode *)b)->watched, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&((vnode *)a)->dom, b->serial, __ATOMIC_RELAXED);
}

/* Does subtree a (entries from base) exceed subtree b anywhere but at own?
 * Shared subtrees are skipped unread. */
static bool node_exceeds(const vnode *a, const vnode *b, unsigned level,
                         sid_t base, sid_t own)
{
    if (!a || a == b)
        return false;
    if (level == 1)
        return exceeds_but(a->e, b ? b->e : zeros, 0, FAN, own - base);
    if (b && covered_by(a, b))
        return false;
    sid_t span = (sid_t)1 << (FAN_BITS * (level - 1));
    for (unsigned k = 0; k < FAN; k++)
        if (node_exceeds(a->kid[k], b ? b->kid[k] : NULL, level - 1,
                         base + k * span, own))
            return true;
    /* covered everywhere, own's entry included: worth remembering */
    if (b && (own < base || (uint64_t)(own - base) >= (uint64_t)FAN * span))
        note_covered(a, b);
    return false;
}

/* Does subtree a exceed clock b anywhere but at own? (b flat: rare, a wide
 * clock against a narrow one) */
static bool node_exceeds_clock(const vnode *a, unsigned level, sid_t base,
                               const vclock *b, sid_t own)
{
    if (!a)
        return false;
    sid_t span = (sid_t)1 << (FAN_BITS * (level - 1));
    for (unsigned k = 0; k < FAN; k++) {
        sid_t at = base + k * span;
        if (level == 1 ? at != own && a->e[k] > vc_get(b, at)
                       : node_exceeds_clock(a->kid[k], level - 1, at, b, own))
            return true;
    }
    return false;
}

/* Node at `to` on the first-kid chain from n at level `from`. */
static const vnode *first_kid_at(const vnode *n, unsigned from, unsigned to)
{
    for (; n && from > to; from--)
        n = n->kid[0];
    return n;
}

/* node_exceeds for two trees of any depths: above the shallower one's
 * root, the deeper one faces zeros except along its first kids. */
static bool tree_exceeds(const vclock *a, const vclock *b, sid_t own)
{
    const vnode *na = a->root;
    unsigned level = a->depth;
    for (; na && level > b->depth; na = na->kid[0], level--) {
        sid_t span = (sid_t)1 << (FAN_BITS * (level - 1));
        for (unsigned k = 1; k < FAN; k++)
            if (node_exceeds(na->kid[k], NULL, level - 1, k * span, own))
                return true;
    }
    return node_exceeds(na, first_kid_at(b->root, b->depth, level), level, 0,
                        own);
}

bool vc_dominated(const vclock *a, const vclock *b, sid_t own)
{
    if (!a || a == b)
        return true;
    if (a->fgen > vc_fgen(b))
        return false; /* a stands on floors b does not */
    if (!a->len)
        return true;
    if (a->depth && b && b->depth)
        return !tree_exceeds(a, b, own);
    if (a->depth)
        return !node_exceeds_clock(a->root, a->depth, 0, b, own);
    if (b && b->depth) {
        for (uint32_t i = 0; i < a->len; i++)
            if (i != own && a->e[i] > vc_get(b, i))
                return false;
        return true;
    }
    uint32_t n = a->len, common = b ? (b->len < n ? b->len : n) : 0;
    /* Entries of a beyond b's length must be zero (or own). */
    for (uint32_t i = common; i < n; i++)
        if (i != own && a->e[i])
            return false;
    return !b || !exceeds_but(a->e, b->e, 0, common, own);
}

/* ---- joining ------------------------------------------------------------- */

/* d[i] = max(d[i], s[i]) for i < n, four entries per step. Returns
 * whether d changed. */
static inline bool max_into(epoch_t *d, const epoch_t *s, uint32_t n)
{
    uint32_t i = 0;
    v4u grew = {0, 0, 0, 0};
    for (; i + 4 <= n; i += 4) {
        v4u x, y;
        memcpy(&x, d + i, sizeof x);
        memcpy(&y, s + i, sizeof y);
        v4u more = (v4u)(y > x);
        x = (x & ~more) | (y & more);
        memcpy(d + i, &x, sizeof x);
        grew |= more;
    }
    bool changed = grew[0] | grew[1] | grew[2] | grew[3];
    for (; i < n; i++)
        if (s[i] > d[i]) {
            d[i] = s[i];
            changed = true;
        }
    return changed;
}

/* max(d, s) for one subtree, d left as it is: returns d itself when s
 * teaches it nothing, else a new reference. Wherever s covers d the result
 * is s's subtree, shared, so clocks that learn from each other converge on
 * the same nodes (and later joins and compares skip them). */
static vnode *node_join(vnode *d, const vnode *s, unsigned level)
{
    if (!s || d == s)
        return d;
    if (!d)
        return node_share(s);
    if (level == 1) {
        if (!exceeds(s->e, d->e, 0, FAN))
            return d;
        if (!exceeds(d->e, s->e, 0, FAN))
            return node_share(s);
        vnode *n = node_copy(d, 1);
        max_into(n->e, s->e, FAN);
        return n;
    }
    if (covered_by(s, d))
        return d;
    vnode *n = NULL;
    bool as_s = true; /* every kid of the result is s's */
    for (unsigned k = 0; k < FAN; k++) {
        vnode *kd = d->kid[k], *r = node_join(kd, s->kid[k], level - 1);
        if (r != kd) {
            if (!n)
                n = node_copy(d, level);
            node_unref(n->kid[k], level - 1);
            n->kid[k] = r;
        }
        as_s = as_s && r == s->kid[k];
    }
    if (as_s) {
        node_unref(n, level);
        return node_share(s);
    }
    if (!n)
        note_covered(s, d);
    return n ? n : d;
}

/* vc_join when either side is a tree. */
static bool tree_join(vclock **dst, const vclock *src, sid_t own,
                      epoch_t own_epoch, bool own_grows, uint32_t need)
{
    vclock *d = *dst;
    uint32_t n = src ? src->len : 0;
    if (d && d->depth && src && src->depth) {
        if (src->depth > d->depth) { /* rare: deepen d first */
            if (!own_grows && vc_dominated(src, d, SID_NONE))
                return false;
            d = clock_own(dst, src->len);
        }
        const vnode *t = first_kid_at(d->root, d->depth, src->depth);
        vnode *r = node_join((vnode *)t, src->root, src->depth);
        if (r == t && !own_grows)
            return false;
        d = clock_own(dst, need);
        vnode **tp = &d->root;
        for (unsigned level = d->depth; level > src->depth; level--)
            tp = &node_own(tp, level)->kid[0];
        if (r != *tp) {
            node_unref(*tp, src->depth);
            *tp = r;
        }
        if (n > d->len)
            d->len = n;
    } else if (src && src->depth) { /* d flat: src's tree, then d's */
        if (!own_grows && vc_dominated(src, d, SID_NONE))
            return false;
        *dst = tree_header(node_share(src->root), n, src->depth);
        /* still d's generation: vc_join moves it to src's if newer */
        (*dst)->fgen = vc_fgen(d);
        for (uint32_t i = 0; d && i < d->len; i++)
            if (d->e[i] > vc_get(*dst, i))
                set_owned(*dst, i, d->e[i]);
        vc_unref(d);
        d = *dst;
    } else { /* src flat; d a tree, or flat and about to be one */
        if (!own_grows && vc_dominated(src, d, SID_NONE))
            return false;
        d = clock_own(dst, need > FLAT_MAX ? need : FLAT_MAX + 1);
        for (uint32_t i = 0; i < n; i++)
            if (src->e[i] > vc_get(d, i))
                set_owned(d, i, src->e[i]);
    }
    if (own_grows)
        set_owned(clock_own(dst, own + 1), own, own_epoch);
    return true;
}

/* The join of most hand-offs among a few goroutines (a worker pool's
 * buffered slots): two flat clocks on one generation of floors, the
 * destination private and roomy enough. One pass in place, where the
 * general path compared, made the clock its own and then merged: 210
 * instructions for MacroPool100k's 11 entries. */
static inline bool joins_in_place(const vclock *d, const vclock *src, sid_t own)
{
    return d && src && d != src && !(d->depth | src->depth) &&
           src->len <= d->cap && (own == SID_NONE || own < d->cap) &&
           d->fgen == src->fgen &&
           __atomic_load_n(&d->ref, __ATOMIC_ACQUIRE) == 1;
}

/* Joins src (NULL: nothing) into d, a private flat clock with room for
 * its entries and own's. */
static bool join_in_place(vclock *d, const vclock *src, sid_t own,
                          epoch_t own_epoch)
{
    uint32_t n = src ? src->len : 0;
    uint32_t need = own != SID_NONE && own >= n ? own + 1 : n;
    if (need > d->len) {
        memset(d->e + d->len, 0, (need - d->len) * sizeof(epoch_t));
        d->len = need;
    }
    bool changed = max_into(d->e, src ? src->e : NULL, n);
    if (own != SID_NONE && own_epoch > d->e[own]) {
        d->e[own] = own_epoch;
        changed = true;
    }
    if (changed) {
        d->gen = vc_unique();
        d->tag_epoch = 0;
    }
    return changed;
}

/* Costs O(len(src)) for flat clocks, not O(own): a goroutine on a high slot
 * whose clock is short (a fresh child) merges in constant time. Compares
 * first, so that a join that teaches nothing copies no shared clock. */
static bool join_entries(vclock **dst, const vclock *src, sid_t own,
                         epoch_t own_epoch)
{
    if (src == *dst)
        src = NULL; /* itself: nothing to learn, and no use after a copy */
    uint32_t n = src ? src->len : 0;
    bool own_grows = own != SID_NONE && own_epoch > vc_get(*dst, own);
    uint32_t need = own_grows && own + 1 > n ? own + 1 : n;
    if ((src && src->depth) || (*dst && (*dst)->depth) || need > FLAT_MAX)
        return tree_join(dst, src, own, own_epoch, own_grows, need);
    if (!own_grows && vc_dominated(src, *dst, SID_NONE))
        return false;
    join_in_place(clock_own(dst, need), src, own_grows ? own : SID_NONE,
                  own_epoch);
    return true;
}

/* Joins of clocks on different generations (race.c, "Floors"): the
 * result stands on the newer, and a wide result drops what its floors
 * cover, or a clock left on an old generation (a sync object a burst
 * released into and nobody used since) would make wide every clock that
 * joins it again, a tree whose every change copies a path. */
enum { FLOOR_FILTER_MIN = 64 };

/* After a join of a clock on generation fs into one on fd != fs. */
static __attribute__((noinline)) bool join_floors(vclock **dst, uint32_t fs,
                                                  uint32_t fd)
{
    bool changed = false;
    if (fs > fd) {
        clock_own(dst, *dst ? (*dst)->len : 0)->fgen = fs;
        changed = true;
    }
    if ((*dst)->len > FLOOR_FILTER_MIN && (*dst)->fgen) {
        vclock *c = vc_above_floor(*dst, (*dst)->fgen);
        if (c) {
            vc_unref(*dst);
            *dst = c;
        }
    }
    return changed;
}

bool vc_join(vclock **dst, const vclock *src, sid_t own, epoch_t own_epoch)
{
    if (joins_in_place(*dst, src, own))
        return join_in_place(*dst, src, own, own_epoch);
    /* Read first: src may be *dst, released when *dst is copied. */
    uint32_t fs = src && src != *dst ? src->fgen : 0, fd = vc_fgen(*dst);
    bool changed = join_entries(dst, src, own, own_epoch);
    if (__builtin_expect(fs != fd, 0) && src)
        changed |= join_floors(dst, fs, fd);
    return changed;
}

void vc_assign(vclock **dst, const vclock *src, sid_t own, epoch_t own_epoch)
{
    if (src && src == *dst) {
        if (own != SID_NONE)
            vc_set(dst, own, own_epoch);
        return;
    }
    uint32_t n = src ? src->len : 0;
    if (own != SID_NONE && own + 1 > n)
        n = own + 1;
    if ((src && src->depth) || n > FLAT_MAX || (*dst && (*dst)->depth)) {
        vc_unref(*dst);
        *dst = src && src->depth
                   ? tree_header(node_share(src->root), src->len, src->depth)
                   : NULL;
        if (src && src->depth)
            (*dst)->fgen = src->fgen;
        if (src && !src->depth)
            vc_join(dst, src, SID_NONE, 0);
        if (own != SID_NONE)
            vc_set(dst, own, own_epoch);
        return;
    }
    vclock *d = clock_own(dst, n);
    if (src && src->len)
        memcpy(d->e, src->e, src->len * sizeof(epoch_t));
    if (src && src->len < n)
        memset(d->e + src->len, 0, (n - src->len) * sizeof(epoch_t));
    else if (!src)
        memset(d->e, 0, n * sizeof(epoch_t));
    d->len = n;
    d->fgen = vc_fgen(src);
    if (own != SID_NONE)
        d->e[own] = own_epoch;
}

/* Goroutines that hand off to each other on two CPUs, sharing one clock,
 * took turns at its reference count: five locked operations per hand-off
 * on a line the other CPU wrote last. A short clock costs less to copy,
 * and a private copy is then changed in place. */
void vc_hold(vclock **dst, vclock *src)
{
    if (*dst == src)
        return;
    if (!src || src->depth || src->len > SMALL_CAP) {
        vc_unref(*dst);
        *dst = vc_share(src);
        return;
    }
    vclock *d = *dst;
    if (!d || d->depth || d->cap < src->len ||
        __atomic_load_n(&d->ref, __ATOMIC_ACQUIRE) != 1) {
        vc_unref(d);
        d = *dst = header_new(SMALL_CAP);
    }
    memcpy(d->e, src->e, src->len * sizeof(epoch_t));
    d->len = src->len;
    d->gen = src->gen;
    d->fgen = src->fgen;
    d->tag_sid = src->tag_sid;
    d->tag_epoch = src->tag_epoch;
}

void vc_raise_fgen(vclock **vcp, uint32_t fgen)
{
    if (__builtin_expect(*vcp && fgen > (*vcp)->fgen, 0))
        clock_own(vcp, (*vcp)->len)->fgen = fgen;
}

vclock *vc_above_floor(const vclock *vc, uint32_t fgen)
{
    uint32_t len = vc->len;
    while (len && vc_get(vc, len - 1) <= race_floor_for(fgen, len - 1))
        len--;
    if (len > FLAT_MAX || (len == vc->len && !vc->depth))
        return NULL;
    vclock *n = header_new(len);
    n->len = len;
    n->fgen = fgen;
    for (uint32_t i = 0; i < len; i++) {
        epoch_t e = vc_get(vc, i);
        n->e[i] = e > race_floor_for(fgen, i) ? e : 0;
    }
    return n;
}
