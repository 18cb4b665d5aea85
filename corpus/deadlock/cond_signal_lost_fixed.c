// The fix of cond_signal_lost.c: the waiter tests the condition under the
// lock and waits only while it is false, so a signal sent before it waited
// is not needed.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: signalled
// stdout: woken
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
    while (!ready)
        go_cond_wait(&cond);
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
    go_wg_add(&wg, 1);
    GO(waiter, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
