// GoKer grpc#1748 (non-blocking, traditional: data race).
// Origin: grpc/grpc-go PR 1748; GoKer file
// goker/nonblocking/grpc/1748/grpc1748_test.go.
//
// The test's goroutine saves the global minConnectTimeout, defers its
// restore, and calls switchBalancer(): newCCBalancerWrapper() starts the
// watcher goroutine, then sets ccb.balancer under balanceMutex. The
// watcher looks ten times (under balanceMutex) for a balancer; each time
// it finds one it calls HandleResolvedAddrs(), which makes a sub-connection
// and Connect()s it, starting a goroutine whose transportMonitor() reads
// minConnectTimeout. The deferred restore writes the global after the
// test's goroutine released balanceMutex, so nothing orders it with those
// reads: a race whenever the watcher finds the balancer. When the watcher's
// ten looks all come before the balancer is set, no monitor starts and the
// run is clean (`bug: exit 0`); not seen: in 20 free runs at GOMAXPROCS 1
// and 2 and in 50 seeds, the balancer was set before the watcher's last
// look (at GOMAXPROCS 1 the test's goroutine sets it before the watcher
// first runs).
//
// Interfaces with one implementation are direct calls. The test does not
// wait for the monitor goroutines; main sleeps 50ms after it (the rest of
// the test binary; free in virtual time). The upstream patch is not
// carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1,2
// bug: exit 0
#include <gorace.h>
#include <stdlib.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

static int64_t min_connect_timeout = 10 * GO_SECOND;

static go_mutex balance_mutex; /* GoKer's, against other races */

struct client_conn {
    go_mutex mu;
};

struct ac_balancer_wrapper;

struct addr_conn {
    struct client_conn *cc;
    struct ac_balancer_wrapper *acbw;
    go_mutex mu;
};

struct ac_balancer_wrapper {
    go_mutex mu;
    struct addr_conn *ac;
};

struct cc_balancer_wrapper;

struct pickfirst_balancer {
    struct cc_balancer_wrapper *cc;
    struct ac_balancer_wrapper *sc;
};

struct cc_balancer_wrapper {
    struct client_conn *cc;
    struct pickfirst_balancer *balancer;
};

static void reset_transport(struct addr_conn *ac)
{
    (void)ac;
    USE(min_connect_timeout);
}

static void transport_monitor(struct addr_conn *ac)
{
    reset_transport(ac);
}

static void connect_goroutine(void *arg)
{
    transport_monitor(arg);
}

static void addr_conn_connect(struct addr_conn *ac)
{
    GO(connect_goroutine, ac);
}

static void acbw_connect(struct ac_balancer_wrapper *acbw)
{
    go_mutex_lock(&acbw->mu);
    addr_conn_connect(acbw->ac);
    go_mutex_unlock(&acbw->mu);
}

static struct addr_conn *new_addr_conn(struct client_conn *cc)
{
    struct addr_conn *ac = calloc(1, sizeof *ac);
    ac->cc = cc;
    return ac;
}

static struct ac_balancer_wrapper *new_sub_conn(struct cc_balancer_wrapper *ccb)
{
    struct addr_conn *ac = new_addr_conn(ccb->cc);
    struct ac_balancer_wrapper *acbw = calloc(1, sizeof *acbw);
    acbw->ac = ac;
    go_mutex_lock(&acbw->ac->mu);
    ac->acbw = acbw;
    go_mutex_unlock(&acbw->ac->mu);
    return acbw;
}

static void handle_resolved_addrs(struct pickfirst_balancer *b)
{
    b->sc = new_sub_conn(b->cc);
    acbw_connect(b->sc);
}

static struct pickfirst_balancer *build(struct cc_balancer_wrapper *cc)
{
    struct pickfirst_balancer *b = calloc(1, sizeof *b);
    b->cc = cc;
    return b;
}

static void watcher(void *arg)
{
    struct cc_balancer_wrapper *ccb = arg;
    for (int i = 0; i < 10; i++) {
        go_mutex_lock(&balance_mutex);
        if (ccb->balancer != NULL) {
            go_mutex_unlock(&balance_mutex);
            handle_resolved_addrs(ccb->balancer);
        } else {
            go_mutex_unlock(&balance_mutex);
        }
    }
}

static void new_cc_balancer_wrapper(struct client_conn *cc)
{
    struct cc_balancer_wrapper *ccb = calloc(1, sizeof *ccb);
    ccb->cc = cc;
    GO(watcher, ccb);
    go_mutex_lock(&balance_mutex);
    ccb->balancer = build(ccb);
    go_mutex_unlock(&balance_mutex);
}

static void switch_balancer(struct client_conn *cc)
{
    new_cc_balancer_wrapper(cc); /* newPickfirstBuilder(): Build above */
}

static go_wg wg;

static void test_goroutine(void *arg)
{
    (void)arg;
    int64_t mct_bkp = min_connect_timeout;
    struct client_conn *cc = calloc(1, sizeof *cc);
    switch_balancer(cc);
    min_connect_timeout = mct_bkp; /* the deferred restore */
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(test_goroutine, NULL);
    go_wg_wait(&wg);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
