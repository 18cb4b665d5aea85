// First response wins, the rest leak: the caller asks three replicas and
// takes the first answer from an unbuffered channel; the two slower replicas
// block on their sends forever (Go's NCastLeak pattern).
// first_response_wins_fixed.c makes the channel big enough for every
// replica's answer.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: first answer 42
#include <gorace.h>
#include <stdio.h>

static void replica(void *ch)
{
    int answer = 42;
    go_chan_send(ch, &answer); /* only the first send is received */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *answers = go_chan_make(sizeof(int), 0);
    for (int i = 0; i < 3; i++)
        GO(replica, answers);
    int a;
    go_chan_recv(answers, &a);
    printf("first answer %d\n", a);
    go_sleep(50 * GO_MILLISECOND); /* the two others block on their sends */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
