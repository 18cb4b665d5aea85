/*
 * Vector clocks indexed by slot id (see race.c for slots).
 *
 * A goroutine's clock is shared copy-on-write with the children it spawns:
 * spawning a million goroutines costs one reference each, not a million
 * copies. A clock with ref > 1 is immutable; whoever wants to change it
 * copies it first (vc_own). Only the holder of the single reference can
 * share it, so the ref == 1 test cannot race.
 *
 * Every content has a unique generation number (renewed whenever a clock is
 * changed), so "already joined that clock" is one comparison: a million
 * goroutines woken by one close share its clock, and merging them all into
 * a WaitGroup costs one full join and then their own entries only.
 *
 * Lengths are trimmed to the highest slot that was ever set, so clocks stay
 * as short as the slots a goroutine actually learned about.
 *
 * Short clocks (the common case: a few goroutines talking) are made and
 * dropped on every channel operation; each thread keeps a small stack of
 * them for reuse rather than going through malloc.
 */
#include "race.h"

#include <string.h>

/* Generations are drawn per thread (thread number in the top 24 bits), so a
 * clock change costs no shared atomic. Never 0: that is "no clock". */
static uint64_t next_gen(void)
{
    static _Atomic uint64_t threads;
    static __thread uint64_t next __attribute__((tls_model("initial-exec")));
    static __thread uint64_t end __attribute__((tls_model("initial-exec")));
    if (__builtin_expect(next == end, 0)) {
        uint64_t t =
            atomic_fetch_add_explicit(&threads, 1, memory_order_relaxed) + 1;
        next = t << 40;
        end = next + (1ull << 40);
    }
    return ++next;
}

enum { SMALL_CAP = 16, SMALL_KEEP = 256 };

static __thread struct {
    vclock *top[SMALL_KEEP];
    unsigned n;
} small_free __attribute__((tls_model("initial-exec")));

vclock *vc_new(uint32_t cap)
{
    vclock *vc;
    if (cap <= SMALL_CAP) {
        cap = SMALL_CAP;
        vc = small_free.n ? small_free.top[--small_free.n]
                          : race_alloc(sizeof(vclock) + cap * sizeof(epoch_t));
    } else {
        vc = race_alloc(sizeof(vclock) + cap * sizeof(epoch_t));
    }
    vc->ref = 1;
    vc->len = 0;
    vc->cap = cap;
    vc->gen = next_gen();
    return vc;
}

void vc_unref(vclock *vc)
{
    if (!vc || __atomic_sub_fetch(&vc->ref, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    if (vc->cap == SMALL_CAP && small_free.n < SMALL_KEEP)
        small_free.top[small_free.n++] = vc;
    else
        race_free(vc);
}

vclock *vc_share(vclock *vc)
{
    if (vc)
        __atomic_add_fetch(&vc->ref, 1, __ATOMIC_RELAXED);
    return vc;
}

vclock *vc_own(vclock **vcp, sid_t need_len)
{
    vclock *vc = *vcp;
    bool shared = vc && __atomic_load_n(&vc->ref, __ATOMIC_ACQUIRE) > 1;
    if (vc && !shared && need_len <= vc->cap) {
        vc->gen = next_gen(); /* the caller changes it */
        return vc;
    }
    uint32_t len = vc ? vc->len : 0;
    uint32_t cap = need_len > len ? need_len : len;
    if (vc && !shared)
        cap = cap > 2 * vc->cap ? cap : 2 * vc->cap;
    vclock *n = vc_new(cap);
    n->len = len;
    if (len)
        memcpy(n->e, vc->e, len * sizeof(epoch_t));
    vc_unref(vc);
    *vcp = n;
    return n;
}

static void grow_len(vclock *vc, uint32_t len)
{
    if (len > vc->len) {
        memset(vc->e + vc->len, 0, (len - vc->len) * sizeof(epoch_t));
        vc->len = len;
    }
}

void vc_set(vclock **vcp, sid_t i, epoch_t e)
{
    if (vc_get(*vcp, i) == e)
        return;
    vclock *vc = vc_own(vcp, i + 1);
    grow_len(vc, i + 1);
    vc->e[i] = e;
}

/* Does a[lo, hi) exceed b anywhere? Four entries per step with vector
 * compares: clocks as wide as many live goroutines are compared at every
 * hand-off. */
typedef uint32_t v4u __attribute__((vector_size(16)));

static bool exceeds(const epoch_t *a, const epoch_t *b, uint32_t lo,
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

bool vc_dominated(const vclock *a, const vclock *b, sid_t own)
{
    uint32_t n = a ? a->len : 0, common = b && b->len < n ? b->len : n;
    if (!b)
        common = 0;
    /* Entries of a beyond b's length must be zero (or own). */
    for (uint32_t i = common; i < n; i++)
        if (i != own && a->e[i])
            return false;
    if (own < common) {
        /* own is skipped: compare around it */
        return !exceeds(a->e, b->e, 0, own) &&
               !exceeds(a->e, b->e, own + 1, common);
    }
    return !exceeds(a->e, b->e, 0, common);
}

/* d[i] = max(d[i], s[i]) for i < n, four entries per step. */
static void max_into(epoch_t *d, const epoch_t *s, uint32_t n)
{
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4u x, y;
        memcpy(&x, d + i, sizeof x);
        memcpy(&y, s + i, sizeof y);
        v4u more = (v4u)(y > x);
        x = (x & ~more) | (y & more);
        memcpy(d + i, &x, sizeof x);
    }
    for (; i < n; i++)
        if (s[i] > d[i])
            d[i] = s[i];
}

/* Costs O(len(src)), not O(own): a goroutine on a high slot whose clock is
 * short (a fresh child) merges in constant time. Compares first, so that a
 * join that teaches nothing copies no shared clock. */
bool vc_join(vclock **dst, const vclock *src, sid_t own, epoch_t own_epoch)
{
    uint32_t n = src ? src->len : 0;
    bool own_grows = own != SID_NONE && own_epoch > vc_get(*dst, own);
    if (!own_grows && vc_dominated(src, *dst, SID_NONE))
        return false;
    uint32_t need = own_grows && own + 1 > n ? own + 1 : n;
    vclock *d = vc_own(dst, need);
    grow_len(d, need);
    max_into(d->e, src ? src->e : NULL, n);
    if (own_grows)
        d->e[own] = own_epoch;
    return true;
}

void vc_assign(vclock **dst, const vclock *src, sid_t own, epoch_t own_epoch)
{
    uint32_t n = src ? src->len : 0;
    if (own != SID_NONE && own + 1 > n)
        n = own + 1;
    vclock *d = vc_own(dst, n);
    if (src && src->len)
        memcpy(d->e, src->e, src->len * sizeof(epoch_t));
    if (src && src->len < n)
        memset(d->e + src->len, 0, (n - src->len) * sizeof(epoch_t));
    else if (!src)
        memset(d->e, 0, n * sizeof(epoch_t));
    d->len = n;
    if (own != SID_NONE)
        d->e[own] = own_epoch;
}
