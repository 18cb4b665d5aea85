// Two goroutines hand a value back and forth on unbuffered channels, each
// writing, before its send, a variable its partner read after the previous
// receive, and reading, after its receive, one its partner wrote before
// its send. Every access is ordered by a hand-off. The race detector keeps
// such a partner's epoch as a pending entry of the hand-off rather than in
// the clock (detect/race/race.c, "Pending entries"): the access check must
// consult it, or every round reports a race.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 2000 rounds
#include <gorace.h>
#include <stdio.h>

enum { ROUNDS = 1000 };

static go_chan *ping, *pong;
static go_wg done;
static int64_t a_wrote, b_wrote;

static void player_a(void *arg)
{
    (void)arg;
    for (int64_t i = 0; i < ROUNDS; i++) {
        a_wrote = i;
        go_chan_send(ping, &i);
        int64_t v;
        go_chan_recv(pong, &v);
        if (b_wrote != i)
            printf("a: b_wrote %lld, want %lld\n", (long long)b_wrote,
                   (long long)i);
    }
    go_wg_done(&done);
}

static void player_b(void *arg)
{
    (void)arg;
    for (int64_t i = 0; i < ROUNDS; i++) {
        int64_t v;
        go_chan_recv(ping, &v);
        if (a_wrote != i)
            printf("b: a_wrote %lld, want %lld\n", (long long)a_wrote,
                   (long long)i);
        b_wrote = i;
        go_chan_send(pong, &v);
    }
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
    ping = go_chan_make(sizeof(int64_t), 0);
    pong = go_chan_make(sizeof(int64_t), 0);
    go_wg_add(&done, 2);
    GO(player_a, NULL);
    GO(player_b, NULL);
    go_wg_wait(&done);
    printf("%d rounds\n", 2 * ROUNDS);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
