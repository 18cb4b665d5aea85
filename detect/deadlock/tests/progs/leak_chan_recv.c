/* A goroutine blocked in a receive nothing will ever satisfy when main
 * returns: reported once, with its creation site, exit 66. */
#include <gorace.h>

static go_chan *results;

static void fetch(void *arg)
{
    (void)arg;
    int v;
    go_chan_recv(results, &v);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    results = go_chan_make(sizeof(int), 0);
    GO(fetch, NULL);
    go_sleep(5 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
