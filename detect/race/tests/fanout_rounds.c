/* The detector's memory stays flat over many goroutines (prints "ok").
 *
 * fanout: rounds of 1000 goroutines that each call Done, joined by Wait, at
 * GOMAXPROCS=2. Children end while the parent is still spawning, so the
 * slots it can reuse (last round's) lie under ones it cannot (this round's).
 * Were they not found, every goroutine would take a fresh slot and keep its
 * state: ~450 B per goroutine, ~90 MB over these rounds.
 *
 * forget: rounds of 1000 goroutines that write heap memory and end, joined
 * by nobody (fire and forget): no slot is ever known to be reusable, so past
 * the detector's bound it reuses them anyway (race.c); ~530 B per goroutine
 * without that. Then a planted race between two goroutines must still be
 * found (exit 66). */
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc_status.h"

/* Warm-up: slots keep two incarnations each (race.c), reached once every
 * slot has been reused twice. */
enum { ROUNDS = 300, WARMUP = 100, FANOUT = 1000, LIMIT_KB = 24 << 10 };
static go_wg wg;
long planted; /* not static: every access stays */

static void done(void *arg)
{
    (void)arg;
    go_wg_done(&wg);
}

static void scribble(void *arg)
{
    long *p = malloc(8 * sizeof *p);
    for (int i = 0; i < 8; i++)
        p[i] = (long)arg + i;
    __asm__ volatile("" ::"r"(p) : "memory"); /* the stores stay */
    free(p);
}

static void racer(void *arg)
{
    planted = (long)arg;
    go_wg_done(&wg);
}

static void fanout_round(void)
{
    go_wg_add(&wg, FANOUT);
    for (int i = 0; i < FANOUT; i++)
        GO(done, NULL);
    go_wg_wait(&wg);
}

static void forget_round(void)
{
    for (long i = 0; i < FANOUT; i++)
        GO(scribble, (void *)i);
    /* Let them end, without a happens-before edge: nobody joins them. */
    while (go_num_goroutine() > 1)
        go_sleep(1000 * 1000);
}

static int main_fn(int argc, char **argv)
{
    bool forget = argc > 1 && !strcmp(argv[1], "forget");
    int rounds = forget ? 2 * WARMUP : ROUNDS;
    long base = 0;
    for (int r = 0; r < rounds; r++) {
        if (r == WARMUP)
            base = proc_status_kib("VmRSS");
        if (forget)
            forget_round();
        else
            fanout_round();
    }
    long grown = proc_status_kib("VmRSS") - base;
    printf("rss growth over %d rounds: %ld kB\n", rounds - WARMUP, grown);
    if (base <= 0 || grown > LIMIT_KB)
        return 1;
    printf("ok\n");
    if (forget) {
        go_wg_add(&wg, 2);
        GO(racer, (void *)1);
        GO(racer, (void *)2);
        go_wg_wait(&wg);
    }
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
