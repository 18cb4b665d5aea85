// A goroutine lends a child one word of a frame 1.5 KB below the top of
// its stack, and both write it, unordered. The goroutine's own accesses
// find their shadow from its stack's top (detect/race/shadow.c,
// shadow_for_g); the child's, from the arena slot (arena_shadow). The top
// 256 bytes of a stack, the next 8 KB and the rest are shadowed in three
// regions, and both ways must land on the same cells at every depth, or
// the race goes unseen. The twin, norace_stack_depths.c, orders the two
// writes and copies ranges across all three regions.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdint.h>
#include <string.h>

enum { WORDS = 1536, DEPTH = 1536 }; /* a 12 KB frame; the word's depth */

static go_wg done, written;

static void child(void *arg)
{
    *(volatile int64_t *)arg = 1;
    go_wg_done(&written);
}

/* The index of buf's word DEPTH bytes below `top`. */
static size_t word_below(volatile int64_t *buf, uintptr_t top)
{
    uintptr_t want = top - DEPTH, lo = (uintptr_t)buf;
    if (want < lo || want >= lo + WORDS * sizeof *buf)
        return WORDS - 1;
    return (want - lo) / sizeof *buf;
}

static __attribute__((noinline)) void lend(uintptr_t top)
{
    volatile int64_t buf[WORDS];
    memset((void *)buf, 0, sizeof buf);
    size_t k = word_below(buf, top);
    GO(child, (void *)&buf[k]);
    buf[k] = 2;
    go_wg_wait(&written);
}

static void lender(void *arg)
{
    (void)arg;
    volatile int64_t marker = 0; /* near the top of the stack */
    lend((uintptr_t)&marker);
    go_wg_done(&done);
}

int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&done, 1);
    go_wg_add(&written, 1);
    GO(lender, NULL);
    go_wg_wait(&done);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
