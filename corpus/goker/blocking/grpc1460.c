// GoKer grpc#1460 (mixed, channel & lock): with no active stream the
// keepalive goroutine takes t.mu and waits on t.awakenKeepalive while still
// holding it; NewStream, which would send on awakenKeepalive, first needs
// t.mu. (Go's profile: keepalive in chan receive, NewStream in
// sync.Mutex.Lock.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_mutex t_mu;
static go_chan *awaken_keepalive, *dormant;
static int active_streams;

static void keepalive(void *arg)
{
    (void)arg;
    go_mutex_lock(&t_mu);
    if (active_streams == 0) {
        go_chan_close(dormant);
        go_chan_recv(awaken_keepalive, NULL); /* with t.mu held */
    }
    go_mutex_unlock(&t_mu);
}

static void new_stream(void *arg)
{
    (void)arg;
    go_mutex_lock(&t_mu);
    if (active_streams++ == 0)
        go_chan_send(awaken_keepalive, NULL);
    go_mutex_unlock(&t_mu);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    awaken_keepalive = go_chan_make(0, 1);
    dormant = go_chan_make(0, 0);
    GO(keepalive, NULL);
    go_chan_recv(dormant, NULL);
    GO(new_stream, NULL);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
