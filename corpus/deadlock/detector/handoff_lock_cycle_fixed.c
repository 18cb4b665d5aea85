// handoff_lock_cycle.c with the locks taken in one order: the taker takes
// `b` before `sem`, so it waits for the worker instead of closing a cycle.
// The thousand holds that main ended on the worker's behalf must not make
// the worker look like it still holds `sem`: no report.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: done
#include <gorace.h>
#include <stdio.h>

enum { HANDOFFS = 1000 };

static go_mutex sem, b;
static go_chan *locked, *unlocked, *b_held, *sem_held;
static go_wg wg;

static void worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < HANDOFFS; i++) {
        go_mutex_lock(&sem);
        go_chan_send(locked, NULL);
        go_chan_recv(unlocked, NULL);
    }
    go_mutex_lock(&b);
    go_chan_close(b_held);
    go_chan_recv(sem_held, NULL);
    go_mutex_lock(&sem);
    go_mutex_unlock(&sem);
    go_mutex_unlock(&b);
    go_wg_done(&wg);
}

static void taker(void *arg)
{
    (void)arg;
    go_chan_recv(b_held, NULL);
    go_chan_close(sem_held);
    go_mutex_lock(&b);
    go_mutex_lock(&sem);
    go_mutex_unlock(&sem);
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
    locked = go_chan_make(0, 0);
    unlocked = go_chan_make(0, 0);
    b_held = go_chan_make(0, 0);
    sem_held = go_chan_make(0, 0);
    go_wg_add(&wg, 2);
    GO(worker, NULL);
    for (int i = 0; i < HANDOFFS; i++) {
        go_chan_recv(locked, NULL);
        go_mutex_unlock(&sem); /* on the worker's behalf */
        go_chan_send(unlocked, NULL);
    }
    go_chan *beat_done = go_chan_make(0, 0);
    GO(heartbeat, beat_done);
    GO(taker, NULL);
    go_chan_recv(beat_done, NULL);
    go_wg_wait(&wg);
    printf("done\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
