// Fixed twin of kubernetes80284.c: as in kubernetes/kubernetes PR 80284,
// UpdateTransportConfig() takes the Authenticator's mutex before it stores
// onRotate, so the two writes are ordered by the lock.
//
// expect: ok
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

struct authenticator {
    go_mutex mu;
    void (*on_rotate)(void *);
    void *on_rotate_recv;
};

static void update_transport_config(struct authenticator *a)
{
    go_mutex_lock(&a->mu); /* the fix */
    struct dialer *d = new_dialer();
    a->on_rotate = close_all;
    a->on_rotate_recv = d;
    go_mutex_unlock(&a->mu);
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
