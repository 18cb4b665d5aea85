// os.Exit kills everything: deferred calls do not run. Article 001; Go
// original: go/001_os_exit.go. C has no defer; a cleanup-attribute variable
// (run at scope exit) and an atexit handler both stand in for it, and
// go_exit must skip both, as os.Exit skips main's defers. A goroutine that
// would print later is killed too.
//
// expect: exit 0
// gomaxprocs: 1,2
// stdout: Exiting
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>

static void deferred_cleanup(int *unused)
{
    (void)unused;
    printf("Cleanup\n");
}

static void atexit_cleanup(void)
{
    printf("Cleanup (atexit)\n");
}

static void late(void *arg)
{
    (void)arg;
    go_sleep(GO_SECOND);
    printf("late goroutine\n");
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    atexit(atexit_cleanup);
    int defer __attribute__((cleanup(deferred_cleanup))) = 0;
    (void)defer;
    GO(late, NULL);
    printf("Exiting\n");
    go_exit(0);
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
