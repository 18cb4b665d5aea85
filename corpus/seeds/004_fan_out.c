// Fan-out with index writes: each goroutine writes only its own slot of the
// results array, so no mutex is needed, and Wait makes every write visible
// to main. Article 004, "Fan-out" (its process is left undefined; here it
// upper-cases the item). Go original: go/004_fan_out.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 0 ALPHA
// stdout: 1 BETA
// stdout: 2 GAMMA
// stdout: 3 DELTA
#include <ctype.h>
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct task {
    const char *item;
    char **slot; /* results[i]: this goroutine's alone */
    go_wg *wg;
};

static char *process(const char *item)
{
    char *s = strdup(item);
    for (char *p = s; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return s;
}

static void fan_out_one(void *arg)
{
    struct task *t = arg;
    *t->slot = process(t->item);
    go_wg_done(t->wg);
}

static char **fan_out(const char *const *items, size_t n)
{
    char **results = calloc(n, sizeof *results);
    struct task *tasks = calloc(n, sizeof *tasks);
    go_wg wg = {0};
    for (size_t i = 0; i < n; i++) {
        tasks[i] = (struct task){items[i], &results[i], &wg};
        go_wg_add(&wg, 1);
        GO(fan_out_one, &tasks[i]);
    }
    go_wg_wait(&wg);
    free(tasks);
    return results;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static const char *const items[] = {"alpha", "beta", "gamma", "delta"};
    size_t n = sizeof items / sizeof *items;
    char **results = fan_out(items, n);
    for (size_t i = 0; i < n; i++) {
        printf("%zu %s\n", i, results[i]);
        free(results[i]);
    }
    free(results);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
