// Wait on an errgroup whose one function waits for a value main would only
// send after Wait: every goroutine is blocked (main in the group's Wait,
// the function in a channel receive), so the runtime reports Go's
// deadlock. errgroup_wait_deadlock_fixed.c sends before waiting.
//
// expect: deadlock
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
    int err = go_group_wait(g); /* BUG: the send below never happens */
    int v = 1;
    go_chan_send(input, &v);
    return err;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
