// A goroutine leak: fetch waits on a channel that never receives a value.
// Article 000, "Where things go wrong"; Go original:
// go/000_leak_blocked_recv.go. Go itself exits 0 and says nothing; gorace's
// detector reports the blocked goroutine when main returns.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: main returns
#include <gorace.h>
#include <stdio.h>

static go_chan *results;

static void fetch(void *arg)
{
    (void)arg;
    int v;
    go_chan_recv(results, &v); /* nothing ever sends: blocked forever */
    printf("fetched %d\n", v);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    results = go_chan_make(sizeof(int), 0);
    GO(fetch, NULL);
    printf("main returns\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
