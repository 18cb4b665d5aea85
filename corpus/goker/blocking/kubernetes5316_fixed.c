// Fixed twin of kubernetes5316.c: ch and errCh have a buffer of one (the
// fix GoKer gives for kubernetes/kubernetes PR 5316), so the handler's
// late send completes after the timeout won.
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_chan *ch, *err_ch;

static void handler(void *arg)
{
    (void)arg;
    go_sleep(30 * GO_MILLISECOND); /* slower than the timeout */
    int result = 1;
    go_chan_send(ch, &result);
}

static int finish_request(int64_t timeout)
{
    ch = go_chan_make(sizeof(int), 1);     /* the fix: a buffer of one */
    err_ch = go_chan_make(sizeof(int), 1); /* the fix: a buffer of one */
    GO(handler, NULL);
    int r;
    go_case cases[] = {GO_RECV_CASE(ch, &r), GO_RECV_CASE(err_ch, &r),
                       GO_RECV_CASE(go_after(timeout), NULL)};
    return go_select(cases, 3, false) == 2 ? -1 : r;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    finish_request(GO_MILLISECOND);
    go_sleep(80 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
