// A goroutine blocked in a weighted semaphore's Acquire that no one will
// ever release: the holder returned without Release. When main returns it
// is leaked (a semaphore wait counts like a channel's).
// semaphore_acquire_leak_fixed.c releases.
//
// expect: leak
// gomaxprocs: 1,2
#include <gorace.h>

static go_sem *sem;

static void waiter(void *arg)
{
    (void)arg;
    go_sem_acquire(sem, NULL, 2);
    go_sem_release(sem, 2);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    sem = go_sem_new(2);
    go_sem_acquire(sem, NULL, 1); /* BUG: never released */
    GO(waiter, NULL);
    go_sleep(10 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
