// An errgroup misused: main reads the functions' results before Wait, so
// nothing orders their writes before its reads. The race detector reports
// it; errgroup_parallel.c reads after Wait and is race-free.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdio.h>

static int results[4];

static int compute(void *arg)
{
    int i = (int)(intptr_t)arg;
    results[i] = i + 1;
    return 0;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_group *g = go_group_new(NULL, NULL);
    for (int i = 0; i < 4; i++)
        go_group_go(g, compute, (void *)(intptr_t)i);
    go_sleep(20 * GO_MILLISECOND);
    int sum = 0;
    for (int i = 0; i < 4; i++)
        sum += results[i]; /* BUG: before go_group_wait */
    go_group_wait(g);
    go_group_free(g);
    printf("%d\n", sum);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
