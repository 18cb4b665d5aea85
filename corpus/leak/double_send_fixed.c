// The fix of double_send.c: the error path returns after its send, so the
// worker sends exactly one value.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: got -1
// stdout: fetch returned
#include <gorace.h>
#include <stdio.h>

static go_chan *exited;

static void fetch(void *ch)
{
    int v = -1;
    if (v < 0) {
        go_chan_send(ch, &v);
        go_chan_close(exited);
        return;
    }
    v = 0;
    go_chan_send(ch, &v);
    go_chan_close(exited);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *ch = go_chan_make(sizeof(int), 0);
    exited = go_chan_make(0, 0);
    GO(fetch, ch);
    int v;
    go_chan_recv(ch, &v);
    printf("got %d\n", v);
    go_chan_recv(exited, NULL);
    printf("fetch returned\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
