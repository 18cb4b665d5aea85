// Order violation: main starts the worker before it has loaded the
// configuration the worker reads, assuming the worker cannot run before main
// blocks. Between the two main only logs on a buffered channel. The worker
// checks the assumption (the configuration pointer is an atomic, so this is
// not a data race) and panics when it does not hold.
//
// Free-running on one P the new goroutine waits until main blocks, after the
// store, so the output is right. Under a seeded schedule main may yield at
// the log send: the worker then runs first and panics. The fix: load the
// configuration before starting the worker, or hand it over on a channel.
//
// expect: ok
// gomaxprocs: 1
// stdout: worker: connecting to db.internal:5432
// stdout: main: worker finished
// bug: panic
#include <gorace.h>
#include <stdatomic.h>
#include <stdio.h>

struct config {
    const char *host;
    int port;
};

static struct config loaded = {"db.internal", 5432};
static _Atomic(struct config *) cfg;
static go_chan *logs, *done;

static void worker(void *arg)
{
    (void)arg;
    struct config *c = atomic_load(&cfg);
    if (c == NULL)
        go_panic("order violation: worker read the config before main set it");
    printf("worker: connecting to %s:%d\n", c->host, c->port);
    go_chan_send(done, NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    logs = go_chan_make(sizeof(const char *), 8);
    done = go_chan_make(0, 0);
    GO(worker, NULL);
    const char *msg = "worker started";
    go_chan_send(logs, &msg);
    atomic_store(&cfg, &loaded);
    go_chan_recv(done, NULL);
    printf("main: worker finished\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
