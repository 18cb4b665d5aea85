/* A Mutex locked by main and unlocked by another goroutine: legal in Go,
 * a warning here (GORACE=unlock_other=off silences it); exit status 0. */
#include <gorace.h>

static go_mutex mu;
static go_wg wg;

static void unlocker(void *arg)
{
    (void)arg;
    go_mutex_unlock(&mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_mutex_lock(&mu);
    go_wg_add(&wg, 1);
    GO(unlocker, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
