// "Ranging over a channel that's never closed blocks forever." Article 004,
// "Gotchas": the producer sends three values and forgets close; main's range
// prints them, then blocks with nothing left to run. Go original:
// go/004_range_never_closed.go.
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout: 1
// stdout: 2
// stdout: 3
#include <gorace.h>
#include <stdio.h>

static void producer(void *ch)
{
    for (int i = 1; i <= 3; i++)
        go_chan_send(ch, &i);
    /* forgot go_chan_close(ch) */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *ch = go_chan_make(sizeof(int), 0);
    GO(producer, ch);
    int v;
    while (go_chan_recv(ch, &v))
        printf("%d\n", v);
    printf("unreachable\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
