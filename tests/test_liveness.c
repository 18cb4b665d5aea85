/*
 * Liveness: time slices, sysmon's preemption and retake, and an idle sysmon
 * (rt/sysmon.c). Each test sets GOMAXPROCS=1 itself, where a goroutine that
 * keeps its P would starve everything else; the bounds are the issue's
 * (a queued goroutine runs within 50 ms, a timer fires within 50 ms of its
 * time) against Go's 10 ms slice, and each takes the best of three trials
 * so that one descheduling of this shared machine cannot fail it. The
 * queued goroutine's wait is measured in CPU time, as slices are. Without
 * sysmon every test here hangs until Check's timeout.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>

#include "gotest.h"

enum { TRIALS = 3 };
#define BOUND_NS (50 * GO_MILLISECOND)

/* The process's CPU time: slices are measured in CPU time (rt/sysmon.c),
 * so a bound on CPU holds however loaded the machine is. */
static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- a queued goroutine behind a runnext chain ------------------------- */

static go_chan *stop, *done;

static void child(void *arg)
{
    (void)arg;
    int v = 1;
    go_chan_send(done, &v);
}

static int64_t stopper_ran_at; /* process CPU time */

static void stopper(void *arg)
{
    (void)arg;
    stopper_ran_at = cpu_ns();
    int v = 1;
    go_chan_send(stop, &v);
}

/* The loop and its child hand the P to each other through runnext (GoKer
 * grpc/660's shape); the stopper waits in the local queue until the pair's
 * shared time slice ends. Returns the CPU time the process spent while the
 * stopper waited. */
static int64_t runnext_chain_wait(void)
{
    stop = go_chan_make(sizeof(int), 0);
    done = go_chan_make(sizeof(int), 1);
    int64_t t0 = cpu_ns();
    GO(stopper, NULL);
    for (;;) {
        GO(child, NULL);
        go_case cases[] = {GO_RECV_CASE(done, NULL), GO_RECV_CASE(stop, NULL)};
        if (go_select(cases, 2, false) == 1)
            break;
    }
    go_chan_recv(done, NULL); /* the last child */
    go_chan_free(stop);
    go_chan_free(done);
    return stopper_ran_at - t0;
}

GO_TEST(test_queued_goroutine_runs_behind_runnext_chain)
{
    go_maxprocs(1);
    int64_t best = INT64_MAX;
    for (int i = 0; i < TRIALS; i++) {
        int64_t w = runnext_chain_wait();
        if (w < best)
            best = w;
    }
    ck_assert_msg(best < BOUND_NS, "queued goroutine waited %lld us of CPU",
                  (long long)(best / 1000));
}

/* ---- timers while a goroutine spins ------------------------------------ */

static atomic_int spin_stop;

static void spinner(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
        ;
}

/* A goroutine spinning with no scheduling point (the release runtime has no
 * callbacks at atomics) must not keep main's 10 ms sleeps from ending: its
 * P is retaken after a slice. */
GO_TEST(test_timers_fire_while_goroutine_spins)
{
    go_maxprocs(1);
    GO(spinner, NULL);
    int64_t best = INT64_MAX;
    for (int i = 0; i < TRIALS; i++) {
        int64_t t0 = go_now();
        go_sleep(10 * GO_MILLISECOND);
        int64_t late = go_now() - t0 - 10 * GO_MILLISECOND;
        if (late < best)
            best = late;
    }
    atomic_store(&spin_stop, 1);
    ck_assert_msg(best < BOUND_NS, "a 10 ms sleep was %lld us late",
                  (long long)(best / 1000));
}

/* ---- sysmon sleeps while the process is idle --------------------------- */

/* Two seconds of an idle process (main asleep, every P idle) cost almost
 * no CPU: sysmon sleeps instead of polling. 20 us polling would cost
 * ~100 ms here. */
GO_TEST(test_idle_process_uses_no_cpu)
{
    go_sleep(50 * GO_MILLISECOND); /* let start-up settle */
    int64_t c0 = cpu_ns();
    go_sleep(2 * GO_SECOND);
    int64_t used = cpu_ns() - c0;
    ck_assert_msg(used < 20 * GO_MILLISECOND, "idle for 2 s used %lld us CPU",
                  (long long)(used / 1000));
}

Suite *suite_liveness(void)
{
    Suite *s = suite_create("liveness");
    TCase *tc = gt_tcase("liveness", 30);
    tcase_add_test(tc, test_queued_goroutine_runs_behind_runnext_chain);
    tcase_add_test(tc, test_timers_fire_while_goroutine_spins);
    tcase_add_test(tc, test_idle_process_uses_no_cpu);
    suite_add_tcase(s, tc);
    return s;
}
