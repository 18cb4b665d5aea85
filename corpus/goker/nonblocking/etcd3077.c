// GoKer etcd#3077 (non-blocking, Go-specific: misuse of channel).
// Origin: etcd-io/etcd PR 3077; GoKer file
// goker/nonblocking/etcd/3077/etcd3077_test.go.
//
// EtcdServer.run() starts raftNode.run(), which makes its own channels
// (`r.stopped = make(...)`, `r.done = make(...)`) in the new goroutine, and
// then "waits" for it with a 10ms sleep; when the server stops, run()'s
// deferred function sends on s.r.stopped and receives from s.r.done. A
// sleep orders nothing: raftNode.run's writes of the two fields and the
// server's later reads of them race on every schedule (had the reads come
// first they would see nil channels and block forever). The test starts
// the server and stops it (deferred).
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>

struct etcd_server;

struct raft_node {
    struct etcd_server *s;
    go_chan *stopped, *done;
};

static void raft_node_stop(struct raft_node *r)
{
    go_chan_close(r->done);
}

static void raft_node_run(void *arg)
{
    struct raft_node *r = arg;
    r->stopped = go_chan_make(0, 0);
    r->done = go_chan_make(0, 0);
    for (;;) {
        go_case cases[] = {GO_RECV_CASE(r->stopped, NULL)};
        switch (go_select(cases, 1, false)) {
        case 0:
            raft_node_stop(r); /* defer r.stop() */
            return;
        }
    }
}

struct etcd_server {
    struct raft_node r;
    go_chan *done, *stop;
};

static void server_run(void *arg)
{
    struct etcd_server *s = arg;
    GO(raft_node_run, &s->r);
    /* Wait s.r.run */
    go_sleep(10 * GO_MILLISECOND);
    for (;;) {
        go_case cases[] = {GO_RECV_CASE(s->stop, NULL)};
        if (go_select(cases, 1, false) == 0)
            break;
    }
    /* deferred */
    go_chan_send(s->r.stopped, NULL);
    go_chan_recv(s->r.done, NULL);
    go_chan_close(s->done);
}

static void server_start(struct etcd_server *s)
{
    s->done = go_chan_make(0, 0);
    s->stop = go_chan_make(0, 0);
    GO(server_run, s);
}

static void server_stop(struct etcd_server *s)
{
    go_case cases[] = {GO_SEND_CASE(s->stop, NULL),
                       GO_RECV_CASE(s->done, NULL)};
    if (go_select(cases, 2, false) == 1)
        return;
    go_chan_recv(s->done, NULL);
}

static struct etcd_server srv;

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    server_start(&srv);
    server_stop(&srv); /* defer srv.Stop() */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
