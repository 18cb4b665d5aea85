// "Goroutine leaks. A goroutine blocked on a channel read ... with no way to
// unblock will run forever." Article 004, "Gotchas"; Go original:
// go/004_leak_never_sent.go (Go exits 0 silently; gorace's detector reports
// the receiver when main returns). 004_safe_ctx_cancel.c is the fix.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: main returns; the receiver leaks
#include <gorace.h>
#include <stdio.h>

static void receiver(void *ch)
{
    int v;
    go_chan_recv(ch, &v); /* blocks forever */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(receiver, go_chan_make(sizeof(int), 0));
    printf("main returns; the receiver leaks\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
