// The fix of nil_channel_recv.c: the job's result channel is made before
// the worker starts.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: waiting for the result
// stdout: result 42
#include <gorace.h>
#include <stdio.h>

struct job {
    int input;
    go_chan *result;
};

static void work(void *arg)
{
    struct job *j = arg;
    int r = j->input * 2;
    go_chan_send(j->result, &r);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct job j = {.input = 21, .result = go_chan_make(sizeof(int), 0)};
    GO(work, &j);
    printf("waiting for the result\n");
    int r;
    go_chan_recv(j.result, &r);
    printf("result %d\n", r);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
