// GoKer moby#28462 (mixed, channel & lock): StateChanged takes the
// container lock and, closing the health monitor, sends on its stop
// channel; the monitor is handling a probe result and needs the container
// lock before it gets back to receiving stop. (Go's profile: monitor in
// sync.Mutex.Lock, (*Daemon).StateChanged in chan send.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_mutex container_mu;
static go_chan *stop, *probing, *locked;

static void monitor(void *arg)
{
    (void)arg;
    go_chan_close(probing);
    go_chan_recv(locked, NULL);
    go_mutex_lock(&container_mu); /* handleProbeResult */
    go_mutex_unlock(&container_mu);
    go_chan_recv(stop, NULL);
}

static void state_changed(void *arg)
{
    (void)arg;
    go_mutex_lock(&container_mu);
    go_chan_close(locked);
    go_chan_send(stop, NULL); /* CloseMonitorChannel, lock held */
    go_mutex_unlock(&container_mu);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    stop = go_chan_make(0, 0);
    probing = go_chan_make(0, 0);
    locked = go_chan_make(0, 0);
    GO(monitor, NULL);
    go_chan_recv(probing, NULL);
    GO(state_changed, NULL);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
