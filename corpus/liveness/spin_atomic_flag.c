// A goroutine spins on an atomic flag that a goroutine queued behind it must
// set. On one P the spinner never reaches a scheduling point: in the release
// build nothing in the loop calls the runtime. Go 1.14+ finishes it with
// asynchronous preemption; gorace's sysmon retakes the spinner's P after its
// 10 ms time slice and hands it to another thread, which runs the setter
// (in the instrumented build the atomic load is itself a preemption point).
//
// expect: ok
// gomaxprocs: 1,2
// stdout: flag seen
// seeds: 0 the release build has no scheduling point in the spin
#include <gorace.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag;

static void setter(void *arg)
{
    (void)arg;
    atomic_store_explicit(&flag, 1, memory_order_release);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(setter, NULL);
    while (!atomic_load_explicit(&flag, memory_order_acquire))
        ;
    printf("flag seen\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
