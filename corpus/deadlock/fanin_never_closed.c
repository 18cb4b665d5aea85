// Fan-in without the closer: three producers send into one channel and main
// ranges over it, but no one closes the channel once the producers are done
// (the missing `go func() { wg.Wait(); close(out) }()`). Main receives the
// three values, then waits for a fourth that never comes: all asleep.
// fanin_never_closed_fixed.c adds the closer.
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout-set: 1|2|3
#include <gorace.h>
#include <stdio.h>

static go_chan *out;
static go_wg wg;

static void producer(void *arg)
{
    int v = (int)(intptr_t)arg;
    go_chan_send(out, &v);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    out = go_chan_make(sizeof(int), 0);
    go_wg_add(&wg, 3);
    for (intptr_t i = 1; i <= 3; i++)
        GO(producer, i);
    int v;
    while (go_chan_recv(out, &v)) {
        printf("%d\n", v);
        fflush(stdout);
    }
    printf("sum done\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
