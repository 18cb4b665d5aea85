/*
 * sync: WaitGroup, Mutex, RWMutex, Once, Cond. Zero values are ready to use.
 * Hangs (a reader that never shares, a starved writer, a lost wake-up) fail
 * through the test case's timeout or the runtime's deadlock report.
 */
#include "gotest.h"

#include <stdatomic.h>

/* ---- WaitGroup --------------------------------------------------------- */

static go_wg wg;
static atomic_int hits;

static void hit_and_done(void *arg)
{
    (void)arg;
    if (atomic_fetch_add(&hits, 1) % 3 == 0)
        go_yield();
    go_wg_done(&wg);
}

GO_TEST(test_waitgroup)
{
    go_wg_wait(&wg); /* counter 0: returns at once */
    for (int round = 1; round <= 10; round++) {
        go_wg_add(&wg, 50);
        for (int i = 0; i < 50; i++)
            GO(hit_and_done, NULL);
        go_wg_wait(&wg); /* reuse after Wait returned is fine */
        ck_assert_int_eq(atomic_load(&hits), 50 * round);
    }
}

static go_wg gate;

static void wait_then_count(void *arg)
{
    (void)arg;
    go_wg_wait(&gate);
    atomic_fetch_add(&hits, 1);
    go_wg_done(&wg);
}

/* Several goroutines wait on one WaitGroup; the last Done releases them all. */
GO_TEST(test_waitgroup_many_waiters)
{
    go_wg_add(&gate, 3);
    go_wg_add(&wg, 10);
    for (int i = 0; i < 10; i++)
        GO(wait_then_count, NULL);
    go_sleep(10 * GO_MILLISECOND);
    ck_assert_int_eq(atomic_load(&hits), 0);
    go_wg_done(&gate);
    go_wg_add(&gate, -1);
    go_sleep(10 * GO_MILLISECOND);
    ck_assert_int_eq(atomic_load(&hits), 0);
    go_wg_done(&gate);
    go_wg_wait(&wg);
    ck_assert_int_eq(atomic_load(&hits), 10);
}

/* ---- Mutex ------------------------------------------------------------- */

enum { NLOCKERS = 8, LOCK_ITERS = 20000 };
static go_mutex mu;
static atomic_int inside, violations;
static long counter; /* plain: only mu protects it */

static void contend(void *arg)
{
    (void)arg;
    for (int i = 0; i < LOCK_ITERS; i++) {
        go_mutex_lock(&mu);
        if (atomic_fetch_add(&inside, 1) != 0)
            atomic_fetch_add(&violations, 1);
        counter++;
        if (i % 64 == 0)
            go_yield(); /* holding the lock: others must park */
        atomic_fetch_sub(&inside, 1);
        go_mutex_unlock(&mu);
    }
    go_wg_done(&wg);
}

GO_TEST(test_mutex_mutual_exclusion)
{
    go_wg_add(&wg, NLOCKERS);
    for (int i = 0; i < NLOCKERS; i++)
        GO(contend, NULL);
    go_wg_wait(&wg);
    ck_assert_int_eq(atomic_load(&violations), 0);
    ck_assert_int_eq(counter, (long)NLOCKERS * LOCK_ITERS);
}

static atomic_int try_result;

static void try_from_other(void *arg)
{
    (void)arg;
    atomic_store(&try_result, go_mutex_trylock(&mu) ? 1 : 0);
    go_wg_done(&wg);
}

static void unlock_from_other(void *arg)
{
    (void)arg;
    go_mutex_unlock(&mu);
    go_wg_done(&wg);
}

GO_TEST(test_mutex_trylock)
{
    ck_assert(go_mutex_trylock(&mu));
    ck_assert(!go_mutex_trylock(&mu));
    go_wg_add(&wg, 1);
    GO(try_from_other, NULL);
    go_wg_wait(&wg);
    ck_assert_int_eq(atomic_load(&try_result), 0);
    go_mutex_unlock(&mu);
    ck_assert(go_mutex_trylock(&mu));
    /* Unlocking a Mutex locked by another goroutine is allowed. */
    go_wg_add(&wg, 1);
    GO(unlock_from_other, NULL);
    go_wg_wait(&wg);
    go_mutex_lock(&mu);
    go_mutex_unlock(&mu);
}

static atomic_int got_lock;

static void lock_and_flag(void *arg)
{
    (void)arg;
    go_mutex_lock(&mu);
    atomic_store(&got_lock, 1);
    go_mutex_unlock(&mu);
    go_wg_done(&wg);
}

GO_TEST(test_mutex_blocks_then_wakes)
{
    go_mutex_lock(&mu);
    go_wg_add(&wg, 1);
    GO(lock_and_flag, NULL);
    go_sleep(30 * GO_MILLISECOND);
    ck_assert_int_eq(atomic_load(&got_lock), 0);
    go_mutex_unlock(&mu);
    go_wg_wait(&wg);
    ck_assert_int_eq(atomic_load(&got_lock), 1);
}

