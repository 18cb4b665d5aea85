// The same select as 004_select_timeout.c, but a goroutine sends on ch2:
// the ready case wins long before the timeout. Article 004, "Select"; Go
// original: go/004_select_ready.go. Durations shrunk 10x (1s -> 100ms).
//
// expect: ok
// gomaxprocs: 1,2
// stdout: from ch2: hello
#include <gorace.h>
#include <stdio.h>

static void sender(void *ch)
{
    const char *hello = "hello";
    go_chan_send(ch, &hello);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *ch1 = go_chan_make(sizeof(const char *), 0);
    go_chan *ch2 = go_chan_make(sizeof(const char *), 0);
    GO(sender, ch2);
    const char *msg;
    go_case cases[] = {
        GO_RECV_CASE(ch1, &msg),
        GO_RECV_CASE(ch2, &msg),
        GO_RECV_CASE(go_after(100 * GO_MILLISECOND), NULL),
    };
    switch (go_select(cases, 3, false)) {
    case 0:
        printf("from ch1: %s\n", msg);
        break;
    case 1:
        printf("from ch2: %s\n", msg);
        break;
    case 2:
        printf("timed out\n");
        break;
    }
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
