// The data race of 002_data_race.c fixed with a Mutex: "Protect shared state
// with sync.Mutex" (article 002). Go original: go/002_mutex_fix.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: counter: 2000
#include <gorace.h>
#include <stdio.h>

static go_wg wg;
static go_mutex mu;
static int counter;

static void increment(void *arg)
{
    (void)arg;
    for (int j = 0; j < 1000; j++) {
        go_mutex_lock(&mu);
        counter++;
        go_mutex_unlock(&mu);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 2; i++) {
        go_wg_add(&wg, 1);
        GO(increment, NULL);
    }
    go_wg_wait(&wg);
    printf("counter: %d\n", counter);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
