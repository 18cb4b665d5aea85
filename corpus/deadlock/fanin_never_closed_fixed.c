// The fix of fanin_never_closed.c: a closer goroutine waits for the
// producers and closes the channel, which ends main's range.
//
// expect: ok
// gomaxprocs: 1,2
// stdout-set: 1|2|3
// stdout: sum done
#include <gorace.h>
#include <stdio.h>

static go_chan *out;
static go_wg wg;

static void producer(void *arg)
{
    int v = (int)(intptr_t)arg;
    go_chan_send(out, &v);
    go_wg_done(&wg);
}

static void closer(void *arg)
{
    (void)arg;
    go_wg_wait(&wg);
    go_chan_close(out);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    out = go_chan_make(sizeof(int), 0);
    go_wg_add(&wg, 3);
    for (intptr_t i = 1; i <= 3; i++)
        GO(producer, i);
    GO(closer, NULL);
    int v;
    while (go_chan_recv(out, &v))
        printf("%d\n", v);
    printf("sum done\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
