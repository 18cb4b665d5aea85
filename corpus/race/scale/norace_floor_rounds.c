// Rounds of goroutines that wait for a context's cancel, as a server
// cancels a batch of requests: every member checks in on `parked`, waits
// for the cancel, writes its cell and checks out on `exited`. Each big
// round's end lets the next round's first spawn run the detector's floor
// pass (detect/race/race.c, "Floors"), which drops the round from every
// clock that knows all of it, while `parked`, which never learns a
// member's end, stays on an older generation. Main reads the last round's
// cells after waiting on `parked` only: the small round reuses few of the
// big round's slots, so main's knowledge of those writes rests on the
// floors, which main must keep standing on when its wait takes the
// clock of `parked` (race_unit test_floors_rounds checks the generations
// themselves). No race: every read is of a round main joined.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 3 rounds of 2,000 and 500 goroutines; the verdict rests on
// happens-before
#include <gorace.h>
#include <stdint.h>

enum { ROUNDS = 4, BIG = 2000, SMALL = 500 };

static int64_t cells[2][BIG]; /* a round writes row r % 2 */
static go_wg parked, exited;
static go_ctx *ctx;

static int size_of(int r)
{
    return r % 2 ? SMALL : BIG;
}

static void member(void *arg)
{
    intptr_t id = (intptr_t)arg;
    go_wg_done(&parked);
    go_chan_recv(go_ctx_done(ctx), NULL);
    cells[id / BIG % 2][id % BIG] = id;
    go_wg_done(&exited);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    int64_t sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        ctx = go_with_cancel(go_background());
        go_wg_add(&parked, size_of(r));
        go_wg_add(&exited, size_of(r));
        for (intptr_t i = 0; i < size_of(r); i++)
            GO(member, (void *)(r * BIG + i));
        go_wg_wait(&parked);
        if (r > 0) /* the last round's cells: joined through `exited` */
            for (int i = 0; i < size_of(r - 1); i++)
                sum += cells[(r - 1) % 2][i];
        go_cancel(ctx);
        go_wg_wait(&exited);
        go_ctx_free(ctx);
    }
    return sum > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
