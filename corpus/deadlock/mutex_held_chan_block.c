// Mutex held while blocking on a channel (kubernetes#1321, moby#28462,
// etcd#7492): the publisher sends an event on an unbuffered channel while
// holding the subscriber table's lock; the subscriber must take that lock
// (to look up where the event goes) before it receives. The publisher waits
// for a receiver that waits for the lock it holds: all asleep.
// The publisher closes `locked` once it holds the lock, so the subscriber
// always tries the lock after, in every schedule. The fix
// (mutex_held_chan_block_fixed.c) unlocks before sending.
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout: publishing
#include <gorace.h>
#include <stdio.h>

static go_mutex subs_mu;
static int nsubs = 1;
static go_chan *events, *locked;

static void publisher(void *arg)
{
    (void)arg;
    go_mutex_lock(&subs_mu);
    go_chan_close(locked);
    printf("publishing\n");
    fflush(stdout);
    int ev = 7;
    go_chan_send(events, &ev); /* blocks with subs_mu held */
    go_mutex_unlock(&subs_mu);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    events = go_chan_make(sizeof(int), 0);
    locked = go_chan_make(0, 0);
    GO(publisher, NULL);
    go_chan_recv(locked, NULL);
    go_mutex_lock(&subs_mu); /* the subscriber: held by the blocked sender */
    int n = nsubs;
    go_mutex_unlock(&subs_mu);
    int ev;
    go_chan_recv(events, &ev);
    printf("event %d to %d subscriber(s)\n", ev, n);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
