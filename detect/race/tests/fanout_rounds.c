/* Slot reuse under fan-out: rounds of 1000 goroutines that each call Done,
 * joined by Wait, at GOMAXPROCS=2. Children end while the parent is still
 * spawning, so the slots it can reuse (last round's) lie under ones it
 * cannot (this round's). Were they not found, every goroutine would take a
 * fresh slot and keep its state: memory would grow by ~450 B per goroutine,
 * ~110 MB over these 250 rounds. Prints "ok" when the growth after warm-up
 * stays under 16 MB. */
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROUNDS = 300, WARMUP = 50, FANOUT = 1000, LIMIT_KB = 16 << 10 };
static go_wg wg;

static void done(void *arg)
{
    (void)arg;
    go_wg_done(&wg);
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    long base = 0;
    for (int r = 0; r < ROUNDS; r++) {
        if (r == WARMUP)
            base = rss_kb();
        go_wg_add(&wg, FANOUT);
        for (int i = 0; i < FANOUT; i++)
            GO(done, NULL);
        go_wg_wait(&wg);
    }
    long grown = rss_kb() - base;
    printf("rss growth over %d rounds: %ld kB\n", ROUNDS - WARMUP, grown);
    if (base <= 0 || grown > LIMIT_KB)
        return 1;
    printf("ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
