/* Recursive read locking with a writer in between: the reader holds a read
 * lock, the writer waits for it, and the reader's second RLock waits for
 * the pending writer. A lock cycle through an RWMutex. */
#include <gorace.h>

static go_rwmutex rw;
static go_chan *reading;

static void writer(void *arg)
{
    (void)arg;
    go_chan_recv(reading, NULL);
    go_rwmutex_lock(&rw);
}

static void heartbeat(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++)
        go_sleep(GO_MILLISECOND);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    reading = go_chan_make(0, 0);
    GO(heartbeat, NULL);
    GO(writer, NULL);
    go_rwmutex_rlock(&rw);
    go_chan_send(reading, NULL);
    go_sleep(20 * GO_MILLISECOND); /* the writer is now waiting */
    go_rwmutex_rlock(&rw);
    return 3;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
