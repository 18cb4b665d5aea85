// The fix of cond_never_signalled.c: main broadcasts after setting the flag
// and waits for the flusher to finish.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: closed
// stdout: flushed 0
#include <gorace.h>
#include <stdbool.h>
#include <stdio.h>

static go_mutex mu;
static go_cond cond;
static bool closing;
static int buffered;
static go_chan *waiting, *exited;

static void flusher(void *arg)
{
    (void)arg;
    go_mutex_lock(&mu);
    go_chan_close(waiting);
    while (buffered < 10 && !closing)
        go_cond_wait(&cond);
    go_mutex_unlock(&mu);
    printf("flushed %d\n", buffered);
    go_chan_close(exited);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_cond_init(&cond, &mu);
    waiting = go_chan_make(0, 0);
    exited = go_chan_make(0, 0);
    GO(flusher, NULL);
    go_chan_recv(waiting, NULL);
    go_mutex_lock(&mu);
    closing = true;
    printf("closed\n"); /* under mu: the flusher prints after it wakes */
    go_cond_broadcast(&cond);
    go_mutex_unlock(&mu);
    go_chan_recv(exited, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
