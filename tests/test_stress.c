/*
 * Stress tests: many goroutines, many spawns, many hand-offs. They assert
 * that every goroutine did its part and the program finished, never how
 * fast. ctest runs them at GOMAXPROCS=1 and =2 (label "stress").
 */
#include "gotest.h"

#include <stdatomic.h>

/* ---- 100,000 goroutines parked on one channel, released by close ------- */

enum { NPARKED = 100000 };
static go_chan *gate;
static go_wg wg;
static int64_t arrived;
static atomic_long woke_closed, woke_value;

static void park_on_gate(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&arrived, 1, __ATOMIC_RELEASE);
    if (go_chan_recv(gate, NULL))
        atomic_fetch_add(&woke_value, 1);
    else
        atomic_fetch_add(&woke_closed, 1);
    go_wg_done(&wg);
}

GO_TEST(test_park_100k_release_by_close)
{
    gate = go_chan_make(0, 0);
    go_wg_add(&wg, NPARKED);
    for (int i = 0; i < NPARKED; i++)
        GO(park_on_gate, NULL);
    ck_assert_int_eq(gt_wait_count(&arrived, NPARKED, 60 * GO_SECOND), NPARKED);
    go_sleep(10 * GO_MILLISECOND); /* the last arrivals reach the recv */
    ck_assert_int_eq(go_num_goroutine(), NPARKED + 1);
    ck_assert_uint_eq(go_chan_len(gate), 0);
    go_chan_close(gate);
    go_wg_wait(&wg);
    ck_assert_int_eq(atomic_load(&woke_closed), NPARKED);
    ck_assert_int_eq(atomic_load(&woke_value), 0);
    ck_assert_int_eq(gt_wait_goroutines(1, 30 * GO_SECOND), 1);
    go_chan_free(gate);
}

/* ---- 1,000,000 spawns joined by a WaitGroup ---------------------------- */

enum { NSPAWN = 1000000, BATCH = 10000 };
static atomic_long ran;

static void count_and_done(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ran, 1);
    go_wg_done(&wg);
}

/* Joined in batches (a WaitGroup reused after each Wait): this stresses
 * creation and exit, not the number of live goroutines (the test above). */
GO_TEST(test_spawn_join_1m)
{
    for (int b = 0; b < NSPAWN / BATCH; b++) {
        go_wg_add(&wg, BATCH);
        for (int i = 0; i < BATCH; i++)
            GO(count_and_done, NULL);
        go_wg_wait(&wg);
    }
    ck_assert_int_eq(atomic_load(&ran), NSPAWN);
    ck_assert_int_eq(gt_wait_goroutines(1, 30 * GO_SECOND), 1);
}

/* ---- ping-pong: 10^5 round trips on unbuffered channels ---------------- */

enum { ROUND_TRIPS = 100000 };
static go_chan *ping, *pong;

static void ponger(void *arg)
{
    (void)arg;
    int64_t v;
    while (go_chan_recv(ping, &v)) {
        v++;
        go_chan_send(pong, &v);
    }
    go_wg_done(&wg);
}

GO_TEST(test_ping_pong_100k)
{
    ping = go_chan_make(sizeof(int64_t), 0);
    pong = go_chan_make(sizeof(int64_t), 0);
    go_wg_add(&wg, 1);
    GO(ponger, NULL);
    int64_t v = 0, bad = 0;
    for (int i = 0; i < ROUND_TRIPS; i++) {
        int64_t before = v;
        go_chan_send(ping, &v);
        if (!go_chan_recv(pong, &v))
            bad++;
        bad += v != before + 1;
    }
    go_chan_close(ping);
    go_wg_wait(&wg);
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(v, ROUND_TRIPS);
    go_chan_free(ping);
    go_chan_free(pong);
}

/* ---- select storm: selects on both sides of shared channels ------------ */

enum { NSIDES = 4, PER_SENDER = 50000 };
static go_chan *lanes[2];
static go_chan *quit;
static atomic_llong storm_sum, storm_count;
static go_wg senders, receivers;

