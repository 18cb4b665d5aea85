// The other POSIX edges (detect/race/pthread.c): a producer hands items to
// a consumer through a queue under a pthread mutex and condition variable,
// a semaphore signals the consumer's result back, an rwlock guards a
// table that readers read while a writer updates it, pthread_once
// publishes a value, and a barrier orders every worker's write before
// every worker's read. Each access is ordered: no race.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 0 a condition wait, a semaphore and a barrier block their thread,
// which the seeded scheduler, running every goroutine on one thread, cannot run
// around
#include <gorace.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

enum { ITEMS = 50, WORKERS = 3 };

static pthread_mutex_t qm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qc = PTHREAD_COND_INITIALIZER;
static int64_t queue[ITEMS], items[ITEMS];
static int queued;
static sem_t done;
int64_t result;

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
int64_t table[4];

static pthread_once_t once = PTHREAD_ONCE_INIT;
int64_t config;

static pthread_barrier_t barrier;
int64_t slots[WORKERS], sums[WORKERS];
static go_wg wg;

static void consumer(void *arg)
{
    (void)arg;
    int64_t sum = 0;
    for (int taken = 0; taken < ITEMS; taken++) {
        pthread_mutex_lock(&qm);
        while (queued == taken)
            pthread_cond_wait(&qc, &qm);
        int64_t *item = (int64_t *)queue[taken];
        pthread_mutex_unlock(&qm);
        sum += *item; /* written by the producer before it queued it */
    }
    result = sum;
    sem_post(&done);
}

static void init_config(void)
{
    config = 42;
}

static void worker(void *arg)
{
    intptr_t i = (intptr_t)arg;
    pthread_once(&once, init_config);
    pthread_rwlock_rdlock(&rw);
    int64_t seen = table[i % 4] + config;
    pthread_rwlock_unlock(&rw);
    slots[i] = seen;
    pthread_barrier_wait(&barrier);
    int64_t s = 0;
    for (int k = 0; k < WORKERS; k++)
        s += slots[k]; /* every worker wrote before the barrier */
    sums[i] = s;
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    sem_init(&done, 0, 0);
    pthread_barrier_init(&barrier, NULL, WORKERS);
    pthread_rwlock_wrlock(&rw);
    for (int k = 0; k < 4; k++)
        table[k] = k;
    pthread_rwlock_unlock(&rw);
    go_wg_add(&wg, WORKERS);
    for (intptr_t i = 0; i < WORKERS; i++)
        GO(worker, (void *)i); /* a barrier blocks its thread: one each */
    GO(consumer, NULL);
    for (int k = 0; k < ITEMS; k++) {
        items[k] = k;
        pthread_mutex_lock(&qm);
        queue[k] = (int64_t)&items[k];
        queued++;
        pthread_cond_signal(&qc);
        pthread_mutex_unlock(&qm);
    }
    sem_wait(&done);
    int64_t r = result; /* ordered by the semaphore */
    go_wg_wait(&wg);
    pthread_barrier_destroy(&barrier);
    return r == ITEMS * (ITEMS - 1) / 2 && config == 42 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
