// A ring of 12,000 goroutines whose members also queue on one seq_cst
// exchange. Each passes the token on, then writes its late cell, then
// exchanges: the member it gets back wrote its own late cell before its
// exchange, so the read of that cell is ordered, by the exchanged word
// alone (the ring orders only what came before each send). The race
// detector keeps both kinds of news pending (detect/race/race.c, "Pending
// entries"): a ring member holds its hand-offs' entries beside a clock
// 12,000 wide, and the word holds the merges of the exchanges beside its
// own; an acquire then adds one set to the other, and writes them into the
// clock when they do not fit. An entry lost there reports a race here.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 3 a 12,000-goroutine ring; the verdict rests on happens-before
#include <gorace.h>
#include <stdatomic.h>
#include <stdint.h>

enum { N = 12000 };

int64_t late[N];
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
    int64_t sum = 0;
    for (int i = 0; i < N; i++)
        sum += late[i];
    return token == N && sum == (int64_t)N * (N + 1) / 2 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
