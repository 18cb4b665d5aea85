/* The fix of lock_cycle.c: both take a before b. Nested locking in one
 * order adds the single edge a -> b: no inversion either. */
#include <gorace.h>

static go_mutex a, b;
static go_wg wg;

static void take_a_then_b(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        go_mutex_lock(&a);
        go_yield();
        go_mutex_lock(&b);
        go_mutex_unlock(&b);
        go_mutex_unlock(&a);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    GO(take_a_then_b, NULL);
    GO(take_a_then_b, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
