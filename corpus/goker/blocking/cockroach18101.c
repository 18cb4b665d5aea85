// GoKer cockroach#18101 (communication, channel & context): restore() reads
// readyForImportCh until its context is cancelled; splitAndScatter keeps
// sending into the unbuffered channel without watching the context, so
// once the reader has returned on cancel the sender blocks forever.
// (Go's profile: restore.func1 leaked in chan send.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_chan *ready_for_import;

static void split_and_scatter(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++)
        go_chan_send(ready_for_import, &i); /* no ctx case */
    go_chan_close(ready_for_import);
}

static void restore(go_ctx *ctx)
{
    ready_for_import = go_chan_make(sizeof(int), 0);
    GO(split_and_scatter, NULL);
    for (int n = 0;; n++) {
        if (n == 2)
            go_cancel(ctx); /* an import failed */
        int v;
        go_case cases[] = {GO_RECV_CASE(go_ctx_done(ctx), NULL),
                           GO_RECV_CASE(ready_for_import, &v)};
        /* Go prefers neither case; cancel is checked first to keep the
         * port's outcome fixed: the reader leaves after two values. */
        if (go_ctx_err(ctx) || go_select(cases, 2, false) == 0)
            return;
    }
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    restore(go_with_cancel(go_background()));
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
