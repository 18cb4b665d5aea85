// The per-iteration timeout idiom, Go's most common select:
//     for { select { case v := <-res: ...; case <-time.After(d): ... } }
// written with GO_AFTER_CASE, a timeout case that needs no channel. 200k
// rounds, some of them timing out, must leave the heap where it was: each
// round's timer lives in the select's frame and is gone when go_select
// returns, whichever case won. (With GO_RECV_CASE(go_after(d), ...), every
// round whose result came first would keep its go_after channel until
// exit: about 200 B a round, 40 MB here.)
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 200000 rounds, heap bounded
// seeds: 3 200k rounds per run
#include <gorace.h>
#include <malloc.h>
#include <stdio.h>

enum { ROUNDS = 200000 };

struct job {
    go_chan *res;
    int64_t i;
};

static void worker(void *arg)
{
    struct job *j = arg;
    int64_t v = j->i;
    go_chan *res = j->res;
    if (v % 10000 == 0)
        go_sleep(5 * GO_MILLISECOND); /* late: the timeout wins */
    go_chan_send(res, &v);
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* One round; the late result of a timed-out round is still received, so
 * the worker ends and its job may live on this frame. */
static void one_round(int64_t i)
{
    struct job j = {go_chan_make(sizeof(int64_t), 1), i};
    GO(worker, &j);
    int64_t v;
    go_case cs[] = {GO_RECV_CASE(j.res, &v),
                    GO_AFTER_CASE(GO_MILLISECOND, NULL)};
    if (go_select(cs, 2, false) == 1)
        go_chan_recv(j.res, &v);
    go_chan_free(j.res);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int64_t i = 1; i <= 1000; i++) /* warm the runtime's caches */
        one_round(i);
    size_t before = heap_in_use();
    for (int64_t i = 1; i <= ROUNDS; i++)
        one_round(i);
    size_t grew = heap_in_use() - before;
    if (grew > (1 << 20)) {
        printf("heap grew by %zu bytes over %d rounds\n", grew, ROUNDS);
        return 1;
    }
    printf("%d rounds, heap bounded\n", ROUNDS);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
