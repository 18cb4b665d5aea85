// GoKer serving#5865 (non-blocking, Go-specific: misuse of channel).
// Origin: knative/serving PR 5865; GoKer file
// goker/nonblocking/serving/5865/serving5865_test.go.
//
// getOrCreateRevisionWatcher() makes an unbuffered destsCh and starts the
// watcher's run() goroutine, whose only action is `defer close(destsCh)`;
// endpointsUpdated() then sends on destsCh. Nothing ever receives: if run()
// has closed the channel, the send panics at once; if the send is first,
// it blocks until run() closes the channel, and a sender blocked on a
// channel that is closed panics too. So every schedule ends in Go's
// `panic: send on closed channel` (GoKer's backtrace), which the runtime
// raises itself, with or without the detector (the release build shows it).
// Before it, the race detector reports the send and the close as a race
// (Go's does too: chansend reads the channel, closechan writes it, and
// nothing orders them), then the panic ends the run with exit 2. A header
// cannot state "a race report, then a panic", so the instrumented runs stop
// at the first report (halt_on_error=1: exit 66), on every schedule.
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gorace: halt_on_error=1
// gomaxprocs: 1,2
#include <gorace.h>

struct revision_watcher {
    go_chan *dests_ch;
};

static void run(void *arg)
{
    struct revision_watcher *rw = arg;
    go_chan_close(rw->dests_ch); /* defer close(rw.destsCh) */
}

struct revision_backends_manager {
    go_rwmutex revision_watchers_mux;
};

static struct revision_watcher the_watcher;

static struct revision_watcher *new_revision_watcher(go_chan *dests_ch)
{
    the_watcher.dests_ch = dests_ch;
    return &the_watcher;
}

static struct revision_watcher *
get_or_create_revision_watcher(struct revision_backends_manager *rbm)
{
    go_rwmutex_lock(&rbm->revision_watchers_mux);
    go_chan *dests_ch = go_chan_make(0, 0);
    struct revision_watcher *rw = new_revision_watcher(dests_ch);
    GO(run, rw);
    go_rwmutex_unlock(&rbm->revision_watchers_mux);
    return rw;
}

static void endpoints_updated(struct revision_backends_manager *rbm)
{
    struct revision_watcher *rw = get_or_create_revision_watcher(rbm);
    go_chan_send(rw->dests_ch, NULL);
}

static struct revision_backends_manager rbm;

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    endpoints_updated(&rbm);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
