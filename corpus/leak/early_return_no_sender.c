// A channel with no sender after an early return: the handler starts a
// goroutine that waits for the parsed request, then fails validation and
// returns before sending it. The goroutine is blocked on the receive forever.
// Go exits 0 and says nothing; gorace's detector reports the receiver when
// main returns. early_return_no_sender_fixed.c closes the channel on the
// error path, which releases the receiver with ok == false.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: bad request
#include <gorace.h>
#include <stdio.h>

static void audit(void *ch)
{
    int req;
    if (go_chan_recv(ch, &req))
        printf("audited %d\n", req);
}

static int handle(int req)
{
    go_chan *parsed = go_chan_make(sizeof(int), 0);
    GO(audit, parsed);
    if (req < 0)
        return -1; /* early return: nobody sends on parsed */
    go_chan_send(parsed, &req);
    return 0;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (handle(-1) < 0)
        printf("bad request\n");
    go_sleep(50 * GO_MILLISECOND); /* the auditor reaches its receive */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
