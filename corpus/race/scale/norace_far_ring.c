// No race between two goroutines 10,000 slots and a whole ring lap apart:
// ring member 0 writes x before it passes the token on, and member 9,999
// reads x after the token reached it through every other member. The
// race detector's clocks are 10,000 wide here; the write's epoch must
// reach the last member through 10,000 hand-offs (issue 15: no false
// report however wide the clocks grow).
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 3 10,000 goroutines per run; the verdict rests on happens-before
#include <gorace.h>
#include <stdint.h>

enum { N = 10000 };

int64_t x;
static go_chan *links[N + 1];
static go_wg started;

static void member(void *arg)
{
    intptr_t i = (intptr_t)arg;
    int64_t token;
    go_wg_done(&started);
    if (!go_chan_recv(links[i], &token))
        return;
    if (i == 0)
        x = 42;
    if (i == N - 1)
        token += x; /* ordered after the write by the whole lap */
    go_chan_send(links[i + 1], &token);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i <= N; i++)
        links[i] = go_chan_make(sizeof(int64_t), 0);
    go_wg_add(&started, N);
    for (intptr_t i = 0; i < N; i++)
        GO(member, (void *)i);
    go_wg_wait(&started);
    int64_t token = 0;
    go_chan_send(links[0], &token);
    go_chan_recv(links[N], &token);
    return token == 42 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
