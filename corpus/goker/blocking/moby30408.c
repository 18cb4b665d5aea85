// GoKer moby#30408 (communication, condition variable): waitActive waits on
// activateWait, a Cond that nothing ever signals or broadcasts; the test
// waits on done, which waitActive closes after it wakes. Main is the test:
// all asleep. (Go's profile: the test in chan receive, waitActive in
// sync.Cond.Wait.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_mutex mu;
static go_cond activate_wait;
static int activated;
static go_chan *done;

static void wait_active(void *arg)
{
    (void)arg;
    go_mutex_lock(&mu);
    while (!activated)
        go_cond_wait(&activate_wait); /* no Signal anywhere */
    go_mutex_unlock(&mu);
    go_chan_close(done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_cond_init(&activate_wait, &mu);
    done = go_chan_make(0, 0);
    GO(wait_active, NULL);
    go_chan_recv(done, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
