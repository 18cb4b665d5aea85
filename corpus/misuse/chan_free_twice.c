// A channel freed twice (it used to hang).
// API.md ("Misuse of freed objects"): a fatal error naming the call and the
// object, exit 2, in both builds; never a hang or a garbage value.
//
// expect: fatal
// gomaxprocs: 1,2
// stderr: fatal error: go_chan_free on a freed channel
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 1);
    go_chan_free(c);
    go_chan_free(c);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
