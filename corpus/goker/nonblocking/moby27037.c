// GoKer moby#27037 (non-blocking, Go-specific: anonymous function).
// Origin: moby/moby PR 27037; GoKer file
// goker/nonblocking/moby/27037/moby27037_test.go.
//
// `for i := 17; i <= 21; i++ { wg.Add(1); go func() { ...; fmt.Sprintf("v1.%d",
// i) }() }`: before Go 1.22 the closure captures the one loop variable i,
// which the test goroutine goes on incrementing while the goroutines read
// it. Each goroutine's read is unordered with the test's next i++ (the last
// one's with the final i++ that ends the loop), so the race is there on
// every schedule. The closure's capture is modelled by passing &i.
// Fixed twin: moby27037_fixed.c.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdio.h>

static go_wg wg;

static void worker(void *arg)
{
    int *i = arg; /* captured by reference */
    char buf[16];
    snprintf(buf, sizeof buf, "v1.%d", *i);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 17; i <= 21; i++) {
        go_wg_add(&wg, 1);
        GO(worker, &i);
    }
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
