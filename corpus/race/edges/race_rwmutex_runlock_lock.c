// A reader that reads after its RUnlock is no longer ordered before the
// writer's Lock. The writer comes 20ms later (had it come first, its Unlock
// would order the reader's RLock after it, and that execution has no race).
// (Both stay alive until main releases them: a goroutine started on a dead
// one's stack would be ordered after it by the TSan engine.)
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

go_rwmutex rw;
int table[8];
go_wg wg;
go_chan *release;
GOFN(reader)
{
    go_rwmutex_rlock(&rw);
    go_rwmutex_runlock(&rw);
    int s = 0;
    for (int i = 0; i < 8; i++)
        s += table[i];
    USE(s);
    go_wg_done(&wg);
    await(release);
}
GOFN(writer)
{
    go_sleep(20 * GO_MILLISECOND);
    go_rwmutex_lock(&rw);
    for (int i = 0; i < 8; i++)
        table[i] = i;
    go_rwmutex_unlock(&rw);
    go_wg_done(&wg);
    await(release);
}
TEST
{
    release = go_chan_make(0, 0);
    go_wg_add(&wg, 2);
    GO(reader, 0);
    GO(writer, 0);
    go_wg_wait(&wg);
    go_chan_close(release);
}
