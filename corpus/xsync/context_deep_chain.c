// A chain of 20,000 contexts, each derived from the last (a loop that
// wraps its context once per iteration), cancelled from its root inside a
// goroutine, and a second chain ended by its root's deadline. Go cancels a
// subtree by recursion and grows its stack to fit; a goroutine's C stack
// is 64 KB, so gorace's cancel must not recurse (rt/ctx.c, "Locking"): the
// recursive version overflowed here. Every context of a chain is done
// when go_cancel returns, values are still found through the chain, and
// freeing the chains root first (the owner may free a parent before its
// children) leaves nothing behind.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 5 twenty thousand contexts a run
// stdout: cancelled chain: 20000 done, deepest: context canceled
// stdout: value through the chain: found
// stdout: deadline chain: deepest: context deadline exceeded
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>

enum { DEPTH = 20000 };

static const char key = 'k';
static go_ctx *chain[DEPTH + 1];
static go_wg wg;

static void build_and_cancel(void *arg)
{
    (void)arg;
    static char val = 'v';
    chain[0] = go_with_cancel(go_background());
    go_ctx *vals = go_with_value(chain[0], &key, &val);
    chain[1] = go_with_cancel(vals);
    for (int i = 2; i <= DEPTH; i++)
        chain[i] = go_with_cancel(chain[i - 1]);
    go_cancel(chain[0]);
    int done = 0;
    for (int i = 1; i <= DEPTH; i++)
        done += go_ctx_err(chain[i]) == GO_CANCELED;
    printf("cancelled chain: %d done, deepest: %s\n", done,
           go_ctx_err_str(chain[DEPTH]));
    printf("value through the chain: %s\n",
           go_ctx_value(chain[DEPTH], &key) == &val ? "found" : "missing");
    go_ctx_free(chain[0]);
    go_ctx_free(vals);
    for (int i = 1; i <= DEPTH; i++)
        go_ctx_free(chain[i]);
    go_wg_done(&wg);
}

static void wait_deadline(void *arg)
{
    (void)arg;
    go_ctx *root = go_with_timeout(go_background(), 20 * GO_MILLISECOND);
    go_ctx **c = malloc((DEPTH + 1) * sizeof *c);
    c[0] = root;
    for (int i = 1; i <= DEPTH; i++)
        c[i] = go_with_cancel(c[i - 1]);
    go_chan_recv(go_ctx_done(c[DEPTH]), NULL);
    printf("deadline chain: deepest: %s\n", go_ctx_err_str(c[DEPTH]));
    for (int i = 0; i <= DEPTH; i++)
        go_ctx_free(c[i]);
    free(c);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    go_wg_add(&wg, 1);
    GO(build_and_cancel, NULL);
    go_wg_wait(&wg);
    go_wg_add(&wg, 1);
    GO(wait_deadline, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
