/*
 * Unit tests of the native race detector: vector clocks, shadow cells and
 * their check, options, and every happens-before edge the runtime reports,
 * exercised through the real instrumented runtime with accesses reported
 * straight to the engine (race_access), so each test knows exactly which
 * accesses exist. Check runs every test in its own process, so each one
 * gets a fresh detector and one go_run.
 */
#include <check.h>
#include <gorace.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../../rt/hooks.h"
#include "../race.h"

/* ---- vector clocks ------------------------------------------------------- */

START_TEST(test_vc_join_assign)
{
    vclock *a = NULL, *b = NULL;
    vc_set(&a, 0, 5);
    vc_set(&a, 3, 2);
    ck_assert_uint_eq(vc_get(a, 0), 5);
    ck_assert_uint_eq(vc_get(a, 1), 0);
    ck_assert_uint_eq(vc_get(a, 3), 2);
    ck_assert_uint_eq(vc_get(a, 100), 0);
    vc_set(&b, 1, 9);
    ck_assert(vc_join(&b, a, 7, 4)); /* own entry 7 overrides a */
    ck_assert_uint_eq(vc_get(b, 0), 5);
    ck_assert_uint_eq(vc_get(b, 1), 9);
    ck_assert_uint_eq(vc_get(b, 3), 2);
    ck_assert_uint_eq(vc_get(b, 7), 4);
    ck_assert(!vc_join(&b, a, SID_NONE, 0)); /* nothing new */
    vc_assign(&b, a, SID_NONE, 0);
    ck_assert_uint_eq(vc_get(b, 1), 0);
    ck_assert_uint_eq(vc_get(b, 7), 0);
    ck_assert_uint_eq(vc_get(b, 0), 5);
    vc_unref(a);
    vc_unref(b);
}
END_TEST

START_TEST(test_vc_copy_on_write)
{
    vclock *parent = NULL;
    vc_set(&parent, 2, 10);
    vclock *child = vc_share(parent);
    ck_assert_ptr_eq(child, parent);
    vc_set(&child, 2, 11); /* shared: must copy, parent unchanged */
    ck_assert_ptr_ne(child, parent);
    ck_assert_uint_eq(vc_get(parent, 2), 10);
    ck_assert_uint_eq(vc_get(child, 2), 11);
    vclock *again = child;
    vc_set(&child, 3, 1); /* private now: changed in place */
    ck_assert_ptr_eq(child, again);
    vc_unref(parent);
    vc_unref(child);
}
END_TEST

/* vc_dominated against a plain loop, on clocks long enough for the vector
 * path, with one entry raised at every position, own skipped or not, and b
 * shorter than a. */
static bool dominated_slow(const vclock *a, const vclock *b, sid_t own)
{
    for (uint32_t i = 0; a && i < a->len; i++)
        if (i != own && vc_get(a, i) > vc_get(b, i))
            return false;
    return true;
}

START_TEST(test_vc_dominated)
{
    enum { N = 70 };
    vclock *b = NULL;
    for (sid_t i = 0; i < N; i++)
        vc_set(&b, i, 100 + i);
    ck_assert(vc_dominated(NULL, b, SID_NONE));
    ck_assert(vc_dominated(b, b, SID_NONE));
    sid_t owns[] = {SID_NONE, 0, 5, 16, 63, N - 1, N + 3};
    for (size_t o = 0; o < sizeof owns / sizeof owns[0]; o++)
        for (sid_t pos = 0; pos < N + 5; pos++) {
            vclock *a = NULL;
            for (sid_t i = 0; i < N; i++)
                vc_set(&a, i, 50 + i);
            vc_set(&a, pos, pos < N ? 101 + pos : 1); /* above b there */
            bool want = dominated_slow(a, b, owns[o]);
            ck_assert_int_eq(vc_dominated(a, b, owns[o]), want);
            ck_assert_int_eq(want, pos == owns[o]);
            vc_unref(a);
        }
    vclock *top = NULL; /* epochs with the high bit: unsigned compares */
    vc_set(&top, 20, 0x80000001u);
    ck_assert(!vc_dominated(top, b, SID_NONE));
    ck_assert(vc_dominated(b, top, SID_NONE) ==
              dominated_slow(b, top, SID_NONE));
    vc_unref(top);
    vc_unref(b);
}
END_TEST

/* vc_join on clocks long enough for the vector path, against the
 * definition: every entry the max of both, own raised to its epoch. */
START_TEST(test_vc_join_long)
{
    enum { N = 37 };
    for (int shift = 0; shift < 3; shift++) {
        vclock *a = NULL, *b = NULL;
        for (sid_t i = 0; i < N; i++) {
            vc_set(&a, i, (i * 7 + shift) % 11 + 1);
            if (i < (sid_t)(N - 5 * shift))
                vc_set(&b, i, (i * 5 + 3) % 13 + 1);
        }
        vclock *keep = vc_share(b); /* b is shared: the join must copy */
        ck_assert(vc_join(&b, a, 40, 9));
        ck_assert_ptr_ne(b, keep);
        for (sid_t i = 0; i < N; i++) {
            epoch_t x = vc_get(a, i), y = vc_get(keep, i);
            ck_assert_uint_eq(vc_get(b, i), x > y ? x : y);
        }
        ck_assert_uint_eq(vc_get(b, 40), 9);
        ck_assert(!vc_join(&b, a, 40, 9)); /* nothing new the second time */
        vc_unref(keep);
        vc_unref(a);
        vc_unref(b);
    }
}
END_TEST

/* A join stands on the newer floor generation of its two clocks, whatever
 * their shapes: a flat clock on generation 1 that joined a tree on
 * generation 0 once came out on 0, so a goroutine forgot what its floors
 * stood for (a false race against a goroutine its floors covered). */
START_TEST(test_vc_join_keeps_floor_gen)
{
    static const uint32_t gens[][2] = {{1, 0}, {0, 1}, {2, 2}, {2, 1}};
    for (unsigned g = 0; g < sizeof gens / sizeof *gens; g++)
        for (int shapes = 0; shapes < 4; shapes++) {
            uint32_t fd = gens[g][0], fs = gens[g][1];
            sid_t dlen = shapes & 1 ? FLAT_MAX + 40 : 30;
            sid_t slen = shapes & 2 ? FLAT_MAX + 90 : 50;
            vclock *d = NULL, *s = NULL;
            for (sid_t i = 0; i < dlen; i++)
                vc_set(&d, i, 2 * i + 1);
            for (sid_t i = 0; i < slen; i++)
                vc_set(&s, i, 3 * i + 2);
            vc_raise_fgen(&d, fd);
            vc_raise_fgen(&s, fs);
            vc_join(&d, s, SID_NONE, 0);
            ck_assert_msg(vc_fgen(d) == (fd > fs ? fd : fs),
                          "dst %u (%s) join src %u (%s): generation %u", fd,
                          shapes & 1 ? "tree" : "flat", fs,
                          shapes & 2 ? "tree" : "flat", vc_fgen(d));
            vc_unref(d);
            vc_unref(s);
        }
}
END_TEST

