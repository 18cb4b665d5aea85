// The article's Counter, a value guarded by its Mutex, completed with a main:
// 50 goroutines increment it 1000 times each. Article 003; Go original:
// go/003_mutex_counter.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 50000
#include <gorace.h>
#include <stdio.h>

struct counter {
    go_mutex mu;
    int value;
};

static void counter_increment(struct counter *c)
{
    go_mutex_lock(&c->mu);
    c->value++;
    go_mutex_unlock(&c->mu);
}

static int counter_value(struct counter *c)
{
    go_mutex_lock(&c->mu);
    int v = c->value;
    go_mutex_unlock(&c->mu);
    return v;
}

static struct counter c;
static go_wg wg;

static void incrementer(void *arg)
{
    (void)arg;
    for (int j = 0; j < 1000; j++)
        counter_increment(&c);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 50; i++) {
        go_wg_add(&wg, 1);
        GO(incrementer, NULL);
    }
    go_wg_wait(&wg);
    printf("%d\n", counter_value(&c));
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
