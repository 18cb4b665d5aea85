/*
 * context, the rest of Go's package (1.21): values, causes, WithoutCancel,
 * AfterFunc; and time.AfterFunc. Ported from Go's src/context tests
 * (TestValues, TestCause, TestWithoutCancel, TestAfterFunc*) and
 * src/time's AfterFunc tests, with Go's names where a test is a port.
 */
#include "gotest.h"

#include <string.h>

static bool done_closed(go_ctx *ctx)
{
    return gt_try_recv(go_ctx_done(ctx), NULL) == 0;
}

/* ---- values ---------------------------------------------------------- */

static const char k1, k2, k3; /* keys are addresses, as Go's unexported types */

static void check_values(go_ctx *c, const char *v1, const char *v2,
                         const char *v3)
{
    ck_assert_ptr_eq(go_ctx_value(c, &k1), v1);
    ck_assert_ptr_eq(go_ctx_value(c, &k2), v2);
    ck_assert_ptr_eq(go_ctx_value(c, &k3), v3);
}

/* Go's TestValues: the nearest ancestor wins, a nil value shadows, and
 * values flow through cancel contexts. */
GO_TEST(test_values)
{
    static char c1k1[] = "c1k1", c2k2[] = "c2k2", c3k3[] = "c3k3";
    check_values(go_background(), NULL, NULL, NULL);
    go_ctx *c1 = go_with_value(go_background(), &k1, c1k1);
    check_values(c1, c1k1, NULL, NULL);
    go_ctx *c2 = go_with_value(c1, &k2, c2k2);
    check_values(c2, c1k1, c2k2, NULL);
    go_ctx *c3 = go_with_value(c2, &k3, c3k3);
    check_values(c3, c1k1, c2k2, c3k3);
    go_ctx *c4 = go_with_value(c3, &k1, NULL);
    check_values(c4, NULL, c2k2, c3k3);
    go_ctx *o3 = go_with_cancel(c4);
    check_values(o3, NULL, c2k2, c3k3);
    go_ctx *o4 = go_with_value(o3, &k3, NULL);
    check_values(o4, NULL, c2k2, NULL);
    /* Freeing ancestors first keeps the values readable. */
    go_ctx *all[] = {c1, c2, c3, c4, o3};
    for (int i = 0; i < 5; i++)
        go_ctx_free(all[i]);
    check_values(o4, NULL, c2k2, NULL);
    go_ctx_free(o4);
}

/* A value context is done exactly when its parent is: same channel, same
 * error; cancelling it is a no-op (Go gives it no cancel function), and a
 * child made under it is cancelled by the parent. */
GO_TEST(test_value_ctx_delegates_done)
{
    go_ctx *parent = go_with_cancel(go_background());
    go_ctx *v = go_with_value(parent, &k1, NULL);
    go_ctx *child = go_with_cancel(v);
    ck_assert_ptr_eq(go_ctx_done(v), go_ctx_done(parent));
    go_cancel(v);
    ck_assert_int_eq(go_ctx_err(v), 0);
    ck_assert_int_eq(go_ctx_err(child), 0);
    go_ctx_free(v); /* dropping it cancels nothing either */
    ck_assert_int_eq(go_ctx_err(child), 0);
    go_cancel(parent);
    ck_assert(done_closed(child));
    ck_assert_int_eq(go_ctx_err(child), GO_CANCELED);
    go_ctx_free(child);
    go_ctx_free(parent);

    go_ctx *bv = go_with_value(go_background(), &k2, NULL);
    ck_assert_ptr_null(go_ctx_done(bv));
    go_ctx_free(bv);
}

/* ---- causes ---------------------------------------------------------- */

