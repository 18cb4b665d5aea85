// A mutex in a malloc'd block that was freed and allocated again is a new
// mutex: locking it learns nothing of the unlocks of the one freed there.
// The writer unlocks the first block's mutex after its write; main frees
// that block, allocates one of the same size (glibc hands the same block
// back on the same thread) and locks the new mutex in it. The write and
// main's read are then unordered: a race, as `go run -race` reports for
// the same program (Go's memory is never reused while reachable) and
// TSan for C++ (it forgets a freed range's sync objects).
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct box {
    go_mutex mu;
    int64_t n;
} box;

static int64_t x;
static box *first;
static int wrote; /* relaxed: orders nothing, in either engine */

static void writer(void *arg)
{
    (void)arg;
    x = 1;
    go_mutex_lock(&first->mu);
    first->n++;
    go_mutex_unlock(&first->mu);
    __atomic_store_n(&wrote, 1, __ATOMIC_RELAXED);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    first = malloc(sizeof *first);
    *first = (box){0};
    GO(writer, NULL);
    /* Until the writer is done with the first block (however late a
     * loaded machine runs it), by a wait that orders nothing. */
    while (!__atomic_load_n(&wrote, __ATOMIC_RELAXED))
        go_sleep(GO_MILLISECOND);
    free(first);
    box *second = malloc(sizeof *second);
    *second = (box){0};
    go_mutex_lock(&second->mu);
    int64_t v = x; /* races with the writer's x = 1 */
    go_mutex_unlock(&second->mu);
    free(second);
    return v == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
