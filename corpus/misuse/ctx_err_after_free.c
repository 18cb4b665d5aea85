// go_ctx_err on a freed context (it used to return garbage).
// API.md ("Misuse of freed objects"): a fatal error naming the call and the
// object, exit 2, in both builds; never a hang or a garbage value.
//
// expect: fatal
// gomaxprocs: 1,2
// stderr: fatal error: go_ctx_err on a freed context
#include <gorace.h>
#include <stdio.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_ctx *ctx = go_with_cancel(go_background());
    go_cancel(ctx);
    go_ctx_free(ctx);
    printf("err %d\n", go_ctx_err(ctx));
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
