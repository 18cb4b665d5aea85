// The fix of unbuffered_self_send.c: a buffer of one holds the value until
// the same goroutine receives it.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: collecting
// stdout: result 42
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *results = go_chan_make(sizeof(int), 1);
    printf("collecting\n");
    int v = 42;
    go_chan_send(results, &v);
    go_chan_recv(results, &v);
    printf("result %d\n", v);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
