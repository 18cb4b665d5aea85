// 12,000 goroutines queue up on one seq_cst exchange and then call Done
// on one WaitGroup, so each knows every goroutine before it through the
// exchanged word, and the WaitGroup's clock holds them all: two clocks
// 12,000 wide, built apart, joined once per goroutine (detect/race/clock.c:
// the join reads only the newest goroutine's path). Each writes its cell
// before the exchange and reads its predecessor's cell after it: the
// exchange orders them, so nothing races, and main reads every cell after
// Wait. A join that skipped what it should learn reports a race here.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 3 a 12,000-goroutine wave; the verdict rests on happens-before
#include <gorace.h>
#include <stdatomic.h>
#include <stdint.h>

enum { WAVE = 12000 };

static int64_t cell_of[WAVE];
static atomic_long last = -1; /* the latest goroutine in the queue */
static go_wg wave;

static void member(void *arg)
{
    intptr_t i = (intptr_t)arg;
    cell_of[i] = i + 1;
    long prev = atomic_exchange(&last, i);
    if (prev >= 0) /* written before prev's exchange */
        __asm__ volatile("" ::"r"(cell_of[prev]));
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
    return sum == (int64_t)WAVE * (WAVE + 1) / 2 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