static void storm_sender(void *arg)
{
    int64_t base = (intptr_t)arg * PER_SENDER;
    for (int64_t i = 0; i < PER_SENDER; i++) {
        int64_t v = base + i;
        go_case cs[2] = {GO_SEND_CASE(lanes[0], &v),
                         GO_SEND_CASE(lanes[1], &v)};
        go_select(cs, 2, false);
    }
    go_wg_done(&senders);
}

static void storm_receiver(void *arg)
{
    (void)arg;
    int64_t sum = 0, n = 0;
    for (;;) {
        int64_t v;
        go_case cs[3] = {GO_RECV_CASE(lanes[0], &v), GO_RECV_CASE(lanes[1], &v),
                         GO_RECV_CASE(quit, NULL)};
        if (go_select(cs, 3, false) == 2)
            break;
        sum += v;
        n++;
    }
    atomic_fetch_add(&storm_sum, sum);
    atomic_fetch_add(&storm_count, n);
    go_wg_done(&receivers);
}

GO_TEST(test_select_storm)
{
    lanes[0] = go_chan_make(sizeof(int64_t), 0);
    lanes[1] = go_chan_make(sizeof(int64_t), 8);
    quit = go_chan_make(0, 0);
    go_wg_add(&senders, NSIDES);
    go_wg_add(&receivers, NSIDES);
    for (intptr_t i = 0; i < NSIDES; i++) {
        GO(storm_receiver, i);
        GO(storm_sender, i);
    }
    go_wg_wait(&senders);
    /* Drain what is buffered before telling receivers to stop. */
    while (go_chan_len(lanes[1]) > 0)
        go_sleep(GO_MILLISECOND);
    go_chan_close(quit);
    go_wg_wait(&receivers);
    int64_t n = (int64_t)NSIDES * PER_SENDER;
    ck_assert_int_eq(atomic_load(&storm_count), n);
    ck_assert_int_eq(atomic_load(&storm_sum), n * (n - 1) / 2);
}

/* ---- the runtime lock with more contenders than CPUs ------------------- */

/* rt/lock.c frees the lock with a plain store and leaves the sleeper to
 * issue a process-wide barrier. Eight OS threads on a two-CPU machine, with
 * a holder that now and then sleeps 50us inside, drive the waiters past
 * spinning into the futex: the test fails on a lost wake-up (hang, caught by
 * the timeout), on a lost increment, or if no waiter ever slept. */
#include "../rt/lock.h"

#include <pthread.h>
#include <time.h>

enum { LOCK_THREADS = 8, LOCK_ITERS = 100000, LOCK_NAP_EVERY = 2000 };
static rt_lock hammered;
static long hammered_count; /* guarded by hammered */
static int most_sleepers;   /* guarded by hammered */

static void *hammer_lock(void *arg)
{
    (void)arg;
    for (int i = 0; i < LOCK_ITERS; i++) {
        rt_futexlock_acquire(&hammered);
        hammered_count++;
        int s = __atomic_load_n(&hammered.sleepers, __ATOMIC_RELAXED);
        if (s > most_sleepers)
            most_sleepers = s;
        if (i % LOCK_NAP_EVERY == 0)
            nanosleep(&(struct timespec){0, 50000}, NULL);
        rt_futexlock_release(&hammered);
    }
    return NULL;
}

GO_TEST(test_runtime_lock_sleepers)
{
    pthread_t t[LOCK_THREADS];
    for (int i = 0; i < LOCK_THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, hammer_lock, NULL), 0);
    for (int i = 0; i < LOCK_THREADS; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(hammered_count, (long)LOCK_THREADS * LOCK_ITERS);
    ck_assert_msg(most_sleepers > 0, "no waiter reached the futex");
    ck_assert_int_eq(hammered.word, 0);
}

static Suite *suite_stress(void)
{
    Suite *s = suite_create("stress");
    TCase *tc = gt_tcase("load", 120);
    tcase_add_test(tc, test_park_100k_release_by_close);
    tcase_add_test(tc, test_spawn_join_1m);
    tcase_add_test(tc, test_ping_pong_100k);
    tcase_add_test(tc, test_select_storm);
    tcase_add_test(tc, test_runtime_lock_sleepers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    Suite *suites[] = {suite_stress()};
    return gt_run_suites(suites, 1);
}
