// Fixed twin of grpc1424.c: lbWatcher closes doneChan when it returns
// (deferred), the fix GoKer names for grpc/grpc-go PR 1424.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

struct round_robin {
    go_mutex mu;
    go_chan *addr_ch; /* chan bool */
};

static go_chan *rr_notify(struct round_robin *rr)
{
    return rr->addr_ch;
}

struct addr_conn {
    go_mutex mu;
};

static void tear_down(struct addr_conn *ac)
{
    go_mutex_lock(&ac->mu);
    go_mutex_unlock(&ac->mu); /* deferred */
}

struct client_conn {
    struct round_robin *balancer; /* dopts.balancer */
    struct addr_conn **conns;
    int nconns;
};

struct watcher_arg {
    struct client_conn *cc;
    go_chan *done_chan;
};

static void lb_watcher(void *arg)
{
    struct watcher_arg *a = arg;
    struct client_conn *cc = a->cc;
    bool addr;
    while (go_chan_recv(rr_notify(cc->balancer), &addr)) {
        if (addr) {
            /* nop */
        }
        /* add: no addresses; del: every connection */
        struct addr_conn **del = malloc(sizeof *del * (size_t)(cc->nconns + 1));
        int ndel = 0;
        for (int i = 0; i < cc->nconns; i++)
            del[ndel++] = cc->conns[i];
        for (int i = 0; i < ndel; i++)
            tear_down(del[i]);
        free(del);
    }
    go_chan_close(a->done_chan); /* deferred */
}

static struct client_conn *new_client_conn(void)
{
    struct client_conn *cc = calloc(1, sizeof *cc);
    cc->balancer = calloc(1, sizeof *cc->balancer);
    cc->balancer->addr_ch = go_chan_make(sizeof(bool), 0);
    return cc;
}

struct g2_arg {
    struct client_conn *cc;
    go_chan *wait_c;
};

static void dial_context_func1(void *arg)
{
    struct g2_arg *a = arg;
    go_chan *ch = rr_notify(a->cc->balancer);
    if (ch != NULL) {
        struct watcher_arg *w = malloc(sizeof *w);
        *w = (struct watcher_arg){a->cc, go_chan_make(sizeof(bool), 0)};
        GO(lb_watcher, w);                /* G3 */
        go_chan_recv(w->done_chan, NULL); /* blocks here */
    }
    go_chan_close(a->wait_c); /* deferred */
}

static void dial_context(void *arg)
{
    (void)arg;
    struct client_conn *cc = new_client_conn();
    struct g2_arg *a = malloc(sizeof *a);
    *a = (struct g2_arg){cc, go_chan_make(sizeof(const char *), 1)};
    GO(dial_context_func1, a); /* G2 */
    go_chan_close(cc->balancer->addr_ch);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(dial_context, NULL);        /* G1 */
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
