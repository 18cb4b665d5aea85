// main waits on a channel that only a plain pthread could send on, and the
// thread ends without sending. While it lives the deadlock is not declared
// (it might still send); once it has ended, nothing can wake main, and the
// runtime says so in Go's words. foreign_thread_send.c in legal/ is the
// twin where the thread sends.
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 0 threads gorace did not start are not supported under a seed
#include <gorace.h>
#include <pthread.h>
#include <unistd.h>

static void *thread_main(void *arg)
{
    (void)arg;
    usleep(50000);
    return NULL; /* forgot to send */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 1);
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_detach(t);
    go_chan_recv(c, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
