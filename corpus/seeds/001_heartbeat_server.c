// The server pattern: main blocks in a serve call, and a background goroutine
// prints a heartbeat for as long as main is blocked. Article 001; there main
// blocks in http.ListenAndServe forever. Here the server is bounded in time:
// listen_and_serve blocks until a context deadline of 3.5 heartbeat periods,
// so exactly three heartbeats print. Durations shrunk 50x (5s -> 100ms,
// deadline 17.5s -> 350ms). Go original: go/001_heartbeat_server.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: Heartbeat
// stdout: Heartbeat
// stdout: Heartbeat
#include <gorace.h>
#include <stdio.h>

static void heartbeat(void *arg)
{
    (void)arg;
    for (;;) {
        go_sleep(100 * GO_MILLISECOND);
        printf("Heartbeat\n");
    }
}

/* Stands in for http.ListenAndServe: blocks its caller until ctx is done. */
static void listen_and_serve(go_ctx *ctx)
{
    go_chan_recv(go_ctx_done(ctx), NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(heartbeat, NULL);
    go_ctx *ctx = go_with_timeout(go_background(), 350 * GO_MILLISECOND);
    listen_and_serve(ctx);
    go_cancel(ctx);
    go_ctx_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
