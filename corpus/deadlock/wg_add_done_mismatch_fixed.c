// The fix of wg_add_done_mismatch.c: Done on every path, as `defer
// wg.Done()` does in Go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout-set: job a|job c
// stdout: all jobs done
#include <gorace.h>
#include <stdio.h>

static go_wg wg;

static void worker(void *arg)
{
    const char *job = arg;
    if (job[0] != '\0')
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
