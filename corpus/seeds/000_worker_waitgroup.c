// Three workers and a WaitGroup: main blocks in Wait until every worker has
// called Done. Article 000, "The bare minimum"; Go original:
// go/000_worker_waitgroup.go. Durations shrunk 10x (1s -> 100ms).
//
// expect: ok
// gomaxprocs: 1,2
// stdout-set: Worker 1 finished|Worker 2 finished|Worker 3 finished
// stdout: All workers completed.
#include <gorace.h>
#include <stdint.h>
#include <stdio.h>

static go_wg wg;

static void worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    go_sleep(100 * GO_MILLISECOND); /* stands in for blocking I/O */
    printf("Worker %d finished\n", id);
    go_wg_done(&wg); /* Go's deferred wg.Done() */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 1; i <= 3; i++) {
        go_wg_add(&wg, 1); /* before the spawn, so Wait cannot miss it */
        GO(worker, (intptr_t)i);
    }
    go_wg_wait(&wg);
    printf("All workers completed.\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
