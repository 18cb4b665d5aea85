// The fix of first_response_wins.c: a channel with room for every replica's
// answer, so the late ones complete their sends and exit.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: first answer 42
// stdout: replicas done
#include <gorace.h>
#include <stdio.h>

static go_wg wg;

static void replica(void *ch)
{
    int answer = 42;
    go_chan_send(ch, &answer);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *answers = go_chan_make(sizeof(int), 3);
    go_wg_add(&wg, 3);
    for (int i = 0; i < 3; i++)
        GO(replica, answers);
    int a;
    go_chan_recv(answers, &a);
    printf("first answer %d\n", a);
    go_wg_wait(&wg);
    printf("replicas done\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
