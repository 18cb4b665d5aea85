// Sending on a closed channel panics, even when the buffer has room.
// Article 000, "Where things go wrong"; Go original: go/000_send_closed.go.
//
// expect: panic
// gomaxprocs: 1,2
// stderr: panic: send on closed channel
// stdout: sending on a closed channel
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *ch = go_chan_make(sizeof(int), 1);
    go_chan_close(ch);
    printf("sending on a closed channel\n");
    int one = 1;
    go_chan_send(ch, &one);
    printf("unreachable\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
