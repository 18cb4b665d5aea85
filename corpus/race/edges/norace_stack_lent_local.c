// A local that only a child writes. Each parent lends one element of a
// local array to a child and waits for it, but never touches the array
// itself, so the child's write lies below every access the parent makes
// to its own stack. Main spawns the parents and as many unrelated
// goroutines before any runs; each takes a stack at its first run and
// gives it back at exit, so later parents start on stacks that earlier
// ones lent from, and their children write the same addresses. Nothing
// orders two children of two parents: only the end of the first parent,
// which must forget what others did on its stack too (detect/race/shadow.c,
// shadow_note_stack_use), keeps the writes from being reported.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 3 400 goroutines; the verdict rests on happens-before
#include <gorace.h>
#include <stdint.h>

enum { N = 200 };

static go_wg all, lent_done[N];

typedef struct {
    volatile int64_t *cell;
    int i;
} lent;
static lent lent_to[N];

static void child(void *arg)
{
    lent *l = arg;
    *l->cell = 1;
    go_wg_done(&lent_done[l->i]);
}

static void parent(void *arg)
{
    intptr_t i = (intptr_t)arg;
    volatile int64_t cells[8]; /* only the child writes one */
    lent_to[i].cell = &cells[2];
    lent_to[i].i = (int)i;
    GO(child, &lent_to[i]);
    go_wg_wait(&lent_done[i]);
    go_wg_done(&all);
}

static void bystander(void *arg)
{
    (void)arg;
    volatile int64_t mine[8];
    for (int k = 0; k < 8; k++)
        mine[k] = k;
    go_wg_done(&all);
}

int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&all, 2 * N);
    for (intptr_t i = 0; i < N; i++) {
        go_wg_add(&lent_done[i], 1);
        GO(parent, (void *)i);
        GO(bystander, NULL);
    }
    go_wg_wait(&all);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
