/*
 * go_select: readiness, uniform choice among ready cases, NULL channel cases,
 * default, blocking until a case becomes ready, .ok after a closed receive.
 */
#include "gotest.h"

#include <stdatomic.h>

/*
 * Fairness: with k always-ready cases, each of `n` selects picks case i with
 * probability 1/k. Pearson's chi-square over the counts has k-1 degrees of
 * freedom; its tail P(X > x) is exp(-x/2) for 2 dof and erfc(sqrt(x/2)) for
 * 1 dof. The bounds below are about 1e-9 tails: a real bias of a few percent
 * (chi-square in the hundreds at n = 10^5) fails, chance never does.
 */
static double chi_square(const long *counts, int k, long n)
{
    double expect = (double)n / k, x = 0;
    for (int i = 0; i < k; i++) {
        double d = (double)counts[i] - expect;
        x += d * d / expect;
    }
    return x;
}

enum { NSELECT = 100000 };

/* Two buffered channels that always hold a value: refilled after each pick. */
GO_TEST(test_fairness_two_ready_buffered)
{
    go_chan *c[2] = {go_chan_make(sizeof(int), 1),
                     go_chan_make(sizeof(int), 1)};
    for (int i = 0; i < 2; i++)
        go_chan_send(c[i], &i);
    long counts[2] = {0, 0}, wrong = 0;
    int v[2];
    for (int n = 0; n < NSELECT; n++) {
        go_case cs[2] = {GO_RECV_CASE(c[0], &v[0]), GO_RECV_CASE(c[1], &v[1])};
        int i = go_select(cs, 2, false);
        if (i != 0 && i != 1) {
            wrong++;
            break;
        }
        counts[i]++;
        wrong += !cs[i].ok || v[i] != i;
        go_chan_send(c[i], &i);
    }
    ck_assert_int_eq(wrong, 0);
    double x = chi_square(counts, 2, NSELECT);
    ck_assert_msg(x < 36.0, "select biased: %ld vs %ld (chi-square %.1f)",
                  counts[0], counts[1], x);
    go_chan_free(c[0]);
    go_chan_free(c[1]);
}

/* Three closed channels (always ready to receive), plus a NULL case. */
GO_TEST(test_fairness_three_closed)
{
    go_chan *c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = go_chan_make(sizeof(int), 0);
        go_chan_close(c[i]);
    }
    long counts[3] = {0, 0, 0}, wrong = 0;
    for (int n = 0; n < NSELECT; n++) {
        int v = 9;
        go_case cs[4] = {GO_RECV_CASE(c[0], &v), GO_RECV_CASE(NULL, &v),
                         GO_RECV_CASE(c[1], &v), GO_RECV_CASE(c[2], NULL)};
        int i = go_select(cs, 4, false);
        if (i < 0 || i == 1 || i > 3) {
            wrong++;
            break;
        }
        wrong += cs[i].ok || (i != 3 && v != 0);
        counts[i == 0 ? 0 : i - 1]++;
    }
    ck_assert_int_eq(wrong, 0);
    double x = chi_square(counts, 3, NSELECT);
    ck_assert_msg(x < 42.0, "select biased: %ld %ld %ld (chi-square %.1f)",
                  counts[0], counts[1], counts[2], x);
}

/* Send cases: two buffered channels with room; drained after each pick. */
GO_TEST(test_fairness_two_ready_sends)
{
    go_chan *c[2] = {go_chan_make(sizeof(int), 1),
                     go_chan_make(sizeof(int), 1)};
    long counts[2] = {0, 0}, wrong = 0;
    for (int n = 0; n < NSELECT; n++) {
        int v = n;
        go_case cs[2] = {GO_SEND_CASE(c[0], &v), GO_SEND_CASE(c[1], &v)};
        int i = go_select(cs, 2, false);
        if (i != 0 && i != 1) {
            wrong++;
            break;
        }
        counts[i]++;
        int got = -1;
        wrong += !go_chan_recv(c[i], &got) || got != n;
    }
    ck_assert_int_eq(wrong, 0);
    double x = chi_square(counts, 2, NSELECT);
    ck_assert_msg(x < 36.0, "select biased: %ld vs %ld (chi-square %.1f)",
                  counts[0], counts[1], x);
    go_chan_free(c[0]);
    go_chan_free(c[1]);
}

