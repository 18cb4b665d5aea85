/* A million live goroutines under race detection: each writes its own slot
 * of a shared array and parks on one channel; main closes it, waits for
 * all, checks every slot (no race), then one unsynchronised write pair
 * must still be reported. It prints its peak RSS, which run_million.sh
 * holds to 6,000 bytes per goroutine (issue 15). */
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>

#include "proc_status.h"

enum { N = 1000000 };
static int *slots;
static go_chan *start;
static go_wg parked, done;
int racy; /* not static: every access stays */

static void worker(void *arg)
{
    long i = (long)arg;
    slots[i] = 1;
    go_wg_done(&parked);
    go_chan_recv(start, NULL);
    slots[i] += 1;
    go_wg_done(&done);
}

static void racer(void *arg)
{
    (void)arg;
    racy = 1;
    go_wg_done(&done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    slots = calloc(N, sizeof *slots);
    start = go_chan_make(0, 0);
    go_wg_add(&parked, N);
    go_wg_add(&done, N);
    for (long i = 0; i < N; i++)
        GO(worker, (void *)i);
    go_wg_wait(&parked);
    printf("live goroutines: %d\n", go_num_goroutine());
    go_chan_close(start);
    go_wg_wait(&done);
    for (long i = 0; i < N; i++)
        if (slots[i] != 2) {
            printf("slot %ld = %d\n", i, slots[i]);
            return 1;
        }
    go_wg_add(&done, 1);
    GO(racer, NULL);
    racy = 2;
    go_wg_wait(&done);
    printf("ok\n");
    printf("peak RSS KiB: %ld\n", proc_status_kib("VmHWM"));
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
