// The classic leak: an unbuffered result channel and a timeout in the
// caller. The caller waits for the slow lookup with `select { case r :=
// <-ch: ...; case <-time.After(20ms): return errTimeout }`. It gives up; the
// lookup finishes later and blocks forever on its send, which no one will
// receive (Go's Timeout pattern, grpc#660, kubernetes#5316).
// timeout_unbuffered_result_fixed.c makes the channel buffered (cap 1), so
// the late send completes and the lookup goroutine exits.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: lookup: timeout
#include <gorace.h>
#include <stdio.h>

static void lookup(void *ch)
{
    go_sleep(60 * GO_MILLISECOND); /* slower than the caller's patience */
    int r = 42;
    go_chan_send(ch, &r); /* the caller is gone: blocks forever */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *result = go_chan_make(sizeof(int), 0);
    GO(lookup, result);
    int r;
    go_case cases[] = {GO_RECV_CASE(result, &r),
                       GO_RECV_CASE(go_after(10 * GO_MILLISECOND), NULL)};
    if (go_select(cases, 2, false) == 0)
        printf("lookup: %d\n", r);
    else
        printf("lookup: timeout\n");
    go_sleep(110 * GO_MILLISECOND); /* the lookup reaches its send */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
