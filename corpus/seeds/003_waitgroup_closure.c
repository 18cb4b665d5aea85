// Add before go, Done when finished, Wait to block: the loop passes each
// iteration's value to its goroutine as an argument. Article 003; Go
// original: go/003_waitgroup_closure.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout-set: worker 1 finished|worker 2 finished|worker 3 finished
// stdout: all workers complete
#include <gorace.h>
#include <stdint.h>
#include <stdio.h>

static go_wg wg;

static void worker(void *arg)
{
    printf("worker %d finished\n", (int)(intptr_t)arg);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 1; i <= 3; i++) {
        go_wg_add(&wg, 1);
        GO(worker, (intptr_t)i);
    }
    go_wg_wait(&wg);
    printf("all workers complete\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
