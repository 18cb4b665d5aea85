/*
 * Channels: go_chan_make/send/recv/close/len/cap/free, with Go's semantics
 * for buffering, closing, NULL channels and zero-size elements.
 */
#include "gotest.h"

#include <stdatomic.h>
#include <string.h>

GO_TEST(test_buffered_fifo_len_cap)
{
    go_chan *c = go_chan_make(sizeof(int), 100);
    ck_assert_uint_eq(go_chan_cap(c), 100);
    ck_assert_uint_eq(go_chan_len(c), 0);
    for (int i = 0; i < 100; i++) {
        go_chan_send(c, &i);
        ck_assert_uint_eq(go_chan_len(c), (size_t)i + 1);
    }
    for (int i = 0; i < 100; i++) {
        int v = -1;
        ck_assert(go_chan_recv(c, &v));
        ck_assert_int_eq(v, i);
        ck_assert_uint_eq(go_chan_len(c), 99 - (size_t)i);
    }
    ck_assert_uint_eq(go_chan_cap(c), 100);
    go_chan_free(c);
}

GO_TEST(test_unbuffered_len_cap)
{
    go_chan *c = go_chan_make(sizeof(long), 0);
    ck_assert_uint_eq(go_chan_len(c), 0);
    ck_assert_uint_eq(go_chan_cap(c), 0);
    go_chan_free(c);
}

/* len and cap of a nil channel are 0, as in Go. */
GO_TEST(test_nil_len_cap)
{
    ck_assert_uint_eq(go_chan_len(NULL), 0);
    ck_assert_uint_eq(go_chan_cap(NULL), 0);
}

enum { NSTREAM = 20000 };

static void produce_sequence(void *arg)
{
    go_chan *c = arg;
    for (int i = 0; i < NSTREAM; i++)
        go_chan_send(c, &i);
    go_chan_close(c);
}

