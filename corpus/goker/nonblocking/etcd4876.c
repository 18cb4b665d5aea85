// GoKer etcd#4876 (non-blocking, traditional: data race).
// Origin: etcd-io/etcd PR 4876; GoKer file
// goker/nonblocking/etcd/4876/etcd4876_test.go.
//
// The package variable ProgressReportInterval is read by each watch
// stream's sendLoop goroutine (to make its ticker) and written by the test
// (to shorten it) with no synchronisation. The kernel's test runs the
// write in one goroutine and, in another, a Watch() that starts sendLoop;
// the write and sendLoop's read are unordered on every schedule.
// Durations are the kernel's (10s, set to 3s): no timer ever fires.
//
// The test waits for Watch() but not for the sendLoop it starts; main
// sleeps 50ms after the test (the rest of the test binary; free in virtual
// time) so that it runs. The upstream patch is not carried by GoKer; no
// fixed twin.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>

int64_t progress_report_interval = 10 * GO_SECOND;

struct server_watch_stream {
    int unused;
};

static void send_loop(void *arg)
{
    (void)arg;
    /* _ = time.NewTicker(ProgressReportInterval): never stopped, as in Go */
    (void)go_ticker_new(progress_report_interval);
}

struct watch_server {
    int unused;
};

static struct server_watch_stream sws;

static void watch(struct watch_server *ws)
{
    (void)ws;
    GO(send_loop, &sws);
}

static go_wg wg;
static struct watch_server w;

static void set_interval(void *arg)
{
    (void)arg;
    int64_t test_interval = 3 * GO_SECOND;
    progress_report_interval = test_interval;
    go_wg_done(&wg);
}

static void run_watch(void *arg)
{
    watch(arg);
    go_wg_done(&wg);
}

static void outer(void *arg)
{
    (void)arg;
    GO(set_interval, NULL);
    GO(run_watch, &w);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 3);
    GO(outer, NULL);
    go_wg_wait(&wg);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
