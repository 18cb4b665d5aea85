// Waiting on a channel no one sends to: the runtime finds that no goroutine
// can make progress. Article 002, "Pitfalls and runtime errors"; Go original:
// go/002_deadlock.go.
//
// expect: deadlock
// gomaxprocs: 1,2
// stderr: fatal error: all goroutines are asleep - deadlock!
// stdout: waiting for a value nobody sends
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *ch = go_chan_make(sizeof(int), 0);
    printf("waiting for a value nobody sends\n");
    int v;
    go_chan_recv(ch, &v);
    printf("%d\n", v);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
