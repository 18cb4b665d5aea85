// The fix of abba_lock_cycle.c: both goroutines take a before b. The
// barrier cannot stay (the second would wait for a lock the first holds
// while the first waits for it), so each simply takes both locks in order.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: both done
#include <gorace.h>
#include <stdio.h>

static go_mutex a, b;
static go_wg wg;

static void lock_a_then_b(void *arg)
{
    (void)arg;
    go_mutex_lock(&a);
    go_yield();
    go_mutex_lock(&b);
    go_mutex_unlock(&b);
    go_mutex_unlock(&a);
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
    go_chan *beat_done = go_chan_make(0, 0);
    GO(heartbeat, beat_done);
    go_wg_add(&wg, 2);
    GO(lock_a_then_b, NULL);
    GO(lock_a_then_b, NULL);
    go_chan_recv(beat_done, NULL);
    go_wg_wait(&wg);
    printf("both done\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
