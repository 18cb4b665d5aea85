// Receiving from a closed channel. Article 000 claims it panics with
// "receive on closed channel"; it does not in Go: a receive from a closed,
// drained channel yields the zero value and ok == false, and buffered values
// are still delivered after close. This follows Go (go/000_recv_closed.go).
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 0 false
// stdout: 0
// stdout: 7 true
// stdout: 0 false
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *ch = go_chan_make(sizeof(int), 0);
    go_chan_close(ch);
    int v = -1;
    bool ok = go_chan_recv(ch, &v);
    printf("%d %s\n", v, ok ? "true" : "false");
    v = -1;
    go_chan_recv(ch, &v);
    printf("%d\n", v);

    go_chan *buf = go_chan_make(sizeof(int), 1);
    int seven = 7;
    go_chan_send(buf, &seven);
    go_chan_close(buf);
    ok = go_chan_recv(buf, &v);
    printf("%d %s\n", v, ok ? "true" : "false");
    ok = go_chan_recv(buf, &v);
    printf("%d %s\n", v, ok ? "true" : "false");

    go_chan_free(ch);
    go_chan_free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
