// Hangs on purpose, for the hang-diagnosis tests (harness/testdata/
// liveness.sh): one goroutine spins, one waits on a channel nobody sends on,
// main sleeps far past any deadline the tests give. A timed-out run must
// show all three in its goroutine dump, the spinner by the function it is
// in.
//
// expect: ok
// seeds: 0 hangs on purpose
#include <gorace.h>
#include <stdatomic.h>

static atomic_int never;

static void spinner(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&never, memory_order_relaxed))
        ;
}

static void waiter(void *arg)
{
    go_chan_recv(arg, NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 0);
    GO(spinner, NULL);
    GO(waiter, c);
    go_sleep(600 * GO_SECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
