// GoKer moby#33781 (Communication Deadlock: channel & context).
// Origin: moby/moby PR 33781; GoKer file
// goker/blocking/moby/33781/moby33781_test.go.
//
// monitor() probes every 50ns: it starts a goroutine (G3) that sends true
// on an unbuffered results channel and closes it, then selects between
// stop, results and the probe's 50ns timeout context. When stop wins that
// inner select, monitor() cancels the probe and returns without draining
// results, and G3 blocks in chan send forever. The test starts monitor()
// and a goroutine that sends stop after 50ns, and returns. Whether stop is
// taken by the inner select while G3 still waits to send, or by the outer
// one (no probe running), depends on the schedule and the timers
// (`bug: leak`).
// (Go's profile: monitor.func1 [chan send].)
//
// expect: ok
// gomaxprocs: 1
// bug: leak
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdbool.h>

static void monitor_func1(void *arg)
{
    go_chan *results = arg;
    bool v = true;
    go_chan_send(results, &v);
    go_chan_close(results);
}

static void monitor(void *arg)
{
    go_chan *stop = arg;
    const int64_t probe_interval = 50 * GO_NANOSECOND;
    const int64_t probe_timeout = 50 * GO_NANOSECOND;
    for (;;) {
        go_case outer[] = {GO_RECV_CASE(stop, NULL),
                           GO_AFTER_CASE(probe_interval, NULL)};
        if (go_select(outer, 2, false) == 0)
            return;
        go_chan *results = go_chan_make(sizeof(bool), 0);
        go_ctx *ctx = go_with_timeout(go_background(), probe_timeout);
        GO(monitor_func1, results); /* G3 */
        go_case inner[] = {GO_RECV_CASE(stop, NULL),
                           GO_RECV_CASE(results, NULL),
                           GO_RECV_CASE(go_ctx_done(ctx), NULL)};
        switch (go_select(inner, 3, false)) {
        case 0:
            go_cancel(ctx); /* results should be drained here */
            return;
        case 1:
            go_cancel(ctx);
            break;
        default:
            go_cancel(ctx);
            go_chan_recv(results, NULL);
            break;
        }
    }
}

static void func2(void *arg)
{
    go_chan *stop = arg;
    go_sleep(50 * GO_NANOSECOND);
    bool v = true;
    go_chan_send(stop, &v);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *stop = go_chan_make(sizeof(bool), 0);
    GO(monitor, stop);             /* G1 */
    GO(func2, stop);               /* G2 */
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
