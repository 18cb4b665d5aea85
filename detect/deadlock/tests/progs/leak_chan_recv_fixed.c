/* The fix of leak_chan_recv.c: main sends the value and waits for it to be
 * consumed. Also checks the grace period: a second goroutine is still
 * blocked when main returns but is woken by a timer 20ms later. */
#include <gorace.h>

static go_chan *results, *late;
static go_wg wg;

static void fetch(void *arg)
{
    (void)arg;
    int v;
    go_chan_recv(results, &v);
    go_wg_done(&wg);
}

static void waiter(void *arg)
{
    (void)arg;
    go_chan_recv(late, NULL);
}

static void waker(void *arg)
{
    (void)arg;
    go_sleep(20 * GO_MILLISECOND);
    go_chan_close(late);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    results = go_chan_make(sizeof(int), 0);
    late = go_chan_make(0, 0);
    go_wg_add(&wg, 1);
    GO(fetch, NULL);
    int v = 42;
    go_chan_send(results, &v);
    go_wg_wait(&wg);
    GO(waiter, NULL);
    GO(waker, NULL);
    go_yield();
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
