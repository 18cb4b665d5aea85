/*
 * time: go_now, go_sleep, go_after, timers and tickers with Go 1.23
 * semantics (after Stop or Reset returns, no stale value is received).
 * Only lower bounds on elapsed time are asserted, and generous upper bounds
 * where a missing wake-up would otherwise hang: the machine is shared.
 */
#include "gotest.h"

#include <malloc.h>
#include <stdbool.h>

GO_TEST(test_now_monotonic)
{
    int64_t prev = go_now(), bad = 0;
    for (int i = 0; i < 10000; i++) {
        int64_t t = go_now();
        bad += t < prev;
        prev = t;
    }
    ck_assert_int_eq(bad, 0);
}

GO_TEST(test_sleep_at_least_duration)
{
    int64_t durations[] = {GO_MILLISECOND, 10 * GO_MILLISECOND,
                           30 * GO_MILLISECOND};
    for (int i = 0; i < 3; i++) {
        int64_t t0 = go_now();
        go_sleep(durations[i]);
        ck_assert_int_ge(go_now() - t0, durations[i]);
    }
    go_sleep(0);  /* returns */
    go_sleep(-5); /* returns */
}

static go_wg wg;

static void sleep_20ms(void *arg)
{
    int64_t t0 = go_now();
    go_sleep(20 * GO_MILLISECOND);
    *(int64_t *)arg = go_now() - t0;
    go_wg_done(&wg);
}

/* Many sleepers at once each sleep their full duration. */
GO_TEST(test_many_sleepers)
{
    enum { N = 100 };
    static int64_t slept[N];
    go_wg_add(&wg, N);
    for (int i = 0; i < N; i++)
        GO(sleep_20ms, &slept[i]);
    go_wg_wait(&wg);
    for (int i = 0; i < N; i++)
        ck_assert_int_ge(slept[i], 20 * GO_MILLISECOND);
}

GO_TEST(test_after_delivers)
{
    int64_t t0 = go_now();
    go_chan *c = go_after(15 * GO_MILLISECOND);
    ck_assert_ptr_nonnull(c);
    int64_t when = 0;
    ck_assert(go_chan_recv(c, &when));
    int64_t t1 = go_now();
    ck_assert_int_ge(t1 - t0, 15 * GO_MILLISECOND);
    ck_assert_int_ge(when, t0 + 15 * GO_MILLISECOND);
    ck_assert_int_le(when, t1);

    /* in a select, the earlier of two fires first */
    go_chan *slow = go_after(10 * GO_SECOND);
    go_chan *fast = go_after(5 * GO_MILLISECOND);
    go_case cs[2] = {GO_RECV_CASE(slow, NULL), GO_RECV_CASE(fast, NULL)};
    ck_assert_int_eq(go_select(cs, 2, false), 1);
}

GO_TEST(test_timer_fires)
{
    int64_t t0 = go_now();
    go_timer *t = go_timer_new(10 * GO_MILLISECOND);
    int64_t when = 0;
    ck_assert(go_chan_recv(go_timer_chan(t), &when));
    ck_assert_int_ge(go_now() - t0, 10 * GO_MILLISECOND);
    ck_assert_int_ge(when, t0 + 10 * GO_MILLISECOND);
    /* fired and received: Stop and Reset report it was not pending */
    ck_assert(!go_timer_stop(t));
    int64_t t1 = go_now(); /* before the reset: it counts from its call */
    ck_assert(!go_timer_reset(t, 10 * GO_MILLISECOND));
    ck_assert(go_chan_recv(go_timer_chan(t), &when));
    ck_assert_int_ge(go_now() - t1, 10 * GO_MILLISECOND);
    go_timer_free(t);
}

GO_TEST(test_timer_stop)
{
    go_timer *t = go_timer_new(20 * GO_MILLISECOND);
    ck_assert(go_timer_stop(t));  /* was pending */
    ck_assert(!go_timer_stop(t)); /* already stopped */
    go_sleep(50 * GO_MILLISECOND);
    ck_assert_int_eq(gt_try_recv(go_timer_chan(t), NULL), -1);
    go_timer_free(t);
}

/* Go 1.23: a timer that expired but whose value was not received is still
 * pending from the program's view: Stop drains the value and returns true
 * (runtime/time.go: timerchandrain sets pending), and nothing stale is
 * received afterwards. */
GO_TEST(test_timer_stop_after_expiry_no_stale_value)
{
    go_timer *t = go_timer_new(GO_MILLISECOND);
    go_sleep(30 * GO_MILLISECOND);
    ck_assert(go_timer_stop(t));
    ck_assert_int_eq(gt_try_recv(go_timer_chan(t), NULL), -1);
    go_sleep(20 * GO_MILLISECOND);
    ck_assert_int_eq(gt_try_recv(go_timer_chan(t), NULL), -1);
    ck_assert(!go_timer_stop(t));
    go_timer_free(t);
}

