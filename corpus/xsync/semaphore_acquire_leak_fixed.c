// semaphore_acquire_leak.c fixed: main releases its weight, the waiter
// acquires, releases and ends before main returns.
//
// expect: ok
// gomaxprocs: 1,2
#include <gorace.h>

static go_sem *sem;
static go_wg wg;

static void waiter(void *arg)
{
    (void)arg;
    go_sem_acquire(sem, NULL, 2);
    go_sem_release(sem, 2);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    sem = go_sem_new(2);
    go_sem_acquire(sem, NULL, 1);
    go_wg_add(&wg, 1);
    GO(waiter, NULL);
    go_sleep(10 * GO_MILLISECOND);
    go_sem_release(sem, 1);
    go_wg_wait(&wg);
    go_sem_free(sem);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
