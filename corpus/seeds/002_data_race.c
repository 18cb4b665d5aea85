// A data race: two goroutines increment a shared counter without
// synchronisation. Article 002: "Run your code with the -race flag ... The
// race detector reports WARNING: DATA RACE". Go original (go run -race exits
// 66 after "Found 1 data race(s)"): go/002_data_race.go. The count itself is
// unreliable, so stdout is not checked.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdio.h>

static go_wg wg;
static int counter;

static void increment(void *arg)
{
    (void)arg;
    for (int j = 0; j < 1000; j++)
        counter++; /* unsynchronised read-modify-write */
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
