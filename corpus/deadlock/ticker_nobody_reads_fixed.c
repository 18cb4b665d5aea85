// The fixed twin of ticker_nobody_reads.c: main receives the heartbeat's
// beats, and after three it stops the ticker and has its result. A
// goroutine waiting on the ticker's channel is what a tick can wake, so
// no seed may report a deadlock here.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: beat 0
// stdout: beat 1
// stdout: beat 2
// stdout: result 3
#include <gorace.h>
#include <stdio.h>

static go_chan *beats, *results;

static void heartbeat(void *arg)
{
    go_ticker *t = arg;
    int64_t now;
    for (int n = 0; n < 3; n++) {
        go_chan_recv(go_ticker_chan(t), &now);
        go_chan_send(beats, &n);
    }
    int r = 3;
    go_chan_send(results, &r);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    beats = go_chan_make(sizeof(int), 0);
    results = go_chan_make(sizeof(int), 0);
    go_ticker *t = go_ticker_new(GO_MILLISECOND);
    GO(heartbeat, t);
    int n;
    for (int i = 0; i < 3; i++) {
        go_chan_recv(beats, &n);
        printf("beat %d\n", n);
    }
    int r;
    go_chan_recv(results, &r);
    printf("result %d\n", r);
    go_ticker_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
