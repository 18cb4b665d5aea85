// Hand-offs whose knowledge the race detector keeps as pending entries
// beside a shared clock (detect/race/race.c, "Pending entries"), which it
// does only for clocks wider than FLAT_MAX: main first joins 600
// goroutines, so every clock below is one.
//
// 1. Two goroutines hand a value back and forth on unbuffered channels,
//    each writing, before its send, a variable its partner reads after the
//    receive. The partner's epoch is known only as a pending entry: the
//    access check must consult it.
// 2. A ring of five passes a token for a hundred laps; each member writes
//    its own cell and reads the cell of the member three places back. Then
//    the last member closes a channel, and a goroutine that received
//    nothing but the close reads every cell: the close must carry the
//    pending entries to it.
//
// Every access is ordered by a hand-off or the close. No race.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 2000 rounds, sum 2485
#include <gorace.h>
#include <stdio.h>

enum { WIDE = 600, ROUNDS = 1000, N = 5, LAPS = 100 };

static go_wg done;

static int64_t widen_cells[WIDE];

static void widen_one(void *arg)
{
    widen_cells[(intptr_t)arg] = 1;
    go_wg_done(&done);
}

static void widen(void)
{
    go_wg_add(&done, WIDE);
    for (intptr_t i = 0; i < WIDE; i++)
        GO(widen_one, (void *)i);
    go_wg_wait(&done);
}

/* ---- 1. ping-pong ---- */

static go_chan *ping, *pong;
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

static void ping_pong(void)
{
    ping = go_chan_make(sizeof(int64_t), 0);
    pong = go_chan_make(sizeof(int64_t), 0);
    go_wg_add(&done, 2);
    GO(player_a, NULL);
    GO(player_b, NULL);
    go_wg_wait(&done);
    go_chan_free(ping);
    go_chan_free(pong);
}

/* ---- 2. a ring, then a close ---- */

static go_chan *links[N], *exit_c;
static int64_t cells[N];

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
        go_chan_send(links[(i + 1) % N], &token);
    }
    if (i + 1 < N)
        go_chan_close(links[i + 1]);
    go_wg_done(&done);
}

static int64_t sum;

static void reader(void *arg)
{
    (void)arg;
    int64_t v;
    go_chan_recv(exit_c, &v); /* closed: no value */
    for (int i = 0; i < N; i++)
        sum += cells[i];
    go_wg_done(&done);
}

static void ring_then_close(void)
{
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
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    widen();
    ping_pong();
    ring_then_close();
    printf("%d rounds, sum %lld\n", 2 * ROUNDS, (long long)sum);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
