// The argument x is read before the called function takes the mutex: outside
// the critical section.
//
// Port of TestRaceAsFunc3 (go 1.19 runtime/race/testdata/mop_test.go).
//
// seeds: 0 the race is seen only when main's critical section comes first
// (then g's read of x precedes its Lock and is unordered with main's write);
// Go's test relies on that order too, and some seeded schedules reverse it.
// At GOMAXPROCS=2 an idle P may steal the child from runnext while main's
// thread is descheduled, which reverses it as well (CI saw that once on a
// loaded machine): one P only, where the order is the runtime's.
// expect: race
// gomaxprocs: 1
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

go_mutex mu;
int x;
go_chan *c;
__attribute__((noinline)) static void lock_with(int v)
{
    __asm__ volatile("" ::"r"(v));
    go_mutex_lock(&mu);
}
GOFN(g)
{
    lock_with(x);
    go_mutex_unlock(&mu);
    notify(c);
}
TEST
{
    c = mkch(1);
    GO(g, 0);
    go_mutex_lock(&mu);
    x = 42;
    go_mutex_unlock(&mu);
    await(c);
}
