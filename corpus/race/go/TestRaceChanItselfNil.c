// The goroutine reads c to send on it; main sets c to nil. A join channel (not
// in Go's original, whose test binary outlives main) keeps the program alive
// until the goroutine has run. The 10 ms sleep usually lets the goroutine
// read c first; on a loaded machine it may read NULL, and it then skips the
// send rather than block forever on a nil channel (a deadlock, exit 2, after
// the report). The two accesses race in either order.
//
// Port of TestRaceChanItselfNil (go 1.19 runtime/race/testdata/chan_test.go).
//
// expect: race
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

go_chan *c, *join;
GOFN(g)
{
    int zero = 0;
    go_chan *cc = c;
    if (cc)
        go_chan_send(cc, &zero);
    notify(join);
}
TEST
{
    join = mkch(1);
    c = go_chan_make(sizeof(int), 10);
    GO(g, 0);
    go_sleep(10 * GO_MILLISECOND);
    c = NULL;
    await(join);
}
