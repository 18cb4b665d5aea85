/* Three goroutines from one go statement and one from another, blocked on
 * a WaitGroup and a Mutex: two blocks, counted per creation site. */
#include <gorace.h>

static go_wg never;
static go_mutex held;

static void wait_forever(void *arg)
{
    (void)arg;
    go_wg_wait(&never);
}

static void lock_forever(void *arg)
{
    (void)arg;
    go_mutex_lock(&held);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&never, 1);
    go_mutex_lock(&held);
    for (int i = 0; i < 3; i++)
        GO(wait_forever, NULL);
    GO(lock_forever, NULL);
    go_sleep(5 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
