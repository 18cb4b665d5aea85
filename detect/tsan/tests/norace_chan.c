/* Data handed over by channels, with the edge running both ways: a
 * producer publishes through an unbuffered channel (the receiver may be the
 * parked party or the running one), then through a buffered one, and takes
 * the data back after the consumer's reply. */
#include <gorace.h>

static int data[4];
static go_chan *unbuf, *buf, *reply;

static void consumer(void *arg)
{
    (void)arg;
    int v;
    go_chan_recv(unbuf, &v);
    data[1] = data[0] + v; /* after the producer's write of data[0] */
    go_chan_recv(buf, &v);
    data[3] = data[2] + v;
    go_chan_send(reply, NULL); /* our writes happen before its reads */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    unbuf = go_chan_make(sizeof(int), 0);
    buf = go_chan_make(sizeof(int), 1);
    reply = go_chan_make(0, 0);
    GO(consumer, NULL);
    int v = 1;
    data[0] = 10;
    go_chan_send(unbuf, &v);
    data[2] = 20;
    go_chan_send(buf, &v);
    go_chan_recv(reply, NULL);
    return data[1] == 11 && data[3] == 21 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