/* vc_dominated remembers, per tree node, the last node found to cover it
 * (clock.c, struct vnode). The memory must not outlive a change in place
 * of either side: a raised entry of the covered clock, or a lowered entry
 * of the covering one, must be seen. */
static vclock *wide_clock(epoch_t add)
{
    vclock *c = NULL;
    for (sid_t i = 0; i < 5000; i++)
        vc_set(&c, i, i + add);
    return c;
}

START_TEST(test_vc_dominated_remembers)
{
    vclock *a = wide_clock(1), *b = wide_clock(2);
    ck_assert(vc_dominated(a, b, SID_NONE));
    ck_assert(vc_dominated(a, b, SID_NONE)); /* from memory */
    vc_set(&a, 1234, 100000);                /* in place: a's own copy */
    ck_assert(!vc_dominated(a, b, SID_NONE));
    ck_assert(vc_dominated(a, b, 1234)); /* but at own */
    vc_unref(a);

    a = wide_clock(1);
    ck_assert(vc_dominated(a, b, SID_NONE));
    vc_set(&b, 4321, 0); /* b lowered in place */
    ck_assert(!vc_dominated(a, b, SID_NONE));
    vc_unref(a);

    /* a shared covered clock: its holder's change copies, the other keeps
     * what it was known to be */
    a = wide_clock(1);
    vclock *a2 = vc_share(a);
    vclock *b2 = wide_clock(2);
    ck_assert(vc_dominated(a, b2, SID_NONE));
    vc_set(&a2, 99, 100000);
    ck_assert(vc_dominated(a, b2, SID_NONE));
    ck_assert(!vc_dominated(a2, b2, SID_NONE));
    vc_unref(a);
    vc_unref(a2);
    vc_unref(b);
    vc_unref(b2);
}
END_TEST

/* A join that teaches nothing is remembered too (node_join notes which
 * subtree covered which), and a covered or covering clock changed in place
 * afterwards must be joined in full again. */
START_TEST(test_vc_join_remembers)
{
    vclock *a = wide_clock(1), *b = wide_clock(2);
    ck_assert(!vc_join(&b, a, SID_NONE, 0));
    ck_assert(!vc_join(&b, a, SID_NONE, 0)); /* from memory */
    vc_set(&a, 1234, 100000);                /* a raised in place */
    ck_assert(vc_join(&b, a, SID_NONE, 0));
    ck_assert_uint_eq(vc_get(b, 1234), 100000);
    ck_assert(!vc_join(&b, a, SID_NONE, 0));
    vc_set(&b, 4321, 0); /* b lowered in place */
    ck_assert(vc_join(&b, a, SID_NONE, 0));
    ck_assert_uint_eq(vc_get(b, 4321), 4321 + 1);
    ck_assert_uint_eq(vc_get(b, 4322), 4322 + 2);
    vc_unref(a);
    vc_unref(b);
}
END_TEST

/* Wide clocks (radix trees past FLAT_MAX, flat below) against a plain
 * array model: random sets, joins with an own entry, assignments, shares
 * and drops over clocks that cross FLAT_MAX both ways and share nodes, with
 * every entry and vc_dominated checked after each step. */
enum { MODEL_W = 5000, MODEL_CLOCKS = 6 }; /* depths 3 and 4 */
static epoch_t model[MODEL_CLOCKS][MODEL_W];

static uint32_t model_rand(void)
{
    static uint64_t x = 88172645463325252ull;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return (uint32_t)x;
}

static sid_t model_index(void)
{
    /* mostly low entries, so that joins of flat and wide clocks happen */
    return model_rand() % 4 ? model_rand() % FLAT_MAX : model_rand() % MODEL_W;
}

static uint32_t model_depth; /* the deepest tree seen */

static void model_check(vclock *const *c)
{
    /* Check's ck_assert logs every pass: compare first, assert on failure */
    for (int k = 0; k < MODEL_CLOCKS; k++)
        for (sid_t i = 0; i < MODEL_W + 5; i++) {
            epoch_t want = i < MODEL_W ? model[k][i] : 0;
            if (c[k] && c[k]->depth > model_depth)
                model_depth = c[k]->depth;
            if (vc_get(c[k], i) != want)
                ck_abort_msg("clock %d entry %u: %u, want %u", k, i,
                             vc_get(c[k], i), want);
        }
    int a = model_rand() % MODEL_CLOCKS, b = model_rand() % MODEL_CLOCKS;
    sid_t own = model_rand() % 2 ? SID_NONE : model_index();
    ck_assert_int_eq(vc_dominated(c[a], c[b], own),
                     dominated_slow(c[a], c[b], own));
}

START_TEST(test_vc_tree_model)
{
    vclock *c[MODEL_CLOCKS] = {0};
    vclock *kept[MODEL_CLOCKS] = {0}; /* shared references, dropped later */
    memset(model, 0, sizeof model);
    for (int step = 0; step < 6000; step++) {
        int a = model_rand() % MODEL_CLOCKS, b = model_rand() % MODEL_CLOCKS;
        switch (model_rand() % 6) {
        case 0:
        case 1: { /* set, a few entries */
            for (int n = model_rand() % 8; n >= 0; n--) {
                sid_t i = model_index();
                epoch_t e = model[a][i] + 1 + model_rand() % 3;
                vc_set(&c[a], i, e);
                model[a][i] = e;
            }
            break;
        }
        case 2: { /* join b into a, with an own entry */
            sid_t own = model_rand() % 2 ? SID_NONE : model_index();
            epoch_t oe = model[a][own < MODEL_W ? own : 0] + 1;
            bool grows = false;
            for (sid_t i = 0; i < MODEL_W; i++) {
                epoch_t want =
                    model[b][i] > model[a][i] ? model[b][i] : model[a][i];
                if (i == own)
                    want = oe > model[a][i] ? oe : model[a][i];
                grows |= want != model[a][i];
                model[a][i] = want;
            }
            ck_assert_int_eq(vc_join(&c[a], c[b], own, oe), grows);
            break;
        }
        case 3: { /* a = b + own */
            sid_t own = model_rand() % 2 ? SID_NONE : model_index();
            epoch_t oe = 7 + model_rand() % 5;
            vc_assign(&c[a], c[b], own, oe);
            memcpy(model[a], model[b], sizeof model[a]);
            if (own != SID_NONE)
                model[a][own] = oe;
            break;
        }
        case 4: /* keep a shared reference: writes must now copy */
            vc_unref(kept[a]);
            kept[a] = vc_share(c[a]);
            break;
        case 5: /* drop a clock, or a kept reference */
            if (model_rand() % 4 == 0) {
                vc_unref(c[a]);
                c[a] = NULL;
                memset(model[a], 0, sizeof model[a]);
            } else {
                vc_unref(kept[b]);
                kept[b] = NULL;
            }
            break;
        }
        if (step % 16 == 0 || step > 5900)
            model_check(c);
    }
    for (int k = 0; k < MODEL_CLOCKS; k++) {
        vc_unref(c[k]);
        vc_unref(kept[k]);
    }
    ck_assert_int_eq(vc_nodes_live(), 0); /* every node freed */
    ck_assert_uint_eq(model_depth, 4);    /* flat, then trees deepened */
}
END_TEST

