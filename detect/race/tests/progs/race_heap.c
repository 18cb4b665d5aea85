/* Two goroutines write a heap block: the report names the block. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static go_wg wg;

static void writer(void *arg)
{
    ((int *)arg)[1] = 7;
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    int *p = malloc(4 * sizeof(int));
    go_wg_add(&wg, 2);
    GO(writer, p);
    GO(writer, p);
    go_wg_wait(&wg);
    free(p);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
