// The fix of early_return_no_sender.c: the error path closes the channel,
// so the auditor's receive returns (ok false) and it exits. Main waits for
// it to finish.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: bad request
// stdout: auditor done
#include <gorace.h>
#include <stdio.h>

static go_wg wg;

static void audit(void *ch)
{
    int req;
    if (go_chan_recv(ch, &req))
        printf("audited %d\n", req);
    go_wg_done(&wg);
}

static int handle(int req)
{
    go_chan *parsed = go_chan_make(sizeof(int), 0);
    go_wg_add(&wg, 1);
    GO(audit, parsed);
    if (req < 0) {
        go_chan_close(parsed);
        return -1;
    }
    go_chan_send(parsed, &req);
    return 0;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (handle(-1) < 0)
        printf("bad request\n");
    go_wg_wait(&wg);
    printf("auditor done\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
