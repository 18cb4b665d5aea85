// A timer that never fires, leaking form: a retry goroutine waits on a
// backoff timer's channel; the caller succeeds meanwhile and stops the timer
// to cancel the retry. A stopped timer never sends, so the retry goroutine
// is blocked on the receive forever (istio#18454's concurrent timer.Stop).
// timer_stopped_worker_fixed.c gives the retry goroutine a cancel channel
// to select on next to the timer.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: succeeded; retry cancelled
#include <gorace.h>
#include <stdio.h>

static go_timer *backoff;

static void retry(void *arg)
{
    (void)arg;
    int64_t when;
    go_chan_recv(go_timer_chan(backoff), &when);
    printf("retrying\n");
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    backoff = go_timer_new(100 * GO_MILLISECOND);
    GO(retry, NULL);
    go_yield();
    if (go_timer_stop(backoff))
        printf("succeeded; retry cancelled\n");
    go_sleep(200 * GO_MILLISECOND); /* well past the backoff: it never fires */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
