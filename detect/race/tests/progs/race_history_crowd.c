/* A race whose earlier write must be replayed from its goroutine's floor
 * (report.c, "The pool"): 40,000 parked goroutines hold more history than
 * the budget, so parts beyond the floors go to whoever needs one. The
 * writer writes `shared` and then 20 more words, which leaves the write in
 * the part before the one it writes. The crowd then writes ten parts' worth
 * each, taking every part the pool can take; main's read races with the
 * write, and the report's "Previous write" must still name write_shared()
 * (run_progs.sh checks). With a floor of one part the stack is lost (tried).
 * runs: 2 (two seconds a run; the verdict rests on happens-before) */
#include <gorace.h>
#include <stdint.h>
#include <stdlib.h>

enum { CROWD = 40000, BEFORE = 48, LATER = 160, AFTER = 20 };

int64_t shared, after[AFTER]; /* not static: the accesses must stay */
static int64_t *cells;
static go_chan *release;
static go_wg parked, done;
int writer_done;

__attribute__((noinline)) void write_shared(void)
{
    shared = 1;
}

static void writer(void *arg)
{
    (void)arg;
    write_shared();
    for (int i = 0; i < AFTER; i++) /* the write is now in the part before */
        after[i] = i;
    __atomic_store_n(&writer_done, 1, __ATOMIC_RELAXED);
}

static void member(void *arg)
{
    int64_t *mine = &cells[(intptr_t)arg * (BEFORE + LATER)];
    for (int i = 0; i < BEFORE; i++)
        mine[i] = i;
    go_wg_done(&parked);
    go_chan_recv(release, NULL);
    for (int i = BEFORE; i < BEFORE + LATER; i++)
        mine[i] = i;
    go_wg_done(&done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    cells = calloc((size_t)CROWD * (BEFORE + LATER), sizeof *cells);
    release = go_chan_make(0, 0);
    go_wg_add(&parked, CROWD);
    go_wg_add(&done, CROWD);
    for (intptr_t i = 0; i < CROWD; i++)
        GO(member, (void *)i);
    go_wg_wait(&parked);
    GO(writer, NULL);
    while (!__atomic_load_n(&writer_done, __ATOMIC_RELAXED))
        go_yield(); /* orders nothing: the flag is relaxed */
    go_chan_close(release);
    go_wg_wait(&done);
    int64_t v = shared; /* races with write_shared */
    free(cells);
    return v == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
