// A timer that never fires: the retry path stops the timer, then the common
// path waits on its channel anyway. A stopped timer sends nothing (and since
// Go 1.23 no stale value is left in the channel), so the receive blocks
// forever; with no timer pending and no other goroutine, all are asleep.
// timer_stopped_recv_fixed.c receives only when Stop reports that the timer
// had already fired.
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout: stopped: true
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_timer *t = go_timer_new(100 * GO_MILLISECOND);
    bool stopped = go_timer_stop(t); /* cancelled before it fires */
    printf("stopped: %s\n", stopped ? "true" : "false");
    fflush(stdout);
    int64_t when;
    go_chan_recv(go_timer_chan(t), &when); /* nothing will ever come */
    printf("timer fired\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
