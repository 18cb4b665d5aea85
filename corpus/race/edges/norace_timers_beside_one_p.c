// A token ring, a mutex-guarded counter, tickers, AfterFuncs and a goroutine
// that keeps entering system calls. At GOMAXPROCS 1 the race detector works
// in solo sections while one thread runs hooks (plain reference counts, no
// table locks); the system calls leave extra Ms, which fire due timers
// without a P while the P runs the ring, and each must count itself as a
// second thread and wait out an open section first. Every access is
// ordered by a channel, the mutex or the WaitGroup: no race, and no
// corrupted clock.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 12800 hops, 40 AfterFuncs
#include <gorace.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

enum { N = 32, LAPS = 400 };

static go_chan *ring[N + 1];
static go_wg wg;
static go_mutex mu;
static long hops, fired;
static volatile long spin;

/* Real time, which a seeded schedule's go_now does not advance here. */
static int64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * GO_SECOND + ts.tv_nsec;
}

static void member(void *arg)
{
    long i = (long)arg, tok;
    while (go_chan_recv(ring[i], &tok)) {
        go_mutex_lock(&mu);
        hops++;
        go_mutex_unlock(&mu);
        tok++;
        go_chan_send(ring[i + 1], &tok);
    }
    go_chan_close(ring[i + 1]);
    go_wg_done(&wg);
}

static void tick_reader(void *arg)
{
    go_ticker *t = arg;
    for (int k = 0; k < 20; k++)
        go_chan_recv(go_ticker_chan(t), NULL);
    go_ticker_stop(t);
    go_ticker_free(t);
    go_wg_done(&wg);
}

static void syscaller(void *arg)
{
    (void)arg;
    for (int k = 0; k < 40; k++) {
        go_syscall_enter();
        usleep(100);
        go_syscall_exit();
    }
    go_wg_done(&wg);
}

static void after_fn(void *arg)
{
    (void)arg;
    go_mutex_lock(&mu);
    fired++;
    go_mutex_unlock(&mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i <= N; i++)
        ring[i] = go_chan_make(sizeof(long), 0);
    go_wg_add(&wg, N + 4 + 1 + LAPS / 10);
    for (long i = 0; i < N; i++)
        GO(member, (void *)i);
    for (int k = 0; k < 4; k++)
        GO(tick_reader, go_ticker_new(50 * GO_MICROSECOND * (k + 1)));
    GO(syscaller, NULL);
    go_timer *after[LAPS / 10];
    for (int lap = 0; lap < LAPS; lap++) {
        long tok = 0;
        if (lap % 10 == 0)
            after[lap / 10] =
                go_after_func(GO_MICROSECOND * (lap % 50), after_fn, NULL);
        if (lap % 20 == 0) { /* busy: timers fall due with the P taken */
            int64_t end = real_ns() + 500 * GO_MICROSECOND;
            while (real_ns() < end)
                spin++;
        }
        go_chan_send(ring[0], &tok);
        go_chan_recv(ring[N], &tok);
        if (tok != N) {
            printf("lap %d: token %ld, want %d\n", lap, tok, N);
            return 1;
        }
    }
    go_chan_close(ring[0]);
    go_chan_recv(ring[N], NULL);
    go_wg_wait(&wg);
    for (int k = 0; k < LAPS / 10; k++)
        go_timer_free(after[k]);
    for (int i = 0; i <= N; i++)
        go_chan_free(ring[i]);
    printf("%ld hops, %ld AfterFuncs\n", hops, fired);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
