// norace_ticket_chain.c with one racy pair: the goroutine holding the last
// ticket also reads a cell that the first ticket's holder wrote after
// taking its ticket, which nothing orders. The two are 12,000 tickets and
// any two slots apart, and between them every goroutine's clock and the
// WaitGroup's grow to 12,000 entries, joined once per goroutine from what
// the previous joins noted (detect/race/clock.c): the race must still be
// found. (12,000, not more: past 16,384 goroutines that ended unjoined a
// spawn adopts the oldest one's slot, which can hide a race with it:
// detect/race/race.c, "fire and forget".)
//
// expect: race
// gomaxprocs: 1,2
// seeds: 3 a 12,000-goroutine wave; the verdict rests on happens-before
#include <gorace.h>
#include <stdatomic.h>
#include <stdint.h>

enum { WAVE = 12000 };

static int64_t cell_of[WAVE];
static int64_t by_ticket[WAVE];
static int64_t first_late; /* written by ticket 0 after its add */
static atomic_long next_ticket;
static go_wg wave;

static void member(void *arg)
{
    intptr_t i = (intptr_t)arg;
    cell_of[i] = i + 1;
    long t = atomic_fetch_add(&next_ticket, 1);
    by_ticket[t] = i;
    if (t == 0)
        first_late = 1;
    if (t == WAVE - 1) /* races with ticket 0's first_late = 1 */
        __asm__ volatile("" ::"r"(first_late));
    go_wg_done(&wave);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wave, WAVE);
    for (intptr_t i = 0; i < WAVE; i++)
        GO(member, (void *)i);
    go_wg_wait(&wave);
    int64_t sum = 0;
    for (int i = 0; i < WAVE; i++)
        sum += cell_of[i];
    __asm__ volatile("" ::"r"(sum));
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
