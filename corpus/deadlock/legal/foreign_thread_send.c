// A plain pthread, which gorace did not start, sends on a channel after a
// pause while main waits for the value. Nothing is asleep for good: the
// thread may still call in, so there must be no "all goroutines are asleep"
// (Go turns the check off while cgo threads may call in; gorace counts the
// threads it did not start). In the instrumented build pthread_create
// orders the thread after main's writes before it, so reading `c` there
// is no race, and pthread_join orders the thread's writes before main's
// read of `sent`.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: got 42 after the thread sent 1 value
// seeds: 0 threads gorace did not start are not supported under a seed
#include <gorace.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

go_chan *c;
int sent;

static void *thread_main(void *arg)
{
    (void)arg;
    usleep(50000); /* main is blocked in the receive by then */
    int v = 42;
    go_chan_send(c, &v); /* room in the buffer: does not block */
    sent++;
    return NULL;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    c = go_chan_make(sizeof(int), 1);
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    int v = 0;
    go_chan_recv(c, &v);
    pthread_join(t, NULL);
    printf("got %d after the thread sent %d value\n", v, sent);
    go_chan_free(c);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
