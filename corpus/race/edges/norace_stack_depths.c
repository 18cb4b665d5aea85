// The twin of race_stack_depths.c: the child's write to a word 1.5 KB
// below the top of its parent's stack happens before the parent's, and
// ranges cross the three regions that shadow a stack (its top 256 bytes,
// the next 8 KB, the rest: detect/race/shadow.c) both ways. The parent
// clears its 12 KB frame before the spawn, the child copies over all of
// it, and the parent reads all of it back after the wait: a range whose
// words were looked up in the wrong region would report a false race or
// miss the order.
//
// expect: ok
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdint.h>
#include <string.h>

enum { WORDS = 1536, DEPTH = 1536 }; /* a 12 KB frame; the word's depth */

static go_wg done, written;

typedef struct {
    volatile int64_t *buf, *word;
} lent;

static void child(void *arg)
{
    lent *l = arg;
    static int64_t ones[WORDS];
    for (size_t i = 0; i < WORDS; i++)
        ones[i] = 1;
    memcpy((void *)l->buf, ones, sizeof ones);
    *l->word = 3;
    go_wg_done(&written);
}

static size_t word_below(volatile int64_t *buf, uintptr_t top)
{
    uintptr_t want = top - DEPTH, lo = (uintptr_t)buf;
    if (want < lo || want >= lo + WORDS * sizeof *buf)
        return WORDS - 1;
    return (want - lo) / sizeof *buf;
}

int64_t sum; /* external: the reads stay */

static __attribute__((noinline)) void lend(uintptr_t top)
{
    volatile int64_t buf[WORDS];
    memset((void *)buf, 0, sizeof buf);
    size_t k = word_below(buf, top);
    lent l = {buf, &buf[k]};
    GO(child, &l);
    go_wg_wait(&written);
    buf[k] = 2;
    int64_t copy[WORDS];
    memcpy(copy, (void *)buf, sizeof copy);
    for (size_t i = 0; i < WORDS; i++)
        sum += copy[i];
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
    return sum == WORDS + 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
