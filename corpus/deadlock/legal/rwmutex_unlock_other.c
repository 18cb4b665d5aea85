// An RWMutex handed between goroutines, both ways Go allows: Lock in main
// and Unlock in a worker, and RLock in main with the RUnlock of
// RWMutex.RLocker() called by a worker ("It is allowed for one goroutine to
// RLock (Lock) a RWMutex and then arrange for another goroutine to RUnlock
// (Unlock) it"). With default options no detector warns.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: written 1
// stdout: read 1
#include <gorace.h>
#include <stdio.h>

static go_rwmutex rw;
static int value;
static go_wg wg;

static void write_then_unlock(void *arg)
{
    (void)arg;
    value = 1;
    go_rwmutex_unlock(&rw);
    go_wg_done(&wg);
}

static void runlock(void *arg)
{
    (void)arg;
    go_rwmutex_runlock(&rw); /* rw.RLocker().Unlock() */
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_rwmutex_lock(&rw);
    go_wg_add(&wg, 1);
    GO(write_then_unlock, NULL);
    go_wg_wait(&wg);
    go_rwmutex_rlock(&rw);
    printf("written %d\n", value);
    go_wg_add(&wg, 1);
    GO(runlock, NULL);
    go_wg_wait(&wg);
    go_rwmutex_rlock(&rw);
    printf("read %d\n", value);
    go_rwmutex_runlock(&rw);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
