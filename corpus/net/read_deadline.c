// A read deadline that passes, Go's conn.SetReadDeadline: the client reads
// from a connection whose server stays silent, and after 20ms go_read
// returns -1 with errno ETIMEDOUT (Go's os.ErrDeadlineExceeded, "i/o
// timeout"); the goroutine was parked meanwhile, not its thread. As in Go,
// the timeout is not sticky: once the deadline is cleared (0), the next
// read waits for the server, which now writes, and gets its data.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: read: ETIMEDOUT after >= 20ms
// stdout: read after clearing the deadline: hello
#include <gorace.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *errname(int e)
{
    switch (e) {
    case ETIMEDOUT:
        return "ETIMEDOUT";
    case ECANCELED:
        return "ECANCELED";
    case EBADF:
        return "EBADF";
    default:
        return strerror(e);
    }
}

static go_chan *speak; /* the server writes once told to */

static void server(void *arg)
{
    int fd = (int)(intptr_t)arg;
    go_chan_recv(speak, NULL);
    go_write(fd, "hello", 5);
    go_close(fd);
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
    speak = go_chan_make(0, 0);
    GO(server, (void *)(intptr_t)sfd);

    char buf[16] = {0};
    int64_t start = go_now();
    go_set_read_deadline(fd, start + 20 * GO_MILLISECOND);
    ssize_t n = go_read(fd, buf, sizeof buf - 1);
    int64_t waited = go_now() - start;
    if (n >= 0)
        printf("read: %zd bytes, want a timeout\n", n);
    else
        printf("read: %s after %s 20ms\n", errname(errno),
               waited >= 20 * GO_MILLISECOND ? ">=" : "<");

    go_set_read_deadline(fd, 0);
    go_chan_send(speak, NULL);
    n = go_read(fd, buf, sizeof buf - 1);
    if (n < 0)
        printf("read after clearing the deadline: %s\n", errname(errno));
    else
        printf("read after clearing the deadline: %.*s\n", (int)n, buf);
    go_close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