/* Go's TestCause, case by case. */
GO_TEST(test_cause)
{
    /* not done: no cause */
    go_ctx *c = go_with_cancel_cause(go_background());
    ck_assert_str_eq(go_ctx_cause(c), "");
    /* cancelled with a cause: err is still Canceled */
    go_cancel_cause(c, "cause1");
    ck_assert_int_eq(go_ctx_err(c), GO_CANCELED);
    ck_assert_str_eq(go_ctx_cause(c), "cause1");
    go_cancel_cause(c, "cause2"); /* the first cancel wins */
    ck_assert_str_eq(go_ctx_cause(c), "cause1");
    go_ctx_free(c);

    /* the cause is copied */
    char buf[16];
    strcpy(buf, "copied");
    c = go_with_cancel_cause(go_background());
    go_cancel_cause(c, buf);
    strcpy(buf, "changed");
    ck_assert_str_eq(go_ctx_cause(c), "copied");
    go_ctx_free(c);

    /* a nil cause, or a plain cancel: the cause is the error */
    c = go_with_cancel_cause(go_background());
    go_cancel_cause(c, NULL);
    ck_assert_str_eq(go_ctx_cause(c), "context canceled");
    go_ctx_free(c);
    c = go_with_cancel(go_background());
    go_cancel(c);
    ck_assert_str_eq(go_ctx_cause(c), "context canceled");
    go_ctx_free(c);

    /* the parent's cause reaches children, whatever their kind */
    go_ctx *p = go_with_cancel_cause(go_background());
    go_ctx *child = go_with_cancel(p);
    go_ctx *timeout = go_with_timeout(p, 3600 * GO_SECOND);
    go_ctx *first = go_with_cancel(p);
    go_cancel(first); /* cancelled before the parent: keeps its own */
    go_ctx *val = go_with_value(p, &k1, NULL);
    go_ctx *detached = go_without_cancel(p);
    go_cancel_cause(p, "parent cause");
    ck_assert_int_eq(go_ctx_err(child), GO_CANCELED);
    ck_assert_str_eq(go_ctx_cause(child), "parent cause");
    ck_assert_int_eq(go_ctx_err(timeout), GO_CANCELED);
    ck_assert_str_eq(go_ctx_cause(timeout), "parent cause");
    ck_assert_str_eq(go_ctx_cause(first), "context canceled");
    ck_assert_str_eq(go_ctx_cause(val), "parent cause");
    ck_assert_str_eq(go_ctx_cause(detached), "");
    /* made after the cancel: born cancelled, with the cause */
    go_ctx *late = go_with_cancel(p);
    ck_assert_str_eq(go_ctx_cause(late), "parent cause");
    go_ctx *all[] = {child, timeout, first, val, detached, late, p};
    for (int i = 0; i < 7; i++)
        go_ctx_free(all[i]);

    /* a deadline: err and cause are both DeadlineExceeded */
    c = go_with_timeout(go_background(), GO_MILLISECOND);
    go_chan_recv(go_ctx_done(c), NULL);
    ck_assert_str_eq(go_ctx_cause(c), "context deadline exceeded");
    go_ctx_free(c);
    ck_assert_str_eq(go_ctx_cause(go_background()), "");
}

/* ---- WithoutCancel --------------------------------------------------- */

/* Go's TestWithoutCancel, plus: the parent's cancel does not reach it nor
 * the contexts made under it. */
GO_TEST(test_without_cancel)
{
    static char value[] = "value";
    go_ctx *parent = go_with_cancel(go_background());
    go_ctx *v = go_with_value(parent, &k1, value);
    go_ctx *ctx = go_without_cancel(v);
    ck_assert_ptr_null(go_ctx_done(ctx));
    ck_assert_int_eq(go_ctx_err(ctx), 0);
    ck_assert_ptr_eq(go_ctx_value(ctx, &k1), value);
    go_ctx *under = go_with_cancel(ctx);
    go_cancel(parent);
    ck_assert_int_eq(go_ctx_err(v), GO_CANCELED);
    ck_assert_int_eq(go_ctx_err(ctx), 0);
    ck_assert_int_eq(go_ctx_err(under), 0);
    ck_assert(!done_closed(under));
    ck_assert_ptr_eq(go_ctx_value(under, &k1), value);
    go_cancel(ctx); /* no-op */
    ck_assert_int_eq(go_ctx_err(ctx), 0);
    go_ctx *all[] = {parent, v, under, ctx};
    for (int i = 0; i < 4; i++)
        go_ctx_free(all[i]);
}

/* ---- AfterFunc ------------------------------------------------------- */

static void close_chan(void *c)
{
    go_chan_close(c);
}

static bool closed_within(go_chan *c, int64_t ns)
{
    go_case cs[2] = {GO_RECV_CASE(c, NULL), GO_RECV_CASE(go_after(ns), NULL)};
    return go_select(cs, 2, false) == 0;
}

/* Go's TestAfterFuncCalledAfterCancel. */
GO_TEST(test_after_func_called_after_cancel)
{
    go_ctx *ctx = go_with_cancel(go_background());
    go_chan *donec = go_chan_make(0, 0);
    go_stop *stop = go_ctx_after_func(ctx, close_chan, donec);
    ck_assert_msg(!closed_within(donec, 20 * GO_MILLISECOND),
                  "AfterFunc called before context is done");
    go_cancel(ctx);
    ck_assert_msg(closed_within(donec, 10 * GO_SECOND),
                  "AfterFunc not called after context is canceled");
    ck_assert(!go_stop_call(stop));
    go_ctx_free(ctx);
    go_chan_free(donec);
}

/* Go's TestAfterFuncCalledAfterTimeout. */
GO_TEST(test_after_func_called_after_timeout)
{
    go_ctx *ctx = go_with_timeout(go_background(), 10 * GO_MILLISECOND);
    go_chan *donec = go_chan_make(0, 0);
    go_stop *stop = go_ctx_after_func(ctx, close_chan, donec);
    ck_assert(closed_within(donec, 10 * GO_SECOND));
    ck_assert(!go_stop_call(stop));
    go_ctx_free(ctx);
    go_chan_free(donec);
}

/* Go's TestAfterFuncCalledImmediately. */
GO_TEST(test_after_func_called_immediately)
{
    go_ctx *ctx = go_with_cancel(go_background());
    go_cancel(ctx);
    go_chan *donec = go_chan_make(0, 0);
    go_stop *stop = go_ctx_after_func(ctx, close_chan, donec);
    ck_assert(closed_within(donec, 10 * GO_SECOND));
    ck_assert(!go_stop_call(stop));
    go_ctx_free(ctx);
    go_chan_free(donec);
}

