// GoKer etcd#7492 (Mixed Deadlock: channel & lock).
// Origin: etcd-io/etcd PR 7492; GoKer file
// goker/blocking/etcd/7492/etcd7492_test.go.
//
// The simple-token TTL keeper's run loop (G1) takes new tokens from a
// buffered (1) channel and, on each 1ns tick, deletes every token through
// deleteTokenFunc, which takes the token provider's RWMutex for writing.
// Three Authenticate goroutines each take that RWMutex for writing and,
// holding it, send a token on the keeper's channel. If the run loop is
// inside deleteTokenFunc waiting for the lock while an authenticator
// holds it and the channel is full, the authenticator waits for the run
// loop and the run loop for the authenticator; the other authenticators
// wait for the lock and the test for its WaitGroup: all asleep. The
// run loop must take a tick after a token arrived and before the next
// send, which depends on the schedule and on time (`bug: deadlock`).
// Free runs at GOMAXPROCS 2 hit it (3 of 10, 3 of 20 in a second
// series) and then hang: the run
// loop's ticker is still armed, so the program is not all asleep (Go's
// checkdead also waits while a timer is pending), and the cycle mixes a
// channel with a lock, which the lock-cycle detector does not follow.
// Seeded runs did not hit it (0 of 30: virtual time moves, and the
// ticker fires, only when nothing can run). With `step_ns=1000` (a
// microsecond of virtual time passes at every scheduling step) seeds
// reach it, and the seeded runtime reports the deadlock where Go hangs:
// the ticker is the only pending timer, and it sends on a channel no
// goroutine waits on, so firing it can wake nobody. The
// tokens map (one key, "1") is a one-slot table; the TokenProvider
// interface has one implementation: direct calls.
// (Go's profile: Etcd7492.func2 [sync.WaitGroup.Wait]; .func2.1 [chan
// send]; (*simpleTokenTTLKeeper).run [sync.Mutex.Lock].)
//
// expect: ok
// gomaxprocs: 1
// gorace: step_ns=1000
// bug: deadlock
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

struct simple_token_ttl_keeper {
    bool has_token; /* map[string]time.Time, key "1" */
    int64_t token_time;
    go_chan *add_simple_token_ch; /* chan struct{}, cap 1 */
    go_chan *stop_ch;             /* chan chan struct{} */
    void (*delete_token_func)(void *, const char *);
    void *delete_arg;
};

static void keeper_run(void *arg)
{
    struct simple_token_ttl_keeper *tm = arg;
    go_ticker *token_ticker = go_ticker_new(GO_NANOSECOND);
    for (;;) {
        go_chan *wait_ch;
        go_case c[] = {GO_RECV_CASE(tm->add_simple_token_ch, NULL),
                       GO_RECV_CASE(go_ticker_chan(token_ticker), NULL),
                       GO_RECV_CASE(tm->stop_ch, &wait_ch)};
        int i = go_select(c, 3, false);
        if (i == 0) {
            tm->has_token = true; /* a non-empty map is enough */
            tm->token_time = go_now();
        } else if (i == 1) {
            if (tm->has_token) {
                tm->delete_token_func(tm->delete_arg, "1");
                tm->has_token = false;
            }
        } else {
            go_chan_send(wait_ch, NULL);
            break;
        }
    }
    go_ticker_stop(token_ticker); /* deferred */
}

static struct simple_token_ttl_keeper *
new_simple_token_ttl_keeper(void (*f)(void *, const char *), void *arg)
{
    struct simple_token_ttl_keeper *stk = calloc(1, sizeof *stk);
    stk->add_simple_token_ch = go_chan_make(0, 1);
    stk->stop_ch = go_chan_make(sizeof(go_chan *), 0);
    stk->delete_token_func = f;
    stk->delete_arg = arg;
    GO(keeper_run, stk); /* G1 */
    return stk;
}

static void add_simple_token(struct simple_token_ttl_keeper *tm)
{
    go_chan_send(tm->add_simple_token_ch, NULL);
}

static void keeper_stop(struct simple_token_ttl_keeper *tm)
{
    go_chan *wait_ch = go_chan_make(0, 0);
    go_chan_send(tm->stop_ch, &wait_ch);
    go_chan_recv(wait_ch, NULL);
    go_chan_close(tm->stop_ch);
}

struct token_simple {
    struct simple_token_ttl_keeper *simple_token_keeper;
    go_rwmutex simple_tokens_mu;
};

static void assign_simple_token_to_user(struct token_simple *t)
{
    go_rwmutex_lock(&t->simple_tokens_mu);
    add_simple_token(t->simple_token_keeper);
    go_rwmutex_unlock(&t->simple_tokens_mu);
}

static void ts_assign(struct token_simple *t)
{
    assign_simple_token_to_user(t);
}

/* newDeleterFunc(t) */
static void deleter(void *arg, const char *tk)
{
    struct token_simple *t = arg;
    (void)tk;
    go_rwmutex_lock(&t->simple_tokens_mu);
    go_rwmutex_unlock(&t->simple_tokens_mu); /* deferred */
}

static void ts_enable(struct token_simple *t)
{
    t->simple_token_keeper = new_simple_token_ttl_keeper(deleter, t);
}

static void ts_disable(struct token_simple *t)
{
    if (t->simple_token_keeper != NULL) {
        keeper_stop(t->simple_token_keeper);
        t->simple_token_keeper = NULL;
    }
    go_rwmutex_lock(&t->simple_tokens_mu);
    go_rwmutex_unlock(&t->simple_tokens_mu);
}

struct auth_store {
    struct token_simple *token_provider;
};

static go_wg wg;

static void func2_1(void *arg)
{
    struct auth_store *as = arg;
    ts_assign(as->token_provider); /* as.Authenticate() */
    go_wg_done(&wg);               /* deferred */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct auth_store as; /* setupAuthStore */
    as.token_provider = calloc(1, sizeof *as.token_provider);
    ts_enable(as.token_provider);
    go_wg_add(&wg, 3);
    for (int i = 0; i < 3; i++)
        GO(func2_1, &as); /* G2 */
    go_wg_wait(&wg);
    ts_disable(as.token_provider); /* defer tearDown() */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
