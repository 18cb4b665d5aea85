// A channel freed while a goroutine is blocked receiving on it: the release
// build used to strand the receiver without a word.
// API.md ("Misuse of freed objects"): a fatal error naming the call and the
// object, exit 2, in both builds; never a hang or a garbage value.
//
// expect: fatal
// gomaxprocs: 1,2
// stderr: fatal error: go_chan_free of a channel goroutines are blocked on
#include <gorace.h>
#include <stdio.h>

static void receive(void *arg)
{
    go_chan_recv(arg, NULL);
    printf("received\n");
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 0);
    GO(receive, c);
    go_sleep(20 * GO_MILLISECOND); /* the receiver blocks */
    go_chan_free(c);
    go_sleep(20 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
