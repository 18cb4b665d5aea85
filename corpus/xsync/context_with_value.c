// Go's context ExampleWithValue: a value found by its key, and a key not
// found. Go's keys are typed strings compared by value; C keys are
// addresses, so each key is a static object holding its name.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: found value: Go
// stdout: key not found: color
#include <gorace.h>
#include <stdio.h>

typedef struct fav_context_key {
    const char *name;
} fav_context_key;

static const fav_context_key language = {"language"};
static const fav_context_key color = {"color"};

static void f(go_ctx *ctx, const fav_context_key *k)
{
    const char *v = go_ctx_value(ctx, k);
    if (v) {
        printf("found value: %s\n", v);
        return;
    }
    printf("key not found: %s\n", k->name);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static char go[] = "Go";
    go_ctx *ctx = go_with_value(go_background(), &language, go);
    f(ctx, &language);
    f(ctx, &color);
    go_ctx_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
