// Keeping main alive with a WaitGroup. Article 001; Go original:
// go/001_waitgroup_single.go. Durations shrunk 10x (1s -> 100ms).
//
// expect: ok
// gomaxprocs: 1,2
// stdout: Worker finished
// stdout: All work complete
#include <gorace.h>
#include <stdio.h>

static void worker(void *arg)
{
    go_wg *wg = arg;
    go_sleep(100 * GO_MILLISECOND);
    printf("Worker finished\n");
    go_wg_done(wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg wg = {0};
    go_wg_add(&wg, 1);
    GO(worker, &wg);
    go_wg_wait(&wg);
    printf("All work complete\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
