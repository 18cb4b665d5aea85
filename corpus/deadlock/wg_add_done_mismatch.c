// WaitGroup Add/Done mismatch: Add(len(jobs)) counts three jobs, but the
// worker skips the Done on its error path (the empty job), so the counter
// never reaches zero and Wait blocks forever. With every worker finished,
// main is the only goroutine left: all asleep. wg_add_done_mismatch_fixed.c
// calls Done on every path (Go's `defer wg.Done()`).
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout-set: job a|job c
#include <gorace.h>
#include <stdio.h>

static go_wg wg;

static void worker(void *arg)
{
    const char *job = arg;
    if (job[0] == '\0')
        return; /* error path: forgot wg.Done() */
    printf("job %s\n", job);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static const char *jobs[] = {"a", "", "c"};
    go_wg_add(&wg, 3);
    for (int i = 0; i < 3; i++)
        GO(worker, jobs[i]);
    go_wg_wait(&wg);
    printf("all jobs done\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
