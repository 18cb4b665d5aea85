/* Release store / acquire load publish the data written before the store;
 * seq_cst read-modify-writes too. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static int data, data2;
static atomic_int ready, ticket;

static void producer(void *arg)
{
    (void)arg;
    data = 42;
    atomic_store_explicit(&ready, 1, memory_order_release);
    data2 = 7;
    atomic_fetch_add(&ticket, 1);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(producer, NULL);
    while (!atomic_load_explicit(&ready, memory_order_acquire))
        go_yield();
    int d = data;
    while (atomic_load(&ticket) == 0)
        go_yield();
    int d2 = data2;
    return !(d == 42 && d2 == 7);
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
