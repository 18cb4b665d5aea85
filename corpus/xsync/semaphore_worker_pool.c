// clang-format off
// x/sync/semaphore's ExampleWeighted_workerPool: at most GOMAXPROCS
// workers at a time, and a final Acquire of every token waits for the
// rest. Each release happens before the acquire it enables, so main reads
// the workers' results race-free.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: [0 1 7 2 5 8 16 3 19 6 14 9 9 17 17 4 12 20 20 7 7 15 15 10 23 10 111 18 18 18 106 5]
#include <gorace.h>
#include <stdio.h>
// clang-format on

static go_sem *sem;
static int out[32];

static int collatz_steps(int n)
{
    int steps = 0;
    for (; n > 1; steps++)
        n = n % 2 == 0 ? n / 2 : 3 * n + 1;
    return steps;
}

static void worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    out[i] = collatz_steps(i + 1);
    go_sem_release(sem, 1);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    int max_workers = go_maxprocs(0);
    sem = go_sem_new(max_workers);
    for (int i = 0; i < 32; i++) {
        if (go_sem_acquire(sem, NULL, 1) != 0) {
            printf("Failed to acquire semaphore\n");
            break;
        }
        GO(worker, (intptr_t)i);
    }
    if (go_sem_acquire(sem, NULL, max_workers) != 0)
        printf("Failed to acquire semaphore\n");
    printf("[");
    for (int i = 0; i < 32; i++)
        printf(i ? " %d" : "%d", out[i]);
    printf("]\n");
    go_sem_release(sem, max_workers);
    go_sem_free(sem);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