/* ---- NULL cases, default, n == 0 --------------------------------------- */

GO_TEST(test_nil_case_never_chosen)
{
    go_chan *c = go_chan_make(sizeof(int), 1);
    int v = 1, got, bad = 0;
    for (int n = 0; n < 1000; n++) {
        go_chan_send(c, &v);
        go_case cs[3] = {GO_RECV_CASE(NULL, &got), GO_RECV_CASE(c, &got),
                         GO_SEND_CASE(NULL, &v)};
        bad += go_select(cs, 3, false) != 1;
    }
    ck_assert_int_eq(bad, 0);
    /* Only NULL cases: the default is taken, every time. */
    for (int n = 0; n < 100; n++) {
        go_case cs[2] = {GO_RECV_CASE(NULL, &got), GO_SEND_CASE(NULL, &v)};
        bad += go_select(cs, 2, true) != -1;
    }
    ck_assert_int_eq(bad, 0);
    go_chan_free(c);
}

GO_TEST(test_default_when_nothing_ready)
{
    go_chan *empty = go_chan_make(sizeof(int), 4);
    go_chan *full = go_chan_make(sizeof(int), 1);
    go_chan *unbuf = go_chan_make(sizeof(int), 0);
    int v = 3;
    go_chan_send(full, &v);
    go_case cs[4] = {GO_RECV_CASE(empty, &v), GO_SEND_CASE(full, &v),
                     GO_RECV_CASE(unbuf, &v), GO_SEND_CASE(unbuf, &v)};
    ck_assert_int_eq(go_select(cs, 4, true), -1);
    ck_assert_uint_eq(go_chan_len(full), 1);
    ck_assert_uint_eq(go_chan_len(empty), 0);
    /* Now one becomes ready: it is chosen over the default. */
    go_chan_send(empty, &v);
    int got = 0;
    go_case cs2[4] = {GO_RECV_CASE(empty, &got), GO_SEND_CASE(full, &v),
                      GO_RECV_CASE(unbuf, &v), GO_SEND_CASE(unbuf, &v)};
    ck_assert_int_eq(go_select(cs2, 4, true), 0);
    ck_assert(cs2[0].ok);
    ck_assert_int_eq(got, 3);
    go_chan_free(empty);
    go_chan_free(full);
    go_chan_free(unbuf);
}

GO_TEST(test_zero_cases_with_default)
{
    ck_assert_int_eq(go_select(NULL, 0, true), -1);
    go_case none[1];
    ck_assert_int_eq(go_select(none, 0, true), -1);
}

/* ---- closed receive, blocking select ----------------------------------- */

GO_TEST(test_ok_false_after_closed_receive)
{
    go_chan *c = go_chan_make(sizeof(int), 2);
    int v = 8;
    go_chan_send(c, &v);
    go_chan_close(c);
    int got = 0;
    go_case cs[1] = {GO_RECV_CASE(c, &got)};
    ck_assert_int_eq(go_select(cs, 1, false), 0);
    ck_assert(cs[0].ok);
    ck_assert_int_eq(got, 8);
    got = 99;
    cs[0].ok = true;
    ck_assert_int_eq(go_select(cs, 1, true), 0);
    ck_assert(!cs[0].ok);
    ck_assert_int_eq(got, 0);
    go_chan_free(c);
}

static go_wg xwg;

struct delayed {
    go_chan *c;
    int value;
    bool close;
};

static void send_later(void *arg)
{
    struct delayed *d = arg;
    go_sleep(20 * GO_MILLISECOND);
    if (d->close)
        go_chan_close(d->c);
    else
        go_chan_send(d->c, &d->value);
}

