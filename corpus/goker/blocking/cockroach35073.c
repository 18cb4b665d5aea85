// GoKer cockroach#35073 (Communication Deadlock: channel).
// Origin: cockroachdb/cockroach PR 35073; GoKer file
// goker/blocking/cockroach/35073/cockroach35073_test.go.
//
// The outbox's row channel has a buffer of 16. The test pushes 16 rows
// (the consumer still needs more rows, so every Push sends), then starts
// a goroutine that pushes a 17th, which blocks on the full buffer; it
// starts the outbox, whose main loop returns at once without consuming,
// waits for it, and pushes again itself: the buffer is still full, so the
// test goroutine (main) blocks in chan send too. Nothing can drain the
// channel: all asleep, on every schedule. The consumer status is read
// and written with C11 atomics, as Go's sync/atomic.
// (Go's profile: Cockroach35073.func2.1, .func2 [chan send].)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdatomic.h>
#include <stdint.h>

enum consumer_status { NEED_MORE_ROWS, DRAIN_REQUESTED, CONSUMER_CLOSED };

enum { ROW_CHANNEL_BUF_SIZE = 16, OUTBOX_BUF_ROWS = 16 };

typedef int row_channel_msg;

struct row_channel {
    _Atomic uint32_t consumer_status; /* rowSourceBase */
    go_chan *data_chan;
};

static void consumer_closed(struct row_channel *rc)
{
    atomic_store(&rc->consumer_status, CONSUMER_CLOSED);
    go_case c[] = {GO_RECV_CASE(rc->data_chan, NULL)};
    go_select(c, 1, true);
}

static enum consumer_status push(struct row_channel *rc)
{
    enum consumer_status s = atomic_load(&rc->consumer_status);
    switch (s) {
    case NEED_MORE_ROWS: {
        row_channel_msg m = 0;
        go_chan_send(rc->data_chan, &m);
        break;
    }
    case DRAIN_REQUESTED:
    case CONSUMER_CLOSED:
        break;
    }
    return s;
}

struct outbox {
    struct row_channel row_channel;
};

static void outbox_init(struct outbox *m)
{
    m->row_channel.data_chan =
        go_chan_make(sizeof(row_channel_msg), ROW_CHANNEL_BUF_SIZE);
}

static void main_loop(struct outbox *m)
{
    (void)m;
}

struct run_arg {
    struct outbox *m;
    go_wg *wg;
};

static void outbox_run(void *arg)
{
    struct run_arg *a = arg;
    main_loop(a->m);
    if (a->wg != NULL)
        go_wg_done(a->wg);
}

static void outbox_start(struct outbox *m, go_wg *wg, struct run_arg *a)
{
    if (wg != NULL)
        go_wg_add(wg, 1);
    *a = (struct run_arg){m, wg};
    GO(outbox_run, a);
}

static struct outbox outbox;
static go_wg blocked_pusher_wg;

static void func2_1(void *arg)
{
    (void)arg;
    push(&outbox.row_channel);
    go_wg_done(&blocked_pusher_wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    (void)consumer_closed; /* not called by the kernel */
    outbox_init(&outbox);
    go_wg wg = {0};
    for (int i = 0; i < OUTBOX_BUF_ROWS; i++)
        push(&outbox.row_channel);
    go_wg_add(&blocked_pusher_wg, 1);
    GO(func2_1, NULL);
    struct run_arg ra;
    outbox_start(&outbox, &wg, &ra);
    go_wg_wait(&wg);
    push(&outbox.row_channel);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