/* ---- shadow cells -------------------------------------------------------- */

START_TEST(test_shadow_encoding)
{
    shadow_t s = shadow_make(MAX_SLOTS - 1, 0xfffffffe, 0xf0, true, true);
    ck_assert_uint_eq(shadow_sid(s), MAX_SLOTS - 1);
    ck_assert_uint_eq(shadow_epoch(s), 0xfffffffe);
    ck_assert_uint_eq(shadow_mask(s), 0xf0);
    ck_assert(shadow_write(s));
    ck_assert(shadow_atomic(s));
    s = shadow_make(3, 1, 0x01, false, false);
    ck_assert_uint_eq(shadow_sid(s), 3);
    ck_assert(!shadow_write(s) && !shadow_atomic(s));
    ck_assert_uint_ne(s, 0);
}
END_TEST

START_TEST(test_shadow_check_rules)
{
    _Atomic shadow_t cells[SHADOW_CELLS] = {0};
    vclock *knows_nothing = NULL, *knows_1_at_5 = NULL;
    vc_set(&knows_1_at_5, 1, 5);
    static const pendset none, pend_1_at_5 = {2, {7, 1}, {3, 5}},
                               pend_1_at_4 = {2, {1, 7}, {4, 3}};
    accessor g1 = {1, 5, NULL, SID_NONE, 0, &none},
             g2 = {2, 1, knows_nothing, SID_NONE, 0, &none},
             g2hb = {2, 1, knows_1_at_5, SID_NONE, 0, &none},
             g2pin = {2, 1, NULL, 1, 5, &none},
             g2pin_old = {2, 1, NULL, 1, 4, &none},
             g2pend = {2, 1, NULL, SID_NONE, 0, &pend_1_at_5},
             g2pend_old = {2, 1, NULL, SID_NONE, 0, &pend_1_at_4};

    shadow_t w1 = shadow_make(1, 5, 0x0f, true, false);
    ck_assert_uint_eq(shadow_check(cells, &g1, w1), 0);
    /* disjoint bytes never race */
    ck_assert_uint_eq(
        shadow_check(cells, &g2, shadow_make(2, 1, 0xf0, true, false)), 0);
    /* overlapping, unordered: race, and the earlier write is named */
    ck_assert_uint_eq(
        shadow_check(cells, &g2, shadow_make(2, 1, 0x01, false, false)), w1);
    /* ordered by the clock: no race */
    ck_assert_uint_eq(
        shadow_check(cells, &g2hb, shadow_make(2, 1, 0x01, true, false)), 0);
    /* ordered by the pin (the parent's entry at the spawn), not before */
    _Atomic shadow_t p1[SHADOW_CELLS] = {w1}, p2[SHADOW_CELLS] = {w1};
    ck_assert_uint_eq(
        shadow_check(p1, &g2pin, shadow_make(2, 1, 0x01, true, false)), 0);
    ck_assert_uint_eq(
        shadow_check(p2, &g2pin_old, shadow_make(2, 1, 0x01, true, false)), w1);
    /* ordered by a pending entry of a hand-off, not before */
    _Atomic shadow_t q1[SHADOW_CELLS] = {w1}, q2[SHADOW_CELLS] = {w1};
    ck_assert_uint_eq(
        shadow_check(q1, &g2pend, shadow_make(2, 1, 0x01, true, false)), 0);
    ck_assert_uint_eq(
        shadow_check(q2, &g2pend_old, shadow_make(2, 1, 0x01, true, false)),
        w1);

    /* two reads never race; a later write races with both */
    _Atomic shadow_t c2[SHADOW_CELLS] = {0};
    accessor g3 = {3, 1, NULL, SID_NONE, 0, &none};
    ck_assert_uint_eq(
        shadow_check(c2, &g1, shadow_make(1, 5, 0xff, false, false)), 0);
    ck_assert_uint_eq(
        shadow_check(c2, &g2, shadow_make(2, 1, 0xff, false, false)), 0);
    ck_assert_uint_ne(
        shadow_check(c2, &g3, shadow_make(3, 1, 0x10, true, false)), 0);

    /* two atomics never race; atomic vs plain does */
    _Atomic shadow_t c3[SHADOW_CELLS] = {0};
    ck_assert_uint_eq(
        shadow_check(c3, &g1, shadow_make(1, 5, 0xff, true, true)), 0);
    ck_assert_uint_eq(
        shadow_check(c3, &g2, shadow_make(2, 1, 0xff, true, true)), 0);
    ck_assert_uint_ne(
        shadow_check(c3, &g3, shadow_make(3, 1, 0xff, false, false)), 0);

    /* A byte loop of one goroutine in one epoch keeps another goroutine's
     * earlier write to the same word (TestRaceSliceCopyWrite3: a[7] by the
     * child, then main's a[0..7]): its cells widen, none is evicted. */
    for (epoch_t ep = 5; ep < 69; ep++) { /* eviction would vary with it */
        _Atomic shadow_t cw[SHADOW_CELLS] = {0};
        accessor g1e = {1, ep, NULL, SID_NONE, 0, &none};
        shadow_t child = shadow_make(2, 1, 0x80, true, false);
        ck_assert_uint_eq(shadow_check(cw, &g2, child), 0);
        for (int b = 0; b < 7; b++)
            ck_assert_uint_eq(
                shadow_check(cw, &g1e,
                             shadow_make(1, ep, 1u << b, true, false)),
                0);
        ck_assert_uint_eq(
            shadow_check(cw, &g1e, shadow_make(1, ep, 0x80, true, false)),
            child);
    }

    /* the same goroutine never races with itself */
    _Atomic shadow_t c4[SHADOW_CELLS] = {0};
    ck_assert_uint_eq(
        shadow_check(c4, &g1, shadow_make(1, 2, 0xff, true, false)), 0);
    ck_assert_uint_eq(
        shadow_check(c4, &g1, shadow_make(1, 5, 0xff, false, false)), 0);
    vc_unref(knows_1_at_5);
}
END_TEST