static void recv_later(void *arg)
{
    struct delayed *d = arg;
    go_sleep(20 * GO_MILLISECOND);
    ck_assert(go_chan_recv(d->c, &d->value));
    go_wg_done(&xwg);
}

/* A select with nothing ready parks until another goroutine acts. */
GO_TEST(test_select_blocks_until_ready)
{
    go_chan *a = go_chan_make(sizeof(int), 0);
    go_chan *b = go_chan_make(sizeof(int), 0);
    struct delayed d = {.c = b, .value = 1234};
    GO(send_later, &d);
    int va = 0, vb = 0;
    go_case cs[3] = {GO_RECV_CASE(a, &va), GO_RECV_CASE(NULL, &va),
                     GO_RECV_CASE(b, &vb)};
    ck_assert_int_eq(go_select(cs, 3, false), 2);
    ck_assert(cs[2].ok);
    ck_assert_int_eq(vb, 1234);
    ck_assert_int_eq(va, 0);

    /* woken by close: .ok false, zero value */
    struct delayed d2 = {.c = a, .close = true};
    GO(send_later, &d2);
    va = 55;
    go_case cs2[2] = {GO_RECV_CASE(a, &va), GO_RECV_CASE(b, &vb)};
    ck_assert_int_eq(go_select(cs2, 2, false), 0);
    ck_assert(!cs2[0].ok);
    ck_assert_int_eq(va, 0);

    /* a blocked send case completes when a receiver comes */
    struct delayed d3 = {.c = b};
    go_wg_add(&xwg, 1);
    GO(recv_later, &d3);
    int out = 4321;
    go_case cs3[2] = {GO_SEND_CASE(b, &out), GO_RECV_CASE(NULL, NULL)};
    ck_assert_int_eq(go_select(cs3, 2, false), 0);
    go_wg_wait(&xwg);
    ck_assert_int_eq(d3.value, 4321);
    go_chan_free(b);
}

/* Two selects on both ends of the same channels must rendezvous. */
static go_chan *xa, *xb;

static void select_sender(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10000; i++) {
        go_case cs[2] = {GO_SEND_CASE(xa, &i), GO_SEND_CASE(xb, &i)};
        go_select(cs, 2, false);
    }
    go_wg_done(&xwg);
}

GO_TEST(test_select_meets_select)
{
    xa = go_chan_make(sizeof(int), 0);
    xb = go_chan_make(sizeof(int), 0);
    go_wg_add(&xwg, 1);
    GO(select_sender, NULL);
    long sum = 0;
    int bad = 0;
    for (int i = 0; i < 10000; i++) {
        int va = -1, vb = -1;
        go_case cs[2] = {GO_RECV_CASE(xa, &va), GO_RECV_CASE(xb, &vb)};
        int k = go_select(cs, 2, false);
        int v = k == 0 ? va : vb;
        bad += (k != 0 && k != 1) || !cs[k].ok || v != i;
        sum += v;
    }
    go_wg_wait(&xwg);
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(sum, 10000L * 9999 / 2);
}

Suite *suite_select(void)
{
    Suite *s = suite_create("select");
    TCase *tc = gt_tcase("core", 40);
    tcase_add_test(tc, test_fairness_two_ready_buffered);
    tcase_add_test(tc, test_fairness_three_closed);
    tcase_add_test(tc, test_fairness_two_ready_sends);
    tcase_add_test(tc, test_nil_case_never_chosen);
    tcase_add_test(tc, test_default_when_nothing_ready);
    tcase_add_test(tc, test_zero_cases_with_default);
    tcase_add_test(tc, test_ok_false_after_closed_receive);
    tcase_add_test(tc, test_select_blocks_until_ready);
    tcase_add_test(tc, test_select_meets_select);
    suite_add_tcase(s, tc);
    return s;
}
