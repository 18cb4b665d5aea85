/* go_chan_free while a goroutine is blocked receiving on the channel. */
#include <gorace.h>

static go_chan *c;

static void receiver(void *arg)
{
    (void)arg;
    go_chan_recv(c, NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    c = go_chan_make(0, 0);
    GO(receiver, NULL);
    go_sleep(10 * GO_MILLISECOND);
    go_chan_free(c);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