START_TEST(test_shadow_mapping)
{
    static long global;
    long *heap = malloc(64);
    ck_assert(shadow_covers((uintptr_t)&global));
    ck_assert(shadow_covers((uintptr_t)heap));
    ck_assert_ptr_ne(shadow_for((uintptr_t)&global),
                     shadow_for((uintptr_t)heap));
    /* one word, one set of cells; the next word, the next set */
    ck_assert_ptr_eq(shadow_for((uintptr_t)heap),
                     shadow_for((uintptr_t)heap + 7));
    ck_assert_ptr_eq(shadow_for((uintptr_t)heap) + SHADOW_CELLS,
                     shadow_for((uintptr_t)heap + 8));
    free(heap);
}
END_TEST

/* ---- options ------------------------------------------------------------- */

/* ---- the detector's memory (alloc.c) ------------------------------------- */

static int by_address(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* Blocks of every size, live together: aligned, disjoint, and each keeps
 * what was written into it. */
START_TEST(test_alloc_disjoint)
{
    enum { N = 1200 };
    static uintptr_t blk[N][2];
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)i + 1;
        unsigned char *p = race_alloc(n);
        ck_assert_uint_eq((uintptr_t)p % 16, 0);
        memset(p, i & 0xff, n);
        blk[i][0] = (uintptr_t)p;
        blk[i][1] = n;
    }
    for (int i = 0; i < N; i++)
        for (size_t k = 0; k < blk[i][1]; k++)
            ck_assert_uint_eq(((unsigned char *)blk[i][0])[k], i & 0xff);
    qsort(blk, N, sizeof blk[0], by_address);
    for (int i = 1; i < N; i++)
        ck_assert_uint_le(blk[i - 1][0] + blk[i - 1][1], blk[i][0]);
    for (int i = 0; i < N; i++)
        race_free((void *)blk[i][0]);
}
END_TEST

static void *alloc_batch(void *arg)
{
    void **v = arg;
    for (int i = 0; i < 1000; i++)
        v[i] = race_alloc(64);
    return NULL;
}

/* Freed blocks come back, whichever thread freed them (through the central
 * list once a thread's own list is full), and race_calloc zeroes a block
 * that was used. */
START_TEST(test_alloc_reuse)
{
    static void *a[1000], *b[1000];
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, alloc_batch, a), 0);
    pthread_join(t, NULL);
    for (int i = 0; i < 1000; i++) {
        memset(a[i], 0xab, 64);
        race_free(a[i]);
    }
    for (int i = 0; i < 1000; i++)
        b[i] = race_calloc(64);
    qsort(a, 1000, sizeof *a, by_address);
    qsort(b, 1000, sizeof *b, by_address);
    for (int i = 0; i < 1000; i++) {
        ck_assert_ptr_eq(a[i], b[i]);
        for (int k = 0; k < 64; k++)
            ck_assert_uint_eq(((unsigned char *)b[i])[k], 0);
    }
    for (int i = 0; i < 1000; i++)
        race_free(b[i]);
    void *big = race_calloc(100000); /* glibc's, freed by the same call */
    ck_assert_ptr_nonnull(big);
    race_free(big);
}
END_TEST

START_TEST(test_options)
{
    race_options saved = race_opts;
    char err[256] = "";
    char s[] = "log_path=/tmp/x exitcode=3,halt_on_error=1 "
               "strip_path_prefix=/a/ history_size=4 atexit_sleep_ms=0";
    ck_assert(rt_options_parse(s, race_option_table, race_option_count, err,
                               sizeof err));
    ck_assert_str_eq(race_opts.log_path, "/tmp/x");
    ck_assert_int_eq(race_opts.exitcode, 3);
    ck_assert(race_opts.halt_on_error);
    ck_assert_str_eq(race_opts.strip_path_prefix, "/a/");
    ck_assert_int_eq(race_opts.history_size, 4);
    ck_assert_int_eq(race_opts.atexit_sleep_ms, 0);
    char bogus[] = "bogus=1", hist[] = "history_size=9", bare[] = "exitcode";
    char halt[] = "halt_on_error=banana";
    ck_assert(!rt_options_parse(bogus, race_option_table, race_option_count,
                                err, sizeof err));
    ck_assert_str_eq(err, "gorace: GORACE: bogus: unknown option");
    ck_assert(!rt_options_parse(hist, race_option_table, race_option_count, err,
                                sizeof err));
    ck_assert_str_eq(err, "gorace: GORACE: history_size: want an integer "
                          "from 0 to 7, got \"9\"");
    ck_assert(!rt_options_parse(bare, race_option_table, race_option_count, err,
                                sizeof err));
    ck_assert_str_eq(err, "gorace: GORACE: exitcode: want name=value");
    ck_assert(!rt_options_parse(halt, race_option_table, race_option_count, err,
                                sizeof err));
    ck_assert_str_eq(err, "gorace: GORACE: halt_on_error: want 1 or 0 (true "
                          "or false), got \"banana\"");
    race_opts = saved;
}
END_TEST

/* ---- happens-before edges through the runtime -----------------------------
 */

/* Accesses as the instrumented code would report them. */
static void wr(void *p)
{
    race_access(race_cur(), (uintptr_t)p, sizeof(int), true, false,
                (uintptr_t)__builtin_return_address(0));
}
static void rd(void *p)
{
    race_access(race_cur(), (uintptr_t)p, sizeof(int), false, false,
                (uintptr_t)__builtin_return_address(0));
}

int __tsan_atomic32_load(const volatile int *a, int mo);
void __tsan_atomic32_store(volatile int *a, int v, int mo);

static int shared_x;
static go_wg wg;
static go_mutex mu;
static go_rwmutex rw;
static go_once once;
static go_chan *ch;
static go_ctx *ctx;

/* main_fn returns this (not 0) so a found race does not end the process. */
enum { DONE = 7 };

/* Set when the child's body has run: a test that wants a race waits for
 * it, or a child not yet scheduled when main returns (a loaded machine)
 * would never make its access. The flag is not seen by the detector
 * (this file is not instrumented), so it orders nothing. */
static int child_ran;

static void await_child(void)
{
    while (!__atomic_load_n(&child_ran, __ATOMIC_ACQUIRE))
        go_sleep(100000);
}

