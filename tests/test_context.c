/*
 * context: background, cancel, timeout, deadline; cancellation flows from
 * parent to children, never upwards.
 */
#include "gotest.h"

#include <string.h>

static bool done_closed(go_ctx *ctx)
{
    return gt_try_recv(go_ctx_done(ctx), NULL) == 0;
}

GO_TEST(test_background)
{
    go_ctx *bg = go_background();
    ck_assert_ptr_nonnull(bg);
    ck_assert_ptr_eq(go_background(), bg);
    ck_assert_ptr_null(go_ctx_done(bg));
    ck_assert_int_eq(go_ctx_err(bg), 0);
    ck_assert_str_eq(go_ctx_err_str(bg), "");
    go_ctx_free(bg); /* no-op */
    ck_assert_ptr_null(go_ctx_done(go_background()));
}

GO_TEST(test_cancel)
{
    go_ctx *ctx = go_with_cancel(go_background());
    go_chan *done = go_ctx_done(ctx);
    ck_assert_ptr_nonnull(done);
    ck_assert_ptr_eq(go_ctx_done(ctx), done);
    ck_assert_int_eq(go_ctx_err(ctx), 0);
    ck_assert_str_eq(go_ctx_err_str(ctx), "");
    ck_assert(!done_closed(ctx));
    go_cancel(ctx);
    ck_assert(done_closed(ctx));
    ck_assert(!go_chan_recv(done, NULL));
    ck_assert_int_eq(go_ctx_err(ctx), GO_CANCELED);
    ck_assert_str_eq(go_ctx_err_str(ctx), "context canceled");
    go_cancel(ctx); /* idempotent */
    ck_assert_int_eq(go_ctx_err(ctx), GO_CANCELED);
    go_ctx_free(ctx);
}

GO_TEST(test_cancel_propagates_down_not_up)
{
    go_ctx *root = go_with_cancel(go_background());
    go_ctx *mid = go_with_cancel(root);
    go_ctx *leaf1 = go_with_cancel(mid);
    go_ctx *leaf2 = go_with_timeout(mid, 3600 * GO_SECOND);
    go_ctx *sibling = go_with_cancel(root);

    go_cancel(leaf1); /* not up, not sideways */
    ck_assert_int_eq(go_ctx_err(leaf1), GO_CANCELED);
    ck_assert_int_eq(go_ctx_err(mid), 0);
    ck_assert_int_eq(go_ctx_err(root), 0);
    ck_assert_int_eq(go_ctx_err(leaf2), 0);
    ck_assert(!done_closed(mid));
    ck_assert(!done_closed(leaf2));

    go_cancel(mid); /* down: the whole subtree */
    ck_assert_int_eq(go_ctx_err(mid), GO_CANCELED);
    ck_assert_int_eq(go_ctx_err(leaf2), GO_CANCELED);
    ck_assert_str_eq(go_ctx_err_str(leaf2), "context canceled");
    ck_assert(done_closed(leaf2));
    ck_assert_int_eq(go_ctx_err(root), 0);
    ck_assert_int_eq(go_ctx_err(sibling), 0);
    ck_assert(!done_closed(root));

    /* a child of a canceled parent starts canceled */
    go_ctx *late = go_with_cancel(mid);
    ck_assert_int_eq(go_ctx_err(late), GO_CANCELED);
    ck_assert(done_closed(late));

    go_cancel(root);
    ck_assert_int_eq(go_ctx_err(sibling), GO_CANCELED);
    go_cancel(leaf2);
    go_cancel(sibling);
    go_cancel(late);
    go_ctx *all[] = {late, sibling, leaf2, leaf1, mid, root};
    for (int i = 0; i < 6; i++)
        go_ctx_free(all[i]);
}

static go_wg wg;

static void wait_done(void *arg)
{
    ck_assert(!go_chan_recv(go_ctx_done(arg), NULL));
    ck_assert_int_eq(go_ctx_err(arg), GO_CANCELED);
    go_wg_done(&wg);
}

/* Every goroutine blocked on a Done channel wakes on cancel. */
GO_TEST(test_cancel_wakes_waiters)
{
    go_ctx *parent = go_with_cancel(go_background());
    go_ctx *child = go_with_cancel(parent);
    go_wg_add(&wg, 20);
    for (int i = 0; i < 20; i++)
        GO(wait_done, i % 2 ? parent : child);
    go_sleep(10 * GO_MILLISECOND);
    go_cancel(parent);
    go_wg_wait(&wg);
    go_cancel(child);
    go_ctx_free(child);
    go_ctx_free(parent);
}

