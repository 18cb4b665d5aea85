/* An atomic write and a plain read of the same word race. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static long x;
static go_wg wg;

static void adder(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&x, 1, __ATOMIC_SEQ_CST);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(adder, NULL);
    long v = x;
    go_wg_wait(&wg);
    return v < 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
