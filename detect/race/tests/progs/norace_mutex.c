/* A counter protected by a Mutex: unlock happens before the next lock. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static int counter;
static go_mutex mu;
static go_wg wg;

static void worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        go_mutex_lock(&mu);
        counter++;
        go_mutex_unlock(&mu);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 4);
    for (int i = 0; i < 4; i++)
        GO(worker, NULL);
    go_wg_wait(&wg);
    return counter != 400;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