/* Order survives blocking on a full buffer, and the wrap-around. */
static void check_stream(size_t cap)
{
    go_chan *c = go_chan_make(sizeof(int), cap);
    GO(produce_sequence, c);
    int v, next = 0, bad = 0;
    while (go_chan_recv(c, &v)) {
        bad += v != next;
        next++;
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(next, NSTREAM);
    ck_assert_uint_eq(go_chan_len(c), 0);
    go_chan_free(c);
}

GO_TEST(test_stream_order)
{
    check_stream(0);
    check_stream(1);
    check_stream(7);
    check_stream(1024);
}

/* Values are copied in and out; wide elements arrive intact. */
typedef struct {
    uint64_t words[16];
} wide;

GO_TEST(test_wide_elements_copied)
{
    go_chan *c = go_chan_make(sizeof(wide), 2);
    wide a, b;
    for (int i = 0; i < 16; i++)
        a.words[i] = 0x0101010101010101ull * (uint64_t)i;
    go_chan_send(c, &a);
    memset(&a, 0xff, sizeof a); /* the channel holds its own copy */
    ck_assert(go_chan_recv(c, &b));
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(b.words[i], 0x0101010101010101ull * (uint64_t)i);
    go_chan_free(c);
}

/* ---- blocking ---------------------------------------------------------- */

static atomic_int sent;

static void send_one(void *arg)
{
    int v = 42;
    go_chan_send(arg, &v);
    atomic_store(&sent, 1);
}

/* An unbuffered send completes only once a receiver takes the value. */
GO_TEST(test_unbuffered_send_blocks_until_received)
{
    go_chan *c = go_chan_make(sizeof(int), 0);
    GO(send_one, c);
    go_sleep(50 * GO_MILLISECOND);
    ck_assert_int_eq(atomic_load(&sent), 0);
    ck_assert_uint_eq(go_chan_len(c), 0);
    int v = 0;
    ck_assert(go_chan_recv(c, &v));
    ck_assert_int_eq(v, 42);
    int64_t deadline = go_now() + 5 * GO_SECOND;
    while (!atomic_load(&sent) && go_now() < deadline)
        go_sleep(GO_MILLISECOND);
    ck_assert_int_eq(atomic_load(&sent), 1);
    go_chan_free(c);
}

/* A buffered send blocks only when the buffer is full. */
GO_TEST(test_buffered_send_blocks_when_full)
{
    go_chan *c = go_chan_make(sizeof(int), 1);
    int v = 1;
    go_chan_send(c, &v); /* room: does not block */
    GO(send_one, c);
    go_sleep(50 * GO_MILLISECOND);
    ck_assert_int_eq(atomic_load(&sent), 0);
    ck_assert_uint_eq(go_chan_len(c), 1);
    ck_assert(go_chan_recv(c, &v));
    ck_assert_int_eq(v, 1);
    ck_assert(go_chan_recv(c, &v));
    ck_assert_int_eq(v, 42);
    go_chan_free(c);
}

/* ---- close ------------------------------------------------------------- */

enum { NWAITERS = 16 };
static int results[NWAITERS];
static bool oks[NWAITERS];
static go_wg waiters_wg;
static go_chan *shared;

static void recv_into_slot(void *arg)
{
    intptr_t i = (intptr_t)arg;
    results[i] = 0x5a5a5a5a;
    oks[i] = go_chan_recv(shared, &results[i]);
    go_wg_done(&waiters_wg);
}

/* close wakes every receiver, each with the zero value and false. */
static void check_close_wakes_all(size_t cap)
{
    shared = go_chan_make(sizeof(int), cap);
    go_wg_add(&waiters_wg, NWAITERS);
    for (intptr_t i = 0; i < NWAITERS; i++)
        GO(recv_into_slot, i);
    go_sleep(20 * GO_MILLISECOND);
    go_chan_close(shared);
    go_wg_wait(&waiters_wg);
    for (int i = 0; i < NWAITERS; i++) {
        ck_assert(!oks[i]);
        ck_assert_int_eq(results[i], 0);
    }
    go_chan_free(shared);
}

GO_TEST(test_close_wakes_all_receivers)
{
    check_close_wakes_all(0);
    check_close_wakes_all(4);
}

/* Buffered values are still delivered after close, then zero and false. */
GO_TEST(test_close_drains_buffer_first)
{
    go_chan *c = go_chan_make(sizeof(int), 3);
    for (int i = 1; i <= 3; i++)
        go_chan_send(c, &i);
    go_chan_close(c);
    ck_assert_uint_eq(go_chan_len(c), 3);
    for (int i = 1; i <= 3; i++) {
        int v = 0;
        ck_assert(go_chan_recv(c, &v));
        ck_assert_int_eq(v, i);
    }
    for (int k = 0; k < 3; k++) {
        int v = 77;
        ck_assert(!go_chan_recv(c, &v));
        ck_assert_int_eq(v, 0);
    }
    ck_assert_uint_eq(go_chan_len(c), 0);
    ck_assert_uint_eq(go_chan_cap(c), 3);
    go_chan_free(c);
}

GO_TEST(test_recv_out_null)
{
    go_chan *c = go_chan_make(sizeof(int), 1);
    int v = 5;
    go_chan_send(c, &v);
    ck_assert(go_chan_recv(c, NULL)); /* value discarded */
    ck_assert_uint_eq(go_chan_len(c), 0);
    go_chan_close(c);
    ck_assert(!go_chan_recv(c, NULL));
    go_chan_free(c);

    go_chan *u = go_chan_make(sizeof(int), 0);
    GO(send_one, u);
    ck_assert(go_chan_recv(u, NULL));
    go_chan_free(u);
}

/* ---- element size 0: chan struct{} ------------------------------------- */

static void signal_n(void *arg)
{
    for (int i = 0; i < 5; i++)
        go_chan_send(arg, NULL);
    go_chan_close(arg);
}

GO_TEST(test_zero_size_elements)
{
    go_chan *b = go_chan_make(0, 3);
    ck_assert_uint_eq(go_chan_cap(b), 3);
    go_chan_send(b, NULL);
    go_chan_send(b, NULL);
    ck_assert_uint_eq(go_chan_len(b), 2);
    ck_assert(go_chan_recv(b, NULL));
    ck_assert_uint_eq(go_chan_len(b), 1);
    go_chan_close(b);
    ck_assert(go_chan_recv(b, NULL));
    ck_assert(!go_chan_recv(b, NULL));
    go_chan_free(b);

    go_chan *u = go_chan_make(0, 0);
    GO(signal_n, u);
    int n = 0;
    while (go_chan_recv(u, NULL))
        n++;
    ck_assert_int_eq(n, 5);
    go_chan_free(u);
}

/* ---- NULL channels block forever --------------------------------------- */

static atomic_int nil_returned;

static void recv_nil(void *arg)
{
    (void)arg;
    int v;
    go_chan_recv(NULL, &v);
    atomic_store(&nil_returned, 1);
}

static void send_nil(void *arg)
{
    (void)arg;
    int v = 1;
    go_chan_send(NULL, &v);
    atomic_store(&nil_returned, 1);
}

GO_TEST(test_nil_channel_blocks_forever)
{
    GO(recv_nil, NULL);
    GO(send_nil, NULL);
    go_sleep(50 * GO_MILLISECOND);
    ck_assert_int_eq(atomic_load(&nil_returned), 0);
    ck_assert_int_eq(go_num_goroutine(), 3);
    /* main returns: the two are abandoned, which is not an error */
}

/* ---- many producers and consumers -------------------------------------- */

enum { NPROD = 4, NCONS = 4, PER_PROD = 25000 };
static go_chan *mpmc;
static go_wg prod_wg, cons_wg;
static atomic_llong cons_sum, cons_count;

static void producer(void *arg)
{
    int64_t base = (intptr_t)arg * PER_PROD;
    for (int64_t i = 0; i < PER_PROD; i++) {
        int64_t v = base + i;
        go_chan_send(mpmc, &v);
    }
    go_wg_done(&prod_wg);
}

static void consumer(void *arg)
{
    (void)arg;
    int64_t v, sum = 0, n = 0;
    while (go_chan_recv(mpmc, &v)) {
        sum += v;
        n++;
    }
    atomic_fetch_add(&cons_sum, sum);
    atomic_fetch_add(&cons_count, n);
    go_wg_done(&cons_wg);
}

static void check_mpmc(size_t cap)
{
    mpmc = go_chan_make(sizeof(int64_t), cap);
    atomic_store(&cons_sum, 0);
    atomic_store(&cons_count, 0);
    go_wg_add(&prod_wg, NPROD);
    go_wg_add(&cons_wg, NCONS);
    for (intptr_t i = 0; i < NCONS; i++)
        GO(consumer, i);
    for (intptr_t i = 0; i < NPROD; i++)
        GO(producer, i);
    go_wg_wait(&prod_wg);
    go_chan_close(mpmc);
    go_wg_wait(&cons_wg);
    int64_t n = (int64_t)NPROD * PER_PROD;
    ck_assert_int_eq(atomic_load(&cons_count), n);
    ck_assert_int_eq(atomic_load(&cons_sum), n * (n - 1) / 2);
    go_chan_free(mpmc);
}

GO_TEST(test_many_producers_consumers)
{
    check_mpmc(0);
    check_mpmc(16);
}

Suite *suite_chan(void)
{
    Suite *s = suite_create("chan");
    TCase *tc = gt_tcase("core", 30);
    tcase_add_test(tc, test_buffered_fifo_len_cap);
    tcase_add_test(tc, test_unbuffered_len_cap);
    tcase_add_test(tc, test_nil_len_cap);
    tcase_add_test(tc, test_stream_order);
    tcase_add_test(tc, test_wide_elements_copied);
    tcase_add_test(tc, test_unbuffered_send_blocks_until_received);
    tcase_add_test(tc, test_buffered_send_blocks_when_full);
    tcase_add_test(tc, test_close_wakes_all_receivers);
    tcase_add_test(tc, test_close_drains_buffer_first);
    tcase_add_test(tc, test_recv_out_null);
    tcase_add_test(tc, test_zero_size_elements);
    tcase_add_test(tc, test_nil_channel_blocks_forever);
    tcase_add_test(tc, test_many_producers_consumers);
    suite_add_tcase(s, tc);
    return s;
}
