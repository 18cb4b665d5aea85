// Stacks handed between unrelated goroutines. Main spawns two groups
// before either runs; a goroutine takes a stack at its first run and gives
// it back at exit, so a member of the second group starts on a stack that
// a member of the first wrote its locals on, and writes its own locals at
// the same addresses. Nothing orders the two (main spawned both before
// either ran): only the end of the first owner, which forgets what was
// done on its stack (detect/race/race.c, forget_stack), keeps those writes
// from being reported. Each member also lends a local to a child it waits
// for, so the stack holds another goroutine's writes as well.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 3 800 goroutines; the verdict rests on happens-before
#include <gorace.h>
#include <stdint.h>

enum { GROUP = 400, LOCALS = 48 };

static go_wg wg;
static int64_t sums[2][GROUP];

typedef struct {
    volatile int64_t *cell;
    go_wg *done;
} lent;

static void child(void *arg)
{
    lent *l = arg;
    *l->cell = 7;
    go_wg_done(l->done);
}

static __attribute__((noinline)) int64_t fill(int64_t seed)
{
    volatile int64_t local[LOCALS];
    for (int i = 0; i < LOCALS; i++)
        local[i] = seed + i;
    go_wg done = {0};
    go_wg_add(&done, 1);
    lent l = {&local[LOCALS / 2], &done};
    GO(child, &l);
    go_wg_wait(&done);
    int64_t sum = 0;
    for (int i = 0; i < LOCALS; i++)
        sum += local[i];
    return sum;
}

static void member(void *arg)
{
    intptr_t k = (intptr_t)arg;
    sums[k / GROUP][k % GROUP] = fill(k);
    go_wg_done(&wg);
}

int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2 * GROUP);
    for (intptr_t k = 0; k < 2 * GROUP; k++)
        GO(member, (void *)k);
    go_wg_wait(&wg);
    int64_t total = 0;
    for (int g = 0; g < 2; g++)
        for (int i = 0; i < GROUP; i++)
            total += sums[g][i];
    return total > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
