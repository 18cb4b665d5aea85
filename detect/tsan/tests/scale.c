/* 100k goroutines alive at once, each a TSan fiber: main creates them all
 * before closing the channel they park on, so none can finish earlier.
 * Each then writes its own cell. No race: closing happens before every
 * receive that sees it, and Done before Wait returns.
 *
 * The workers record nothing in TSan before they park: a fiber's first
 * event maps its first 256 KB trace part, and that many parts alive at once
 * exceed vm.max_map_count (65530) at GOMAXPROCS=2, so the test runs at 1.
 * Idle fibers cost ~5 KB. */
#include <gorace.h>
#include <stdlib.h>

enum { N = 100000 };
static char *cells;
static go_chan *start;
static go_wg wg;

static void worker(void *arg)
{
    go_chan_recv(start, NULL);
    cells[(intptr_t)arg] = 1;
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    cells = calloc(N, 1);
    start = go_chan_make(0, 0);
    go_wg_add(&wg, N);
    for (intptr_t i = 0; i < N; i++)
        GO(worker, i);
    go_chan_close(start);
    go_wg_wait(&wg);
    long sum = 0;
    for (int i = 0; i < N; i++)
        sum += cells[i];
    return sum == N ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
