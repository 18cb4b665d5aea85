// A mutex on a goroutine's stack ends with the goroutine: the next
// goroutine, which the runtime gives the same stack, and whose frame puts
// its own mutex at the same address, must not learn the first one's
// unlocks. The first writes x and then locks and unlocks its mutex; the
// second, started after the first ended (a sleep orders nothing), locks
// and unlocks its own and reads x: unordered, a race, as in Go, where the
// two mutexes are distinct objects.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdint.h>

int64_t x, y; /* not static: the read of x must stay */

static void worker(void *arg)
{
    go_mutex mu = {0};
    go_mutex_lock(&mu);
    if (arg)
        x = 1; /* the first */
    else
        y = x; /* the second: races with x = 1 */
    go_mutex_unlock(&mu);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(worker, (void *)1);
    go_sleep(20 * GO_MILLISECOND); /* the first ends; orders nothing */
    GO(worker, NULL);
    go_sleep(20 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
