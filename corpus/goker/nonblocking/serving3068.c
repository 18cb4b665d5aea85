// GoKer serving#3068 (non-blocking, Go-specific: misuse of channel).
// Origin: knative/serving PR 3068; GoKer file
// goker/nonblocking/serving/3068/serving3068_test.go.
//
// A worker pool (one worker, a 5-slot work channel): Go() adds to the
// pool's WaitGroup and sends the work on workCh; Wait() closes workCh
// (once) and waits for the WaitGroup in a new goroutine. The test's
// producer goroutine calls Go() five times, 10ms apart, while the test
// itself calls Wait() at once: the producer's next send is on a closed
// channel. Go's race detector reports the send against the close (chansend
// reads the channel, closechan writes it, and nothing orders the producer
// and the test), then the send panics with `panic: send on closed
// channel`, GoKer's backtrace. A header cannot state a race report
// followed by a panic, so the instrumented runs stop at the first report
// (halt_on_error=1: exit 66), on every schedule. Only GOMAXPROCS 1 is
// listed: with two Ps the test's close can be the access that is reported
// while the producer sleeps, and if printing the report outlasts the 10ms
// sleep on a loaded machine (etcd8194 showed a report taking over 50ms),
// the producer's panic ends the run first. At GOMAXPROCS 1 the test closes
// the channel before the producer runs, and the producer's send is both
// the reported access and the panic, in that order.
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gorace: halt_on_error=1
// gomaxprocs: 1
#include <gorace.h>

typedef void (*func)(void);

struct impl {
    go_wg wg;
    go_chan *work_ch; /* chan func() */
    go_once once;
};

static void pool_worker(void *arg)
{
    struct impl *i = arg;
    func work;
    while (go_chan_recv(i->work_ch, &work)) {
        work();
        go_wg_done(&i->wg); /* deferred */
    }
}

static struct impl pool;

static struct impl *new_with_capacity(int workers, int capacity)
{
    struct impl *i = &pool;
    i->work_ch = go_chan_make(sizeof(func), (size_t)capacity);
    for (int idx = 0; idx < workers; idx++)
        GO(pool_worker, i);
    return i;
}

static void pool_go(struct impl *i, func w)
{
    go_wg_add(&i->wg, 1);
    go_chan_send(i->work_ch, &w);
}

static void pool_waiter(void *arg)
{
    struct impl *i = arg;
    go_wg_wait(&i->wg);
}

static void pool_close(void *arg)
{
    struct impl *i = arg;
    go_chan_close(i->work_ch);
    GO(pool_waiter, i);
}

static void pool_wait(struct impl *i)
{
    go_once_do(&i->once, pool_close, i);
}

static int32_t cnt_executed;
static go_wg wg;
#define N 5

static void work(void)
{
    __atomic_fetch_add(&cnt_executed, 1, __ATOMIC_SEQ_CST);
}

static void producer(void *arg)
{
    struct impl *p = arg;
    for (int i = 0; i < N; i++) {
        pool_go(p, work);
        go_sleep(10 * GO_MILLISECOND);
        go_wg_done(&wg);
    }
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct impl *p = new_with_capacity(1, 5);
    go_wg_add(&wg, N);
    GO(producer, p);
    pool_wait(p);
    go_wg_wait(&wg);
    if (cnt_executed == N) {
        /* t.Error("Not all items were expected to execute") */
    }
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
