// A goroutine burns CPU while a 10 ms ticker should keep ticking. At
// GOMAXPROCS=1 the burner would keep the only P forever, and the goroutine
// waiting for the ticks would never run. Go finishes it (asynchronous
// preemption); gorace's sysmon ends the burner's time slice after 10 ms
// and, since the loop has no scheduling point, retakes its P, so the
// ticker's goroutine runs on time (within ~20 ms; this program allows
// 100 ms of lateness, for loaded machines).
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 20 ticks on time
// seeds: 0 release build: the burner has no scheduling point a seed can use
// (and seeded time is virtual)
#include <gorace.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int stop;
static volatile unsigned long sink;

static void burner(void *arg)
{
    (void)arg;
    unsigned long x = 1;
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        x = x * 6364136223846793005ul + 1442695040888963407ul;
    sink = x;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    enum { TICKS = 20 };
    const int64_t period = 10 * GO_MILLISECOND;
    go_ticker *t = go_ticker_new(period);
    GO(burner, NULL);
    int64_t start = go_now(), worst = 0;
    for (int i = 1; i <= TICKS; i++) {
        go_chan_recv(go_ticker_chan(t), NULL);
        int64_t late = go_now() - (start + i * period);
        if (late > worst)
            worst = late;
    }
    atomic_store(&stop, 1);
    go_ticker_stop(t);
    if (worst > 100 * GO_MILLISECOND)
        printf("late by %lld ms\n", (long long)(worst / GO_MILLISECOND));
    else
        printf("%d ticks on time\n", TICKS);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
