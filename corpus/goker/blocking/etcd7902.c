// GoKer etcd#7902 (Mixed Deadlock: channel & lock).
// Origin: etcd-io/etcd PR 7902; GoKer file
// goker/blocking/etcd/7902/etcd7902_test.go.
//
// Three round clients run 100 rounds each under one mutex. Each round a
// client validates (records the current nextc) under the lock, then takes
// the lock again to release: the leader (client 0) closes nextc and makes
// a new one; a follower waits on the nextc it recorded, still holding the
// lock. A follower that releases before the leader of its round holds the
// lock while it waits for the leader, and the leader waits for the lock:
// the clients block, and their WaitGroup waiter (G1) with them. The test
// starts G1 and returns, so they leak.
//
// The closures test the loop index `i == 0`. Before Go 1.22 the three
// closures share one `i` (2 after the loop), so no client would be the
// leader and the first release would block on every schedule; the port
// follows GoKer's description (client 0 leads; Go 1.22 semantics, which
// Go's own leak-profile test runs), so the deadlock needs a follower to
// release first. Closures capturing rcNextc and nextc are per-client
// state; nextc is shared by all three, as in Go.
// (Go's profile: doRounds.func1 [chan receive], [sync.Mutex.Lock];
// runElectionFunc [sync.WaitGroup.Wait].)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdlib.h>

struct round_client {
    int progress;
    int i;             /* the loop index the closures capture */
    go_chan *rc_nextc; /* the closures' rcNextc */
};

static go_chan *nextc; /* runElectionFunc's nextc, shared */

static void rc_acquire(struct round_client *rc)
{
    (void)rc;
}

static void rc_validate(struct round_client *rc)
{
    rc->rc_nextc = nextc; /* setRcNextc() */
}

static void rc_release(struct round_client *rc)
{
    if (rc->i == 0) { /* the first round client is the leader */
        go_chan_close(nextc);
        nextc = go_chan_make(sizeof(_Bool), 0);
    }
    go_chan_recv(rc->rc_nextc, NULL); /* followers block here */
}

struct rounds {
    go_mutex mu;
    go_wg wg;
    int rounds;
};

struct client_arg {
    struct rounds *r;
    struct round_client *rc;
};

static void do_rounds_func1(void *arg)
{
    struct client_arg *a = arg;
    struct round_client *rc = a->rc;
    struct rounds *r = a->r;
    while (rc->progress < r->rounds || r->rounds <= 0) {
        rc_acquire(rc);
        go_mutex_lock(&r->mu);
        rc_validate(rc);
        go_mutex_unlock(&r->mu);
        rc->progress++;
        go_mutex_lock(&r->mu); /* the leader blocks here */
        rc_release(rc);
        go_mutex_unlock(&r->mu);
    }
    go_wg_done(&r->wg); /* deferred */
}

static void do_rounds(struct round_client *rcs, int n, int rounds)
{
    struct rounds r = {.rounds = rounds};
    struct client_arg args[3];
    go_wg_add(&r.wg, n);
    for (int i = 0; i < n; i++) {
        args[i] = (struct client_arg){&r, &rcs[i]};
        GO(do_rounds_func1, &args[i]); /* G2, G3, ... */
    }
    go_wg_wait(&r.wg);
}

static void run_election_func(void *arg)
{
    (void)arg;
    struct round_client *rcs = calloc(3, sizeof *rcs);
    nextc = go_chan_make(sizeof(_Bool), 0);
    for (int i = 0; i < 3; i++)
        rcs[i].i = i;
    do_rounds(rcs, 3, 100);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(run_election_func, NULL);   /* G1 */
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
