// go_timer_stop on a freed timer (it used to hang).
// API.md ("Misuse of freed objects"): a fatal error naming the call and the
// object, exit 2, in both builds; never a hang or a garbage value.
//
// expect: fatal
// gomaxprocs: 1,2
// stderr: fatal error: go_timer_stop on a freed timer
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_timer *t = go_timer_new(GO_SECOND);
    go_timer_free(t);
    go_timer_stop(t);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
