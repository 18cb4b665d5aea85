// Go's ioSync at scale: every write to an fd happens before every read
// that returns after it (one sync object for all fds). 1,200 relayers,
// spawned by main in batches of 8 that it waits for on a relaxed counter
// (which orders nothing), pass a token down one pipe: each reads it,
// reads what the relayer before it wrote before its write, and writes its
// own. Every other relayer also takes a value from a feeder goroutine
// between its read and its write, and the token tells the next one which
// value the feeder wrote: ordered by the channel, then by the pipe.
//
// The detector keeps the pipe's clock 1,200 wide; a relayer that took it
// whole on its read and learned nothing since merges back only its own
// entry (detect/race/race.c, took_from). The relayers stay live until the
// end, so that their 1,200 slots stay distinct. Relayer 1,199 also reads
// what relayer 0 wrote: ordered through the pipe alone.
//
// expect: ok
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdint.h>
#include <unistd.h>

enum { N = 1200, BATCH = 8 };

struct token {
    int64_t who, fed; /* the relayer that wrote it, its feeder value or -1 */
};

static int fds[2];
static int64_t fill[N]; /* relayer j's, before its write */
static int64_t fed[N];  /* the feeder's, before it sends k */
static go_chan *feed;
static go_chan *quit; /* relayers stay live: 1,200 slots, a tree clock */
static int finished;  /* relaxed: orders nothing */
static int bad;       /* relaxed */

static void feeder(void *arg)
{
    (void)arg;
    for (int64_t k = 0; k < N / 2; k++) {
        fed[k] = 3 * k + 1;
        go_chan_send(feed, &k);
    }
}

static void relayer(void *arg)
{
    int64_t self = (int64_t)(intptr_t)arg;
    struct token t;
    if (go_read(fds[0], &t, sizeof t) != (ssize_t)sizeof t)
        __atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
    if (t.who >= 0 && fill[t.who] != t.who + 1) /* ordered by the pipe */
        __atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
    if (t.fed >= 0 && fed[t.fed] != 3 * t.fed + 1) /* channel, then pipe */
        __atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
    if (self == N - 1 && fill[0] != 1) /* 1,199 relays back */
        __atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
    int64_t k = -1;
    if (self % 2)
        go_chan_recv(feed, &k);
    fill[self] = self + 1;
    struct token next = {self, k};
    if (go_write(fds[1], &next, sizeof next) != (ssize_t)sizeof next)
        __atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&finished, 1, __ATOMIC_RELAXED);
    go_chan_recv(quit, NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (pipe(fds) != 0)
        return 1;
    feed = go_chan_make(sizeof(int64_t), 0);
    quit = go_chan_make(0, 0);
    GO(feeder, NULL);
    struct token first = {-1, -1};
    if (go_write(fds[1], &first, sizeof first) != (ssize_t)sizeof first)
        return 1;
    for (int64_t j = 0; j < N; j += BATCH) {
        for (int64_t i = j; i < j + BATCH; i++)
            GO(relayer, (void *)(intptr_t)i);
        while (__atomic_load_n(&finished, __ATOMIC_RELAXED) < j + BATCH)
            go_sleep(50 * GO_MICROSECOND);
    }
    struct token last;
    if (go_read(fds[0], &last, sizeof last) != (ssize_t)sizeof last)
        return 1;
    go_chan_close(quit);
    close(fds[0]);
    close(fds[1]);
    return __atomic_load_n(&bad, __ATOMIC_RELAXED);
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
