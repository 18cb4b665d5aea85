// GoKer cockroach#25456 (communication, channel): when CheckConsistency
// fails, the consistency queue decides whether to log the error by
// receiving from the stopper's ShouldQuiesce channel, which blocks until
// the store really drains, which it never does. (Go's profile:
// Cockroach25456.func2 leaked in chan receive.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_chan *should_quiesce; /* closed only when the stopper quiesces */

static void process(void *arg)
{
    (void)arg;
    int err = -1; /* CheckConsistency failed */
    if (err != 0)
        go_chan_recv(should_quiesce, NULL); /* meant as a non-blocking poll */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    should_quiesce = go_chan_make(0, 0);
    GO(process, NULL);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