/* ---- RWMutex ----------------------------------------------------------- */

enum { NREADERS = 8 };
static go_rwmutex rw;
static go_wg arrived;

/* Every reader holds the read lock until all readers hold it: only possible
 * if readers share. */
static void reader_meets_others(void *arg)
{
    (void)arg;
    go_rwmutex_rlock(&rw);
    go_wg_done(&arrived);
    go_wg_wait(&arrived);
    go_rwmutex_runlock(&rw);
    go_wg_done(&wg);
}

GO_TEST(test_rwmutex_readers_share)
{
    go_wg_add(&arrived, NREADERS);
    go_wg_add(&wg, NREADERS);
    for (int i = 0; i < NREADERS; i++)
        GO(reader_meets_others, NULL);
    go_wg_wait(&wg);
    ck_assert(go_rwmutex_tryrlock(&rw));
    ck_assert(go_rwmutex_tryrlock(&rw));
    ck_assert(!go_rwmutex_trylock(&rw));
    go_rwmutex_runlock(&rw);
    go_rwmutex_runlock(&rw);
    ck_assert(go_rwmutex_trylock(&rw));
    go_rwmutex_unlock(&rw);
}

static atomic_int readers_in, writer_in, rw_violations;

static void read_once(void *arg)
{
    (void)arg;
    go_rwmutex_rlock(&rw);
    atomic_fetch_add(&readers_in, 1);
    if (atomic_load(&writer_in))
        atomic_fetch_add(&rw_violations, 1);
    go_rwmutex_runlock(&rw);
    go_wg_done(&wg);
}

GO_TEST(test_rwmutex_writer_excludes)
{
    go_rwmutex_lock(&rw);
    atomic_store(&writer_in, 1);
    ck_assert(!go_rwmutex_tryrlock(&rw));
    ck_assert(!go_rwmutex_trylock(&rw));
    go_wg_add(&wg, 4);
    for (int i = 0; i < 4; i++)
        GO(read_once, NULL);
    go_sleep(30 * GO_MILLISECOND);
    ck_assert_int_eq(atomic_load(&readers_in), 0);
    atomic_store(&writer_in, 0);
    go_rwmutex_unlock(&rw);
    go_wg_wait(&wg);
    ck_assert_int_eq(atomic_load(&readers_in), 4);
    ck_assert_int_eq(atomic_load(&rw_violations), 0);
}

/* Readers and writers mixed: a writer never overlaps anyone. */
static void rw_worker(void *arg)
{
    bool writer = (intptr_t)arg % 4 == 0;
    for (int i = 0; i < 3000; i++) {
        if (writer) {
            go_rwmutex_lock(&rw);
            if (atomic_fetch_add(&writer_in, 1) != 0 ||
                atomic_load(&readers_in) != 0)
                atomic_fetch_add(&rw_violations, 1);
            if (i % 16 == 0)
                go_yield();
            atomic_fetch_sub(&writer_in, 1);
            go_rwmutex_unlock(&rw);
        } else {
            go_rwmutex_rlock(&rw);
            atomic_fetch_add(&readers_in, 1);
            if (atomic_load(&writer_in) != 0)
                atomic_fetch_add(&rw_violations, 1);
            if (i % 16 == 0)
                go_yield();
            atomic_fetch_sub(&readers_in, 1);
            go_rwmutex_runlock(&rw);
        }
    }
    go_wg_done(&wg);
}

GO_TEST(test_rwmutex_mixed)
{
    go_wg_add(&wg, 12);
    for (intptr_t i = 0; i < 12; i++)
        GO(rw_worker, i);
    go_wg_wait(&wg);
    ck_assert_int_eq(atomic_load(&rw_violations), 0);
}

static atomic_int stop_readers;
static atomic_long reads_done;

/* Readers overlap each other continuously: some reader always holds it. */
static void stream_reader(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop_readers)) {
        go_rwmutex_rlock(&rw);
        atomic_fetch_add(&reads_done, 1);
        go_yield();
        go_sleep(100 * GO_MICROSECOND);
        go_rwmutex_runlock(&rw);
    }
    go_wg_done(&wg);
}

/* A pending writer stops new readers from entering (Go's RWMutex), so it
 * gets the lock; a starving implementation hangs here until the timeout. */
GO_TEST(test_rwmutex_writer_not_starved)
{
    go_wg_add(&wg, NREADERS);
    for (int i = 0; i < NREADERS; i++)
        GO(stream_reader, NULL);
    while (atomic_load(&reads_done) < 100)
        go_sleep(GO_MILLISECOND);
    go_rwmutex_lock(&rw);
    atomic_store(&stop_readers, 1);
    go_rwmutex_unlock(&rw);
    go_wg_wait(&wg);
}

