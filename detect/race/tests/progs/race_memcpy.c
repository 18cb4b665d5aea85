/* A struct copy (memcpy) races with a field write. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct big {
    long a[16];
};
struct big src, dst; /* not static: the copy must stay */
static go_wg wg;

static void copier(void *arg)
{
    (void)arg;
    memcpy(&dst, &src, sizeof dst);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(copier, NULL);
    src.a[9] = 5;
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
