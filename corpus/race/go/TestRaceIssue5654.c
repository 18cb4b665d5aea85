// A producer reads text into one 16-byte buffer and sends buf[:n] through an
// unbuffered channel; the consumer appends what it received while the producer
// already overwrites the buffer with the next chunk.
//
// Port of TestRaceIssue5654 (go 1.19 runtime/race/testdata/mop_test.go).
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

const char text[] =
    "Friends, Romans, countrymen, lend me your ears;\nI come to bury Caesar, "
    "not to praise him.\nThe evil that men do lives after them;\nThe good is "
    "oft interred with their bones;\nSo let it be with Caesar.";
struct chunk {
    const char *p;
    size_t n;
};
go_chan *in;
size_t pos;
static size_t read_text(char *buf, size_t cap)
{
    size_t n = 0;
    while (n < cap && text[pos])
        buf[n++] = text[pos++];
    return n;
}
GOFN(producer)
{
    static char buf[16];
    size_t n = 0;
    bool eof = false;
    for (; !eof; n = read_text(buf, sizeof buf), eof = n == 0) {
        struct chunk ch = {buf, n};
        go_chan_send(in, &ch);
    }
    go_chan_close(in);
}
TEST
{
    in = go_chan_make(sizeof(struct chunk), 0);
    GO(producer, 0);
    static char res[sizeof text];
    size_t len = 0;
    struct chunk ch;
    while (go_chan_recv(in, &ch))
        for (size_t i = 0; i < ch.n; i++)
            res[len++] = ch.p[i];
    USE(res[0]);
}