/* Go's TestAfterFuncNotCalledAfterStop, and through a value context. */
GO_TEST(test_after_func_not_called_after_stop)
{
    go_ctx *ctx = go_with_cancel(go_background());
    go_ctx *v = go_with_value(ctx, &k1, NULL);
    go_chan *donec = go_chan_make(0, 0);
    go_stop *stop = go_ctx_after_func(v, close_chan, donec);
    ck_assert(go_stop_call(stop));
    go_cancel(ctx);
    ck_assert_msg(!closed_within(donec, 20 * GO_MILLISECOND),
                  "AfterFunc called after stop");
    go_ctx_free(v);
    go_ctx_free(ctx);
    go_chan_free(donec);

    /* background is never done: fn never runs, stop reports it stopped */
    stop = go_ctx_after_func(go_background(), close_chan, NULL);
    ck_assert(go_stop_call(stop));
}

static int64_t after_calls;

static void count_call(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&after_calls, 1, __ATOMIC_SEQ_CST);
}

/* Many after-funcs on one context run once each; stopping half of them
 * first keeps exactly those from running. */
GO_TEST(test_after_func_many)
{
    enum { N = 200 };
    static go_stop *stops[N];
    after_calls = 0;
    go_ctx *ctx = go_with_cancel(go_background());
    for (int i = 0; i < N; i++)
        stops[i] = go_ctx_after_func(ctx, count_call, NULL);
    int stopped = 0;
    for (int i = 0; i < N; i += 2)
        stopped += go_stop_call(stops[i]);
    ck_assert_int_eq(stopped, N / 2);
    go_cancel(ctx);
    ck_assert_int_eq(gt_wait_count(&after_calls, N / 2, 10 * GO_SECOND), N / 2);
    go_sleep(10 * GO_MILLISECOND);
    ck_assert_int_eq(after_calls, N / 2);
    for (int i = 1; i < N; i += 2)
        ck_assert(!go_stop_call(stops[i]));
    go_ctx_free(ctx);
}

/* ---- time.AfterFunc -------------------------------------------------- */

/* Go's TestAfterFunc: fn runs in its own goroutine once the time is up;
 * the timer has no channel. */
GO_TEST(test_time_after_func)
{
    go_chan *donec = go_chan_make(0, 0);
    int64_t t0 = go_now();
    go_timer *t = go_after_func(10 * GO_MILLISECOND, close_chan, donec);
    ck_assert_ptr_null(go_timer_chan(t));
    ck_assert(closed_within(donec, 10 * GO_SECOND));
    ck_assert_int_ge(go_now() - t0, 10 * GO_MILLISECOND);
    ck_assert(!go_timer_stop(t)); /* already fired */
    go_timer_free(t);
    go_chan_free(donec);
}

/* Stop before the fire: true, and fn never runs. Reset re-arms a stopped
 * or fired timer (false) and a pending one (true, one run only). */
GO_TEST(test_time_after_func_stop_reset)
{
    after_calls = 0;
    go_timer *t = go_after_func(20 * GO_MILLISECOND, count_call, NULL);
    ck_assert(go_timer_stop(t));
    ck_assert(!go_timer_stop(t));
    go_sleep(40 * GO_MILLISECOND);
    ck_assert_int_eq(after_calls, 0);

    ck_assert(!go_timer_reset(t, 5 * GO_MILLISECOND));
    ck_assert_int_eq(gt_wait_count(&after_calls, 1, 10 * GO_SECOND), 1);
    ck_assert(!go_timer_reset(t, 30 * GO_MILLISECOND));
    ck_assert(go_timer_reset(t, 5 * GO_MILLISECOND));
    ck_assert_int_eq(gt_wait_count(&after_calls, 2, 10 * GO_SECOND), 2);
    go_sleep(50 * GO_MILLISECOND);
    ck_assert_int_eq(after_calls, 2);
    go_timer_free(t);

    /* freed while pending: fn never runs */
    t = go_after_func(10 * GO_MILLISECOND, count_call, NULL);
    go_timer_free(t);
    go_sleep(30 * GO_MILLISECOND);
    ck_assert_int_eq(after_calls, 2);
}

Suite *suite_context2(void)
{
    Suite *s = suite_create("context2");
    TCase *tc = gt_tcase("core", 30);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_value_ctx_delegates_done);
    tcase_add_test(tc, test_cause);
    tcase_add_test(tc, test_without_cancel);
    tcase_add_test(tc, test_after_func_called_after_cancel);
    tcase_add_test(tc, test_after_func_called_after_timeout);
    tcase_add_test(tc, test_after_func_called_immediately);
    tcase_add_test(tc, test_after_func_not_called_after_stop);
    tcase_add_test(tc, test_after_func_many);
    tcase_add_test(tc, test_time_after_func);
    tcase_add_test(tc, test_time_after_func_stop_reset);
    suite_add_tcase(s, tc);
    return s;
}
