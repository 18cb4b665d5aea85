// Goroutines guard a counter with a pthread mutex rather than go_mutex
// (detect/race/pthread.c makes its unlock happen before the next lock, as
// TSan does). The last depositor forgets the lock: its update races
// with the locked ones.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <pthread.h>
#include <stdint.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
int64_t counter;
static go_wg wg;

static void deposit(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&m);
        counter++;
        pthread_mutex_unlock(&m);
    }
    go_wg_done(&wg);
}

static void careless(void *arg)
{
    (void)arg;
    counter++; /* one depositor forgets the lock */
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 4);
    for (int i = 0; i < 3; i++)
        GO(deposit, NULL);
    go_sleep(GO_MILLISECOND); /* orders nothing */
    GO(careless, NULL);
    go_wg_wait(&wg);
    /* The careless increment can lose any number of deposits made while
     * it sat between its load and its store (two Ms run once a depositor
     * blocks one in pthread_mutex_lock): the race is the point, not the
     * total, which the exit status does not depend on. */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
