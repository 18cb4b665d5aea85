// GoKer etcd#6857 (communication, channel): node.run() selects on n.status
// and n.stop; Stop() wins, run() closes n.done and returns. A later Status()
// sends on n.status with no case for n.done, and blocks forever. (Go's
// profile: (*node).Status leaked in chan send.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

struct node {
    go_chan *status, *stop, *done;
};

static void run(void *arg)
{
    struct node *n = arg;
    for (;;) {
        go_case cases[] = {GO_RECV_CASE(n->status, NULL),
                           GO_RECV_CASE(n->stop, NULL)};
        if (go_select(cases, 2, false) == 1) {
            go_chan_close(n->done);
            return;
        }
    }
}

static void node_stop(struct node *n)
{
    go_chan_send(n->stop, NULL);
    go_chan_recv(n->done, NULL);
}

static void status(void *arg)
{
    struct node *n = arg;
    go_chan_send(n->status, NULL); /* fixed: select with <-n.done */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct node n;
    n.status = go_chan_make(0, 0);
    n.stop = go_chan_make(0, 0);
    n.done = go_chan_make(0, 0);
    GO(run, &n);
    node_stop(&n);
    GO(status, &n);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
