// GoKer grpc#3090 (non-blocking, traditional: data race).
// Origin: grpc/grpc-go PR 3090; GoKer file
// goker/nonblocking/grpc/3090/grpc3090_test.go.
//
// newCCResolverWrapper() does `ccr.resolver = rb.Build(ccr)`, but Build
// already calls back into the wrapper (UpdateState -> poll), and poll
// starts a goroutine that takes ccr.mu and calls ccr.resolver.ResolveNow().
// The assignment of ccr.resolver, made when Build returns, holds no lock,
// and the goroutine's read under ccr.mu is not ordered with it: a race on
// every schedule where the goroutine reads after the assignment. When the
// goroutine reads first it finds the nil interface and the call panics
// (Go's nil pointer dereference; modelled by an explicit check, as C has no
// nil-interface call): `bug: panic`. That needs the goroutine to run
// between poll's unlock and the assignment: possible with two Ps, which is
// why only GOMAXPROCS 1 is listed; seeds 1..50 do not show it. The test
// sleeps 5ms after Dial().
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1
// bug: panic
#include <gorace.h>
#include <stddef.h>

struct cc_resolver_wrapper;

/* resolver_Resolver, the one Resolver and Builder implementation. */
struct resolver {
    struct cc_resolver_wrapper *cc; /* CC resolver_ClientConn */
};

static void cc_resolver_wrapper_update_state(struct cc_resolver_wrapper *ccr);

static void resolver_resolve_now(struct resolver *r)
{
    (void)r;
}

static void resolver_update_state(struct resolver *r)
{
    cc_resolver_wrapper_update_state(r->cc);
}

static struct resolver *resolver_build(struct resolver *r,
                                       struct cc_resolver_wrapper *cc)
{
    r->cc = cc;
    resolver_update_state(r);
    return r;
}

struct client_conn;

struct cc_resolver_wrapper {
    struct client_conn *cc;
    struct resolver *resolver; /* Resolver interface */
    go_mutex mu;
};

static void resolve_now(struct cc_resolver_wrapper *ccr)
{
    go_mutex_lock(&ccr->mu);
    struct resolver *r = ccr->resolver;
    if (r == NULL) /* calling a method of a nil interface */
        go_panic("runtime error: invalid memory address or nil pointer "
                 "dereference");
    resolver_resolve_now(r);
    go_mutex_unlock(&ccr->mu);
}

static void resolve_now_g(void *arg)
{
    resolve_now(arg);
}

static void poll(struct cc_resolver_wrapper *ccr)
{
    go_mutex_lock(&ccr->mu);
    GO(resolve_now_g, ccr);
    go_mutex_unlock(&ccr->mu); /* deferred */
}

static void cc_resolver_wrapper_update_state(struct cc_resolver_wrapper *ccr)
{
    poll(ccr);
}

struct dial_options {
    struct resolver *resolver_builder;
};

struct client_conn {
    struct dial_options dopts;
};

static struct cc_resolver_wrapper wrapper;
static struct resolver the_resolver;
static struct client_conn conn;

static void new_cc_resolver_wrapper(struct client_conn *cc)
{
    struct resolver *rb = cc->dopts.resolver_builder;
    struct cc_resolver_wrapper *ccr = &wrapper;
    ccr->resolver = resolver_build(rb, ccr);
}

static void dial(void)
{
    struct client_conn *cc = &conn;
    if (cc->dopts.resolver_builder == NULL)
        cc->dopts.resolver_builder = &the_resolver;
    new_cc_resolver_wrapper(cc);
}

static go_wg wg;

static void test_body(void *arg)
{
    (void)arg;
    dial();
    go_sleep(5 * GO_MILLISECOND);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(test_body, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
