/* 100 goroutines from one go statement, all blocked on one channel at
 * exit: one block, whose "and 99 more created there:" line lists 32 of
 * them by id and counts the rest. */
#include <gorace.h>

static go_chan *never;

static void wait_forever(void *arg)
{
    (void)arg;
    go_chan_recv(never, NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    never = go_chan_make(0, 0);
    for (int i = 0; i < 100; i++)
        GO(wait_forever, NULL);
    go_sleep(5 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
