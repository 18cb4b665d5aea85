// GoKer grpc#660 (communication, channel): the benchmark client's loop
// selects between bc.stop and its worker's done channel; once stop wins it
// returns without draining done, and the worker blocks forever sending its
// completion. (Go's profile: doCloseLoopUnary.func1 leaked in chan send.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_chan *stop, *done;

static void unary_call(void *arg)
{
    (void)arg;
    go_sleep(10 * GO_MILLISECOND); /* the RPC */
    go_chan_send(done, NULL);
}

static void do_close_loop_unary(void *arg)
{
    (void)arg;
    GO(unary_call, NULL);
    go_case cases[] = {GO_RECV_CASE(stop, NULL), GO_RECV_CASE(done, NULL)};
    go_select(cases, 2, false);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    stop = go_chan_make(0, 0);
    done = go_chan_make(0, 0);
    GO(do_close_loop_unary, NULL);
    go_chan_send(stop, NULL); /* the benchmark ends before the RPC */
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