static int run(int (*fn)(int, char **))
{
    child_ran = 0;
    race_opts.atexit_sleep_ms = 0;
    static char *argv[] = {"t", NULL};
    return go_run(fn, 1, argv);
}

#define EDGE_TEST(name, body_child, body_main, want_races)                     \
    static void name##_child(void *arg)                                        \
    {                                                                          \
        (void)arg;                                                             \
        body_child;                                                            \
        __atomic_store_n(&child_ran, 1, __ATOMIC_RELEASE);                     \
    }                                                                          \
    static int name##_main(int argc, char **argv)                              \
    {                                                                          \
        (void)argc, (void)argv;                                                \
        body_main;                                                             \
        return DONE;                                                           \
    }                                                                          \
    START_TEST(test_##name)                                                    \
    {                                                                          \
        ck_assert_int_eq(run(name##_main), DONE);                              \
        ck_assert_int_eq(race_count(), want_races);                            \
    }                                                                          \
    END_TEST

/* no edge at all: a race whatever the schedule */
EDGE_TEST(no_edge, wr(&shared_x), GO(no_edge_child, NULL); await_child();
          rd(&shared_x), 1)
/* goroutine creation */
EDGE_TEST(create, rd(&shared_x), wr(&shared_x); GO(create_child, NULL);
          go_sleep(2000000), 0)
/* unbuffered send before the receive completes */
EDGE_TEST(unbuffered_send, wr(&shared_x);
          go_chan_send(ch, NULL), ch = go_chan_make(0, 0);
          GO(unbuffered_send_child, NULL); go_chan_recv(ch, NULL);
          rd(&shared_x), 0)
/* unbuffered receive before the send completes */
EDGE_TEST(unbuffered_recv, wr(&shared_x);
          go_chan_recv(ch, NULL), ch = go_chan_make(0, 0);
          GO(unbuffered_recv_child, NULL); go_chan_send(ch, NULL);
          rd(&shared_x), 0)
/* buffered: send before receive */
EDGE_TEST(buffered_send, wr(&shared_x);
          go_chan_send(ch, &(int){1}), ch = go_chan_make(sizeof(int), 2);
          GO(buffered_send_child, NULL); go_chan_recv(ch, &(int){0});
          rd(&shared_x), 0)
/* capacity C: the k-th receive before the (k+C)-th send completes */
EDGE_TEST(buffered_slot, wr(&shared_x); go_chan_recv(ch, &(int){0});
          go_chan_recv(ch, &(int){0}), ch = go_chan_make(sizeof(int), 1);
          go_chan_send(ch, &(int){1}); GO(buffered_slot_child, NULL);
          go_chan_send(ch, &(int){2}); /* completes after receive 1 */
          rd(&shared_x), 0)
/* ... and a write after that receive is not covered */
EDGE_TEST(buffered_slot_after, go_chan_recv(ch, &(int){0}); wr(&shared_x);
          go_chan_recv(ch, &(int){0}), ch = go_chan_make(sizeof(int), 1);
          go_chan_send(ch, &(int){1}); GO(buffered_slot_after_child, NULL);
          go_chan_send(ch, &(int){2}); await_child(); rd(&shared_x), 1)
/* close before a receive that returns because of it */
EDGE_TEST(close, wr(&shared_x); go_chan_close(ch), ch = go_chan_make(0, 0);
          GO(close_child, NULL); go_chan_recv(ch, NULL); rd(&shared_x), 0)
/* Mutex unlock before the next lock */
EDGE_TEST(mutex, go_mutex_lock(&mu); wr(&shared_x);
          go_mutex_unlock(&mu), GO(mutex_child, NULL); go_sleep(2000000);
          go_mutex_lock(&mu); rd(&shared_x); go_mutex_unlock(&mu), 0)
/* RWMutex: Unlock before RLock */
EDGE_TEST(rw_unlock_rlock, go_rwmutex_lock(&rw); wr(&shared_x);
          go_rwmutex_unlock(&rw), GO(rw_unlock_rlock_child, NULL);
          go_sleep(2000000); go_rwmutex_rlock(&rw); rd(&shared_x);
          go_rwmutex_runlock(&rw), 0)
/* RWMutex: RUnlock before Lock */
EDGE_TEST(rw_runlock_lock, go_rwmutex_rlock(&rw); rd(&shared_x);
          go_rwmutex_runlock(&rw), GO(rw_runlock_lock_child, NULL);
          go_sleep(2000000); go_rwmutex_lock(&rw); wr(&shared_x);
          go_rwmutex_unlock(&rw), 0)
/* two readers order nothing between them */
EDGE_TEST(rw_readers, go_rwmutex_rlock(&rw); wr(&shared_x);
          go_rwmutex_runlock(&rw), go_rwmutex_rlock(&rw);
          GO(rw_readers_child, NULL); await_child(); rd(&shared_x);
          go_rwmutex_runlock(&rw), 1)
/* WaitGroup Done before Wait returns */
EDGE_TEST(waitgroup, wr(&shared_x); go_wg_done(&wg), go_wg_add(&wg, 1);
          GO(waitgroup_child, NULL); go_wg_wait(&wg); rd(&shared_x), 0)

static void once_fn(void *arg)
{
    (void)arg;
    wr(&shared_x);
}
/* Once's function before any Do returns */
EDGE_TEST(once, go_once_do(&once, once_fn, NULL);
          go_wg_done(&wg), go_wg_add(&wg, 1); GO(once_child, NULL);
          go_sleep(1000000); go_once_do(&once, once_fn, NULL); rd(&shared_x);
          go_wg_wait(&wg), 0)
/* context cancel before Done receivers */
EDGE_TEST(ctx_cancel, wr(&shared_x);
          go_cancel(ctx), ctx = go_with_cancel(go_background());
          GO(ctx_cancel_child, NULL); go_chan_recv(go_ctx_done(ctx), NULL);
          rd(&shared_x), 0)
/* A freed context leaves no history at its address: an object allocated
 * there later (an acquire on the address, here) learns nothing of the
 * cancel, so the child's write is still a race. */
static uintptr_t freed_ctx;
EDGE_TEST(ctx_freed_forgets, wr(&shared_x);
          go_cancel(ctx), ctx = go_with_cancel(go_background());
          freed_ctx = (uintptr_t)ctx; GO(ctx_freed_forgets_child, NULL);
          await_child(); go_ctx_free(ctx); race_acquire(race_cur(), freed_ctx);
          rd(&shared_x), 1)

/* A goroutine's remembered sync object (race.c, sync_hint) does not
 * outlive it: main uses the object at `hint_addr`, the address is
 * forgotten (its memory freed), the child releases on it after a write,
 * and main's acquire there must find the child's new object, not the
 * freed one (whose memory blocks taken at once now hold). */
static uintptr_t hint_addr;
static int64_t hint_word; /* only its address is used */
static void *hint_blocks[16];
/* Blocks of a sync object's size and about (race.c), taken right after it
 * was freed so that its memory holds something else. */
static void take_blocks(void)
{
    for (int i = 0; i < 16; i++)
        hint_blocks[i] = race_calloc(48 + 4 * (i % 8));
}
static void give_blocks(void)
{
    for (int i = 0; i < 16; i++)
        race_free(hint_blocks[i]);
}
EDGE_TEST(sync_hint_forgotten, wr(&shared_x);
          race_call_release((void *)hint_addr),
          hint_addr = (uintptr_t)&hint_word;
          race_call_release((void *)hint_addr); race_sync_forget(hint_addr);
          take_blocks(); GO(sync_hint_forgotten_child, NULL); await_child();
          race_call_acquire((void *)hint_addr); rd(&shared_x); give_blocks(), 0)

static atomic_int flag;
/* release store / acquire load */
EDGE_TEST(atomic_acq_rel, wr(&shared_x);
          __tsan_atomic32_store((int *)&flag, 1, 3 /* release */),
          GO(atomic_acq_rel_child, NULL);
          while (!__tsan_atomic32_load((int *)&flag, 2 /* acquire */))
              go_yield();
          rd(&shared_x), 0)
/* relaxed orders create no edge */
EDGE_TEST(atomic_relaxed, wr(&shared_x);
          __tsan_atomic32_store((int *)&flag, 1, 0),
          GO(atomic_relaxed_child, NULL);
          while (!__tsan_atomic32_load((int *)&flag, 0)) go_yield();
          rd(&shared_x), 1)

/* ---- floors (race.c, "Floors") -------------------------------------------
 * After a wave of goroutines that main joined, a spawn raises the floors of
 * their slots and compacts the clocks: main's clock turns flat and short,
 * the next goroutine takes a small slot, what main joined is no race, and
 * what nobody joined (a stray goroutine, and one in a floored slot after
 * the pass) still is. */
enum { WAVE = 2000 };
static int cells[WAVE];
static int64_t stray_x, late_x; /* words apart: a report is per word */
static sid_t cell_sid[WAVE], stray_sid, late_sid, reader_sid;
static struct {
    uint32_t len, depth;
    epoch_t floor_joined, floor_stray, floor_late;
} seen;

static void stray(void *arg)
{
    (void)arg;
    stray_sid = race_cur()->sid;
    wr(&stray_x);
}

static void wave_member(void *arg)
{
    intptr_t i = (intptr_t)arg;
    cell_sid[i] = race_cur()->sid;
    wr(&cells[i]);
    go_wg_done(&wg);
}

static void wave_reader(void *arg)
{
    (void)arg;
    reader_sid = race_cur()->sid;
    for (int i = 0; i < WAVE; i++)
        rd(&cells[i]);
    go_wg_done(&wg);
}

static void late_writer(void *arg)
{
    (void)arg;
    late_sid = race_cur()->sid;
    wr(&late_x);
}

/* A wave that main joins, then a spawn, at which the pass runs; records
 * main's clock and the floor of the wave's first slot. */
static void wave_then_pass(void)
{
    go_wg_add(&wg, WAVE);
    for (intptr_t i = 0; i < WAVE; i++)
        GO(wave_member, (void *)i);
    go_wg_wait(&wg);
    go_wg_add(&wg, 1);
    GO(wave_reader, NULL); /* the pass runs at this spawn */
    go_wg_wait(&wg);
    const vclock *vc = race_cur()->vc;
    seen.len = vc ? vc->len : 0;
    seen.depth = vc ? vc->depth : 0;
    seen.floor_joined = race_floor(cell_sid[0]).epoch;
}

static int floors_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(stray, NULL);
    go_sleep(5000000); /* it ends; a sleep orders nothing */
    wave_then_pass();
    seen.floor_stray = race_floor(stray_sid).epoch;
    rd(&stray_x); /* race 1 */
    GO(late_writer, NULL);
    go_sleep(5000000);
    seen.floor_late = race_floor(late_sid).epoch;
    /* race 2: late_sid's floor predates its write. Another pc than race
     * 1's, which the report would take for the same race (both rd()s may
     * be inlined, with one return address). */
    race_access(race_cur(), (uintptr_t)&late_x, sizeof late_x, false, false,
                (uintptr_t)late_writer);
    return DONE;
}

/* A long-lived goroutine that joined none of the wave (a logger, a ticker
 * loop) neither blocks the floors nor seems to know them: main's clock
 * still turns flat and short, while the loner stays on generation 0, and
 * its read of what a wave member wrote, which nothing ordered, is a race.
 * It waits on a flag the detector does not see, so the wait orders
 * nothing. */
static int loner_go;
static uint32_t loner_fgen = UINT32_MAX;
static go_wg loner_wg;

static void loner(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&loner_go, __ATOMIC_ACQUIRE))
        go_sleep(100000);
    loner_fgen = vc_fgen(race_cur()->vc);
    rd(&cells[0]);
    go_wg_done(&loner_wg);
}

