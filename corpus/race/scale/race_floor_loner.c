// A race with a long-lived goroutine that joins nothing, across the
// detector's floor pass. `loner` (a logger, say) starts first and sleeps,
// which orders nothing; meanwhile 2,000 goroutines run and main joins them
// all, so the next spawn finds few goroutines alive and many ended ones
// that main knows of, and drops those from every clock that knows them all
// (detect/race/race.c, "Floors"). The loner knows none of them: it must
// keep its exact view, so its read of what a wave member wrote still races
// with that write. Main's own reads of the wave are joined: no race there.
//
// expect: race
// gomaxprocs: 1,2
// seeds: 3 a 2,000-goroutine wave; the verdict rests on happens-before
#include <gorace.h>
#include <stdint.h>

enum { WAVE = 2000 };

int64_t cells[WAVE];
static go_wg wave, loner_done;

static void loner(void *arg)
{
    (void)arg;
    go_sleep(50 * GO_MILLISECOND);
    int64_t v = cells[WAVE / 2]; /* races with member WAVE / 2's write */
    __asm__ volatile("" ::"r"(v));
    go_wg_done(&loner_done);
}

static void member(void *arg)
{
    intptr_t i = (intptr_t)arg;
    cells[i] = i;
    go_wg_done(&wave);
}

static void after(void *arg)
{
    (void)arg;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&loner_done, 1);
    GO(loner, NULL);
    go_wg_add(&wave, WAVE);
    for (intptr_t i = 0; i < WAVE; i++)
        GO(member, (void *)i);
    go_wg_wait(&wave);
    int64_t sum = 0;
    for (int i = 0; i < WAVE; i++)
        sum += cells[i]; /* joined: no race */
    GO(after, NULL);     /* the floor pass runs at this spawn */
    go_wg_wait(&loner_done);
    __asm__ volatile("" ::"r"(sum));
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
