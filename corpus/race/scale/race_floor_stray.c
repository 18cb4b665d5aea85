// A race with a goroutine that nobody joined, across the detector's floor
// pass: `stray` writes x and ends, unseen (a sleep is no synchronisation);
// then 2,000 goroutines run and main joins them all, so the next spawn
// finds few goroutines alive and many ended ones that everybody knows of,
// and drops those from every clock (detect/race/race.c, "Floors"). The
// stray's slot must not be among them: main never learned its write, so
// main's read of x still races with it. A second pool of goroutines then
// takes the freed slots, and one of them writes y unseen: a slot's floor
// must not cover its next owner's accesses either.
//
// expect: race
// gomaxprocs: 1,2
// seeds: 3 a 2,000-goroutine wave; the verdict rests on happens-before
#include <gorace.h>
#include <stdint.h>

enum { WAVE = 2000 };

int64_t x, y;
int64_t cells[WAVE];
static go_wg wave;

static void stray(void *arg)
{
    (void)arg;
    x = 1;
}

static void member(void *arg)
{
    intptr_t i = (intptr_t)arg;
    cells[i] = i;
    go_wg_done(&wave);
}

static void late(void *arg)
{
    (void)arg;
    y = 2;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(stray, NULL);
    go_sleep(20 * GO_MILLISECOND);
    go_wg_add(&wave, WAVE);
    for (intptr_t i = 0; i < WAVE; i++)
        GO(member, (void *)i);
    go_wg_wait(&wave);
    int64_t sum = 0;
    for (int i = 0; i < WAVE; i++)
        sum += cells[i]; /* joined: no race */
    GO(late, NULL);
    go_sleep(20 * GO_MILLISECOND);
    int64_t v = x + y; /* races with stray's x = 1 and late's y = 2 */
    __asm__ volatile("" ::"r"(v), "r"(sum));
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