static int floors_loner_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&loner_wg, 1);
    GO(loner, NULL);
    wave_then_pass();
    __atomic_store_n(&loner_go, 1, __ATOMIC_RELEASE);
    go_wg_wait(&loner_wg);
    return DONE;
}

/* Rounds as in a benchmark that cancels a context each round: members
 * check in on `parked`, wait for the cancel, write, and check out on
 * `exited`. `parked` never learns a member's end, so a pass leaves it on
 * an older generation. The members' check-ins then merge into it a clock
 * it had merged before the pass lifted that clock in place, and main's
 * wait on it is covered by what main knows: neither joins, and both must
 * still stand on the newer generation, or main falls onto an older one
 * and no later pass (each lifts only clocks on the generation just before
 * it) ever makes its clock short again (MacroPool100k after Cancel10k:
 * 3x slower, once). */
enum { ROUNDS = 3 };
static go_wg parked, exited;
static go_ctx *round_ctx;
static uint32_t rounds_fgen;

static void round_member(void *arg)
{
    intptr_t i = (intptr_t)arg;
    go_wg_done(&parked);
    go_chan_recv(go_ctx_done(round_ctx), NULL);
    wr(&cells[i]);
    go_wg_done(&exited);
}

static int floors_rounds_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int r = 0; r < ROUNDS; r++) {
        round_ctx = go_with_cancel(go_background());
        go_wg_add(&parked, WAVE);
        go_wg_add(&exited, WAVE);
        for (intptr_t i = 0; i < WAVE; i++)
            GO(round_member, (void *)i); /* a pass at the first, from r 1 */
        go_wg_wait(&parked);
        go_cancel(round_ctx);
        go_wg_wait(&exited);
        for (int i = 0; i < WAVE; i++)
            rd(&cells[i]);
        go_ctx_free(round_ctx);
    }
    go_wg_add(&wg, 1);
    GO(wave_reader, NULL); /* the last pass */
    go_wg_wait(&wg);
    const vclock *vc = race_cur()->vc;
    rounds_fgen = vc_fgen(vc);
    seen.len = vc ? vc->len : 0;
    seen.depth = vc ? vc->depth : 0;
    return DONE;
}

