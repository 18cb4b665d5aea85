/* Relaxed atomics order nothing: the data is raced on. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static int data;
static atomic_int ready;

static void producer(void *arg)
{
    (void)arg;
    data = 42;
    atomic_store_explicit(&ready, 1, memory_order_relaxed);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(producer, NULL);
    while (!atomic_load_explicit(&ready, memory_order_relaxed))
        go_yield();
    return data != 42;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
