// GoKer istio#17860 (Communication Deadlock: channel).
// Origin: istio/istio PR 17860; GoKer file
// goker/blocking/istio/17860/istio17860_test.go.
//
// Each Restart() starts a runWait goroutine that reports its epoch on the
// unbuffered statusCh; Run() receives statuses and returns when no epoch
// is active any more, or when the context is done. The test starts Run,
// restarts twice (the second time in a goroutine, which, with an epoch
// active, first waits up to 100ns for the never-live proxy), sleeps 200ns
// and returns, cancelling the context. A runWait whose status comes after
// Run returned (Run saw epoch 1 end before epoch 2 began, or the context
// was cancelled first) blocks in chan send forever: it leaks. Whether one
// does depends on the schedule and on time. Every free run at GOMAXPROCS
// 1 leaked (20 of 20; 19 of 20 at 2); seeded schedules in which Run receives
// both statuses before the cancel exit clean (`bug: exit 0`: the expectation is
// the bug, `bug:` names the schedules that miss it, README.md). The
// activeEpochs map is a small table; the Proxy and Agent interfaces have one
// implementation each: direct calls. (Go's profile: (*agent).runWait [chan
// send].)
//
// expect: leak
// gomaxprocs: 1
// bug: exit 0
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

struct test_proxy {
    bool (*live)(void);
};

static bool is_live(struct test_proxy tp)
{
    if (tp.live == NULL)
        return true;
    return tp.live();
}

typedef int exit_status;

enum { MAX_EPOCHS = 8 };

struct agent {
    struct test_proxy proxy;
    go_mutex *mu;
    go_chan *status_ch; /* chan exitStatus */
    int current_epoch;
    int active_epochs[MAX_EPOCHS]; /* map[int]struct{} */
    int nactive;
};

static void epochs_delete(struct agent *a, int e)
{
    for (int i = 0; i < a->nactive; i++)
        if (a->active_epochs[i] == e) {
            a->active_epochs[i] = a->active_epochs[--a->nactive];
            return;
        }
}

static void epochs_add(struct agent *a, int e)
{
    for (int i = 0; i < a->nactive; i++)
        if (a->active_epochs[i] == e)
            return;
    a->active_epochs[a->nactive++] = e;
}

static void agent_run(struct agent *a, go_ctx *ctx)
{
    for (;;) {
        exit_status status;
        go_case c[] = {GO_RECV_CASE(a->status_ch, &status),
                       GO_RECV_CASE(go_ctx_done(ctx), NULL)};
        if (go_select(c, 2, false) == 1)
            return;
        go_mutex_lock(a->mu);
        epochs_delete(a, status);
        int active = a->nactive;
        go_mutex_unlock(a->mu);
        if (active == 0)
            return;
    }
}

struct run_wait_arg {
    struct agent *a;
    int epoch;
};

static void run_wait(void *arg)
{
    struct run_wait_arg *r = arg;
    exit_status s = r->epoch;
    go_chan_send(r->a->status_ch, &s);
    free(r);
}

static void wait_until_live(struct agent *a)
{
    if (a->nactive == 0)
        return;
    go_ticker *interval = go_ticker_new(30 * GO_NANOSECOND);
    go_timer *timer = go_timer_new(100 * GO_NANOSECOND);
    if (!is_live(a->proxy)) {
        for (;;) {
            go_case c[] = {GO_RECV_CASE(go_timer_chan(timer), NULL),
                           GO_RECV_CASE(go_ticker_chan(interval), NULL)};
            if (go_select(c, 2, false) == 0)
                break;
            if (is_live(a->proxy))
                break;
        }
    }
    go_ticker_stop(interval); /* deferred */
    go_timer_stop(timer);
}

static void agent_restart(struct agent *a)
{
    go_mutex_lock(a->mu);
    wait_until_live(a);
    a->current_epoch++;
    epochs_add(a, a->current_epoch);
    struct run_wait_arg *r = malloc(sizeof *r);
    *r = (struct run_wait_arg){a, a->current_epoch};
    GO(run_wait, r);
    go_mutex_unlock(a->mu); /* deferred */
}

static bool never_live(void)
{
    return false;
}

static struct agent *agent;
static go_ctx *ctx;

static void func2_1(void *arg)
{
    (void)arg;
    agent_run(agent, ctx);
}

static void restart_fn(void *arg)
{
    agent_restart(arg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    ctx = go_with_cancel(go_background());
    agent = calloc(1, sizeof *agent); /* NewAgent */
    agent->proxy = (struct test_proxy){never_live};
    agent->mu = calloc(1, sizeof(go_mutex));
    agent->status_ch = go_chan_make(sizeof(exit_status), 0);
    GO(func2_1, NULL);
    agent_restart(agent);
    GO(restart_fn, agent);
    go_sleep(200 * GO_NANOSECOND);
    go_cancel(ctx);                /* defer cancel() */
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
