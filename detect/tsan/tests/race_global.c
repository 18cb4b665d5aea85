/* Two goroutines write a global with nothing ordering them: a race at any
 * GOMAXPROCS, whatever the interleaving. The channel only tells main they
 * are done; it orders each writer before main, not the writers. */
#include <gorace.h>

static int counter;
static go_chan *done;

static void writer(void *arg)
{
    (void)arg;
    counter++;
    go_chan_send(done, NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    done = go_chan_make(0, 0);
    GO(writer, NULL);
    GO(writer, NULL);
    go_chan_recv(done, NULL);
    go_chan_recv(done, NULL);
    return counter == 2 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
