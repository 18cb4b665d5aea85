// x/sync/errgroup's ExampleGroup_parallel: "Google Search 2.0" with a group
// and its context. Each search writes its own slot; Wait happens after
// every function returned, so main reads the results race-free.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: web result for "golang"
// stdout: image result for "golang"
// stdout: video result for "golang"
#include <gorace.h>
#include <stdio.h>

typedef struct search {
    const char *kind;
    const char *query;
    go_ctx *ctx;
    char result[64];
} search;

static int fake_search(void *arg)
{
    search *s = arg;
    if (go_ctx_err(s->ctx))
        return 1;
    snprintf(s->result, sizeof s->result, "%s result for \"%s\"", s->kind,
             s->query);
    return 0;
}

static int google(go_ctx *parent, const char *query, search *results)
{
    static const char *kinds[] = {"web", "image", "video"};
    go_ctx *ctx;
    go_group *g = go_group_new(parent, &ctx);
    for (int i = 0; i < 3; i++) {
        results[i] = (search){.kind = kinds[i], .query = query, .ctx = ctx};
        go_group_go(g, fake_search, &results[i]);
    }
    int err = go_group_wait(g);
    go_group_free(g);
    return err;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    search results[3];
    if (google(go_background(), "golang", results) != 0) {
        fprintf(stderr, "search failed\n");
        return 1;
    }
    for (int i = 0; i < 3; i++)
        printf("%s\n", results[i].result);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
