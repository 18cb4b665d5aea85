// semaphore_worker_pool.c without the final Acquire: main sleeps instead
// of waiting for the last workers through the semaphore, so nothing orders
// their writes of out[] before main's reads. The race detector reports it
// (sleeping is not synchronisation), whatever the timing.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdio.h>

static go_sem *sem;
static int out[8];

static void worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    out[i] = i * i;
    go_sem_release(sem, 1);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    sem = go_sem_new(2);
    for (int i = 0; i < 8; i++) {
        go_sem_acquire(sem, NULL, 1);
        GO(worker, (intptr_t)i);
    }
    go_sleep(20 * GO_MILLISECOND); /* BUG: no Acquire(2) to wait for them */
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += out[i];
    printf("%d\n", sum);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
