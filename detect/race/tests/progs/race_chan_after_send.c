/* Writing after the send is not covered by it: a race with the receiver. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

int data; /* not static: the compiler must keep every access */

static void producer(void *arg)
{
    go_chan_send(arg, &(int){1});
    data = 2;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 1);
    GO(producer, c);
    int v;
    go_chan_recv(c, &v);
    int d = data;
    go_sleep(20 * GO_MILLISECOND); /* the write happens meanwhile */
    return d == 12345;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
