// Cond signal lost: the notifier signals before anyone waits, and the waiter
// waits without testing the condition first. A Cond has no memory: the
// Signal wakes no one and is gone, and the later Wait sleeps forever.
// Here the order is forced (the waiter starts after the signal), so every
// run shows the loss: main waits for the waiter, all asleep.
// cond_signal_lost_fixed.c waits the Go way: `for !ready { c.Wait() }`.
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout: signalled
#include <gorace.h>
#include <stdbool.h>
#include <stdio.h>

static go_mutex mu;
static go_cond cond;
static bool ready;
static go_wg wg;

static void waiter(void *arg)
{
    (void)arg;
    go_mutex_lock(&mu);
    go_cond_wait(&cond); /* no predicate: the signal already happened */
    go_mutex_unlock(&mu);
    printf("woken\n");
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_cond_init(&cond, &mu);
    go_mutex_lock(&mu);
    ready = true;
    go_cond_signal(&cond);
    go_mutex_unlock(&mu);
    printf("signalled\n");
    fflush(stdout);
    go_wg_add(&wg, 1);
    GO(waiter, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
