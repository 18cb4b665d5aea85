// A data race between two goroutines 10,000 slots and a whole ring lap
// apart: goroutine `early` writes x and then only waits; 10,000 others,
// spawned after it, pass a token around a ring (every member learns every
// other, so the race detector's clocks are 10,000 wide); the last member
// reads x after the lap. Nothing orders the write before the read: the
// ring starts from main, which never learned anything from `early`.
//
// The race detector must find it however wide its clocks grow (issue 15:
// clocks bounded whatever the number of goroutines, no verdict lost).
//
// expect: race
// gomaxprocs: 1,2
// seeds: 3 10,000 goroutines per run; the verdict rests on happens-before
#include <gorace.h>
#include <stdint.h>
#include <stdlib.h>

enum { N = 10000 };

int64_t x;
static go_chan *links[N + 1];
static go_chan *never;
static go_wg started;

static void early(void *arg)
{
    (void)arg;
    x = 42;
    go_chan_recv(never, NULL); /* stays live, learns nothing more */
}

static void member(void *arg)
{
    intptr_t i = (intptr_t)arg;
    int64_t token;
    go_wg_done(&started);
    if (!go_chan_recv(links[i], &token))
        return;
    if (i == N - 1)
        token += x; /* the racy read, a lap after the write */
    go_chan_send(links[i + 1], &token);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    never = go_chan_make(0, 0);
    GO(early, NULL);
    go_sleep(10 * GO_MILLISECOND); /* in time, the write comes first */
    for (int i = 0; i <= N; i++)
        links[i] = go_chan_make(sizeof(int64_t), 0);
    go_wg_add(&started, N);
    for (intptr_t i = 0; i < N; i++)
        GO(member, (void *)i);
    go_wg_wait(&started);
    int64_t token = 0;
    go_chan_send(links[0], &token);
    go_chan_recv(links[N], &token);
    go_chan_close(never);
    return token == 42 || token == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
