/* A channel of capacity 1 as a mutex: the k-th receive happens before the
 * (k+1)-th send completes. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static int counter;
static go_wg wg;

static void worker(void *arg)
{
    go_chan *sem = arg;
    for (int i = 0; i < 50; i++) {
        go_chan_send(sem, NULL);
        counter++;
        go_chan_recv(sem, NULL);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *sem = go_chan_make(0, 1);
    go_wg_add(&wg, 3);
    for (int i = 0; i < 3; i++)
        GO(worker, sem);
    go_wg_wait(&wg);
    return counter != 150;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
