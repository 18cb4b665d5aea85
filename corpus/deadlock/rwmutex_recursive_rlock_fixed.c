// The fix of rwmutex_recursive_rlock.c: the reader calls a helper that
// expects the read lock held instead of taking it again; the writer gets the
// lock once the reader releases it.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: writer pending
// stdout: config 1
// stdout: final config 2
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

static int get_config_locked(void)
{
    return config;
}

static void reader(void *arg)
{
    (void)arg;
    go_rwmutex_rlock(&rw);
    GO(writer, NULL);
    while (go_rwmutex_tryrlock(&rw)) {
        go_rwmutex_runlock(&rw);
        go_sleep(GO_MILLISECOND);
    }
    printf("writer pending\n");
    printf("config %d\n", get_config_locked());
    go_rwmutex_runlock(&rw);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    GO(reader, NULL);
    go_wg_wait(&wg);
    printf("final config %d\n", config);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
