// The fix of once_recursive.c: the initialiser reads the variable it
// initialises rather than going back through the Once.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: init config
// stdout: config 2
#include <gorace.h>
#include <stdio.h>

static go_once once;
static int config;

static void init_config(void *arg)
{
    (void)arg;
    printf("init config\n");
    config = 1;
    config += config;
}

static int get_config(void)
{
    go_once_do(&once, init_config, NULL);
    return config;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("config %d\n", get_config());
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
