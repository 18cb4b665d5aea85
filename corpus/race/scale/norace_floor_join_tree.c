// No race: what main knows only through the detector's floors survives a
// join with a wide clock that predates them. 600 `checkers` check in on a
// WaitGroup, then check out on another and end: main joins the check-outs,
// so the check-in clock (a tree, 600 slots wide) holds none of them at
// their last epoch. `reader` then reads `shared` and ends; main joins it,
// so main's later write is ordered after the read, which the check-in
// clock does not know of. After a wave of 2,000 goroutines, the next spawn
// runs a floor pass (detect/race/race.c, "Floors"): every ended slot main
// knows is floored, main's clock turns short and stands on the new floor
// generation, and the check-in clock stays where it was. Main then waits
// on the check-ins: a join of its flat clock with the older tree. That
// join once came out on the older generation, so main forgot the read and
// reported its write as a race (found as a false report when the
// benchmarks ran in one process: TCPEchoRTT, TCPAccept, then SpawnN).
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 3 a 2,000-goroutine wave; the verdict rests on happens-before
#include <gorace.h>
#include <stdint.h>

enum { WAVE = 2000, CHECKERS = 600 };

int64_t shared;
int64_t cells[WAVE];
static go_wg checked_in, checked_out, joined, wave;

static void checker(void *arg)
{
    (void)arg;
    go_wg_done(&checked_in);
    go_wg_done(&checked_out); /* a later epoch than the check-in's */
}

static void reader(void *arg)
{
    (void)arg;
    int64_t v = shared;
    __asm__ volatile("" ::"r"(v));
    go_wg_done(&joined);
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
    go_wg_done(&wave);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&checked_in, CHECKERS);
    go_wg_add(&checked_out, CHECKERS);
    for (int i = 0; i < CHECKERS; i++)
        GO(checker, NULL);
    go_wg_wait(&checked_out); /* not checked_in: its clock stays behind */

    go_wg_add(&joined, 1);
    GO(reader, NULL);
    go_wg_wait(&joined); /* main knows the read; the check-ins do not */

    go_wg_add(&wave, WAVE);
    for (intptr_t i = 0; i < WAVE; i++)
        GO(member, (void *)i);
    go_wg_wait(&wave);
    go_wg_add(&wave, 1);
    GO(after, NULL); /* the floor pass runs at this spawn */
    go_wg_wait(&wave);

    go_wg_wait(&checked_in); /* the join with the older, wider clock */
    shared = 1;              /* after the reader's read: no race */

    int64_t sum = 0;
    for (int i = 0; i < WAVE; i++)
        sum += cells[i];
    return sum == (int64_t)WAVE * (WAVE - 1) / 2 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
