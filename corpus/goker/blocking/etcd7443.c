// GoKer etcd#7443 (Mixed Deadlock: channel & lock).
// Origin: etcd-io/etcd PR 7443; GoKer file
// goker/blocking/etcd/7443/etcd7443_test.go.
//
// A gRPC client over etcd's simple balancer. The balancer's notify
// channel has a buffer of one and starts with the three addresses in it.
// Dial starts lbWatcher, which, per address list, adds a connection per
// new address (each starts resetTransport: under the connection's lock,
// balancer.Up, which holds the balancer's lock and, when no address is
// pinned yet, pins it and sends the new list on the notify channel) and
// tears down the removed ones (under the connection's lock, the down
// closure, which holds the balancer's lock and, if the pinned address is
// going down, unpins it and sends all addresses on the channel). The test
// closes the balancer from one goroutine and the client from another, and
// waits for the first. A sender holding the balancer's lock blocks on the
// full channel while lbWatcher, the only receiver, waits for that lock
// (or for a connection lock the sender holds): lbWatcher, the sender,
// and the balancer's Close, which needs the same lock, block for good,
// and the test with them: all asleep. Whether it happens depends on the
// schedule (`bug: deadlock`).
// Modelling: the conns map is a small table, iterated in insertion order
// (Go's order is random); Balancer and DialOption have one use each:
// direct calls and plain assignments. down() recovers the panic of a
// send on the closed channel; the channel is closed only under the
// balancer's lock, together with `closed`, so down() tests `closed`
// under that lock where Go would send and recover (C has no recover).
//
// expect: ok
// gomaxprocs: 1
// bug: deadlock
// seeds: 20 random walk needs more seeds than 50 (README.md); PCT finds it
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef int address;

/* []Address as a channel element: up to three addresses. */
struct addr_list {
    int n;
    address a[3];
};

struct simple_balancer {
    struct addr_list addrs;
    go_chan *notify_ch; /* chan []Address, cap 1 */
    go_rwmutex mu;
    bool closed;
    address pin_addr;
};

/* The closure Up returns. */
struct down_fn {
    struct simple_balancer *b; /* NULL: func() {} */
    address addr;
};

static struct down_fn *sb_up(struct simple_balancer *b, address addr)
{
    struct down_fn *d = calloc(1, sizeof *d);
    go_rwmutex_lock(&b->mu);
    if (b->closed) {
        go_rwmutex_unlock(&b->mu); /* deferred */
        return d;                  /* func() {} */
    }
    if (b->pin_addr == 0) {
        b->pin_addr = addr;
        struct addr_list l = {1, {addr}};
        go_chan_send(b->notify_ch, &l);
    }
    d->b = b;
    d->addr = addr;
    go_rwmutex_unlock(&b->mu); /* deferred */
    return d;
}

static void call_down(struct down_fn *d)
{
    struct simple_balancer *b = d->b;
    if (b == NULL)
        return;
    go_rwmutex_lock(&b->mu);
    if (b->pin_addr == d->addr) {
        b->pin_addr = 0;
        if (!b->closed) /* a send on the closed channel: recovered */
            go_chan_send(b->notify_ch, &b->addrs);
    }
    go_rwmutex_unlock(&b->mu); /* deferred */
}

static go_chan *sb_notify(struct simple_balancer *b)
{
    return b->notify_ch;
}

static void sb_close(struct simple_balancer *b)
{
    go_rwmutex_lock(&b->mu);
    if (!b->closed) {
        b->closed = true;
        go_chan_close(b->notify_ch);
        b->pin_addr = 0;
    }
    go_rwmutex_unlock(&b->mu); /* deferred */
}

static struct simple_balancer *new_simple_balancer(void)
{
    struct simple_balancer *b = calloc(1, sizeof *b);
    b->notify_ch = go_chan_make(sizeof(struct addr_list), 1);
    b->addrs.n = 3;
    for (int i = 0; i < 3; i++)
        b->addrs.a[i] = i;
    go_chan_send(b->notify_ch, &b->addrs);
    return b;
}

struct client_conn;

struct addr_conn {
    go_mutex mu;
    struct client_conn *cc;
    address addr;
    struct down_fn *down;
};

enum { MAX_CONNS = 8 };

struct client_conn {
    struct simple_balancer *balancer; /* dopts.balancer */
    go_rwmutex mu;
    bool conns_nil;
    struct addr_conn *conns[MAX_CONNS]; /* map[Address]*addrConn */
    int nconns;
};

