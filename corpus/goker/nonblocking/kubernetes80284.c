// GoKer kubernetes#80284 (non-blocking, traditional: data race).
// Origin: kubernetes/kubernetes PR 80284 ("Fix a racing issue in client-go
// UpdateTransportConfig"); GoKer file
// goker/nonblocking/kubernetes/80284/kubernetes80284_test.go.
//
// Authenticator.UpdateTransportConfig() stores a fresh dialer's CloseAll
// into a.onRotate with no lock. The test runs it from two goroutines on one
// Authenticator and waits for both: two unordered writes of a.onRotate, a
// race on every schedule. Fixed twin: kubernetes80284_fixed.c (the upstream
// patch takes the authenticator's mutex around the assignment).
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdlib.h>

struct dialer {
    int unused;
};

static void close_all(void *d)
{
    (void)d;
}

static struct dialer *new_dialer(void)
{
    return calloc(1, sizeof(struct dialer));
}

/* onRotate is a Go method value, d.CloseAll: a function and its receiver. */
struct authenticator {
    void (*on_rotate)(void *);
    void *on_rotate_recv;
};

static void update_transport_config(struct authenticator *a)
{
    struct dialer *d = new_dialer();
    a->on_rotate = close_all;
    a->on_rotate_recv = d;
}

static go_wg wg;
static struct authenticator auth;

static void worker(void *arg)
{
    update_transport_config(arg);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    for (int i = 0; i < 2; i++)
        GO(worker, &auth);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
