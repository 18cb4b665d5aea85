// GoKer grpc#795 (Resource Deadlock: double locking).
// Origin: grpc/grpc-go PR 795; GoKer file
// goker/blocking/grpc/795/grpc795_test.go.
//
// GracefulStop() locks s.mu and returns without unlocking it; when it
// finds the server already draining it even locks s.mu a second time.
// The test calls GracefulStop three times: the second call blocks on the
// mutex the first left held, and the Serve goroutine, if it had not run
// before the first call, blocks on it too. Main is the test goroutine, so
// every goroutine is asleep on every schedule. (Go's profile:
// (*Server).Serve, testServerGracefulStopIdempotent [sync.Mutex.Lock].)
//
// expect: deadlock
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
        go_mutex_lock(&s->mu);
        return;
    }
    s->drain = true;
} /* missing go_mutex_unlock(&s->mu) */

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
