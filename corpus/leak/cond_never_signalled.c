// A Cond nobody signals: the flusher waits on a condition variable for
// "buffer full or closing"; main closes the buffer by setting the flag but
// forgets the Broadcast, so the flusher sleeps in Wait forever (moby#30408:
// a Wait with no matching Signal). cond_never_signalled_fixed.c broadcasts
// after setting the flag and waits for the flusher.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: closed
#include <gorace.h>
#include <stdbool.h>
#include <stdio.h>

static go_mutex mu;
static go_cond cond;
static bool closing;
static int buffered;
static go_chan *waiting;

static void flusher(void *arg)
{
    (void)arg;
    go_mutex_lock(&mu);
    go_chan_close(waiting);
    while (buffered < 10 && !closing)
        go_cond_wait(&cond);
    go_mutex_unlock(&mu);
    printf("flushed %d\n", buffered);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_cond_init(&cond, &mu);
    waiting = go_chan_make(0, 0);
    GO(flusher, NULL);
    go_chan_recv(waiting, NULL);
    go_mutex_lock(&mu); /* the flusher is now inside Wait */
    closing = true;     /* forgot go_cond_broadcast(&cond) */
    go_mutex_unlock(&mu);
    printf("closed\n");
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
