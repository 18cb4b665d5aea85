// GoKer cockroach#10214 (resource, AB-BA): sendQueuedHeartbeats holds
// coalescedMu and reports an unreachable replica, which takes raftMu; a
// replica's tick holds raftMu (and the replica's mu), then coalesces a
// heartbeat, which takes coalescedMu. Forced with a barrier after the first
// locks; main waits for both: all asleep. (Go's profile: both leaked in
// sync.Mutex.Lock.)
//
// The deadlock detector would name the AB-BA cycle instead when it closes
// while main has yet to reach Wait (some seeds do that); this program checks
// Go's diagnosis, abba_lock_cycle.c checks the detector's.
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
// gorace: lock_cycle=0
#include <gorace.h>

static go_mutex coalesced_mu, raft_mu, replica_mu;
static go_chan *coalesced_held, *raft_held;
static go_wg wg;

static void send_queued_heartbeats(void *arg)
{
    (void)arg;
    go_mutex_lock(&coalesced_mu);
    go_chan_close(coalesced_held);
    go_chan_recv(raft_held, NULL);
    go_mutex_lock(&raft_mu); /* reportUnreachable */
    go_mutex_unlock(&raft_mu);
    go_mutex_unlock(&coalesced_mu);
    go_wg_done(&wg);
}

static void tick(void *arg)
{
    (void)arg;
    go_mutex_lock(&raft_mu);
    go_mutex_lock(&replica_mu);
    go_chan_close(raft_held);
    go_chan_recv(coalesced_held, NULL);
    go_mutex_lock(&coalesced_mu); /* maybeCoalesceHeartbeat */
    go_mutex_unlock(&coalesced_mu);
    go_mutex_unlock(&replica_mu);
    go_mutex_unlock(&raft_mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    coalesced_held = go_chan_make(0, 0);
    raft_held = go_chan_make(0, 0);
    go_wg_add(&wg, 2);
    GO(send_queued_heartbeats, NULL);
    GO(tick, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
