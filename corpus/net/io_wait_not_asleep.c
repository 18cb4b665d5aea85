// A goroutine waiting for the network is not asleep. Main blocks on a
// channel that only a reader goroutine will send on, and the reader is
// parked in go_read; no goroutine can run and no timer is pending. The
// data comes from outside the goroutines: a plain pthread (standing in for
// another process, or a remote peer) writes to the other end after 30ms of
// real time. A runtime that knew only channels and timers would stop the
// program with "all goroutines are asleep - deadlock!"; Go's does not,
// because the netpoller may still wake the reader, and neither may
// gorace's. Under a seeded schedule the scheduler, with nothing to run,
// waits in epoll until the socket is readable.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: reader got: ping
#include <gorace.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static go_chan *got;

static void reader(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[16] = {0};
    ssize_t n = go_read(fd, buf, sizeof buf - 1);
    if (n < 0)
        snprintf(buf, sizeof buf, "error");
    go_chan_send(got, buf);
}

/* Not a goroutine: a thread of the process that the runtime knows nothing
   about, writing with plain write(2) after a real 30ms. */
static void *peer(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (write(fd, "ping", 4) != 4)
        perror("peer: write");
    return NULL;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    int lfd = go_listen_tcp("127.0.0.1:0");
    if (lfd < 0) {
        perror("listen");
        return 1;
    }
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", go_local_port(lfd));
    int fd = go_dial_tcp(addr, GO_SECOND);
    int sfd = go_accept(lfd, NULL, NULL);
    if (fd < 0 || sfd < 0) {
        perror("connect");
        return 1;
    }
    go_close(lfd);

    got = go_chan_make(16, 0);
    GO(reader, (void *)(intptr_t)fd);
    pthread_t t;
    pthread_create(&t, NULL, peer, (void *)(intptr_t)sfd);
    char buf[16];
    go_chan_recv(got, buf); /* nothing runnable, no timer: only I/O is left */
    printf("reader got: %s\n", buf);
    pthread_join(t, NULL);
    go_close(fd);
    go_close(sfd);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
