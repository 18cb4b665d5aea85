// A goroutine blocked reading the network when main returns is not a leak.
// A watcher goroutine reads a connection whose peer never writes (think of
// a long poll, or a client waiting for server pushes), and main returns
// while it is still parked in go_read. Go exits 0 and says nothing, and so
// must gorace: a goroutine in I/O wait can be woken by the outside world
// at any time, so the leak detector cannot call it stuck (dumps show it as
// [IO wait]). Contrast leak/, where a goroutine blocked on a channel that
// nothing can send on is reported, and server_stopped_leak.c here.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: watcher waiting
// stdout: main returns
#include <gorace.h>
#include <stdio.h>

static go_chan *ready;

static void watcher(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[64];
    go_chan_send(ready, NULL);
    ssize_t n = go_read(fd, buf, sizeof buf); /* never returns */
    printf("watcher: read returned %zd\n", n);
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
    int sfd = go_accept(lfd, NULL, NULL); /* held open, never written */
    if (fd < 0 || sfd < 0) {
        perror("connect");
        return 1;
    }
    ready = go_chan_make(0, 0);
    GO(watcher, (void *)(intptr_t)fd);
    go_chan_recv(ready, NULL);
    printf("watcher waiting\n");
    go_sleep(20 * GO_MILLISECOND); /* the watcher parks in go_read */
    printf("main returns\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
