// A release store replaces the clock of an atomic that a goroutine took
// whole on an acquire; that goroutine's later read-modify-write must still
// merge all it knows. W writes data_w and release-stores A = 1; G
// acquire-loads 1 (taking A's clock: detect/race/race.c, took_from); H
// then release-stores A = 2, which replaces A's clock with H's, who knows
// nothing of W; G's acq_rel fetch_add makes A = 12; main (K) acquire-loads 12
// and reads data_w: W -> G -> K, ordered (C11: K synchronizes with G's RMW,
// which comes after G's acquire of W's store). The steps are sequenced by
// relaxed flags, which order nothing.
//
// expect: ok
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scaffolding shared by the ported tests (each file stays self-contained):
 * GOFN declares a goroutine body, TEST the test (run by main_fn as
 * goroutine 1), USE(v) forces a real load of v (Go's `_ = v`), mkch
 * makes Go's `chan bool` (one-byte elements: each buffer slot is its own
 * sync point; `chan struct{}`, go_chan_make(0, n), has one for all), and
 * notify/await send and receive a signal on either kind. */
#define GOFN(name) static void name(void *arg __attribute__((unused)))
#define TEST static void test(void)
/* Shared variables are globals with external linkage, so the optimizer
 * keeps stores nothing reads. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)
__attribute__((unused)) static inline go_chan *mkch(size_t cap)
{
    return go_chan_make(sizeof(bool), cap);
}
__attribute__((unused)) static inline void notify(go_chan *c)
{
    go_chan_send(c, &(bool){true});
}
__attribute__((unused)) static inline void await(go_chan *c)
{
    bool b;
    go_chan_recv(c, &b);
}
TEST;
static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    test();
    return 0;
}
int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}

long data_w;
atomic_long A;
atomic_int g_took, h_stored; /* relaxed */
GOFN(w)
{
    data_w = 42;
    atomic_store_explicit(&A, 1, memory_order_release);
}
GOFN(g)
{
    while (atomic_load_explicit(&A, memory_order_acquire) != 1)
        go_yield();
    atomic_store_explicit(&g_took, 1, memory_order_relaxed);
    while (!atomic_load_explicit(&h_stored, memory_order_relaxed))
        go_yield();
    atomic_fetch_add_explicit(&A, 10, memory_order_acq_rel);
}
GOFN(h)
{
    while (!atomic_load_explicit(&g_took, memory_order_relaxed))
        go_yield();
    atomic_store_explicit(&A, 2, memory_order_release);
    atomic_store_explicit(&h_stored, 1, memory_order_relaxed);
}
TEST
{
    GO(w, 0);
    GO(g, 0);
    GO(h, 0);
    while (atomic_load_explicit(&A, memory_order_acquire) != 12)
        go_yield();
    USE(data_w);
}
