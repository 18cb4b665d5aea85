// GoKer moby#4395 (Communication Deadlock: channel).
// Origin: moby/moby PR 4395; GoKer file
// goker/blocking/moby/4395/moby4395_test.go.
//
// Go(f) makes an unbuffered error channel, starts a goroutine that sends
// f()'s result on it, and returns the channel. The test drops the channel
// without receiving: the sender blocks forever in chan send, on every
// schedule. (Go's profile: Go.func1 [chan send].)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

typedef const char *error; /* an error is its message; NULL is nil */

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
    a.ch = go_chan_make(sizeof(error), 0);
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
    (void)go_fn(failing); /* the channel is never received from */
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
