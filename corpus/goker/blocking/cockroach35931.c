// GoKer cockroach#35931 (communication, channel): a processor reads from
// two inbound streams and is waiting on the second; the first stream's
// buffer is full. Flow cancellation pushes a metadata message into each
// stream in turn, so it blocks on the full first one and never reaches the
// second. (Go's profile: Cockroach35931.func2 leaked in chan send.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_chan *streams[2];
static go_chan *reading;

static void processor(void *arg)
{
    (void)arg;
    go_chan_close(reading);
    int meta;
    go_chan_recv(streams[1], &meta); /* waits on the second input */
}

static void cancel_flow(void *arg)
{
    (void)arg;
    int meta = -1;
    for (int i = 0; i < 2; i++)
        go_chan_send(streams[i], &meta); /* stream 0 is full: blocks */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 2; i++)
        streams[i] = go_chan_make(sizeof(int), 1);
    int row = 1;
    go_chan_send(streams[0], &row); /* fills stream 0 */
    reading = go_chan_make(0, 0);
    GO(processor, NULL);
    go_chan_recv(reading, NULL);
    GO(cancel_flow, NULL);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
