// Fixed twin of moby4395.c: Go() makes the channel with a buffer of one
// (the fix of moby/moby PR 4395), so the goroutine's send completes even
// when nobody receives.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

typedef const char *error;

struct go_arg {
    error (*f)(void);
    go_chan *ch;
};

static void go_func1(void *arg)
{
    struct go_arg *a = arg;
    error err = a->f();
    go_chan_send(a->ch, &err);
}

static go_chan *go_fn(error (*f)(void))
{
    static struct go_arg a;
    a.f = f;
    a.ch = go_chan_make(sizeof(error), 1);
    GO(go_func1, &a);
    return a.ch;
}

static error failing(void)
{
    return "";
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    (void)go_fn(failing);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
