// Results through a buffered channel: each sender deposits its value and
// exits; main drains exactly one value per task, in arrival order.
// Article 000, "Passing data back without shared state"; Go original:
// go/000_buffered_results.go. Durations shrunk 10x (100ms -> 10ms).
//
// expect: ok
// gomaxprocs: 1,2
// stdout-set: 2|4|6
#include <gorace.h>
#include <stdint.h>
#include <stdio.h>

static go_chan *results;

static void calculate(void *arg)
{
    int id = (int)(intptr_t)arg;
    go_sleep(10 * GO_MILLISECOND);
    int v = id * 2;
    go_chan_send(results, &v); /* never blocks: the buffer holds all three */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    results = go_chan_make(sizeof(int), 3);
    for (int i = 1; i <= 3; i++)
        GO(calculate, (intptr_t)i);
    for (int i = 0; i < 3; i++) {
        int v;
        go_chan_recv(results, &v);
        printf("%d\n", v);
    }
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
