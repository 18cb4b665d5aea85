// The fix of timeout_unbuffered_result.c: the result channel has room for
// the one value, so the late send completes and the lookup goroutine exits
// whether or not anyone is still waiting.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: lookup: timeout
// stdout: lookup finished
#include <gorace.h>
#include <stdio.h>

static go_chan *exited;

static void lookup(void *ch)
{
    go_sleep(60 * GO_MILLISECOND);
    int r = 42;
    go_chan_send(ch, &r); /* buffered: never blocks */
    go_chan_close(exited);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *result = go_chan_make(sizeof(int), 1);
    exited = go_chan_make(0, 0);
    GO(lookup, result);
    int r;
    go_case cases[] = {GO_RECV_CASE(result, &r),
                       GO_RECV_CASE(go_after(10 * GO_MILLISECOND), NULL)};
    if (go_select(cases, 2, false) == 0)
        printf("lookup: %d\n", r);
    else
        printf("lookup: timeout\n");
    go_chan_recv(exited, NULL); /* only to show it exits; no one must wait */
    printf("lookup finished\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
