/* The install test's program: two goroutines increment a counter with no
 * synchronisation between them. The release build prints 2 and exits 0;
 * an instrumented build must report the race (exit 66). */
#include <gorace.h>
#include <stdio.h>

static int counter;
static go_wg wg;

static void increment(void *arg)
{
    (void)arg;
    counter++; /* the race */
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    GO(increment, NULL);
    GO(increment, NULL);
    go_wg_wait(&wg);
    printf("%d\n", counter);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
