// For shrink.sh: a long run with a short bug. Four workers each do forty
// rounds of noise (a mutex and a buffered channel, all scheduling points)
// and then try to sell the one seat: check that it is free, log the sale
// (a scheduling point), take it. Two workers interleaved between check and
// take oversell. A random walk preempts at nearly every point, so the
// failing seed's schedule has hundreds of preemptions; one is enough.
//
// expect: ok
// gomaxprocs: 1
// stdout: sold 1 of 1
// bug: stdout
#include <gorace.h>
#include <stdatomic.h>
#include <stdio.h>

enum { WORKERS = 4, ROUNDS = 40, SEATS = 1 };

static atomic_int sold;
static go_chan *noise, *audit;
static go_mutex mu;
static long rounds;
static go_wg wg;

static void worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int r = 0; r < ROUNDS; r++) {
        go_mutex_lock(&mu);
        rounds++;
        go_mutex_unlock(&mu);
        go_chan_send(noise, &r);
        go_chan_recv(noise, NULL);
    }
    if (atomic_load(&sold) < SEATS) {
        go_chan_send(audit, &id);
        atomic_fetch_add(&sold, 1);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    noise = go_chan_make(sizeof(int), WORKERS);
    audit = go_chan_make(sizeof(int), WORKERS);
    for (int i = 1; i <= WORKERS; i++) {
        go_wg_add(&wg, 1);
        GO(worker, (intptr_t)i);
    }
    go_wg_wait(&wg);
    printf("sold %d of %d\n", atomic_load(&sold), SEATS);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
