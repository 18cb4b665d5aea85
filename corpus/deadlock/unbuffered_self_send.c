// A goroutine sending to itself on an unbuffered channel: the send needs a
// receiver, and the only receiver is the sender, later. The classic first Go
// deadlock (`ch := make(chan int); ch <- 1; fmt.Println(<-ch)`), here in a
// results collector. unbuffered_self_send_fixed.c gives the channel room
// for the value.
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout: collecting
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *results = go_chan_make(sizeof(int), 0);
    printf("collecting\n");
    fflush(stdout);
    int v = 42;
    go_chan_send(results, &v); /* no receiver can ever come */
    go_chan_recv(results, &v);
    printf("result %d\n", v);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
