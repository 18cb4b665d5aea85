/* Writing after the send is not covered by it: a race with the receiver.
 * main waits for the write through a relaxed flag, which orders nothing
 * for the detector (API.md), so the race is there whatever the timing. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

int data; /* not static: the compiler must keep every access */
static atomic_int wrote;

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
    while (!atomic_load_explicit(&wrote, memory_order_relaxed))
        go_yield();
    return d == 12345;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
