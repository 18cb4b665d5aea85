/* Writing after the send is not covered by it: a race with the receiver. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* not static: the compiler must keep every access */
int data;
static atomic_int wrote; /* relaxed: tells main when, orders nothing */

static void producer(void *arg)
{
    go_chan_send(arg, &(int){1});
    data = 2;
    atomic_store_explicit(&wrote, 1, memory_order_relaxed);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 1);
    GO(producer, c);
    int v;
    go_chan_recv(c, &v);
    int d = data;
    /* Wait until the write happened, however the producer was scheduled,
     * without ordering it: relaxed atomics create no edge. */
    while (!atomic_load_explicit(&wrote, memory_order_relaxed))
        go_sleep(GO_MILLISECOND);
    return d == 12345;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
