// TestNoRaceProducerConsumerUnbuffered with every channel operation a select
// with a dummy alternative. The worker stops when the queue closes (Go's runs
// forever).
//
// Port of TestNoRaceSelect4 (go 1.19 runtime/race/testdata/select_test.go).
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

struct task {
    void (*f)(void);
    go_chan *done;
};
go_chan *queue, *dummy;
int x;
GOFN(worker)
{
    for (;;) {
        struct task t;
        go_case cs[] = {GO_RECV_CASE(queue, &t)};
        go_select(cs, 1, false);
        if (!cs[0].ok)
            return;
        t.f();
        notify(t.done);
    }
}
static void doit(void (*f)(void))
{
    struct task t = {f, mkch(1)};
    go_case snd[] = {GO_SEND_CASE(queue, &t), GO_RECV_CASE(dummy, NULL)};
    go_select(snd, 2, false);
    go_case rcv[] = {GO_RECV_CASE(t.done, NULL), GO_RECV_CASE(dummy, NULL)};
    go_select(rcv, 2, false);
}
static void set_x(void)
{
    x = 1;
}
TEST
{
    queue = go_chan_make(sizeof(struct task), 0);
    dummy = mkch(0);
    GO(worker, 0);
    doit(set_x);
    USE(x);
    go_chan_close(queue);
}
