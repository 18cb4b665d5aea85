// Fixed twin of grpc795.c: GracefulStop() unlocks s.mu on both paths and
// does not lock it twice (the fix of grpc/grpc-go PR 795 releases the
// lock).
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

struct server {
    go_mutex mu;
    bool drain;
};

static void graceful_stop(struct server *s)
{
    go_mutex_lock(&s->mu);
    if (s->drain) {
        go_mutex_unlock(&s->mu);
        return;
    }
    s->drain = true;
    go_mutex_unlock(&s->mu);
}

static void serve(void *arg)
{
    struct server *s = arg;
    go_mutex_lock(&s->mu);
    go_mutex_unlock(&s->mu);
}

struct test {
    struct server *srv;
};

static void start_server(struct test *te)
{
    struct server *s = calloc(1, sizeof *s);
    te->srv = s;
    GO(serve, s);
}

static void test_server_graceful_stop_idempotent(void)
{
    static struct test te;
    start_server(&te);
    for (int i = 0; i < 3; i++)
        graceful_stop(te.srv);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    test_server_graceful_stop_idempotent();
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
