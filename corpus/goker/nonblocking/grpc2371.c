// GoKer grpc#2371 (non-blocking, Go-specific: misuse of channel).
// Origin: grpc/grpc-go PR 2371; GoKer file
// goker/nonblocking/grpc/2371/grpc2371_test.go.
//
// Dial() starts the resolver's watcher goroutine, which takes cc.mu and
// calls cc.balancerWrapper.handleResolvedAddrs(); the test then runs
// `go cc.Close()`, which takes cc.mu and sets cc.balancerWrapper = nil.
// Both hold the lock, so there is no data race, but when Close gets the
// lock first the watcher calls a method on a nil *ccBalancerWrapper whose
// body reads its fields: Go's `panic: runtime error: invalid memory address
// or nil pointer dereference` (GoKer's backtrace; modelled by an explicit
// check, as a NULL dereference in C is a signal, not a panic). The test
// dials ten times and sleeps 100ms. At GOMAXPROCS 1 the last Close runs
// before the last watcher (Go's runnext: the goroutine started last runs
// first), so every run panics; a schedule where every watcher beats its
// Close ends well (`bug: exit 0`): seeds 1..50 of the instrumented build
// never do (a chance of 1 in 2^10 each), seed 10 of the release build does.
// No detector is involved: the runtime panics in both builds.
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: panic
// stderr: panic: runtime error: invalid memory address or nil pointer
// gomaxprocs: 1
// bug: exit 0
#include <gorace.h>
#include <stddef.h>

struct client_conn;

struct cc_balancer_wrapper {
    struct client_conn *cc;
    go_chan *resolver_update_ch; /* chan struct{}, capacity 1 */
};

static void handle_resolved_addrs(struct cc_balancer_wrapper *ccb)
{
    if (ccb == NULL) /* ccb.resolverUpdateCh on a nil pointer */
        go_panic("runtime error: invalid memory address or nil pointer "
                 "dereference");
    go_case cases[] = {GO_RECV_CASE(ccb->resolver_update_ch, NULL)};
    go_select(cases, 1, true);
    go_chan_send(ccb->resolver_update_ch, NULL);
}

struct cc_resolver_wrapper {
    struct client_conn *cc;
};

struct client_conn {
    go_rwmutex mu;
    struct cc_balancer_wrapper *balancer_wrapper;
    struct cc_resolver_wrapper *resolver_wrapper;
};

static void handle_service_config(struct client_conn *cc)
{
    go_rwmutex_lock(&cc->mu);
    handle_resolved_addrs(cc->balancer_wrapper);
    go_rwmutex_unlock(&cc->mu);
}

static void watcher(void *arg)
{
    struct cc_resolver_wrapper *ccr = arg;
    handle_service_config(ccr->cc);
}

static void resolver_start(struct cc_resolver_wrapper *ccr)
{
    GO(watcher, ccr);
}

static void cc_close(void *arg)
{
    struct client_conn *cc = arg;
    go_rwmutex_lock(&cc->mu);
    cc->resolver_wrapper = NULL;
    cc->balancer_wrapper = NULL;
    go_rwmutex_unlock(&cc->mu);
}

struct dialed {
    struct client_conn cc;
    struct cc_resolver_wrapper ccr;
    struct cc_balancer_wrapper ccb;
};

static struct dialed dialed[10];
static int ndialed;

static struct client_conn *dial(void)
{
    struct dialed *d = &dialed[ndialed++];
    struct client_conn *cc = &d->cc;
    d->ccr.cc = cc;
    cc->resolver_wrapper = &d->ccr;
    d->ccb.cc = cc;
    d->ccb.resolver_update_ch = go_chan_make(0, 1);
    cc->balancer_wrapper = &d->ccb;
    resolver_start(cc->resolver_wrapper);
    return cc;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 10; i++) {
        struct client_conn *cc = dial();
        GO(cc_close, cc);
    }
    go_sleep(100 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
