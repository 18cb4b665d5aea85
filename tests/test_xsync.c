/*
 * golang.org/x/sync: errgroup and semaphore, ported from its
 * errgroup_test.go (TestZeroGroup, TestWithContext, TestTryGo, TestGoLimit,
 * TestCancelCause) and semaphore_test.go (TestWeighted*,
 * TestLargeAcquireDoesntStarve, TestAllocCancelDoesntStarve,
 * TestWeightedAcquireCanceled), with Go's names where a test is a port.
 * Errors are int codes here: 0 is Go's nil.
 */
#include "gotest.h"

#include <stdlib.h>

/* ---- errgroup -------------------------------------------------------- */

static int return_code(void *arg)
{
    return (int)(intptr_t)arg;
}

/* Go's TestZeroGroup: Wait returns the first error, Go after Wait works. */
GO_TEST(test_zero_group)
{
    static const int cases[][3] = {
        {0, 0, 0},
        {1, 0, 0},
        {1, 0, 2},
        {0, 1, 2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        go_group *g = go_group_new(NULL, NULL);
        int first = 0;
        for (int i = 0; i < 3; i++) {
            int err = cases[c][i];
            go_group_go(g, return_code, (void *)(intptr_t)err);
            if (!first && err)
                first = err;
            ck_assert_int_eq(go_group_wait(g), first);
        }
        go_group_free(g);
    }
}

/* Go's TestWithContext and TestCancelCause: the derived context is done
 * once Wait returns, error or not; its error is Canceled and, as no cause
 * is recorded for an int code, so is its cause. */
GO_TEST(test_with_context)
{
    /* two functions' codes, and the codes Wait may return */
    static const int cases[][4] = {
        {0, 0, 0, 0}, {0, 7, 7, 7}, {7, 0, 7, 7}, {7, 8, 7, 8}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        go_ctx *ctx = NULL;
        go_group *g = go_group_new(go_background(), &ctx);
        ck_assert_ptr_nonnull(ctx);
        ck_assert_int_eq(go_ctx_err(ctx), 0);
        for (int i = 0; i < 2; i++)
            go_group_go(g, return_code, (void *)(intptr_t)cases[c][i]);
        int got = go_group_wait(g);
        ck_assert(got == cases[c][2] || got == cases[c][3]);
        ck_assert_int_eq(gt_try_recv(go_ctx_done(ctx), NULL), 0);
        ck_assert_int_eq(go_ctx_err(ctx), GO_CANCELED);
        ck_assert_str_eq(go_ctx_cause(ctx), "context canceled");
        go_group_free(g);
    }
}

static go_ctx *err_ctx;
static int64_t saw_cancel;

static int wait_for_cancel(void *arg)
{
    (void)arg;
    go_chan_recv(go_ctx_done(err_ctx), NULL);
    __atomic_add_fetch(&saw_cancel, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* The first error cancels the context before Wait: the other functions
 * see it and return. */
GO_TEST(test_error_cancels_context)
{
    go_group *g = go_group_new(go_background(), &err_ctx);
    for (int i = 0; i < 5; i++)
        go_group_go(g, wait_for_cancel, NULL);
    go_sleep(5 * GO_MILLISECOND);
    ck_assert_int_eq(saw_cancel, 0);
    go_group_go(g, return_code, (void *)(intptr_t)3);
    ck_assert_int_eq(go_group_wait(g), 3);
    ck_assert_int_eq(saw_cancel, 5);
    go_group_free(g);
}

static go_chan *trygo_ch;

static int send_token(void *arg)
{
    (void)arg;
    go_chan_send(trygo_ch, NULL);
    return 0;
}

static void drain_n(void *arg)
{
    for (intptr_t i = 0; i < (intptr_t)arg; i++)
        go_chan_recv(trygo_ch, NULL);
}

/* Go's TestTryGo. */
GO_TEST(test_try_go)
{
    enum { N = 42 };
    trygo_ch = go_chan_make(0, 0);
    go_group *g = go_group_new(NULL, NULL);
    go_group_set_limit(g, N);
    for (int i = 0; i < N; i++)
        ck_assert_msg(go_group_try_go(g, send_token, NULL),
                      "TryGo should succeed but got fail at %d-th call.", i);
    ck_assert(!go_group_try_go(g, send_token, NULL));
    GO(drain_n, (intptr_t)N);
    go_group_wait(g);

    ck_assert(go_group_try_go(g, send_token, NULL));
    GO(drain_n, 1);
    go_group_wait(g);

    go_group_set_limit(g, 1); /* switch limit */
    ck_assert(go_group_try_go(g, send_token, NULL));
    ck_assert(!go_group_try_go(g, send_token, NULL));
    GO(drain_n, 1);
    go_group_wait(g);

    go_group_set_limit(g, 0); /* block all calls */
    int started = 0;
    for (int i = 0; i < 1 << 10; i++)
        started += go_group_try_go(g, send_token, NULL);
    ck_assert_int_eq(started, 0);
    go_group_wait(g);
    go_group_free(g);
    go_chan_free(trygo_ch);
}

static int32_t active;
static int32_t max_active;

static int limited(void *arg)
{
    (void)arg;
    int32_t n = __atomic_add_fetch(&active, 1, __ATOMIC_SEQ_CST);
    int32_t m = __atomic_load_n(&max_active, __ATOMIC_SEQ_CST);
    while (n > m &&
           !__atomic_compare_exchange_n(&max_active, &m, n, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    go_sleep(GO_MICROSECOND);
    __atomic_sub_fetch(&active, 1, __ATOMIC_SEQ_CST);
    return n > 10 ? 1 : 0;
}

/* Go's TestGoLimit; also checks that the limit was reached. */
GO_TEST(test_go_limit)
{
    go_group *g = go_group_new(NULL, NULL);
    go_group_set_limit(g, 10);
    for (int i = 0; i <= 1 << 10; i++)
        go_group_go(g, limited, NULL);
    ck_assert_int_eq(go_group_wait(g), 0);
    ck_assert_int_le(max_active, 10);
    ck_assert_int_ge(max_active, 2);
    go_group_set_limit(g, -1); /* no limit again */
    go_group_free(g);
}

/* ---- semaphore ------------------------------------------------------- */

typedef struct hammer {
    go_sem *sem;
    int64_t n;
    int loops;
    go_wg *wg;
} hammer;

static void hammer_weighted(void *arg)
{
    hammer *h = arg;
    for (int i = 0; i < h->loops; i++) {
        ck_assert_int_eq(go_sem_acquire(h->sem, go_background(), h->n), 0);
        go_sleep(rand() % GO_MILLISECOND);
        go_sem_release(h->sem, h->n);
    }
    go_wg_done(h->wg);
}

/* Go's TestWeighted. */
GO_TEST(test_weighted)
{
    int n = go_maxprocs(0) + 2;
    static hammer hs[16];
    go_sem *sem = go_sem_new(n);
    go_wg wg = {0};
    go_wg_add(&wg, n);
    for (int i = 0; i < n; i++) {
        hs[i] = (hammer){sem, i, 2000 / n, &wg};
        GO(hammer_weighted, &hs[i]);
    }
    go_wg_wait(&wg);
    ck_assert(go_sem_try_acquire(sem, n)); /* everything was released */
    go_sem_release(sem, n);
    go_sem_free(sem);
}

/* Go's TestWeightedTryAcquire. */
GO_TEST(test_weighted_try_acquire)
{
    go_sem *sem = go_sem_new(2);
    bool tries[4];
    go_sem_acquire(sem, NULL, 1);
    tries[0] = go_sem_try_acquire(sem, 1);
    tries[1] = go_sem_try_acquire(sem, 1);
    go_sem_release(sem, 2);
    tries[2] = go_sem_try_acquire(sem, 1);
    go_sem_acquire(sem, NULL, 1);
    tries[3] = go_sem_try_acquire(sem, 1);
    const bool want[4] = {true, false, true, false};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(tries[i] == want[i], "tries[%d]: got %d, want %d", i,
                      tries[i], want[i]);
    go_sem_release(sem, 2);
    go_sem_free(sem);
}

static bool timed_acquire(go_sem *sem, int64_t n)
{
    go_ctx *ctx = go_with_timeout(go_background(), 10 * GO_MILLISECOND);
    int err = go_sem_acquire(sem, ctx, n);
    go_cancel(ctx);
    go_ctx_free(ctx);
    ck_assert(err == 0 || err == GO_DEADLINE_EXCEEDED);
    return err == 0;
}

/* Go's TestWeightedAcquire. */
GO_TEST(test_weighted_acquire)
{
    go_sem *sem = go_sem_new(2);
    bool tries[4];
    go_sem_acquire(sem, NULL, 1);
    tries[0] = timed_acquire(sem, 1);
    tries[1] = timed_acquire(sem, 1);
    go_sem_release(sem, 2);
    tries[2] = timed_acquire(sem, 1);
    go_sem_acquire(sem, NULL, 1);
    tries[3] = timed_acquire(sem, 1);
    const bool want[4] = {true, false, true, false};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(tries[i] == want[i], "tries[%d]: got %d, want %d", i,
                      tries[i], want[i]);
    go_sem_release(sem, 2);
    go_sem_free(sem);
}

static go_sem *big_sem;
static go_ctx *big_ctx;
static int64_t big_err;

static void acquire_too_big(void *arg)
{
    (void)arg;
    big_err = go_sem_acquire(big_sem, big_ctx, 3);
}

static int acquire_one(void *arg)
{
    go_ctx *ctx = arg;
    int err = go_sem_acquire(big_sem, ctx, 1);
    if (!err) {
        go_sleep(GO_MILLISECOND);
        go_sem_release(big_sem, 1);
    }
    return err;
}

/* Go's TestWeightedDoesntBlockIfTooBig: a request above the size does not
 * queue, so it blocks no one; it fails when its context ends. */
GO_TEST(test_weighted_doesnt_block_if_too_big)
{
    big_sem = go_sem_new(2);
    big_ctx = go_with_cancel(go_background());
    GO(acquire_too_big, NULL);
    go_ctx *ctx;
    go_group *g = go_group_new(go_background(), &ctx);
    for (int i = 6; i > 0; i--)
        go_group_go(g, acquire_one, ctx);
    ck_assert_int_eq(go_group_wait(g), 0);
    go_group_free(g);
    go_cancel(big_ctx);
    ck_assert_int_eq(gt_wait_count(&big_err, GO_CANCELED, 10 * GO_SECOND),
                     GO_CANCELED);
    go_ctx_free(big_ctx);
    go_sem_free(big_sem);
}

static go_sem *starve_sem;
static bool running;
static go_wg starve_wg;

static void release_acquire_loop(void *arg)
{
    (void)arg;
    while (__atomic_load_n(&running, __ATOMIC_SEQ_CST)) {
        go_sleep(GO_MILLISECOND);
        go_sem_release(starve_sem, 1);
        go_sem_acquire(starve_sem, NULL, 1);
    }
    go_sem_release(starve_sem, 1);
    go_wg_done(&starve_wg);
}

/* Go's TestLargeAcquireDoesntStarve: returning at all is the test. */
GO_TEST(test_large_acquire_doesnt_starve)
{
    int64_t n = go_maxprocs(0) + 1;
    starve_sem = go_sem_new(n);
    running = true;
    go_wg_add(&starve_wg, n);
    for (int64_t i = n; i > 0; i--) {
        go_sem_acquire(starve_sem, NULL, 1);
        GO(release_acquire_loop, NULL);
    }
    ck_assert_int_eq(go_sem_acquire(starve_sem, NULL, n), 0);
    __atomic_store_n(&running, false, __ATOMIC_SEQ_CST);
    go_sem_release(starve_sem, n);
    go_wg_wait(&starve_wg);
    go_sem_free(starve_sem);
}

static go_sem *alloc_sem;
static go_chan *alloc_done;
static go_wg alloc_wg;

static void write_lock_gives_up(void *arg)
{
    (void)arg;
    go_ctx *ctx = go_with_timeout(go_background(), 100 * GO_MILLISECOND);
    ck_assert_int_eq(go_sem_acquire(alloc_sem, ctx, 10), GO_DEADLINE_EXCEEDED);
    go_ctx_free(ctx);
    go_wg_done(&alloc_wg);
}

static void read_lock(void *arg)
{
    (void)arg;
    ck_assert_int_eq(go_sem_acquire(alloc_sem, NULL, 1), 0);
    go_sem_release(alloc_sem, 1);
    go_chan_close(alloc_done);
}

/* Go's TestAllocCancelDoesntStarve (durations shrunk 3x): a queued large
 * request that gives up wakes the small one queued behind it. */
GO_TEST(test_alloc_cancel_doesnt_starve)
{
    alloc_sem = go_sem_new(10);
    alloc_done = go_chan_make(0, 0);
    go_sem_acquire(alloc_sem, NULL, 1); /* hold 1 read lock */
    go_wg_add(&alloc_wg, 1);
    GO(write_lock_gives_up, NULL);
    go_sleep(30 * GO_MILLISECOND); /* the write lock request is queued */
    GO(read_lock, NULL);
    go_case cs[2] = {GO_RECV_CASE(alloc_done, NULL),
                     GO_RECV_CASE(go_after(5 * GO_SECOND), NULL)};
    ck_assert_int_eq(go_select(cs, 2, false), 0);
    go_sem_release(alloc_sem, 1);
    go_wg_wait(&alloc_wg); /* it may still be unlocking the semaphore */
    go_sem_free(alloc_sem);
}

static go_sem *cancel_sem;
static go_ctx *cancel_ctx;
static go_chan *cancel_ch;

static void cancel_then_release(void *arg)
{
    (void)arg;
    /* Synchronize with the Acquire(2) below: it is queued once TryAcquire
     * fails (a waiter is queued). */
    while (go_sem_try_acquire(cancel_sem, 1)) {
        go_sem_release(cancel_sem, 1);
        go_yield();
    }
    go_cancel(cancel_ctx);
    go_sem_release(cancel_sem, 1);
    go_chan_close(cancel_ch);
}

/* Go's TestWeightedAcquireCanceled (go.dev/issue/63615): a cancel that
 * happens before enough weight is free makes Acquire fail, and an
 * already-done context fails even without blocking. */
GO_TEST(test_weighted_acquire_canceled)
{
    cancel_sem = go_sem_new(2);
    cancel_ctx = go_with_cancel(go_background());
    cancel_ch = go_chan_make(0, 0);
    go_sem_acquire(cancel_sem, NULL, 1);
    GO(cancel_then_release, NULL);
    ck_assert_int_eq(go_sem_acquire(cancel_sem, cancel_ctx, 2), GO_CANCELED);
    go_chan_recv(cancel_ch, NULL);
    ck_assert_msg(go_sem_try_acquire(cancel_sem, 2),
                  "TryAcquire after canceled Acquire failed");
    go_sem_release(cancel_sem, 2);
    ck_assert_int_eq(go_sem_acquire(cancel_sem, cancel_ctx, 1), GO_CANCELED);
    ck_assert(go_sem_try_acquire(cancel_sem, 2));
    go_sem_release(cancel_sem, 2);
    go_ctx_free(cancel_ctx);
    go_chan_free(cancel_ch);
    go_sem_free(cancel_sem);
}

/* FIFO: a queued large request is served before later small ones. */
static go_sem *fifo_sem;
static go_chan *fifo_order;
static go_wg fifo_wg;

static void fifo_acquire(void *arg)
{
    int64_t n = (intptr_t)arg;
    go_sem_acquire(fifo_sem, NULL, n);
    go_chan_send(fifo_order, &n);
    go_sem_release(fifo_sem, n);
    go_wg_done(&fifo_wg);
}

GO_TEST(test_weighted_fifo)
{
    fifo_sem = go_sem_new(3);
    fifo_order = go_chan_make(sizeof(int64_t), 4);
    go_sem_acquire(fifo_sem, NULL, 2);
    go_wg_add(&fifo_wg, 2);
    GO(fifo_acquire, 3); /* queued: needs all 3 */
    go_sleep(10 * GO_MILLISECOND);
    ck_assert(!go_sem_try_acquire(fifo_sem, 1)); /* 1 free, but queued */
    GO(fifo_acquire, 1);
    go_sleep(10 * GO_MILLISECOND);
    ck_assert_int_eq(go_chan_len(fifo_order), 0);
    go_sem_release(fifo_sem, 2);
    int64_t a = 0, b = 0;
    go_chan_recv(fifo_order, &a);
    go_chan_recv(fifo_order, &b);
    ck_assert_int_eq(a, 3);
    ck_assert_int_eq(b, 1);
    /* The receives do not say the senders are done with the semaphore:
     * freeing it before they return would be a use after free. */
    go_wg_wait(&fifo_wg);
    go_chan_free(fifo_order);
    go_sem_free(fifo_sem);
}

Suite *suite_xsync(void)
{
    Suite *s = suite_create("xsync");
    TCase *tc = gt_tcase("errgroup", 30);
    tcase_add_test(tc, test_zero_group);
    tcase_add_test(tc, test_with_context);
    tcase_add_test(tc, test_error_cancels_context);
    tcase_add_test(tc, test_try_go);
    tcase_add_test(tc, test_go_limit);
    suite_add_tcase(s, tc);
    tc = gt_tcase("semaphore", 60);
    tcase_add_test(tc, test_weighted);
    tcase_add_test(tc, test_weighted_try_acquire);
    tcase_add_test(tc, test_weighted_acquire);
    tcase_add_test(tc, test_weighted_doesnt_block_if_too_big);
    tcase_add_test(tc, test_large_acquire_doesnt_starve);
    tcase_add_test(tc, test_alloc_cancel_doesnt_starve);
    tcase_add_test(tc, test_weighted_acquire_canceled);
    tcase_add_test(tc, test_weighted_fifo);
    suite_add_tcase(s, tc);
    return s;
}
