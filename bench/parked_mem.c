/*
 * Memory per parked goroutine: RSS growth (VmRSS from /proc/self/status)
 * while N goroutines sit blocked on a channel receive, divided by N.
 * bench/go/parkedmem is the Go twin; bench/compare prints both.
 *
 * Each goroutine signals a WaitGroup and then blocks receiving from a channel
 * that is closed only after the measurement, so at measurement time every one
 * of them has run (owns a stack with its touched pages) and is parked. A short
 * sleep after the WaitGroup lets the last ones get from Done to the park.
 *
 * Usage: parked_mem [N]   (default 100000). Prints one line:
 *   parked_mem n=N rss_before_kb=A rss_after_kb=B bytes_per_goroutine=X
 */
#include <gorace.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long vmrss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

static struct {
    go_chan *release;
    go_wg parked, exited;
} world;

static void park(void *arg)
{
    (void)arg;
    go_wg_done(&world.parked);
    go_chan_recv(world.release, NULL);
    go_wg_done(&world.exited);
}

static int parked_main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    if (n < 1) {
        fprintf(stderr, "usage: parked_mem [N>0]\n");
        return 2;
    }
    world.release = go_chan_make(0, 0);
    long before = vmrss_kb();

    go_wg_add(&world.parked, n);
    go_wg_add(&world.exited, n);
    for (long i = 0; i < n; i++)
        GO(park, NULL);
    go_wg_wait(&world.parked);
    go_sleep(20 * GO_MILLISECOND);
    long after = vmrss_kb();

    printf("parked_mem n=%ld rss_before_kb=%ld rss_after_kb=%ld "
           "bytes_per_goroutine=%.0f\n",
           n, before, after, (double)(after - before) * 1024.0 / (double)n);
    fflush(stdout);

    go_chan_close(world.release);
    go_wg_wait(&world.exited);
    go_chan_free(world.release);
    return before < 0 || after < 0;
}

int main(int argc, char **argv)
{
    return go_run(parked_main, argc, argv);
}
