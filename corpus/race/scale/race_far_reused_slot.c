// A data race whose writer ended long ago and whose slot has been reused:
// goroutine `reader` starts first and sleeps; then 10,000 goroutines run
// and end (the first of them writes y), main waits for them all, and
// 10,000 more run in their reused slots and talk to main; then the reader
// wakes and reads y. The reader never learned anything from the writer
// (a sleep is no synchronisation), so its read races with a write made
// two generations of goroutines earlier, in a slot three owners on.
//
// A race detector that recycles slots (or resets its state, as TSan v3
// does when they run out) must not lose this one (issue 15).
//
// expect: race
// gomaxprocs: 1,2
// seeds: 3 20,000 goroutines per run; the verdict rests on happens-before
#include <gorace.h>
#include <stdint.h>

enum { N = 10000 };

int64_t y;
int64_t cells[N];
static go_wg wave;
static go_chan *talk;

static void reader(void *arg)
{
    (void)arg;
    go_sleep(50 * GO_MILLISECOND);
    int64_t v = y; /* races with the first writer's y = 1 */
    __asm__ volatile("" ::"r"(v));
}

static void first_wave(void *arg)
{
    intptr_t i = (intptr_t)arg;
    if (i == 0)
        y = 1;
    cells[i] = i;
    go_wg_done(&wave);
}

static void second_wave(void *arg)
{
    intptr_t i = (intptr_t)arg;
    cells[i] += 1;
    go_chan_send(talk, &i);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    talk = go_chan_make(sizeof(intptr_t), 0);
    GO(reader, NULL);
    go_wg_add(&wave, N);
    for (intptr_t i = 0; i < N; i++)
        GO(first_wave, (void *)i);
    go_wg_wait(&wave);
    for (intptr_t i = 0; i < N; i++)
        GO(second_wave, (void *)i);
    for (int i = 0; i < N; i++) {
        intptr_t got;
        go_chan_recv(talk, &got);
    }
    go_sleep(100 * GO_MILLISECOND); /* the reader reads meanwhile */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
