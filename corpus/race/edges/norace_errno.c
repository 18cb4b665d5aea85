// Goroutines clear errno before a call that sets it and read it after, as
// C code does around strtol or read(2). errno belongs to the thread, and
// goroutines that run on one thread share it: their accesses meet there,
// but not on any data of the program's, and under TSan, with a thread
// each, they never would. Not a race (detect/race/tsan.c).
//
// expect: ok
// gomaxprocs: 1,2
#include <gorace.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static go_wg wg;
int bad;

static void worker(void *arg)
{
    (void)arg;
    int wrong = 0;
    for (int i = 0; i < 5; i++) {
        errno = 0;
        if (read(-1, NULL, 0) >= 0 || errno != EBADF)
            wrong++;
        errno = 0;
        if (strtol("12", NULL, 10) != 12 || errno != 0)
            wrong++;
        go_yield(); /* the other goroutine takes the thread */
    }
    go_wg_done(&wg);
    __atomic_fetch_add(&bad, wrong, __ATOMIC_RELAXED);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    GO(worker, NULL);
    GO(worker, NULL);
    go_wg_wait(&wg);
    return __atomic_load_n(&bad, __ATOMIC_RELAXED) ? 1 : 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
