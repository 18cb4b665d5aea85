// A goroutine burns CPU while a 10 ms ticker should keep ticking. At
// GOMAXPROCS=1 the burner would keep the only P forever, and the goroutine
// waiting for the ticks would never run. Go finishes it (asynchronous
// preemption); gorace's sysmon ends the burner's time slice after 10 ms
// and, since the loop has no scheduling point, retakes its P, so the
// ticker's goroutine gets each tick on time (within ~20 ms of the previous
// one, as in Go: tests/test_liveness.c measures it).
// This program checks liveness, not latency: it allows a second of
// lateness, as a machine running the corpus in parallel may deschedule a
// thread for a long time.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 20 ticks on time
// seeds: 0 the release build has no scheduling point in the burner
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
    int64_t last = go_now(), worst = 0;
    for (int i = 1; i <= TICKS; i++) {
        go_chan_recv(go_ticker_chan(t), NULL);
        int64_t now = go_now(), late = now - last - period;
        if (late > worst)
            worst = late;
        last = now;
    }
    atomic_store(&stop, 1);
    go_ticker_stop(t);
    if (worst > 1000 * GO_MILLISECOND)
        printf("late by %lld ms\n", (long long)(worst / GO_MILLISECOND));
    else
        printf("%d ticks on time\n", TICKS);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
