// "If you use a WaitGroup but the goroutine blocks forever, main hangs."
// Article 001, "Pitfalls and errors". With nothing else able to run, Go does
// not hang: it reports that all goroutines are asleep. Go original:
// go/001_waitgroup_blocked_forever.go.
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout: waiting
#include <gorace.h>
#include <stdio.h>

static go_chan *never;

static void worker(void *arg)
{
    go_chan_recv(never, NULL); /* nobody sends and nobody closes */
    go_wg_done(arg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg wg = {0};
    never = go_chan_make(sizeof(int), 0);
    go_wg_add(&wg, 1);
    GO(worker, &wg);
    printf("waiting\n");
    go_wg_wait(&wg);
    printf("unreachable\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