GO_TEST(test_timer_reset)
{
    /* Reset of a pending timer: true, and it fires at the new time. */
    go_timer *t = go_timer_new(GO_SECOND * 3600);
    int64_t t0 = go_now();
    ck_assert(go_timer_reset(t, 10 * GO_MILLISECOND));
    int64_t when;
    ck_assert(go_chan_recv(go_timer_chan(t), &when));
    ck_assert_int_ge(go_now() - t0, 10 * GO_MILLISECOND);

    /* Reset of a stopped timer: false, and it fires again. */
    ck_assert(!go_timer_stop(t));
    ck_assert(!go_timer_reset(t, 5 * GO_MILLISECOND));
    ck_assert(go_chan_recv(go_timer_chan(t), &when));

    /* Reset shortening and lengthening a pending timer. */
    ck_assert(!go_timer_reset(t, 10 * GO_SECOND));
    t0 = go_now();
    ck_assert(go_timer_reset(t, 20 * GO_MILLISECOND));
    ck_assert(go_chan_recv(go_timer_chan(t), &when));
    ck_assert_int_ge(go_now() - t0, 20 * GO_MILLISECOND);
    ck_assert_int_ge(when, t0 + 20 * GO_MILLISECOND);
    go_timer_free(t);
}

/* Go 1.23: Reset after an unreceived expiry drops the stale value; the value
 * that arrives is the new one, no earlier than the new duration. */
GO_TEST(test_timer_reset_after_expiry_no_stale_value)
{
    go_timer *t = go_timer_new(GO_MILLISECOND);
    go_sleep(30 * GO_MILLISECOND);
    int64_t t0 = go_now();
    ck_assert(go_timer_reset(t, 40 * GO_MILLISECOND));
    ck_assert_int_eq(gt_try_recv(go_timer_chan(t), NULL), -1);
    int64_t when = 0;
    ck_assert(go_chan_recv(go_timer_chan(t), &when));
    ck_assert_int_ge(go_now() - t0, 40 * GO_MILLISECOND);
    ck_assert_int_ge(when, t0 + 40 * GO_MILLISECOND);
    go_timer_free(t);
}

static void stop_timer_later(void *arg)
{
    go_sleep(20 * GO_MILLISECOND);
    ck_assert(go_timer_stop(arg));
    go_wg_done(&wg);
}

/* A receiver blocked on a stopped timer's channel stays blocked. */
GO_TEST(test_timer_stop_while_receiver_waits)
{
    go_timer *t = go_timer_new(60 * GO_MILLISECOND);
    go_wg_add(&wg, 1);
    GO(stop_timer_later, t);
    go_chan *late = go_after(200 * GO_MILLISECOND);
    go_case cs[2] = {GO_RECV_CASE(go_timer_chan(t), NULL),
                     GO_RECV_CASE(late, NULL)};
    ck_assert_int_eq(go_select(cs, 2, false), 1);
    go_wg_wait(&wg);
    go_timer_free(t);
}

GO_TEST(test_ticker_ticks_and_stops)
{
    const int64_t period = 5 * GO_MILLISECOND;
    int64_t t0 = go_now();
    go_ticker *tk = go_ticker_new(period);
    int64_t prev = t0, when;
    for (int i = 1; i <= 5; i++) {
        ck_assert(go_chan_recv(go_ticker_chan(tk), &when));
        ck_assert_int_gt(when, prev);
        prev = when;
    }
    ck_assert_int_ge(go_now() - t0, 5 * period);
    go_ticker_stop(tk);
    go_sleep(4 * period);
    ck_assert_int_eq(gt_try_recv(go_ticker_chan(tk), NULL), -1);
    go_sleep(4 * period);
    ck_assert_int_eq(gt_try_recv(go_ticker_chan(tk), NULL), -1);
    go_ticker_free(tk);
}

/* ---- GO_AFTER_CASE: the per-iteration timeout without a channel -------- */

static void send_one(void *arg)
{
    int v = 1;
    go_chan_send(arg, &v);
}

/* Heap bytes in use (glibc's allocator: the runtime mallocs its objects). */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* One round of `select { case v := <-res: case <-time.After(1s): }` with
 * the result first; returns the case taken. */
static int timeout_round(bool with_go_after)
{
    go_chan *res = go_chan_make(sizeof(int), 1);
    GO(send_one, res);
    int v;
    go_case cs[2] = {GO_RECV_CASE(res, &v),
                     with_go_after ? GO_RECV_CASE(go_after(GO_SECOND), NULL)
                                   : GO_AFTER_CASE(GO_SECOND, NULL)};
    int k = go_select(cs, 2, false);
    go_chan_free(res);
    return k;
}

