/* Message passing: a write before a send is seen by the receiver, over an
 * unbuffered and a buffered channel; close happens before the receive that
 * returns because of it. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static int data[3];

static void producer(void *arg)
{
    go_chan **c = arg;
    data[0] = 1;
    go_chan_send(c[0], &(int){1});
    data[1] = 2;
    go_chan_send(c[1], &(int){2});
    data[2] = 3;
    go_chan_close(c[2]);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c[3] = {go_chan_make(sizeof(int), 0), go_chan_make(sizeof(int), 4),
                     go_chan_make(sizeof(int), 0)};
    GO(producer, c);
    int v;
    go_chan_recv(c[0], &v);
    int a = data[0];
    go_chan_recv(c[1], &v);
    int b = data[1];
    go_chan_recv(c[2], &v);
    int d = data[2];
    return !(a == 1 && b == 2 && d == 3);
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
