// errgroup_wait_deadlock.c fixed: main sends the input before it waits, so
// the function returns and Wait returns its code.
//
// expect: exit 7
// gomaxprocs: 1,2
#include <gorace.h>

static go_chan *input;

static int consume(void *arg)
{
    (void)arg;
    int v;
    go_chan_recv(input, &v);
    return v;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    input = go_chan_make(sizeof(int), 0);
    go_group *g = go_group_new(NULL, NULL);
    go_group_go(g, consume, NULL);
    int v = 7;
    go_chan_send(input, &v);
    int err = go_group_wait(g);
    go_group_free(g);
    go_chan_free(input);
    return err;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
