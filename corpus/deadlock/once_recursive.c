// Recursive sync.Once: the initialiser calls, through a getter, the same
// Once.Do. Go documents it: "if f causes Do to be called, it will
// deadlock". The inner Do waits for the Once's mutex, held by the outer Do
// until f returns. once_recursive_fixed.c has the initialiser use the value
// it is building instead of the getter.
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout: init config
#include <gorace.h>
#include <stdio.h>

static go_once once;
static int config;

static int get_config(void);

static void init_config(void *arg)
{
    (void)arg;
    printf("init config\n");
    fflush(stdout);
    config = 1;
    config += get_config(); /* Do inside Do: blocks forever */
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
