// A buffered channel lets the sender proceed without a receiver, up to its
// capacity; values come out in FIFO order. Article 004, "Channels"; Go
// original: go/004_buffered_channel.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: first
// stdout: second
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *ch = go_chan_make(sizeof(const char *), 2);
    const char *first = "first", *second = "second", *s;
    go_chan_send(ch, &first);
    go_chan_send(ch, &second);
    go_chan_recv(ch, &s);
    printf("%s\n", s);
    go_chan_recv(ch, &s);
    printf("%s\n", s);
    go_chan_free(ch);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
