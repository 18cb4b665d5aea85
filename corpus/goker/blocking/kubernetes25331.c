// GoKer kubernetes#25331 (Communication Deadlock: channel & context).
// Origin: kubernetes/kubernetes PR 25331; GoKer file
// goker/blocking/kubernetes/25331/kubernetes25331_test.go.
//
// run() selects between errChan and the context; Stop() sends an error on
// errChan and only then cancels. The context cannot be done before run()
// took the error, so run() always takes it, cancels, and sends the result
// on the unbuffered resultChan, which nobody reads: run() blocks in chan
// send on every schedule. The test starts both and returns.
// (Go's profile: (*watchChan).run [chan send].)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <string.h>

typedef const char *error;

struct watch_chan {
    go_ctx *ctx;          /* cancel is go_cancel(ctx) */
    go_chan *result_chan; /* chan bool */
    go_chan *err_chan;    /* chan error */
};

static void wc_stop(void *arg)
{
    struct watch_chan *wc = arg;
    error err = "Error";
    go_chan_send(wc->err_chan, &err);
    go_cancel(wc->ctx);
}

static void wc_run(void *arg)
{
    struct watch_chan *wc = arg;
    error err;
    go_case cases[] = {GO_RECV_CASE(wc->err_chan, &err),
                       GO_RECV_CASE(go_ctx_done(wc->ctx), NULL)};
    if (go_select(cases, 2, false) == 0) {
        bool err_result = strlen(err) != 0;
        go_cancel(wc->ctx); /* removed in the fix */
        go_chan_send(wc->result_chan, &err_result);
    }
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct watch_chan wc;
    wc.ctx = go_with_cancel(go_background());
    wc.result_chan = go_chan_make(sizeof(bool), 0);
    wc.err_chan = go_chan_make(sizeof(error), 0);
    GO(wc_run, &wc);               /* G1 */
    GO(wc_stop, &wc);              /* G2 */
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
