// GoKer grpc#1353 (Mixed Deadlock: channel & lock).
// Origin: grpc/grpc-go PR 1353; GoKer file
// goker/blocking/grpc/1353/grpc1353_test.go.
//
// The round-robin balancer's goroutine (G2) publishes 100 address updates,
// each by sending on the unbuffered addrCh while it holds rr.mu. The
// client's lbWatcher (G3) receives each update and tears down both
// connections, whose down() callback takes rr.mu. Once G2 has sent an
// update and taken rr.mu again for the next one, it waits for G3 to
// receive while G3 waits in down() for rr.mu: the two block each other.
// A third goroutine waits for G2 to finish (HelpCh) to close the
// balancer, and the test returns, so the three leak. The Balancer
// interface has one implementation: direct calls.
// (Go's profile: not in Go's test list.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

static go_chan *help_ch;

struct round_robin {
    go_mutex mu;
    go_chan *addr_ch; /* chan bool */
};

static void watch_addr_updates(struct round_robin *rr)
{
    go_mutex_lock(&rr->mu);
    bool v = true;
    go_chan_send(rr->addr_ch, &v); /* blocks here */
    go_mutex_unlock(&rr->mu);      /* deferred */
}

static void rr_start_func1(void *arg)
{
    struct round_robin *rr = arg;
    for (int i = 0; i < 100; i++)
        watch_addr_updates(rr);
    go_chan_close(help_ch);
}

static void rr_start(struct round_robin *rr)
{
    rr->addr_ch = go_chan_make(sizeof(bool), 0);
    GO(rr_start_func1, rr); /* G2 */
}

static void rr_down(struct round_robin *rr)
{
    go_mutex_lock(&rr->mu);   /* blocks here */
    go_mutex_unlock(&rr->mu); /* deferred */
}

static go_chan *rr_notify(struct round_robin *rr)
{
    return rr->addr_ch;
}

static void rr_close(struct round_robin *rr)
{
    go_mutex_lock(&rr->mu);
    if (rr->addr_ch != NULL)
        go_chan_close(rr->addr_ch);
    go_mutex_unlock(&rr->mu); /* deferred */
}

struct addr_conn {
    go_mutex mu;
    struct round_robin *down; /* the closure rr.Up() returns: rr.down() */
};

static void tear_down(struct addr_conn *ac)
{
    go_mutex_lock(&ac->mu);
    if (ac->down != NULL)
        rr_down(ac->down);
    go_mutex_unlock(&ac->mu); /* deferred */
}

struct client_conn {
    struct round_robin *balancer;
    struct addr_conn *conns[2];
    int nconns;
};

static void lb_watcher(void *arg)
{
    struct client_conn *cc = arg;
    bool addr;
    while (go_chan_recv(rr_notify(cc->balancer), &addr)) {
        if (addr) {
            /* nop */
        }
        struct addr_conn *del[2];
        int ndel = 0;
        for (int i = 0; i < cc->nconns; i++)
            del[ndel++] = cc->conns[i];
        for (int i = 0; i < ndel; i++)
            tear_down(del[i]);
    }
}

static struct client_conn *new_client_conn(void)
{
    struct client_conn *cc = calloc(1, sizeof *cc);
    cc->balancer = calloc(1, sizeof *cc->balancer);
    for (int i = 0; i < 2; i++) {
        struct addr_conn *ac = calloc(1, sizeof *ac);
        ac->down = cc->balancer; /* balancer.Up() */
        cc->conns[cc->nconns++] = ac;
    }
    return cc;
}

static void func2(void *arg)
{
    struct client_conn *cc = arg;
    go_chan_recv(help_ch, NULL);
    rr_close(cc->balancer);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    help_ch = go_chan_make(0, 0);
    struct client_conn *cc = new_client_conn();
    rr_start(cc->balancer); /* G1 */
    GO(lb_watcher, cc);     /* G3 */
    GO(func2, cc);
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
