/* Workers fill disjoint cells; main reads them all after Wait: every Done
 * happens before Wait returns. */
#include <gorace.h>

enum { N = 8 };
static int cells[N];
static go_wg wg;

static void worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    cells[i] = i * i;
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, N);
    for (intptr_t i = 0; i < N; i++)
        GO(worker, i);
    go_wg_wait(&wg);
    int sum = 0;
    for (int i = 0; i < N; i++)
        sum += cells[i];
    return sum == 140 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
