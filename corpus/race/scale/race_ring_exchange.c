// norace_ring_exchange.c with one racy pair: member 0 writes `after` once
// its exchange is done, and the last member reads it once its own is. The
// ring orders member 0's send before the last member's receive, and the
// exchanged word orders member 0's exchange before the last member's; the
// write comes after both, so nothing orders the two. They are 12,000
// hand-offs apart, and between them the detector holds pending entries on
// both sides of every exchange (detect/race/race.c, "Pending entries"):
// the race must still be found.
//
// expect: race
// gomaxprocs: 1,2
// seeds: 3 a 12,000-goroutine ring; the verdict rests on happens-before
#include <gorace.h>
#include <stdatomic.h>
#include <stdint.h>

enum { N = 12000 };

int64_t late[N];
int64_t after; /* written by member 0 after its exchange */
static atomic_long last = -1;
static go_chan *links[N + 1];
static go_wg started, done;

static void member(void *arg)
{
    intptr_t i = (intptr_t)arg;
    int64_t token;
    go_wg_done(&started);
    if (go_chan_recv(links[i], &token)) {
        token++;
        go_chan_send(links[i + 1], &token);
        late[i] = i + 1;
        long prev = atomic_exchange(&last, i);
        if (prev >= 0)
            __asm__ volatile("" ::"r"(late[prev]));
        if (i == 0)
            after = 1;
        if (i == N - 1) /* races with member 0's write */
            __asm__ volatile("" ::"r"(after));
    }
    go_wg_done(&done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i <= N; i++)
        links[i] = go_chan_make(sizeof(int64_t), 0);
    go_wg_add(&started, N);
    go_wg_add(&done, N);
    for (intptr_t i = 0; i < N; i++)
        GO(member, (void *)i);
    go_wg_wait(&started);
    int64_t token = 0;
    go_chan_send(links[0], &token);
    go_chan_recv(links[N], &token);
    go_wg_wait(&done);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