START_TEST(test_floors_rounds)
{
    go_maxprocs(1);
    ck_assert_int_eq(run(floors_rounds_main), DONE);
    ck_assert_uint_ge(rounds_fgen, ROUNDS); /* a pass after every round */
    ck_assert_uint_eq(seen.depth, 0);
    ck_assert_uint_lt(seen.len, 16);
    ck_assert_int_eq(race_count(), 0);
}
END_TEST

START_TEST(test_floors_loner)
{
    go_maxprocs(1);
    ck_assert_int_eq(run(floors_loner_main), DONE);
    ck_assert_uint_gt(seen.floor_joined, 0);
    ck_assert_uint_eq(seen.depth, 0);
    ck_assert_uint_lt(seen.len, 16);
    ck_assert_uint_eq(loner_fgen, 0);
    ck_assert_int_eq(race_count(), 1);
}
END_TEST

START_TEST(test_floors)
{
    go_maxprocs(1); /* a pass needs a solo section */
    ck_assert_int_eq(run(floors_main), DONE);
    ck_assert_uint_gt(seen.floor_joined, 0);
    ck_assert_uint_eq(seen.floor_stray, 0);
    ck_assert_uint_eq(seen.depth, 0);
    ck_assert_uint_lt(seen.len, 16);
    ck_assert_uint_lt(reader_sid, 16);
    ck_assert_uint_gt(seen.floor_late, 0); /* it took a floored slot */
    ck_assert_int_eq(race_count(), 2);
}
END_TEST

/* ---- one thread at a time: rt_hook_parallel ------------------------------
 * The detector works without locked instructions (solo sections) while
 * the count is zero, so every way a second thread starts running user
 * code or hooks must raise it first, and every end must lower it again. */

static int32_t parallel(void)
{
    return __atomic_load_n(&rt_hook_parallel, __ATOMIC_SEQ_CST);
}

/* Polls for up to 2s of real time: an M that ran goroutines uncounts
 * itself only once it has slept its grace (rt/sched.c m_sleep), and an M
 * that fired the timer of main's sleep without a P may still count itself
 * when main runs again. */
static bool parallel_settles_at(int32_t want)
{
    for (int i = 0; i < 2000 && parallel() != want; i++)
        go_sleep(1000000);
    return parallel() == want;
}

static volatile int hog_stop, observed = -2;

/* Runs on the M that took main's P while main is in a system call. */
static void observer(void *arg)
{
    (void)arg;
    __atomic_store_n(&observed, parallel(), __ATOMIC_SEQ_CST);
}

/* Reaches no scheduling point (this file is not instrumented): only
 * sysmon's retake lets main run again at GOMAXPROCS 1. */
static void hog(void *arg)
{
    while (!hog_stop)
        ;
    go_wg_done(arg);
}

static int parallel_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    ck_assert_int_eq(parallel(), 0); /* GOMAXPROCS 1 */
    go_syscall_enter();              /* alone: still the one thread */
    ck_assert_int_eq(parallel(), 0);
    go_syscall_exit();
    ck_assert_int_eq(parallel(), 0);

    /* In a system call with a goroutine to run: the P goes to another M,
     * which counts itself before the goroutine runs. */
    GO(observer, NULL);
    go_syscall_enter();
    while (__atomic_load_n(&observed, __ATOMIC_SEQ_CST) == -2)
        sched_yield();
    ck_assert_int_eq(observed, 1);
    go_syscall_exit();
    ck_assert(parallel_settles_at(0)); /* that M slept again */

    race_thread_new(0); /* a pthread the program starts ... */
    ck_assert_int_eq(parallel(), 1);
    race_thread_unborn(); /* ... whose pthread_create failed */
    ck_assert_int_eq(parallel(), 0);

    go_maxprocs(3); /* idle Ps do not count */
    ck_assert_int_eq(parallel(), 0);
    go_maxprocs(1);
    ck_assert_int_eq(parallel(), 0);

    /* sysmon takes the P from a goroutine that never yields; it keeps
     * running on its M beside main until it rejoins. */
    go_wg wg = {0};
    go_wg_add(&wg, 1);
    GO(hog, &wg);
    go_sleep(1000000); /* the hog runs; main is back only by a retake */
    ck_assert(parallel_settles_at(1));
    hog_stop = 1;
    go_wg_wait(&wg);
    ck_assert(parallel_settles_at(0));
    return DONE;
}

START_TEST(test_parallel_count)
{
    go_maxprocs(1);
    ck_assert_int_eq(run(parallel_main), DONE);
}
END_TEST

/* Solo sections (race.h): a goroutine alone opens one, and a thread the
 * runtime does not count (a timer-firing M without a P, a foreign thread)
 * may run hooks only once it has counted itself and no section is open. */
static volatile int guest_entered, guest_mode;

static void *guest_thread(void *arg)
{
    (void)arg;
    rt_hook_parallel_enter(); /* waits for main's section to close */
    __atomic_store_n(&guest_entered, 1, __ATOMIC_SEQ_CST);
    rt_hook_parallel_leave();
    int mode = hook_begin(); /* not an M: a guest for the hook's length */
    guest_mode = mode;
    __atomic_store_n(&guest_entered, parallel() >= 1 ? 2 : -1,
                     __ATOMIC_SEQ_CST);
    hook_end(mode);
    return NULL;
}

static volatile int busy_stop;

static void busy(void *arg)
{
    while (!busy_stop)
        ;
    go_wg_done(arg);
}

