// The go statement returns at once; main sleeps long enough (a hack the
// article owns up to) for the greeting to print. Article 002, "Minimal
// example"; Go original: go/002_greet.go. Durations shrunk 10x
// (1s -> 100ms, 2s -> 200ms).
//
// expect: ok
// gomaxprocs: 1,2
// stdout: Main continues immediately
// stdout: Hello, Alice
#include <gorace.h>
#include <stdio.h>

static void greet(void *name)
{
    go_sleep(100 * GO_MILLISECOND); /* simulate work */
    printf("Hello, %s\n", (const char *)name);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(greet, "Alice");
    printf("Main continues immediately\n");
    go_sleep(200 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
