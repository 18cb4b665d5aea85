// go_close while other goroutines are blocked reading the same connection:
// Go's conn.Close, which makes a pending Read fail with "use of closed
// network connection" (net.ErrClosed). Two reader goroutines park in
// go_read on a connection whose server never writes; main waits until both
// have announced themselves and then 20ms more, so they are parked, and
// closes the fd. Both wake with -1 and errno EBADF, and main's WaitGroup
// returns: closing is how a Go server stops a goroutine stuck in Read.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: reader 1: EBADF (use of closed network connection)
// stdout: reader 2: EBADF (use of closed network connection)
#include <gorace.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { READERS = 2 };

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

static int fd;
static go_wg started, finished;
static char verdict[READERS][64];

static void reader(void *arg)
{
    int id = (int)(intptr_t)arg;
    char buf[16];
    go_wg_done(&started);
    ssize_t n = go_read(fd, buf, sizeof buf);
    if (n >= 0)
        snprintf(verdict[id], sizeof verdict[id], "read %zd bytes", n);
    else if (errno == EBADF)
        snprintf(verdict[id], sizeof verdict[id],
                 "EBADF (use of closed network connection)");
    else
        snprintf(verdict[id], sizeof verdict[id], "%s", errname(errno));
    go_wg_done(&finished);
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
    fd = go_dial_tcp(addr, GO_SECOND);
    int sfd = go_accept(lfd, NULL, NULL); /* the server's end: never written */
    if (fd < 0 || sfd < 0) {
        perror("connect");
        return 1;
    }
    go_close(lfd);

    for (int i = 0; i < READERS; i++) {
        go_wg_add(&started, 1);
        go_wg_add(&finished, 1);
        GO(reader, (void *)(intptr_t)i);
    }
    go_wg_wait(&started);
    go_sleep(20 * GO_MILLISECOND); /* both are parked in go_read by now */
    go_close(fd);
    go_wg_wait(&finished);
    for (int i = 0; i < READERS; i++)
        printf("reader %d: %s\n", i + 1, verdict[i]);
    go_close(sfd);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
