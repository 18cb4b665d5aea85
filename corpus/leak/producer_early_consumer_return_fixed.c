// The fix of producer_early_consumer_return.c: the producer selects between
// sending and a done channel that the consumer closes when it returns,
// whatever the reason; main waits for the producer to stop.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: record 1
// stdout: record 2
// stdout: error: bad record -3
// stdout: producer stopped
#include <gorace.h>
#include <stdio.h>

static go_chan *records, *done, *exited;

static void produce(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 5; i++) {
        int rec = i == 3 ? -i : i;
        go_case cases[] = {GO_SEND_CASE(records, &rec),
                           GO_RECV_CASE(done, NULL)};
        if (go_select(cases, 2, false) == 1)
            break;
    }
    go_chan_close(exited);
}

static int consume(void)
{
    int rec, err = 0;
    while (go_chan_recv(records, &rec)) {
        if (rec < 0) {
            err = rec;
            break;
        }
        printf("record %d\n", rec);
    }
    go_chan_close(done);
    return err;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    records = go_chan_make(sizeof(int), 0);
    done = go_chan_make(0, 0);
    exited = go_chan_make(0, 0);
    GO(produce, NULL);
    int err = consume();
    if (err)
        printf("error: bad record %d\n", err);
    go_chan_recv(exited, NULL);
    printf("producer stopped\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
