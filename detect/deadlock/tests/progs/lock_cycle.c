/* AB-BA: two goroutines each hold one mutex and wait for the other's while
 * a heartbeat keeps running: the cycle is fatal the moment it closes. */
#include <gorace.h>

static go_mutex a, b;
static go_chan *a_held, *b_held;

static void heartbeat(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++)
        go_sleep(GO_MILLISECOND);
}

static void take_a_then_b(void *arg)
{
    (void)arg;
    go_mutex_lock(&a);
    go_chan_send(a_held, NULL);
    go_chan_recv(b_held, NULL);
    go_mutex_lock(&b);
}

static void take_b_then_a(void *arg)
{
    (void)arg;
    go_mutex_lock(&b);
    go_chan_send(b_held, NULL);
    go_chan_recv(a_held, NULL);
    go_mutex_lock(&a);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    a_held = go_chan_make(0, 1);
    b_held = go_chan_make(0, 1);
    GO(heartbeat, NULL);
    GO(take_a_then_b, NULL);
    GO(take_b_then_a, NULL);
    go_sleep(500 * GO_MILLISECOND);
    return 3; /* not reached: the cycle is fatal */
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
