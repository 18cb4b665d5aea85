// A Mutex as a binary semaphore: main locks it, a worker unlocks it when its
// result is ready, and main's second Lock waits for that. Go allows an
// unlock by another goroutine (package sync: "It is allowed for one
// goroutine to lock a Mutex and then arrange for another goroutine to
// unlock it"), so with default options the detectors stay silent; the
// deadlock detector's unlock_other=1 warns about it on request.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 0 1 4 9 16
#include <gorace.h>
#include <stdio.h>

static go_mutex ready;
static int result;

static void square(void *arg)
{
    int i = (int)(intptr_t)arg;
    result = i * i;
    go_mutex_unlock(&ready);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 5; i++) {
        go_mutex_lock(&ready);
        GO(square, (intptr_t)i);
        go_mutex_lock(&ready); /* the worker's unlock lets this through */
        printf(i ? " %d" : "%d", result);
        go_mutex_unlock(&ready);
    }
    printf("\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
