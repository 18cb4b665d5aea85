// Fixed twin of moby27037.c: each goroutine gets its own copy of i (Go's
// `go func(i int) { ... }(i)`, or the per-iteration variable of Go 1.22),
// the fix for a captured loop variable; GoKer's kernel does not carry the
// upstream patch, which we did not read.
//
// expect: ok
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdint.h>
#include <stdio.h>

static go_wg wg;

static void worker(void *arg)
{
    int i = (int)(intptr_t)arg; /* passed by value */
    char buf[16];
    snprintf(buf, sizeof buf, "v1.%d", i);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 17; i <= 21; i++) {
        go_wg_add(&wg, 1);
        GO(worker, (void *)(intptr_t)i);
    }
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
