// Lost wake-up: the consumer tests the ready flag without holding the lock,
// and waits on the condition variable without testing it again. If the
// producer sets the flag and signals after the consumer's test but before
// its wait, the signal finds no waiter and is lost; the consumer then sleeps
// forever and main, waiting for it, too.
//
// Free-running on one P the consumer either waits before the producer runs
// or runs after it, and the output is right. Under a seeded schedule the
// consumer may yield at the lock between its test and its wait, and some
// seeds deadlock. The fix is Go's idiom: lock, then `for !ready { Wait }`.
//
// expect: ok
// gomaxprocs: 1
// stdout: consumer: got 42
// bug: deadlock
#include <gorace.h>
#include <stdatomic.h>
#include <stdio.h>

static go_mutex mu;
static go_cond cond;
static atomic_bool ready;
static int value; /* written before ready is set, read after it is seen */
static go_wg wg;

static void consumer(void *arg)
{
    (void)arg;
    if (!atomic_load(&ready)) {
        go_mutex_lock(&mu);
        go_cond_wait(&cond);
        go_mutex_unlock(&mu);
    }
    printf("consumer: got %d\n", value);
    go_wg_done(&wg);
}

static void producer(void *arg)
{
    (void)arg;
    value = 42;
    atomic_store(&ready, true);
    go_mutex_lock(&mu);
    go_cond_signal(&cond);
    go_mutex_unlock(&mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_cond_init(&cond, &mu);
    go_wg_add(&wg, 2);
    GO(consumer, NULL);
    GO(producer, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
