// The fix of mutex_held_chan_block.c: the publisher copies what it needs
// under the lock and releases it before the blocking send.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: publishing
// stdout: event 7 to 1 subscriber(s)
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
    int ev = 7;
    go_mutex_unlock(&subs_mu);
    go_chan_send(events, &ev);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    events = go_chan_make(sizeof(int), 0);
    locked = go_chan_make(0, 0);
    GO(publisher, NULL);
    go_chan_recv(locked, NULL);
    go_mutex_lock(&subs_mu);
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