/* ---- Once -------------------------------------------------------------- */

enum { NONCE = 1000 };
static go_once once;
static atomic_int once_runs, once_seen_bad;

static void init_slowly(void *arg)
{
    ck_assert_ptr_eq(arg, &once);
    go_sleep(5 * GO_MILLISECOND); /* everyone else arrives meanwhile */
    atomic_fetch_add(&once_runs, 1);
}

static void call_once(void *arg)
{
    (void)arg;
    go_once_do(&once, init_slowly, &once);
    /* Do returns only after fn has returned. */
    if (atomic_load(&once_runs) != 1)
        atomic_fetch_add(&once_seen_bad, 1);
    go_wg_done(&wg);
}

GO_TEST(test_once_under_1000_callers)
{
    go_wg_add(&wg, NONCE);
    for (int i = 0; i < NONCE; i++)
        GO(call_once, NULL);
    go_wg_wait(&wg);
    ck_assert_int_eq(atomic_load(&once_runs), 1);
    ck_assert_int_eq(atomic_load(&once_seen_bad), 0);
    go_once_do(&once, init_slowly, &once);
    ck_assert_int_eq(atomic_load(&once_runs), 1);
}

/* ---- Cond (ported from Go's sync/cond_test.go) ------------------------- */

enum { NCOND = 10 };
static go_cond cond;
static go_chan *running, *awake;

static void cond_waiter(void *arg)
{
    (void)arg;
    go_mutex_lock(&mu);
    go_chan_send(running, NULL);
    go_cond_wait(&cond);
    go_chan_send(awake, NULL);
    go_mutex_unlock(&mu);
}

GO_TEST(test_cond_signal)
{
    go_cond_init(&cond, &mu);
    running = go_chan_make(0, NCOND);
    awake = go_chan_make(0, NCOND);
    for (int i = 0; i < NCOND; i++)
        GO(cond_waiter, NULL);
    for (int i = 0; i < NCOND; i++)
        go_chan_recv(running, NULL); /* all are waiting, or about to */
    for (int i = 0; i < NCOND; i++) {
        go_mutex_lock(&mu); /* now the last one has released mu in Wait */
        go_cond_signal(&cond);
        go_mutex_unlock(&mu);
        go_chan_recv(awake, NULL);
        ck_assert_msg(gt_try_recv(awake, NULL) == -1,
                      "signal woke more than one goroutine");
    }
    go_cond_signal(&cond); /* no waiters: a no-op */
}

static atomic_int cond_ready;

static void cond_predicate_waiter(void *arg)
{
    (void)arg;
    go_mutex_lock(&mu);
    while (!atomic_load(&cond_ready))
        go_cond_wait(&cond);
    go_mutex_unlock(&mu);
    go_wg_done(&wg);
}

GO_TEST(test_cond_broadcast)
{
    go_cond_init(&cond, &mu);
    running = go_chan_make(0, NCOND);
    awake = go_chan_make(0, NCOND);
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < NCOND; i++)
            GO(cond_waiter, NULL);
        for (int i = 0; i < NCOND; i++)
            go_chan_recv(running, NULL);
        go_mutex_lock(&mu);
        go_cond_broadcast(&cond);
        go_mutex_unlock(&mu);
        for (int i = 0; i < NCOND; i++)
            go_chan_recv(awake, NULL);
    }
    ck_assert_int_eq(gt_try_recv(awake, NULL), -1);

    /* the usual predicate loop */
    go_wg_add(&wg, NCOND);
    for (int i = 0; i < NCOND; i++)
        GO(cond_predicate_waiter, NULL);
    go_sleep(10 * GO_MILLISECOND);
    go_mutex_lock(&mu);
    atomic_store(&cond_ready, 1);
    go_cond_broadcast(&cond);
    go_mutex_unlock(&mu);
    go_wg_wait(&wg);
}

Suite *suite_sync(void)
{
    Suite *s = suite_create("sync");
    TCase *tc = gt_tcase("core", 40);
    tcase_add_test(tc, test_waitgroup);
    tcase_add_test(tc, test_waitgroup_many_waiters);
    tcase_add_test(tc, test_mutex_mutual_exclusion);
    tcase_add_test(tc, test_mutex_trylock);
    tcase_add_test(tc, test_mutex_blocks_then_wakes);
    tcase_add_test(tc, test_rwmutex_readers_share);
    tcase_add_test(tc, test_rwmutex_writer_excludes);
    tcase_add_test(tc, test_rwmutex_mixed);
    tcase_add_test(tc, test_rwmutex_writer_not_starved);
    tcase_add_test(tc, test_once_under_1000_callers);
    tcase_add_test(tc, test_cond_signal);
    tcase_add_test(tc, test_cond_broadcast);
    suite_add_tcase(s, tc);
    return s;
}
