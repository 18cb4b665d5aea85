// Atomicity violation: three buyers compete for two seats. Each checks that
// a seat is left, records its intent in the audit log (a buffered channel),
// then takes the seat. The check and the take are each atomic, but the pair
// is not: a buyer that loses the processor between them lets another buyer
// pass the same check, and the show is oversold. No data race: every shared
// word is an atomic, so only the schedule decides.
//
// Free-running on one P a buyer never loses the processor there (the send
// finds room, so it does not block), and the output is right. Under a seeded
// schedule the send is a scheduling point; some seeds print "sold 3 of 2".
// The fix: take the seat with one compare-and-swap loop, or under a mutex.
//
// expect: ok
// gomaxprocs: 1
// stdout: sold 2 of 2
// bug: stdout
#include <gorace.h>
#include <stdatomic.h>
#include <stdio.h>

enum { SEATS = 2, BUYERS = 3 };

static atomic_int sold;
static go_chan *audit; /* buyer ids, buffered: logging never blocks */
static go_wg wg;

static void buyer(void *arg)
{
    int id = (int)(intptr_t)arg;
    if (atomic_load(&sold) < SEATS) {
        go_chan_send(audit, &id);
        atomic_fetch_add(&sold, 1);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    audit = go_chan_make(sizeof(int), BUYERS);
    for (int i = 1; i <= BUYERS; i++) {
        go_wg_add(&wg, 1);
        GO(buyer, (intptr_t)i);
    }
    go_wg_wait(&wg);
    printf("sold %d of %d\n", atomic_load(&sold), SEATS);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
