// GoKer moby#7559 (resource, double locking): the UDP proxy's loop locks
// connTrackLock and, when a connection fails, continues without unlocking;
// the next iteration locks again and blocks forever. Main waits: all
// asleep. (Go's profile: (*UDPProxy).Run in sync.Mutex.Lock.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_mutex conn_track_lock;
static go_wg wg;

static void run(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        go_mutex_lock(&conn_track_lock);
        int err = i == 0 ? -1 : 0; /* the first dial fails */
        if (err != 0)
            continue; /* missing go_mutex_unlock */
        go_mutex_unlock(&conn_track_lock);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(run, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
