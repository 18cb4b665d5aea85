// GoKer istio#8967 (non-blocking, Go-specific: misuse of channel).
// Origin: istio/istio PR 8967; GoKer file
// goker/nonblocking/istio/8967/istio8967_test.go.
//
// fsSource.Start() starts a goroutine that loops on `select { case
// <-s.donec: return }`, reading the field s.donec each time round;
// Stop() closes the channel and then sets `s.donec = nil`. The test
// starts and at once stops the source, then sleeps 5ms. The goroutine's
// read of s.donec is unordered with Stop's write of nil on every schedule:
// if it reads first, the close wakes it but its read still precedes the
// unsynchronised write; if it reads after, it sees nil and blocks forever
// on a nil channel (also a leaked goroutine). Either way a data race.
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>

struct fs_source {
    go_chan *donec;
};

static void watch(void *arg)
{
    struct fs_source *s = arg;
    for (;;) {
        go_case cases[] = {GO_RECV_CASE(s->donec, NULL)};
        switch (go_select(cases, 1, false)) {
        case 0:
            return;
        }
    }
}

static void start(struct fs_source *s)
{
    GO(watch, s);
}

static void stop(struct fs_source *s)
{
    go_chan_close(s->donec);
    s->donec = NULL;
}

static struct fs_source source;

static struct fs_source *new_fs_source(void)
{
    source.donec = go_chan_make(0, 0);
    return &source;
}

static go_wg wg;

static void test_body(void *arg)
{
    (void)arg;
    struct fs_source *s = new_fs_source();
    start(s);
    stop(s);
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
