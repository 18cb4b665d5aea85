// The twin of race_mutex_in_freed_block.c: main locks the writer's own
// mutex before it frees the block, so it learns the writer's unlock and
// the write before it; the block allocated afterwards changes nothing.
//
// expect: ok
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

static void writer(void *arg)
{
    (void)arg;
    x = 1;
    go_mutex_lock(&first->mu);
    first->n++;
    go_mutex_unlock(&first->mu);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    first = malloc(sizeof *first);
    *first = (box){0};
    GO(writer, NULL);
    for (int64_t seen = 0; !seen;) { /* until the writer's unlock */
        go_mutex_lock(&first->mu);
        seen = first->n;
        go_mutex_unlock(&first->mu);
        if (!seen)
            go_sleep(GO_MILLISECOND);
    }
    free(first);
    box *second = malloc(sizeof *second);
    *second = (box){0};
    go_mutex_lock(&second->mu);
    int64_t v = x; /* after the writer's unlock: ordered */
    go_mutex_unlock(&second->mu);
    free(second);
    return v == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
