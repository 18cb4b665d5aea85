/* A channel orders what happens before the send; the producer writes again
 * after sending, while the consumer reads: a race. */
#include <gorace.h>

static int data;
static go_chan *c, *done;

static void consumer(void *arg)
{
    (void)arg;
    go_chan_recv(c, NULL);
    int v = data;
    go_chan_send(done, &v);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    c = go_chan_make(0, 0);
    done = go_chan_make(sizeof(int), 1);
    GO(consumer, NULL);
    data = 1;
    go_chan_send(c, NULL);
    data = 2; /* races with the consumer's read */
    int v;
    go_chan_recv(done, &v);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
