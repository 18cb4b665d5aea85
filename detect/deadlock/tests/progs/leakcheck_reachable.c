/* No false report while running: receivers blocked on channels that are
 * still reachable (from a global, from a heap object reachable from a
 * global, from a sleeping goroutine's stack, from a runnable goroutine's
 * stack, from the start argument of a goroutine that has not run yet, and
 * a Mutex waiter whose mutex lives in a heap object on main's stack) must
 * not be reported; then every one is released and the program exits 0. */
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>

struct box {
    int pad[7];
    go_chan *c; /* an interior pointer is enough */
};

static go_chan *global_chan;
static struct box *global_box;
static go_wg parked;
static int stop_spinning;
static go_chan *spin_done;

static void receiver(void *arg)
{
    go_chan *c = arg;
    go_wg_done(&parked);
    go_chan_recv(c, NULL);
}

/* Holds c only in its own frame while it sleeps, then closes it. */
static void sleeper(void *arg)
{
    go_chan *volatile c = arg;
    go_sleep(60 * GO_MILLISECOND);
    go_chan_close(c);
}

/* Holds c only in its own frame while it keeps yielding. */
static void spinner(void *arg)
{
    go_chan *volatile c = arg;
    while (!__atomic_load_n(&stop_spinning, __ATOMIC_ACQUIRE))
        go_yield();
    go_chan_close(c);
    go_chan_send(spin_done, NULL);
}

static void closer(void *arg)
{
    go_chan_close(arg);
}

static void locker(void *arg)
{
    go_mutex *m = arg;
    go_wg_done(&parked);
    go_mutex_lock(m);
    go_mutex_unlock(m);
}

static void start_receiver(go_chan *c)
{
    GO(receiver, c);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    global_chan = go_chan_make(0, 0);
    global_box = malloc(sizeof *global_box);
    global_box->c = go_chan_make(0, 0);
    go_chan *by_sleeper = go_chan_make(0, 0);
    go_chan *by_spinner = go_chan_make(0, 0);
    go_chan *by_unstarted = go_chan_make(0, 0);
    go_mutex *m = calloc(1, sizeof *m);
    spin_done = go_chan_make(0, 1);

    go_wg_add(&parked, 6);
    start_receiver(global_chan);
    start_receiver(global_box->c);
    start_receiver(by_sleeper);
    start_receiver(by_spinner);
    start_receiver(by_unstarted);
    go_mutex_lock(m);
    GO(locker, m);
    GO(sleeper, by_sleeper);
    GO(spinner, by_spinner);
    by_sleeper = by_spinner = NULL;
    go_wg_wait(&parked);
    go_sleep(10 * GO_MILLISECOND);
    /* The closer has not run yet when the check starts at GOMAXPROCS=1. */
    GO(closer, by_unstarted);
    by_unstarted = NULL;
    int n = go_leakcheck();
    printf("leakcheck found %d\n", n);
    fflush(stdout);
    if (n != 0)
        go_exit(3);

    go_chan_close(global_chan);
    go_chan_close(global_box->c);
    go_mutex_unlock(m);
    __atomic_store_n(&stop_spinning, 1, __ATOMIC_RELEASE);
    go_chan_recv(spin_done, NULL);
    go_sleep(80 * GO_MILLISECOND); /* the sleeper closes its channel */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
