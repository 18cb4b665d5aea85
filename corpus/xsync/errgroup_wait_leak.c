// A collector goroutine waits on an errgroup whose one function waits for
// a result nobody sends (main returned early on its own timeout): when main
// returns, the function (in a channel receive) and the collector (in the
// group's Wait) are both leaked. errgroup_wait_leak_fixed.c cancels the
// function through the group's context before returning.
//
// expect: leak
// gomaxprocs: 1,2
#include <gorace.h>

static go_chan *results;

static int fetch(void *arg)
{
    (void)arg;
    int v;
    go_chan_recv(results, &v); /* BUG: nothing sends, no ctx case */
    return 0;
}

static void collector(void *g)
{
    go_group_wait(g);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    results = go_chan_make(sizeof(int), 0);
    go_group *g = go_group_new(NULL, NULL);
    go_group_go(g, fetch, NULL);
    GO(collector, g);
    go_sleep(10 * GO_MILLISECOND); /* main's own timeout */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