static struct addr_conn *conns_get(struct client_conn *cc, address a)
{
    for (int i = 0; i < cc->nconns; i++)
        if (cc->conns[i]->addr == a)
            return cc->conns[i];
    return NULL;
}

static void conns_delete(struct client_conn *cc, address a)
{
    for (int i = 0; i < cc->nconns; i++)
        if (cc->conns[i]->addr == a) {
            memmove(&cc->conns[i], &cc->conns[i + 1],
                    sizeof cc->conns[0] * (size_t)(cc->nconns - i - 1));
            cc->nconns--;
            return;
        }
}

static void tear_down(struct addr_conn *ac)
{
    go_mutex_lock(&ac->mu);
    if (ac->down != NULL) {
        call_down(ac->down);
        ac->down = NULL;
    }
    go_mutex_unlock(&ac->mu); /* deferred */
}

static void reset_transport(void *arg)
{
    struct addr_conn *ac = arg;
    go_mutex_lock(&ac->mu);
    if (ac->cc->balancer != NULL)
        ac->down = sb_up(ac->cc->balancer, ac->addr);
    go_mutex_unlock(&ac->mu);
}

static void reset_addr_conn(struct client_conn *cc, address addr)
{
    struct addr_conn *ac = calloc(1, sizeof *ac);
    ac->cc = cc;
    ac->addr = addr;
    go_rwmutex_lock(&cc->mu);
    if (cc->conns_nil) {
        go_rwmutex_unlock(&cc->mu);
        return;
    }
    struct addr_conn *old = conns_get(cc, addr);
    if (old != NULL)
        conns_delete(cc, addr);
    cc->conns[cc->nconns++] = ac;
    go_rwmutex_unlock(&cc->mu);
    GO(reset_transport, ac);
}

static void lb_watcher(void *arg)
{
    struct client_conn *cc = arg;
    struct addr_list addrs;
    while (go_chan_recv(sb_notify(cc->balancer), &addrs)) {
        address add[3];
        int nadd = 0;
        struct addr_conn *del[MAX_CONNS];
        int ndel = 0;
        go_rwmutex_lock(&cc->mu);
        for (int i = 0; i < addrs.n; i++)
            if (conns_get(cc, addrs.a[i]) == NULL)
                add[nadd++] = addrs.a[i];
        for (int k = 0; k < cc->nconns;) {
            struct addr_conn *c = cc->conns[k];
            bool keep = false;
            for (int i = 0; i < addrs.n; i++)
                if (c->addr == addrs.a[i]) {
                    keep = true;
                    break;
                }
            if (!keep) {
                del[ndel++] = c;
                conns_delete(cc, c->addr);
            } else {
                k++;
            }
        }
        go_rwmutex_unlock(&cc->mu);
        for (int i = 0; i < nadd; i++)
            reset_addr_conn(cc, add[i]);
        for (int i = 0; i < ndel; i++)
            tear_down(del[i]);
    }
}

static void cc_close(void *arg)
{
    struct client_conn *cc = arg;
    go_rwmutex_lock(&cc->mu);
    struct addr_conn *conns[MAX_CONNS];
    int n = cc->nconns;
    memcpy(conns, cc->conns, sizeof conns[0] * (size_t)n);
    cc->conns_nil = true;
    cc->nconns = 0;
    go_rwmutex_unlock(&cc->mu);
    if (cc->balancer != NULL)
        sb_close(cc->balancer);
    for (int i = 0; i < n; i++)
        tear_down(conns[i]);
}

static struct client_conn *dial(struct simple_balancer *b)
{
    struct client_conn *cc = calloc(1, sizeof *cc); /* DialContext */
    cc->balancer = b;                               /* WithBalancer(b) */
    GO(lb_watcher, cc);
    return cc;
}

struct closer_arg {
    struct simple_balancer *sb;
    go_chan *closec;
};

static void func2_1(void *arg)
{
    struct closer_arg *a = arg;
    sb_close(a->sb);
    go_chan_close(a->closec); /* deferred */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct simple_balancer *sb = new_simple_balancer();
    struct client_conn *conn = dial(sb);
    struct closer_arg a = {sb, go_chan_make(0, 0)};
    GO(func2_1, &a);
    GO(cc_close, conn);
    go_chan_recv(a.closec, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