GO_TEST(test_timeout)
{
    int64_t t0 = go_now();
    go_ctx *ctx = go_with_timeout(go_background(), 20 * GO_MILLISECOND);
    ck_assert_int_eq(go_ctx_err(ctx), 0);
    ck_assert(!go_chan_recv(go_ctx_done(ctx), NULL));
    ck_assert_int_ge(go_now() - t0, 20 * GO_MILLISECOND);
    ck_assert_int_eq(go_ctx_err(ctx), GO_DEADLINE_EXCEEDED);
    ck_assert_str_eq(go_ctx_err_str(ctx), "context deadline exceeded");
    go_cancel(ctx); /* after expiry the error stays */
    ck_assert_int_eq(go_ctx_err(ctx), GO_DEADLINE_EXCEEDED);
    go_ctx_free(ctx);
}

GO_TEST(test_deadline)
{
    int64_t t0 = go_now();
    go_ctx *ctx = go_with_deadline(go_background(), t0 + 20 * GO_MILLISECOND);
    ck_assert(!go_chan_recv(go_ctx_done(ctx), NULL));
    ck_assert_int_ge(go_now() - t0, 20 * GO_MILLISECOND);
    ck_assert_int_eq(go_ctx_err(ctx), GO_DEADLINE_EXCEEDED);
    go_cancel(ctx);
    go_ctx_free(ctx);

    /* a deadline in the past: done at once */
    go_ctx *past = go_with_deadline(go_background(), go_now() - GO_SECOND);
    ck_assert(done_closed(past));
    ck_assert_int_eq(go_ctx_err(past), GO_DEADLINE_EXCEEDED);
    ck_assert_str_eq(go_ctx_err_str(past), "context deadline exceeded");
    go_cancel(past);
    go_ctx_free(past);
}

/* Canceled before the deadline: the error is "canceled", and stays so. */
GO_TEST(test_timeout_canceled_first)
{
    go_ctx *ctx = go_with_timeout(go_background(), 20 * GO_MILLISECOND);
    go_cancel(ctx);
    ck_assert_int_eq(go_ctx_err(ctx), GO_CANCELED);
    go_sleep(40 * GO_MILLISECOND);
    ck_assert_int_eq(go_ctx_err(ctx), GO_CANCELED);
    ck_assert_str_eq(go_ctx_err_str(ctx), "context canceled");
    go_ctx_free(ctx);
}

/* A parent's deadline reaches a child with a later (or no) deadline, which
 * reports the parent's error; a child's own deadline does not touch the
 * parent. */
GO_TEST(test_deadline_propagation)
{
    go_ctx *parent = go_with_timeout(go_background(), 20 * GO_MILLISECOND);
    go_ctx *later = go_with_timeout(parent, 3600 * GO_SECOND);
    go_ctx *plain = go_with_cancel(parent);
    ck_assert(!go_chan_recv(go_ctx_done(later), NULL));
    ck_assert_int_eq(go_ctx_err(later), GO_DEADLINE_EXCEEDED);
    ck_assert(!go_chan_recv(go_ctx_done(plain), NULL));
    ck_assert_int_eq(go_ctx_err(plain), GO_DEADLINE_EXCEEDED);
    ck_assert_int_eq(go_ctx_err(parent), GO_DEADLINE_EXCEEDED);

    go_ctx *root = go_with_cancel(go_background());
    go_ctx *child = go_with_timeout(root, 5 * GO_MILLISECOND);
    ck_assert(!go_chan_recv(go_ctx_done(child), NULL));
    ck_assert_int_eq(go_ctx_err(child), GO_DEADLINE_EXCEEDED);
    go_sleep(10 * GO_MILLISECOND);
    ck_assert_int_eq(go_ctx_err(root), 0);
    ck_assert(!done_closed(root));

    go_ctx *all[] = {plain, later, parent, child, root};
    for (int i = 0; i < 5; i++) {
        go_cancel(all[i]);
        go_ctx_free(all[i]);
    }
}

/* Done of background is NULL, so selecting on it with another case never
 * picks it: the idiom "select on ctx.Done() or work" works for background. */
GO_TEST(test_background_done_in_select)
{
    go_chan *work = go_chan_make(sizeof(int), 1);
    int v = 1;
    go_chan_send(work, &v);
    go_case cs[2] = {GO_RECV_CASE(go_ctx_done(go_background()), NULL),
                     GO_RECV_CASE(work, &v)};
    ck_assert_int_eq(go_select(cs, 2, false), 1);
    ck_assert_int_eq(go_select(cs, 2, true), -1);
    go_chan_free(work);
}

Suite *suite_context(void)
{
    Suite *s = suite_create("context");
    TCase *tc = gt_tcase("core", 20);
    tcase_add_test(tc, test_background);
    tcase_add_test(tc, test_cancel);
    tcase_add_test(tc, test_cancel_propagates_down_not_up);
    tcase_add_test(tc, test_cancel_wakes_waiters);
    tcase_add_test(tc, test_timeout);
    tcase_add_test(tc, test_deadline);
    tcase_add_test(tc, test_timeout_canceled_first);
    tcase_add_test(tc, test_deadline_propagation);
    tcase_add_test(tc, test_background_done_in_select);
    suite_add_tcase(s, tc);
    return s;
}
