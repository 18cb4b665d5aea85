// clang-format off
// errgroup's SetLimit while functions are still running panics with Go's
// message (x/sync: "modify limit while %v goroutines in the group are
// still active").
//
// expect: panic
// stderr: panic: errgroup: modify limit while 2 goroutines in the group are still active
// seeds: 5 the panic is deterministic; a few schedules suffice
#include <gorace.h>
// clang-format on

static go_chan *block;

static int wait_block(void *arg)
{
    (void)arg;
    go_chan_recv(block, NULL);
    return 0;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    block = go_chan_make(0, 0);
    go_group *g = go_group_new(NULL, NULL);
    go_group_set_limit(g, 3);
    go_group_go(g, wait_block, NULL);
    go_group_go(g, wait_block, NULL);
    go_group_set_limit(g, 5);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
