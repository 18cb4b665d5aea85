// clang-format off
// An errgroup used after go_group_free: the program ends with a panic that
// names the group and the call, never a hang or a silent wrong value (the
// check is best effort once the memory is reused; right after the free it
// always fires).
//
// expect: panic
// stderr: panic: errgroup: go_group_wait on a freed group
// seeds: 5 the panic is deterministic; a few schedules suffice
#include <gorace.h>
// clang-format on

static int work(void *arg)
{
    (void)arg;
    return 0;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_group *g = go_group_new(NULL, NULL);
    go_group_go(g, work, NULL);
    go_group_wait(g);
    go_group_free(g);
    go_group_wait(g); /* BUG: use after free */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
