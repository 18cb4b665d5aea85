// A timer that must fire while a goroutine keeps running. main arms a 1ns
// AfterFunc, then takes and releases a mutex 1000 times (2000 scheduling
// points), watching the flag the timer's function sets.
//
// Under a seed, virtual time stands still while anything can run, so by
// default the timer would fire only after the loop (or after 10000 steps
// without a park). With `step_ns=1000` a microsecond passes at every
// scheduling step: the timer is due after the first one, main gives way for
// the scheduler to fire it, and the AfterFunc goroutine then runs at main's
// next yield. Every seed sees the flag within the loop, which a run without
// step_ns never does. Free-running, whether the timer's goroutine runs
// before the 1000 rounds end depends on real time: no free runs.
//
// expect: ok
// gomaxprocs: none free-running, real time decides
// gorace: step_ns=1000
// stdout: fired within the loop
#include <gorace.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int fired;

static void set_fired(void *arg)
{
    (void)arg;
    atomic_store(&fired, 1);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_mutex mu = {0};
    go_timer *t = go_after_func(1, set_fired, NULL);
    int rounds = 0;
    while (rounds < 1000 && !atomic_load(&fired)) {
        go_mutex_lock(&mu);
        go_mutex_unlock(&mu);
        rounds++;
    }
    printf("%s\n", rounds < 1000 ? "fired within the loop" : "fired late");
    go_timer_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
