// x/sync/semaphore's TestWeightedPanic: releasing weight that is not held
// panics with Go's message.
//
// expect: panic
// stderr: panic: semaphore: released more than held
// seeds: 5 the panic is deterministic; a few schedules suffice
#include <gorace.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_sem *w = go_sem_new(1);
    go_sem_release(w, 1);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
