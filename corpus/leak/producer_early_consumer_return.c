// Producer blocked because the consumer returned early on error: the
// producer streams records into an unbuffered channel; the consumer stops at
// the first bad record and returns its error, and nobody receives the rest.
// The producer is blocked on its next send forever (cockroach#18101,
// kubernetes#25331). producer_early_consumer_return_fixed.c gives the
// producer a done channel to select on, closed when the consumer returns.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: record 1
// stdout: record 2
// stdout: error: bad record -3
#include <gorace.h>
#include <stdio.h>

static void produce(void *ch)
{
    for (int i = 1; i <= 5; i++) {
        int rec = i == 3 ? -i : i;
        go_chan_send(ch, &rec); /* blocks forever after the consumer left */
    }
    go_chan_close(ch);
}

static int consume(go_chan *records)
{
    int rec;
    while (go_chan_recv(records, &rec)) {
        if (rec < 0)
            return rec; /* early return: the producer is not told */
        printf("record %d\n", rec);
    }
    return 0;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *records = go_chan_make(sizeof(int), 0);
    GO(produce, records);
    int err = consume(records);
    if (err)
        printf("error: bad record %d\n", err);
    go_sleep(50 * GO_MILLISECOND); /* the producer is blocked on record 4 */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
