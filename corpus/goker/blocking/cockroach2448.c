// GoKer cockroach#2448 (communication, channel): two event loops wait for
// each other. The store's processRaft took a commit event and runs its
// callback, which selects on sending to MultiRaft's callbackChan (or
// stopper); MultiRaft's loop is itself in a select sending the next event
// to the store (or stopper). Neither receives: a channel cycle. The stopper
// is never closed. (Go's profile: processRaft and state.start in select.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_chan *events, *callback_chan, *should_stop, *first_taken;

static void process_raft(void *arg)
{
    (void)arg;
    int ev;
    go_chan_recv(events, &ev); /* the membership change */
    go_chan_close(first_taken);
    int done = 1; /* callback(): report to MultiRaft */
    go_case cases[] = {GO_SEND_CASE(callback_chan, &done),
                       GO_RECV_CASE(should_stop, NULL)};
    go_select(cases, 2, false);
}

static void multiraft_start(void *arg)
{
    (void)arg;
    int ev = 1;
    go_chan_send(events, &ev);
    go_chan_recv(first_taken, NULL);
    ev = 2; /* another command commits */
    go_case cases[] = {GO_SEND_CASE(events, &ev),
                       GO_RECV_CASE(should_stop, NULL)};
    go_select(cases, 2, false);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    events = go_chan_make(sizeof(int), 0);
    callback_chan = go_chan_make(sizeof(int), 0);
    should_stop = go_chan_make(0, 0);
    first_taken = go_chan_make(0, 0);
    GO(process_raft, NULL);
    GO(multiraft_start, NULL);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
