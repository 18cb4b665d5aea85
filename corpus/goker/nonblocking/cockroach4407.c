// GoKer cockroach#4407 (non-blocking, Go-specific: WaitGroup misuse).
// Origin: cockroachdb/cockroach PR 4407; GoKer file
// goker/nonblocking/cockroach/4407/cockroach4407_test.go.
//
// Stopper.RunWorker() calls s.stop.Add(1) and starts the worker; two
// Gossip() goroutines call it (under the server's lock) while the test,
// after a 1ms sleep, runs the deferred stopper.Stop(): close(s.stopper),
// s.stop.Wait(). Add from 0 that is not ordered before a Wait that blocks
// is Go's "Add called concurrently with Wait" race (Add race-reads the
// WaitGroup's semaphore, the first blocking Wait race-writes it; gorace's
// WaitGroup does the same). The race needs Stop's Wait to block, i.e. a
// worker still running 1ms after it was started: real time decides
// (free-running, 1 of 20 runs raced at GOMAXPROCS 1 and 8 of 20 at 2 on a
// CPU-starved machine). Under a seed with virtual time standing still
// while anything can run, Wait always found the counter at zero. It runs
// under seeds only, with `step_ns=100000`: 100us of virtual time pass at
// each scheduling step (a slow machine), so the test's 1ms sleep can end
// while a worker still runs (`bug: race`: in 6 of seeds 1..10).
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: ok
// gomaxprocs: none free-running, real time decides (see above)
// gorace: step_ns=100000
// bug: race
#include <gorace.h>

struct stopper {
    go_chan *stopper;
    go_wg stop;
    go_mutex mu;
};

struct worker_arg {
    struct stopper *s;
    void (*f)(void *);
    void *f_arg;
};

static void worker(void *arg)
{
    struct worker_arg *w = arg;
    w->f(w->f_arg);
    go_wg_done(&w->s->stop); /* defer s.stop.Done() */
}

static struct worker_arg workers[2];
static int nworkers;

static void run_worker(struct stopper *s, void (*f)(void *), void *f_arg)
{
    go_wg_add(&s->stop, 1);
    struct worker_arg *w = &workers[nworkers++]; /* under server.mu */
    *w = (struct worker_arg){s, f, f_arg};
    GO(worker, w);
}

static void stopper_stop(struct stopper *s)
{
    go_chan_close(s->stopper);
    go_wg_wait(&s->stop);
    go_mutex_lock(&s->mu);
    go_mutex_unlock(&s->mu); /* deferred */
}

struct server {
    go_mutex mu;
    struct stopper *stopper;
};

static void gossip_sender(void *arg)
{
    struct server *s = arg;
    go_mutex_lock(&s->mu);
    go_mutex_unlock(&s->mu);
}

static void gossip(void *arg)
{
    struct server *s = arg;
    go_mutex_lock(&s->mu);
    run_worker(s->stopper, gossip_sender, s);
    go_mutex_unlock(&s->mu);
}

static struct stopper the_stopper;
static struct server srv;

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct stopper *stopper = &the_stopper;
    stopper->stopper = go_chan_make(0, 0);
    srv.stopper = stopper;
    for (int i = 0; i < 2; i++)
        GO(gossip, &srv);
    go_sleep(GO_MILLISECOND);
    stopper_stop(stopper); /* defer stopper.Stop() */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
