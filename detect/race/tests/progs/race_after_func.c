/* A race with a goroutine that time.AfterFunc started: the timer fires in
 * scheduler context, which has no goroutine's frames, so the goroutine was
 * created at go_after_func's call site alone (run_progs.sh checks that the
 * main thread's frames below go_run do not follow it). The callback
 * finishes before main reads, told by a relaxed flag, which orders
 * nothing. */
#include <gorace.h>

int value, done; /* not static: the accesses must stay */

void fire(void *arg)
{
    (void)arg;
    value = 1;
    __atomic_store_n(&done, 1, __ATOMIC_RELAXED);
}

__attribute__((noinline)) void arm(void)
{
    go_after_func(GO_MILLISECOND, fire, NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    arm();
    while (!__atomic_load_n(&done, __ATOMIC_RELAXED))
        go_sleep(GO_MILLISECOND);
    return value - 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
