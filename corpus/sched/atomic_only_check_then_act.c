// Atomicity violation with C11 atomics only: two buyers compete for the last
// seat. Each loads the count, and if a seat is left, takes it with a
// fetch-and-subtract. Each step is atomic, the pair is not: a buyer that
// loses the processor between them lets the other pass the same check, and
// the show is oversold. No data race and no runtime call in the window, so
// only a scheduler that can switch goroutines at an atomic can show it.
//
// Free-running on one P a buyer never loses the processor there, and the
// output is right. In the instrumented build every atomic is a scheduling
// point of a seeded schedule (rt/hooks.h); some seeds print "sold 2 of 1".
// The release build has no such points: its seeds never show the bug.
// The fix: take the seat with one compare-and-swap loop.
//
// expect: ok
// gomaxprocs: 1
// stdout: sold 1 of 1
// bug: stdout
#include <gorace.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int seats = 1, sold;
static go_wg wg;

static void buyer(void *arg)
{
    (void)arg;
    if (atomic_load(&seats) > 0) {
        atomic_fetch_sub(&seats, 1);
        atomic_fetch_add(&sold, 1);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 2; i++) {
        go_wg_add(&wg, 1);
        GO(buyer, NULL);
    }
    go_wg_wait(&wg);
    printf("sold %d of 1\n", atomic_load(&sold));
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
