// GoKer kubernetes#10182 (mixed, channel & lock): the status manager's
// syncBatch loop receives from podStatusChannel; SetPodStatus sends on it
// while holding podStatusesLock. The loop calls DeletePodStatus, which
// takes podStatusesLock, while another SetPodStatus holds the lock and
// waits for the loop to receive. (Go's profile: Start.func1 in
// sync.Mutex.Lock, SetPodStatus in chan send.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_mutex pod_statuses_lock;
static go_chan *pod_status_channel, *first_synced;

static void set_pod_status(void *arg)
{
    (void)arg;
    go_mutex_lock(&pod_statuses_lock);
    go_chan_send(pod_status_channel, NULL); /* with the lock held */
    go_mutex_unlock(&pod_statuses_lock);
}

static void sync_loop(void *arg)
{
    (void)arg;
    go_chan_recv(pod_status_channel, NULL); /* syncBatch */
    go_chan_close(first_synced);
    /* DeletePodStatus, once the second SetPodStatus holds the lock */
    while (go_mutex_trylock(&pod_statuses_lock)) {
        go_mutex_unlock(&pod_statuses_lock);
        go_sleep(GO_MILLISECOND);
    }
    go_mutex_lock(&pod_statuses_lock);
    go_mutex_unlock(&pod_statuses_lock);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    pod_status_channel = go_chan_make(0, 0);
    first_synced = go_chan_make(0, 0);
    GO(sync_loop, NULL);
    GO(set_pod_status, NULL);
    go_chan_recv(first_synced, NULL);
    GO(set_pod_status, NULL);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
