// Receiving from a nil channel: the results channel of a struct was never
// made (Go's zero value of a chan is nil), so the worker's send and main's
// receive both block forever, as Go specifies for nil channels; all asleep.
// nil_channel_recv_fixed.c makes the channel.
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout: waiting for the result
#include <gorace.h>
#include <stdio.h>

struct job {
    int input;
    go_chan *result; /* forgot go_chan_make: NULL */
};

static void work(void *arg)
{
    struct job *j = arg;
    int r = j->input * 2;
    go_chan_send(j->result, &r); /* nil channel: blocks forever */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct job j = {.input = 21};
    GO(work, &j);
    printf("waiting for the result\n");
    fflush(stdout);
    int r;
    go_chan_recv(j.result, &r);
    printf("result %d\n", r);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
