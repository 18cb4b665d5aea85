// GoKer moby#33293 (Communication Deadlock: channel).
// Origin: moby/moby PR 33293; GoKer file
// goker/blocking/moby/33293/moby33293_test.go.
//
// containerWait() makes an unbuffered error channel and, when
// MayReturnError() fails, sends the error on it before returning it: no
// one can receive yet, so the goroutine blocks forever in chan send.
// MayReturnError draws rand.Int31n(2) from math/rand's default source,
// which before Go 1.20 is seeded with 1, so the first draw is always 1
// (an error): the kernel leaks on every run (GoKer: flaky 100/100). The
// port keeps that draw as a constant. No fix commit is known: no twin.
// (Go's profile: not in Go's test list.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stddef.h>

typedef const char *error;

/* rand.Int31n(2) on math/rand's default source (seed 1), first call. */
static int rand_int31n_2(void)
{
    return 1;
}

static error may_return_error(void)
{
    if (rand_int31n_2() >= 1)
        return "Error";
    return NULL;
}

static go_chan *container_wait(void)
{
    go_chan *errc = go_chan_make(sizeof(error), 0);
    error err = may_return_error();
    if (err != NULL) {
        go_chan_send(errc, &err); /* blocks: errc is not returned yet */
        return errc;
    }
    return errc;
}

static void g1(void *arg)
{
    (void)arg;
    go_chan *err = container_wait();
    if (err != NULL)
        return;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(g1, NULL);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
