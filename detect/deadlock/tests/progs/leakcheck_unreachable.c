/* A leak found while the program runs: a helper goroutine makes a channel,
 * starts a receiver on it and exits; the channel's only reference was the
 * helper's local, so nothing that can run can ever send on it.
 * go_leakcheck() must report it (return 1) while main goes on, and the exit
 * report must not report it again. With DL_INTERVAL=1 in the environment
 * (and GORACE="leakcheck_interval=5") the detector's thread finds it
 * instead. */
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>

static go_wg helper_done, receiver_blocked;

static void receiver(void *arg)
{
    go_chan *c = arg;
    go_wg_done(&receiver_blocked);
    go_chan_recv(c, NULL);
}

static void helper(void *arg)
{
    (void)arg;
    go_chan *c = go_chan_make(0, 0);
    GO(receiver, c);
    go_wg_done(&helper_done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&helper_done, 1);
    go_wg_add(&receiver_blocked, 1);
    GO(helper, NULL);
    go_wg_wait(&helper_done);
    go_wg_wait(&receiver_blocked);
    go_sleep(10 * GO_MILLISECOND); /* the receiver parks */
    if (getenv("DL_INTERVAL")) {
        /* the detector's own thread checks every few ms */
        go_sleep(100 * GO_MILLISECOND);
        return 0;
    }
    int n = go_leakcheck();
    printf("leakcheck found %d\n", n);
    fflush(stdout);
    /* go_exit: a failure must not be masked by the at-exit report */
    if (n != 1)
        go_exit(3);
    if (go_leakcheck() != 0) /* reported once only */
        go_exit(4);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
