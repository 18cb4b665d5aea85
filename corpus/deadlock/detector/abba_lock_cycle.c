// AB-BA lock cycle while another goroutine still runs: two goroutines each
// hold one of two mutexes and wait for the other's, while a heartbeat keeps
// running for a while. Go cannot see this (the heartbeat is not asleep); the
// deadlock detector closes the wait-for cycle G1 -> b -> G2 -> a -> G1 the
// moment the second lock blocks and stops the program then.
//
// Needs the detector: the release runtime only reports, once the heartbeat
// is over, that all goroutines are asleep. abba_lock_cycle_fixed.c takes
// the locks in one order.
//
// expect: fatal
// gomaxprocs: 1,2
// needs: detector
// stderr: fatal error: deadlock: lock cycle
#include <gorace.h>
#include <stdio.h>

static go_mutex a, b;
static go_chan *a_held, *b_held;
static go_wg wg;

static void lock_a_then_b(void *arg)
{
    (void)arg;
    go_mutex_lock(&a);
    go_chan_close(a_held);
    go_chan_recv(b_held, NULL);
    go_mutex_lock(&b); /* closes the cycle, or is closed by the other */
    go_mutex_unlock(&b);
    go_mutex_unlock(&a);
    go_wg_done(&wg);
}

static void lock_b_then_a(void *arg)
{
    (void)arg;
    go_mutex_lock(&b);
    go_chan_close(b_held);
    go_chan_recv(a_held, NULL);
    go_mutex_lock(&a);
    go_mutex_unlock(&a);
    go_mutex_unlock(&b);
    go_wg_done(&wg);
}

static void heartbeat(void *done)
{
    for (int i = 0; i < 20; i++)
        go_sleep(10 * GO_MILLISECOND);
    go_chan_close(done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    a_held = go_chan_make(0, 0);
    b_held = go_chan_make(0, 0);
    go_chan *beat_done = go_chan_make(0, 0);
    GO(heartbeat, beat_done);
    go_wg_add(&wg, 2);
    GO(lock_a_then_b, NULL);
    GO(lock_b_then_a, NULL);
    go_chan_recv(beat_done, NULL);
    go_wg_wait(&wg);
    printf("unreachable\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