/* 100k rounds keep nothing with GO_AFTER_CASE: the heap in use afterwards
 * stays within 256 KB of the start (go_after keeps ~200 B per round until
 * exit, 20 MB here, which the second half measures as the contrast). */
GO_TEST(test_after_case_loop_memory_bound)
{
    enum { N = 100000 };
    for (int i = 0; i < 1000; i++) /* warm the caches of Gs and sudogs */
        timeout_round(false);
    size_t before = heap_in_use();
    int wrong = 0;
    for (int i = 0; i < N; i++)
        wrong += timeout_round(false) != 0;
    size_t after = heap_in_use();
    ck_assert_int_eq(wrong, 0);
    ck_assert_int_lt((long)(after - before), 256 << 10);
    for (int i = 0; i < N / 10; i++)
        timeout_round(true);
    if (before) /* AddressSanitizer's mallinfo2 says 0: nothing to compare */
        ck_assert_int_gt((long)(heap_in_use() - after), (N / 10) * 100);
}

/* The timeout wins when nothing else is ready, after its duration, and
 * stores the time; the earliest of several GO_AFTER cases wins. */
GO_TEST(test_after_case_fires)
{
    go_chan *never = go_chan_make(sizeof(int), 0);
    int64_t t0 = go_now(), when = 0;
    go_case cs[3] = {GO_AFTER_CASE(200 * GO_MILLISECOND, NULL),
                     GO_RECV_CASE(never, NULL),
                     GO_AFTER_CASE(10 * GO_MILLISECOND, &when)};
    ck_assert_int_eq(go_select(cs, 3, false), 2);
    ck_assert(cs[2].ok);
    ck_assert_int_ge(when - t0, 10 * GO_MILLISECOND);
    ck_assert_int_lt(go_now() - t0, 200 * GO_MILLISECOND);
    /* with default and nothing ready: the default */
    ck_assert_int_eq(go_select(cs, 3, true), -1);
    /* alone: a sleep */
    t0 = go_now();
    ck_assert_int_eq(go_select(&cs[2], 1, false), 0);
    ck_assert_int_ge(go_now() - t0, 10 * GO_MILLISECOND);
    /* zero or negative: due at once when nothing else is ready */
    go_case due[2] = {GO_RECV_CASE(never, NULL), GO_AFTER_CASE(0, NULL)};
    ck_assert_int_eq(go_select(due, 2, false), 1);
    go_chan_free(never);
}

/* A channel case that becomes ready before the timeout wins, and the
 * timer left behind never wakes the goroutine later (a stray wake-up would
 * complete the next select early). */
static void send_after_5ms(void *arg)
{
    go_sleep(5 * GO_MILLISECOND);
    int v = 7;
    go_chan_send(arg, &v);
}

GO_TEST(test_after_case_loses_cleanly)
{
    go_chan *c = go_chan_make(sizeof(int), 0);
    int bad = 0;
    for (int i = 0; i < 50; i++) {
        GO(send_after_5ms, c);
        int v = 0;
        go_case cs[2] = {GO_AFTER_CASE(5 * GO_MILLISECOND + i * 10000, NULL),
                         GO_RECV_CASE(c, &v)};
        int k = go_select(cs, 2, false);
        if (k == 0)
            go_chan_recv(c, &v); /* the sender still comes */
        bad += v != 7;
    }
    ck_assert_int_eq(bad, 0);
    go_case one[2] = {GO_AFTER_CASE(30 * GO_MILLISECOND, NULL),
                      GO_RECV_CASE(c, NULL)};
    int64_t t0 = go_now();
    ck_assert_int_eq(go_select(one, 2, false), 0);
    ck_assert_int_ge(go_now() - t0, 30 * GO_MILLISECOND);
    go_chan_free(c);
}

Suite *suite_time(void)
{
    Suite *s = suite_create("time");
    TCase *tc = gt_tcase("core", 30);
    tcase_add_test(tc, test_now_monotonic);
    tcase_add_test(tc, test_sleep_at_least_duration);
    tcase_add_test(tc, test_many_sleepers);
    tcase_add_test(tc, test_after_delivers);
    tcase_add_test(tc, test_timer_fires);
    tcase_add_test(tc, test_timer_stop);
    tcase_add_test(tc, test_timer_stop_after_expiry_no_stale_value);
    tcase_add_test(tc, test_timer_reset);
    tcase_add_test(tc, test_timer_reset_after_expiry_no_stale_value);
    tcase_add_test(tc, test_timer_stop_while_receiver_waits);
    tcase_add_test(tc, test_ticker_ticks_and_stops);
    tcase_add_test(tc, test_after_case_fires);
    tcase_add_test(tc, test_after_case_loses_cleanly);
    tcase_add_test(tc, test_after_case_loop_memory_bound);
    suite_add_tcase(s, tc);
    return s;
}
