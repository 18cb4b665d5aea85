// "If multiple goroutines might close the same channel, coordinate with a
// sync.Once." Article 004, "Gotchas": four goroutines each try to close the
// channel through one Once; it is closed exactly once, and a receive then
// reports it closed. Go original: go/004_close_once.go.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: closed exactly once; receive ok = false
#include <gorace.h>
#include <stdio.h>

static go_chan *ch;
static go_once once;
static go_wg wg;

static void close_ch(void *arg)
{
    (void)arg;
    go_chan_close(ch);
}

static void closer(void *arg)
{
    (void)arg;
    go_once_do(&once, close_ch, NULL);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    ch = go_chan_make(sizeof(int), 0);
    for (int i = 0; i < 4; i++) {
        go_wg_add(&wg, 1);
        GO(closer, NULL);
    }
    go_wg_wait(&wg);
    bool ok = go_chan_recv(ch, NULL);
    printf("closed exactly once; receive ok = %s\n", ok ? "true" : "false");
    go_chan_free(ch);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
