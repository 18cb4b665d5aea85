// The fix of timer_stopped_recv.c: Stop's result says whether the timer was
// still pending; only a timer that fired (Stop false) has a value to
// receive. Here it was stopped in time, so there is nothing to wait for.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: stopped: true
// stdout: timer cancelled
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_timer *t = go_timer_new(100 * GO_MILLISECOND);
    bool stopped = go_timer_stop(t);
    printf("stopped: %s\n", stopped ? "true" : "false");
    if (stopped) {
        printf("timer cancelled\n");
    } else {
        int64_t when;
        go_chan_recv(go_timer_chan(t), &when);
        printf("timer fired\n");
    }
    go_timer_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
