// The fix of timer_stopped_worker.c: the retry goroutine selects on the
// timer and on a cancel channel; the caller stops the timer and closes the
// channel, then waits for the goroutine.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: succeeded; retry cancelled
// stdout: retry: cancelled
#include <gorace.h>
#include <stdio.h>

static go_timer *backoff;
static go_chan *cancel, *exited;

static void retry(void *arg)
{
    (void)arg;
    int64_t when;
    go_case cases[] = {GO_RECV_CASE(go_timer_chan(backoff), &when),
                       GO_RECV_CASE(cancel, NULL)};
    if (go_select(cases, 2, false) == 0)
        printf("retrying\n");
    else
        printf("retry: cancelled\n");
    go_chan_close(exited);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    backoff = go_timer_new(100 * GO_MILLISECOND);
    cancel = go_chan_make(0, 0);
    exited = go_chan_make(0, 0);
    GO(retry, NULL);
    go_yield();
    if (go_timer_stop(backoff))
        printf("succeeded; retry cancelled\n");
    go_chan_close(cancel);
    go_chan_recv(exited, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
