// GoKer kubernetes#6632 (mixed, channel & lock): WriteFrame holds
// writeLock and blocks sending on resetChan, which is full; monitor(),
// woken by the connection closing, needs writeLock to close resetChan and
// so never drains it. (Go's profile: monitor in sync.Mutex.Lock,
// WriteFrame in chan send.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_mutex write_lock;
static go_chan *reset_chan, *close_chan, *writing;

static void monitor(void *arg)
{
    (void)arg;
    go_chan_recv(close_chan, NULL);
    go_mutex_lock(&write_lock); /* held by the blocked WriteFrame */
    go_chan_close(reset_chan);
    go_mutex_unlock(&write_lock);
}

static void write_frame(void *arg)
{
    (void)arg;
    go_mutex_lock(&write_lock);
    go_chan_close(writing);
    go_chan_send(reset_chan, NULL); /* full: blocks with the lock */
    go_mutex_unlock(&write_lock);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    reset_chan = go_chan_make(0, 1);
    close_chan = go_chan_make(0, 0);
    writing = go_chan_make(0, 0);
    go_chan_send(reset_chan, NULL); /* an earlier frame filled it */
    GO(monitor, NULL);
    GO(write_frame, NULL);
    go_chan_recv(writing, NULL);
    go_chan_send(close_chan, NULL); /* the connection closes */
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
