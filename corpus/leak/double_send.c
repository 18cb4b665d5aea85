// A double send: on error the worker sends the error but misses the
// `return`, and goes on to send a result too. The caller receives one value
// and returns; the second send blocks forever (Go's DoubleSend pattern).
// double_send_fixed.c returns after sending the error.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: got -1
#include <gorace.h>
#include <stdio.h>

static void fetch(void *ch)
{
    int v = -1; /* the fetch failed */
    if (v < 0)
        go_chan_send(ch, &v); /* missing return */
    v = 0;
    go_chan_send(ch, &v); /* blocks forever */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *ch = go_chan_make(sizeof(int), 0);
    GO(fetch, ch);
    int v;
    go_chan_recv(ch, &v);
    printf("got %d\n", v);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
