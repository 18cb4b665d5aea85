/* Two goroutines increment a global without synchronisation: a race. */
#include <gorace.h>

static int counter;
static go_wg wg;

static void worker(void *arg)
{
    (void)arg;
    counter++;
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    GO(worker, NULL);
    GO(worker, NULL);
    go_wg_wait(&wg);
    return counter == 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
