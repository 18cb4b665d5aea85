// GoKer cockroach#10790 (Communication Deadlock: channel & context).
// Origin: cockroachdb/cockroach PR 10790; GoKer file
// goker/blocking/cockroach/10790/cockroach10790_test.go.
//
// beginCmds() waits on each of the replica's two command channels in turn,
// or on the context; when the context wins, it starts a goroutine that
// receives from every channel and moves on. A helper (GoKer's, not in the
// original bug) sends on the channels until the context is done. The test
// starts the helper, beginCmds and cancel() in goroutines, stops the
// stopper and returns. When cancel() comes before the helper's sends,
// the goroutines beginCmds started wait on channels nobody will send on:
// they leak. When the helper sends on both channels first, nothing leaks.
// At GOMAXPROCS 1 cancel(), started last, runs first: every free run
// leaks. Some seeded schedules let the helper send first and exit clean;
// the header declares them with `bug: exit 0` (README.md: the expectation
// is the bug, and `bug:` names the schedules that miss it).
// (Go's profile: (*Replica).beginCmds.func1 [chan receive].)
//
// expect: leak
// gomaxprocs: 1
// bug: exit 0
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdbool.h>

struct stopper {
    go_chan *quiescer;
    struct {
        go_mutex mu;
        bool quiescing;
    } mu;
};

static go_chan *should_quiesce(struct stopper *s)
{
    return s == NULL ? NULL : s->quiescer;
}

static void quiesce(struct stopper *s)
{
    go_mutex_lock(&s->mu.mu);
    if (!s->mu.quiescing) {
        s->mu.quiescing = true;
        go_chan_close(s->quiescer);
    }
    go_mutex_unlock(&s->mu.mu); /* deferred */
}

static void stopper_stop(struct stopper *s)
{
    quiesce(s);
}

struct replica {
    go_chan *chans[2]; /* []chan bool */
    int nchans;
    struct stopper *stopper;
    go_ctx *ctx; /* the test's context, passed to both methods */
};

static void begin_cmds_func1(void *arg)
{
    struct replica *r = arg;
    for (int i = 0; i < r->nchans; i++)
        go_chan_recv(r->chans[i], NULL);
}

static void begin_cmds(void *arg)
{
    struct replica *r = arg;
    go_chan *ctx_done = go_ctx_done(r->ctx);
    for (int i = 0; i < r->nchans; i++) {
        go_case c[] = {GO_RECV_CASE(r->chans[i], NULL),
                       GO_RECV_CASE(ctx_done, NULL)};
        if (go_select(c, 2, false) == 1)
            GO(begin_cmds_func1, r);
    }
}

/* helper goroutine, not present in the real bug */
static void send_chans(void *arg)
{
    struct replica *r = arg;
    for (int i = 0; i < r->nchans; i++) {
        bool v = true;
        go_case c[] = {GO_SEND_CASE(r->chans[i], &v),
                       GO_RECV_CASE(go_ctx_done(r->ctx), NULL)};
        if (go_select(c, 2, false) == 1)
            return;
    }
}

static void cancel_fn(void *arg)
{
    go_cancel(arg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct stopper st;
    static struct replica r;
    st.quiescer = go_chan_make(0, 0);
    r.stopper = &st;
    r.chans[r.nchans++] = go_chan_make(sizeof(bool), 0);
    r.chans[r.nchans++] = go_chan_make(sizeof(bool), 0);
    r.ctx = go_with_cancel(go_background());
    (void)should_quiesce;
    GO(send_chans, &r);   /* helper goroutine */
    GO(begin_cmds, &r);   /* G1 */
    GO(cancel_fn, r.ctx); /* G2 */
    stopper_stop(r.stopper);
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
