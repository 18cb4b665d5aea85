/* The race_global program with the increment under a Mutex: every unlock
 * happens before the next lock, so the writers are ordered. */
#include <gorace.h>

static int counter;
static go_mutex mu;
static go_wg wg;

static void writer(void *arg)
{
    (void)arg;
    go_mutex_lock(&mu);
    counter++;
    go_mutex_unlock(&mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 4);
    for (int i = 0; i < 4; i++)
        GO(writer, NULL);
    go_wg_wait(&wg);
    return counter == 4 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
