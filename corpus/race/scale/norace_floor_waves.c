// Waves of goroutines that main joins, with the detector's floor pass
// between them (detect/race/race.c, "Floors"): each wave of 2,000 ends
// joined, so the next spawn drops their slots from every clock and the
// next wave reuses the smallest slots. Every access below is ordered:
// wave k+1 reads what wave k wrote (main joined wave k before spawning
// wave k+1), a pool passes values over buffered channels, and main reads
// the pool's results after joining it. A floor that covered too little
// would report one of these reads; none is a race.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 3 2,000-goroutine waves; the verdict rests on happens-before
#include <gorace.h>
#include <stdint.h>

enum { WAVE = 2000, WAVES = 4, POOL = 8, JOBS = 1000 };

int64_t cells[2][WAVE]; /* wave k writes cells[k % 2], reads the other */
int64_t results[POOL];
static int wave_k;
static go_wg wg;
static go_chan *jobs, *done;

static void member(void *arg)
{
    intptr_t i = (intptr_t)arg;
    int k = wave_k;
    cells[k % 2][i] = cells[(k + 1) % 2][(i + 1) % WAVE] + 1; /* joined */
    go_wg_done(&wg);
}

static void worker(void *arg)
{
    intptr_t w = (intptr_t)arg;
    int64_t j;
    while (go_chan_recv(jobs, &j)) {
        results[w] += cells[1][j % WAVE];
        go_chan_send(done, &j);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int k = 0; k < WAVES; k++) {
        wave_k = k;
        go_wg_add(&wg, WAVE);
        for (intptr_t i = 0; i < WAVE; i++)
            GO(member, (void *)i);
        go_wg_wait(&wg);
    }
    jobs = go_chan_make(sizeof(int64_t), 16);
    done = go_chan_make(sizeof(int64_t), 16);
    go_wg_add(&wg, POOL);
    for (intptr_t w = 0; w < POOL; w++)
        GO(worker, (void *)w);
    for (int64_t j = 0; j < JOBS; j++) {
        go_chan_send(jobs, &j);
        if (j >= 8)
            go_chan_recv(done, &(int64_t){0});
    }
    go_chan_close(jobs);
    for (int j = 0; j < 8; j++)
        go_chan_recv(done, &(int64_t){0});
    go_wg_wait(&wg);
    int64_t sum = 0;
    for (int w = 0; w < POOL; w++)
        sum += results[w];
    cells[0][0] = sum;
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
