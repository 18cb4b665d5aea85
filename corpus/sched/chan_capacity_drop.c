// Buffered-channel capacity bug: the publisher sends a burst of three
// events with non-blocking sends (select with default) and drops what does
// not fit, trusting the buffer of two plus the consumer, which it believes
// is already waiting in its receive. The consumer has only signalled that it
// started; if it has not reached its receive yet, the burst meets a full
// buffer and an event is lost.
//
// Free-running on one P the consumer reaches its receive before main runs
// again, and the output is right. Under a seeded schedule the consumer may
// yield after its start signal; some seeds print "handled 2 events,
// dropped 1". The fix: a buffer as large as the burst, or a blocking send.
//
// expect: ok
// gomaxprocs: 1
// stdout: handled 3 events, dropped 0
// bug: stdout
#include <gorace.h>
#include <stdio.h>

enum { BURST = 3 };

static go_chan *events, *started, *finished;

static void consumer(void *arg)
{
    (void)arg;
    go_chan_send(started, NULL);
    int ev, handled = 0;
    while (go_chan_recv(events, &ev))
        handled++;
    go_chan_send(finished, &handled);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    events = go_chan_make(sizeof(int), BURST - 1);
    started = go_chan_make(0, 0);
    finished = go_chan_make(sizeof(int), 0);
    GO(consumer, NULL);
    go_chan_recv(started, NULL);
    int dropped = 0;
    for (int ev = 1; ev <= BURST; ev++) {
        go_case send[] = {GO_SEND_CASE(events, &ev)};
        if (go_select(send, 1, true) < 0)
            dropped++;
    }
    go_chan_close(events);
    int handled;
    go_chan_recv(finished, &handled);
    printf("handled %d events, dropped %d\n", handled, dropped);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