static int solo_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    ck_assert_int_eq(parallel(), 0); /* GOMAXPROCS 1 */
    ck_assert(solo_begin());
    ck_assert(race_solo);
    ck_assert_uint_ge(*rt_hook_pin_word(), RT_PIN_SOLO);
    ck_assert(!solo_begin()); /* nested: the outer one stays open */
    ck_assert_int_eq(hook_begin(), HOOK_PLAIN);

    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, guest_thread, NULL), 0);
    int64_t until = go_now() + 50 * GO_MILLISECOND;
    while (go_now() < until) /* no yield: the section stays open */
        ck_assert_int_eq(__atomic_load_n(&guest_entered, __ATOMIC_SEQ_CST), 0);
    ck_assert_int_ge(parallel(), 1); /* counted before it waits (a second
                                        M may count itself a moment) */
    solo_end(true);
    ck_assert(!race_solo);
    ck_assert_uint_lt(*rt_hook_pin_word(), RT_PIN_SOLO);
    while (__atomic_load_n(&guest_entered, __ATOMIC_SEQ_CST) == 1)
        go_sleep(GO_MILLISECOND);
    pthread_join(t, NULL);
    ck_assert_int_eq(guest_entered, 2);
    ck_assert_int_eq(guest_mode, HOOK_GUEST);
    ck_assert(parallel_settles_at(0));

    /* An M that is not counted (it fires timers, readies what the poller
     * found) runs a hook as a guest, counted for its length. */
    uint32_t *pins = rt_hook_pin_word();
    *pins |= RT_PIN_IDLE;
    ck_assert(!solo_begin());
    int mode = hook_begin();
    ck_assert_int_eq(mode, HOOK_GUEST);
    ck_assert_int_eq(parallel(), 1);
    hook_end(mode);
    *pins &= ~RT_PIN_IDLE;
    ck_assert_int_eq(parallel(), 0);

    /* A second M running a goroutine: not alone, no section. */
    go_maxprocs(2);
    go_wg wg = {0};
    go_wg_add(&wg, 1);
    GO(busy, &wg);
    ck_assert(parallel_settles_at(1));
    ck_assert(!solo_begin());
    ck_assert(!race_solo);
    busy_stop = 1;
    go_wg_wait(&wg);
    ck_assert(parallel_settles_at(0)); /* its M slept: alone again */
    mode = hook_begin();
    ck_assert_int_eq(mode, HOOK_SOLO);
    hook_end(mode);
    go_maxprocs(1);
    return DONE;
}

START_TEST(test_solo_sections)
{
    go_maxprocs(1);
    ck_assert_int_eq(run(solo_main), DONE);
}
END_TEST

/* ---- the history pool (report.c) ---------------------------------------- */

/* Crowd goroutines each write more history than their floor holds, then
 * park. Without the pool each would keep TRACE_PARTS parts; with it, its
 * floor, and all beyond the floors stays within the budget. */
enum { CROWD = 20000, CROWD_WRITES = 200, FLOOR_EVENTS = 2 * 16 };
static int *crowd_cells;
static go_chan *crowd_release;
static long crowd_events;

static void crowd_member(void *arg)
{
    int *cells = &crowd_cells[(intptr_t)arg * CROWD_WRITES];
    for (int i = 0; i < CROWD_WRITES; i++)
        wr(&cells[i]);
    go_wg_done(&wg);
    go_chan_recv(crowd_release, NULL);
}

static int crowd_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    crowd_cells = calloc((size_t)CROWD * CROWD_WRITES, sizeof(int));
    crowd_release = go_chan_make(0, 0);
    go_wg_add(&wg, CROWD);
    for (intptr_t i = 0; i < CROWD; i++)
        GO(crowd_member, (void *)i);
    go_wg_wait(&wg);
    crowd_events = trace_events_allocated();
    go_chan_close(crowd_release);
    return DONE;
}

START_TEST(test_history_pool)
{
    go_maxprocs(1);
    race_opts.history_size = 0; /* a budget of 2^19 events */
    ck_assert_int_eq(run(crowd_main), DONE);
    /* Every member keeps its floor... */
    ck_assert_int_ge(crowd_events, (long)CROWD * FLOOR_EVENTS);
    /* ...and beyond, the budget, and main's history, a few parts. Four
     * parts a member would be 1,280,000 events. */
    ck_assert_int_le(crowd_events,
                     (long)CROWD * FLOOR_EVENTS + (1l << 19) + 4096);
    ck_assert_int_eq(race_count(), 0);
}
END_TEST

static Suite *race_suite(void)
{
    Suite *s = suite_create("race");
    TCase *t = tcase_create("engine");
    tcase_set_timeout(t, 20);
    tcase_add_test(t, test_vc_join_assign);
    tcase_add_test(t, test_vc_copy_on_write);
    tcase_add_test(t, test_vc_dominated);
    tcase_add_test(t, test_vc_join_long);
    tcase_add_test(t, test_vc_join_keeps_floor_gen);
    tcase_add_test(t, test_vc_dominated_remembers);
    tcase_add_test(t, test_vc_join_remembers);
    tcase_add_test(t, test_vc_tree_model);
    tcase_add_test(t, test_shadow_encoding);
    tcase_add_test(t, test_shadow_check_rules);
    tcase_add_test(t, test_shadow_mapping);
    tcase_add_test(t, test_options);
    tcase_add_test(t, test_alloc_disjoint);
    tcase_add_test(t, test_alloc_reuse);
    suite_add_tcase(s, t);
    TCase *e = tcase_create("edges");
    tcase_set_timeout(e, 20);
    tcase_add_test(e, test_no_edge);
    tcase_add_test(e, test_create);
    tcase_add_test(e, test_unbuffered_send);
    tcase_add_test(e, test_unbuffered_recv);
    tcase_add_test(e, test_buffered_send);
    tcase_add_test(e, test_buffered_slot);
    tcase_add_test(e, test_buffered_slot_after);
    tcase_add_test(e, test_close);
    tcase_add_test(e, test_mutex);
    tcase_add_test(e, test_rw_unlock_rlock);
    tcase_add_test(e, test_rw_runlock_lock);
    tcase_add_test(e, test_rw_readers);
    tcase_add_test(e, test_waitgroup);
    tcase_add_test(e, test_once);
    tcase_add_test(e, test_ctx_cancel);
    tcase_add_test(e, test_ctx_freed_forgets);
    tcase_add_test(e, test_sync_hint_forgotten);
    tcase_add_test(e, test_atomic_acq_rel);
    tcase_add_test(e, test_atomic_relaxed);
    tcase_add_test(e, test_floors);
    tcase_add_test(e, test_floors_loner);
    tcase_add_test(e, test_floors_rounds);
    tcase_add_test(e, test_parallel_count);
    tcase_add_test(e, test_solo_sections);
    tcase_add_test(e, test_history_pool);
    suite_add_tcase(s, e);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(race_suite());
    srunner_set_fork_status(r, CK_FORK);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
