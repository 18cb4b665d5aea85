// clang-format off
// A weighted semaphore used after go_sem_free: the program ends with a
// panic that names the semaphore and the call (best effort once the memory
// is reused; right after the free it always fires).
//
// expect: panic
// stderr: panic: semaphore: go_sem_release on a freed semaphore
// seeds: 5 the panic is deterministic; a few schedules suffice
#include <gorace.h>
// clang-format on

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_sem *s = go_sem_new(2);
    go_sem_acquire(s, NULL, 1);
    go_sem_free(s);
    go_sem_release(s, 1); /* BUG: use after free */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
