// A ring of five goroutines passes a token for a hundred laps; each member
// writes its own cell and reads the cell of the member three places back,
// written earlier in the same lap. Then the last member closes the exit
// channel, and a goroutine that received nothing but the close reads every
// cell. The race detector keeps the ring's recent epochs as pending entries
// of the hand-offs, on the goroutines and on the channels' sync objects
// (detect/race/race.c, "Pending entries"): the member three back is known
// only through them, and the close must carry them to its receiver. No
// race.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: sum 2485
#include <gorace.h>
#include <stdio.h>

enum { N = 5, LAPS = 100 };

static go_chan *links[N + 1], *exit_c;
static int64_t cells[N];
static go_wg done;

static void member(void *arg)
{
    int64_t i = (int64_t)(intptr_t)arg, token;
    while (go_chan_recv(links[i], &token)) {
        cells[i] = token;
        if (token >= 3 && cells[(i + N - 3) % N] != token - 3)
            printf("member %lld: stale cell\n", (long long)i);
        token++;
        if (i == N - 1 && token == N * LAPS) {
            go_chan_close(exit_c);
            go_chan_close(links[0]);
            continue;
        }
        go_chan_send(links[i + 1 == N ? 0 : i + 1], &token);
    }
    if (i + 1 < N)
        go_chan_close(links[i + 1]);
    go_wg_done(&done);
}

static void reader(void *arg)
{
    (void)arg;
    int64_t v;
    go_chan_recv(exit_c, &v); /* closed: no value */
    int64_t sum = 0;
    for (int i = 0; i < N; i++)
        sum += cells[i];
    printf("sum %lld\n", (long long)sum);
    go_wg_done(&done);
}

/* Main joins 600 goroutines first, so that every clock below is a tree
 * (wider than FLAT_MAX), the only clocks that take pending entries. */
static int64_t widen_cells[600];
static go_wg widened;

static void widen_one(void *arg)
{
    widen_cells[(intptr_t)arg] = 1;
    go_wg_done(&widened);
}

static void widen(void)
{
    go_wg_add(&widened, 600);
    for (intptr_t i = 0; i < 600; i++)
        GO(widen_one, (void *)i);
    go_wg_wait(&widened);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    widen();
    for (int i = 0; i < N; i++)
        links[i] = go_chan_make(sizeof(int64_t), 0);
    exit_c = go_chan_make(sizeof(int64_t), 0);
    go_wg_add(&done, N + 1);
    GO(reader, NULL);
    for (int64_t i = 0; i < N; i++)
        GO(member, (void *)(intptr_t)i);
    int64_t token = 0;
    go_chan_send(links[0], &token);
    go_wg_wait(&done);
    for (int i = 0; i < N; i++)
        go_chan_free(links[i]);
    go_chan_free(exit_c);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
