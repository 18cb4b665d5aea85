// A weighted semaphore acquired twice by the one goroutine that would
// release it: main blocks in the second Acquire and nothing else runs, so
// the runtime reports Go's deadlock (Go's x/sync blocks in a select there,
// which its runtime reports the same way).
//
// expect: deadlock
// gomaxprocs: 1,2
#include <gorace.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_sem *sem = go_sem_new(3);
    go_sem_acquire(sem, NULL, 2);
    go_sem_acquire(sem, NULL, 2); /* BUG: only 1 left, and we hold 2 */
    go_sem_release(sem, 4);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
