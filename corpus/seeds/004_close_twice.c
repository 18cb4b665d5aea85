// "Closing a channel twice panics." Article 004, "Gotchas"; Go original:
// go/004_close_twice.go. 004_close_once.c is the sync.Once fix.
//
// expect: panic
// gomaxprocs: 1,2
// stderr: panic: close of closed channel
// stdout: closed once
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *ch = go_chan_make(sizeof(int), 0);
    go_chan_close(ch);
    printf("closed once\n");
    go_chan_close(ch);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
