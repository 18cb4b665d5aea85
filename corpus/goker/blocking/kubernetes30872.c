// GoKer kubernetes#30872 (Resource Deadlock: AB-BA deadlock).
// Origin: kubernetes/kubernetes PR 30872; GoKer file
// goker/blocking/kubernetes/30872/kubernetes30872_test.go.
//
// The namespace controller's Run starts the federated informer (under
// its mutex f, it starts the informer's controller loop), a goroutine
// that stops the informer (under f) once the test's stop channel closes,
// and a deliverer goroutine that checks whether the clusters are synced.
// The controller loop pops from the DeltaFIFO over and over: it takes the
// FIFO's lock and, in the process callback (addCluster), f. The synced
// check takes f and then, in HasSynced, the FIFO's lock. When the loop
// holds the FIFO lock while the check holds f, both block for good, and
// so does the stopper, waiting for f: the test has returned (it closes
// stop and returns), and the three leak. Whether the check falls inside
// a pop depends on the schedule; every run in which both run takes the
// two locks in both orders, which the lock-order detector reports at exit
// (`WARNING: POTENTIAL DEADLOCK`). At GOMAXPROCS 2 the stopper can stop
// the loop before its first pop (1 free run in 10, then 2 in 20, exited 0), so
// free runs are made at GOMAXPROCS 1 only, and seeded schedules that do the
// same exit 0 (`bug: exit 0`: the schedules that miss the bug, README.md).
// Otherwise every run exits 66: with the leak
// report when the deadlock happened, else with the inversion alone. The
// lock-cycle detector is off (`lock_cycle=0`), as in kubernetes13135.c:
// it would end the deadlocked runs at once with `fatal error: deadlock:
// lock cycle`, and a header cannot state both outcomes. The interfaces
// have one implementation each: direct calls; the closures are function
// pointers.
// (Go's profile: (*DelayingDeliverer).StartWithHandler.func1,
// (*Controller).Run, (*NamespaceController).Run.func1 [sync.Mutex.Lock].)
//
// expect: exit 66
// gomaxprocs: 1
// needs: detector
// gorace: lock_cycle=0
// bug: exit 0
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdlib.h>

struct delta_fifo {
    go_rwmutex lock;
};

static void fifo_has_synced(struct delta_fifo *f)
{
    go_rwmutex_lock(&f->lock);
    go_rwmutex_unlock(&f->lock); /* deferred */
}

static void fifo_pop(struct delta_fifo *f, void (*process)(void *), void *arg)
{
    go_rwmutex_lock(&f->lock);
    process(arg);
    go_rwmutex_unlock(&f->lock); /* deferred */
}

struct federated_informer_impl;

struct controller {
    struct delta_fifo *queue; /* config.Queue */
    void (*process)(void *);  /* config.Process: h.OnAdd() */
    void *process_arg;
};

static void controller_has_synced(struct controller *c)
{
    fifo_has_synced(c->queue);
}

static void process_loop(struct controller *c)
{
    fifo_pop(c->queue, c->process, c->process_arg);
}

struct run_arg {
    struct controller *c;
    go_chan *stop_ch;
};

/* Controller.Run: Util(c.processLoop, stopCh), i.e. JitterUntil. */
static void controller_run(void *arg)
{
    struct run_arg *a = arg;
    for (;;) {
        go_case cs[] = {GO_RECV_CASE(a->stop_ch, NULL)};
        if (go_select(cs, 1, true) == 0)
            return;
        process_loop(a->c);
    }
}

struct federated_informer_impl {
    go_mutex mu; /* the embedded sync.Mutex */
    struct {
        struct controller *controller;
        go_chan *stop_chan;
    } cluster_informer;
};

static void clusters_synced(struct federated_informer_impl *f)
{
    go_mutex_lock(&f->mu);
    controller_has_synced(f->cluster_informer.controller);
    go_mutex_unlock(&f->mu); /* deferred */
}

static void add_cluster(void *arg)
{
    struct federated_informer_impl *f = arg;
    go_mutex_lock(&f->mu);
    go_mutex_unlock(&f->mu); /* deferred */
}

static void fi_start(struct federated_informer_impl *f)
{
    go_mutex_lock(&f->mu);
    f->cluster_informer.stop_chan = go_chan_make(0, 0);
    struct run_arg *a = malloc(sizeof *a);
    *a = (struct run_arg){f->cluster_informer.controller,
                          f->cluster_informer.stop_chan};
    GO(controller_run, a);
    go_mutex_unlock(&f->mu); /* deferred */
}

static void fi_stop(struct federated_informer_impl *f)
{
    go_mutex_lock(&f->mu);
    go_chan_close(f->cluster_informer.stop_chan);
    go_mutex_unlock(&f->mu); /* deferred */
}

struct namespace_controller {
    struct federated_informer_impl *namespace_federated_informer;
    go_chan *stop_chan;
};

static void reconcile_namespace(struct namespace_controller *nc)
{
    clusters_synced(nc->namespace_federated_informer); /* nc.isSynced() */
}

static void nc_run_func1(void *arg)
{
    struct namespace_controller *nc = arg;
    go_chan_recv(nc->stop_chan, NULL);
    fi_stop(nc->namespace_federated_informer);
}

/* DelayingDeliverer.StartWithHandler's goroutine running the handler. */
static void start_with_handler_func1(void *arg)
{
    reconcile_namespace(arg);
}

static void nc_run(struct namespace_controller *nc, go_chan *stop_chan)
{
    fi_start(nc->namespace_federated_informer);
    nc->stop_chan = stop_chan;
    GO(nc_run_func1, nc);
    GO(start_with_handler_func1, nc);
}

static struct federated_informer_impl *new_federated_informer(void)
{
    struct federated_informer_impl *f = calloc(1, sizeof *f);
    struct controller *c = malloc(sizeof *c); /* NewInformer */
    c->queue = calloc(1, sizeof *c->queue);
    c->process = add_cluster; /* h.OnAdd(): AddFunc */
    c->process_arg = f;
    f->cluster_informer.controller = c;
    return f;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct namespace_controller *nc = calloc(1, sizeof *nc);
    nc->namespace_federated_informer = new_federated_informer();
    go_chan *stop = go_chan_make(0, 0);
    nc_run(nc, stop);
    go_chan_close(stop);
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
