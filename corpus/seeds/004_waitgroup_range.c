// WaitGroup over `for i := range 5`: Add before go, Done in the goroutine.
// Article 004, "WaitGroup"; Go original: go/004_waitgroup_range.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout-set: worker 0|worker 1|worker 2|worker 3|worker 4
#include <gorace.h>
#include <stdint.h>
#include <stdio.h>

static go_wg wg;

static void worker(void *arg)
{
    printf("worker %d\n", (int)(intptr_t)arg);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 5; i++) {
        go_wg_add(&wg, 1);
        GO(worker, (intptr_t)i);
    }
    go_wg_wait(&wg); /* blocks until all goroutines call Done */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
