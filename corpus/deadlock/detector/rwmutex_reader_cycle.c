// A lock cycle through an RWMutex's reader: the reader holds `rw` for
// reading and waits for Mutex `m`; the writer holds `m` and waits to
// write-lock `rw`, which waits for the reader. Whichever blocks second
// closes the cycle: the writer finds the reader among those parked holding
// `rw`, or the reader finds the writer holding `m` and waiting for `rw`.
// The heartbeat keeps the program from being all asleep.
//
// expect: fatal
// gomaxprocs: 1,2
// needs: detector
// stderr: fatal error: deadlock: lock cycle
#include <gorace.h>
#include <stdio.h>

static go_rwmutex rw;
static go_mutex m;
static go_chan *reading, *m_held;
static go_wg wg;

static void reader(void *arg)
{
    (void)arg;
    go_rwmutex_rlock(&rw);
    go_chan_close(reading);
    go_chan_recv(m_held, NULL);
    go_mutex_lock(&m);
    go_mutex_unlock(&m);
    go_rwmutex_runlock(&rw);
    go_wg_done(&wg);
}

static void writer(void *arg)
{
    (void)arg;
    go_mutex_lock(&m);
    go_chan_close(m_held);
    go_chan_recv(reading, NULL);
    go_rwmutex_lock(&rw);
    go_rwmutex_unlock(&rw);
    go_mutex_unlock(&m);
    go_wg_done(&wg);
}

static void heartbeat(void *done)
{
    for (int i = 0; i < 20; i++)
        go_sleep(10 * GO_MILLISECOND);
    go_chan_close(done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    reading = go_chan_make(0, 0);
    m_held = go_chan_make(0, 0);
    go_chan *beat_done = go_chan_make(0, 0);
    GO(heartbeat, beat_done);
    go_wg_add(&wg, 2);
    GO(reader, NULL);
    GO(writer, NULL);
    go_chan_recv(beat_done, NULL);
    go_wg_wait(&wg);
    printf("unreachable\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
