/*
 * ring_cpu LAPS N: ChanRingN's ring of N goroutines, timed in CPU time
 * (CLOCK_PROCESS_CPUTIME_ID) lap by lap, with set-up and tear-down apart.
 * On a shared machine wall time carries other processes' load; CPU time
 * does not. Build it as a user would:
 *     gorace cc -O2 bench/ring_cpu.c -o ring_cpu            (race build)
 *     gorace cc --release -O2 bench/ring_cpu.c -o ring_cpu  (release)
 *     GOMAXPROCS=1 ./ring_cpu 3 100000
 */
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long n;
static go_chan **links;
static long *slots;
static go_wg started, exited;

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void member(void *arg)
{
    /* ChanRingN's member: the ring in locals, as the Go twin's captures */
    long i = (long)arg, token, *ring_slots = slots;
    go_chan **ring = links, *in = ring[i];
    go_wg_done(&started);
    while (go_chan_recv(in, &token)) {
        ring_slots[i] += token;
        token++;
        go_chan_send(ring[i + 1], &token);
    }
    go_chan_close(ring[i + 1]);
    go_wg_done(&exited);
}

static int main_fn(int argc, char **argv)
{
    int laps = argc > 1 ? atoi(argv[1]) : 3;
    n = argc > 2 ? atol(argv[2]) : 20000;
    if (laps < 0 || n < 1) {
        fprintf(stderr, "usage: ring_cpu [LAPS [N]]\n");
        return 2;
    }
    links = calloc((size_t)n + 1, sizeof *links);
    slots = calloc((size_t)n, sizeof *slots);
    for (long i = 0; i <= n; i++)
        links[i] = go_chan_make(sizeof(long), 0);
    go_wg_add(&started, n);
    go_wg_add(&exited, n);
    double t0 = cpu_now();
    for (long i = 0; i < n; i++)
        GO(member, (void *)i);
    go_wg_wait(&started);
    double t1 = cpu_now();
    printf("set-up: %.2f s CPU\n", t1 - t0);
    for (int lap = 0; lap < laps; lap++) {
        long token = 0;
        go_chan_send(links[0], &token);
        go_chan_recv(links[n], &token);
        double t2 = cpu_now();
        printf("lap %d: %.2f us CPU per hop\n", lap, (t2 - t1) * 1e6 / n);
        t1 = t2;
    }
    go_chan_close(links[0]);
    go_wg_wait(&exited);
    printf("tear-down: %.2f s CPU\n", cpu_now() - t1);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
