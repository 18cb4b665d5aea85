// Fan-out with a WaitGroup: one goroutine per service, each selecting between
// its simulated latency (time.After) and its context; a closer goroutine
// closes the results channel once all are done, ending main's range loop.
// Article 002, "Realistic pattern: Fan-out with WaitGroup"; Go original:
// go/002_fanout_services.go. Durations shrunk 10x (500ms -> 50ms).
//
// expect: ok
// gomaxprocs: 1,2
// stdout-set: auth is up|payments is up|inventory is up
#define _GNU_SOURCE /* asprintf */
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const services[] = {"auth", "payments", "inventory"};
enum { NSERVICES = sizeof services / sizeof *services };

static go_wg wg;
static go_chan *results; /* of char *, owned by the receiver */

static void check_service(go_ctx *ctx, const char *service, go_chan *out)
{
    go_case cases[] = {
        GO_RECV_CASE(go_after(50 * GO_MILLISECOND), NULL),
        GO_RECV_CASE(go_ctx_done(ctx), NULL),
    };
    if (go_select(cases, 2, false) == 0) {
        char *msg;
        if (asprintf(&msg, "%s is up", service) < 0)
            abort();
        go_chan_send(out, &msg);
    }
    /* else: the context was cancelled; exit at once. */
}

static void check(void *service)
{
    check_service(go_background(), service, results);
    go_wg_done(&wg);
}

static void closer(void *arg)
{
    (void)arg;
    go_wg_wait(&wg);
    go_chan_close(results);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    results = go_chan_make(sizeof(char *), NSERVICES);
    for (int i = 0; i < NSERVICES; i++) {
        go_wg_add(&wg, 1);
        GO(check, services[i]);
    }
    GO(closer, NULL);
    char *result;
    while (go_chan_recv(results, &result)) {
        printf("%s\n", result);
        free(result);
    }
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
