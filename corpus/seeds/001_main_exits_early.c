// The vanishing act: main returns while the worker sleeps, and the program
// ends without the worker's line. Article 001, "The minimal trap"; Go
// original: go/001_main_exits_early.go. Durations shrunk 10x (1s -> 100ms).
// A sleeping goroutine is not a leak, so this passes under the detector too.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: Main exiting
#include <gorace.h>
#include <stdio.h>

static void worker(void *arg)
{
    (void)arg;
    go_sleep(100 * GO_MILLISECOND);
    printf("Worker done\n");
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(worker, NULL);
    printf("Main exiting\n");
    return 0; /* every other goroutine is abandoned here */
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
