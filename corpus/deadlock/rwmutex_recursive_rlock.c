// Recursive read lock with a writer in between, the deadlock sync.RWMutex's
// documentation warns about: "If any goroutine calls Lock while the lock is
// already held by one or more readers, concurrent calls to RLock will block
// until the writer has acquired (and released) the lock ... This is true
// even if the read lock is recursive." The reader holds a read lock, a
// writer queues, and the reader's nested RLock queues behind the writer,
// which waits for the reader: cockroach#3710, kubernetes#62464.
//
// The reader polls TryRLock until it fails, i.e. until the writer is
// pending, so every run takes the nested RLock after the writer queued.
// rwmutex_recursive_rlock_fixed.c reads under the lock already held.
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout: writer pending
#include <gorace.h>
#include <stdio.h>

static go_rwmutex rw;
static int config = 1;
static go_wg wg;

static void writer(void *arg)
{
    (void)arg;
    go_rwmutex_lock(&rw);
    config++;
    go_rwmutex_unlock(&rw);
    go_wg_done(&wg);
}

static int get_config(void)
{
    go_rwmutex_rlock(&rw); /* recursive: queues behind the writer */
    int c = config;
    go_rwmutex_runlock(&rw);
    return c;
}

static void reader(void *arg)
{
    (void)arg;
    go_rwmutex_rlock(&rw);
    GO(writer, NULL);
    while (go_rwmutex_tryrlock(&rw)) { /* no writer pending yet */
        go_rwmutex_runlock(&rw);
        go_sleep(GO_MILLISECOND);
    }
    printf("writer pending\n");
    fflush(stdout);
    printf("config %d\n", get_config());
    go_rwmutex_runlock(&rw);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    GO(reader, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
