// sync.Once: "ensure a setup task runs exactly one time across multiple
// goroutines" (article 001, decision matrix). Ten goroutines race to Do the
// setup; it runs once, and every goroutine sees its result afterwards, since
// Do returns only after the setup has completed. Go original:
// go/001_once_setup.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: setup ran
// stdout: goroutines that saw the config: 10
#include <gorace.h>
#include <stdio.h>

static go_once once;
static int config;
static go_wg wg;
static go_mutex mu;
static int saw;

static void setup(void *arg)
{
    (void)arg;
    printf("setup ran\n");
    config = 42;
}

static void user(void *arg)
{
    (void)arg;
    go_once_do(&once, setup, NULL);
    go_mutex_lock(&mu);
    if (config == 42)
        saw++;
    go_mutex_unlock(&mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 10; i++) {
        go_wg_add(&wg, 1);
        GO(user, NULL);
    }
    go_wg_wait(&wg);
    printf("goroutines that saw the config: %d\n", saw);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
