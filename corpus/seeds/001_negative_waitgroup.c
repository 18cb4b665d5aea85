// One Done too many drives the WaitGroup counter negative: a panic.
// Article 001, "Pitfalls and errors"; Go original:
// go/001_negative_waitgroup.go.
//
// expect: panic
// gomaxprocs: 1,2
// stderr: panic: sync: negative WaitGroup counter
// stdout: worker done
#include <gorace.h>
#include <stdio.h>

static void worker(void *arg)
{
    printf("worker done\n");
    go_wg_done(arg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg wg = {0};
    go_wg_add(&wg, 1);
    GO(worker, &wg);
    go_wg_wait(&wg);
    go_wg_done(&wg); /* the extra Done */
    printf("unreachable\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
