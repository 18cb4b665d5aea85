// An echo server under a fan-out of clients: 50 client goroutines each open
// a connection and send 20 numbered messages, reading each echo back before
// sending the next; the server runs one goroutine per connection that
// writes back whatever it reads until EOF. Each client checks every echo
// against what it sent and sums the numbers; main sums the clients' sums
// (read after the WaitGroup, so no race) and compares with 0+1+...+999.
// This is the netpoller's basic job: 100 goroutines, most of them parked
// in I/O at any moment, over a thread or two, not a thread per connection.
// Then main closes the listener, which wakes the accept loop (EBADF), and
// waits for the connection goroutines.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: 50 clients x 20 messages: 1000 echoed, 0 wrong
// stdout: sum 499500 (want 499500)
// stdout: server stopped
#include <gorace.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CLIENTS = 50, MESSAGES = 20, MSGLEN = 16 };

static go_wg server, clients;
static int port;
static long sums[CLIENTS];
static int echoed[CLIENTS], wrong[CLIENTS];

static void echo(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[4096];
    ssize_t n;
    while ((n = go_read(fd, buf, sizeof buf)) > 0)
        if (go_write(fd, buf, (size_t)n) < 0)
            break;
    if (n < 0)
        printf("echo: read: %s\n", strerror(errno));
    go_close(fd);
    go_wg_done(&server);
}

static void accept_loop(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    int fd;
    while ((fd = go_accept(lfd, NULL, NULL)) >= 0) {
        go_wg_add(&server, 1);
        GO(echo, (void *)(intptr_t)fd);
    }
    if (errno != EBADF) /* EBADF: main closed the listener */
        printf("accept: %s\n", strerror(errno));
    go_wg_done(&server);
}

/* Reads exactly n bytes: a stream may split or join the writes. */
static bool read_full(int fd, char *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t k = go_read(fd, buf + got, n - got);
        if (k <= 0)
            return false;
        got += (size_t)k;
    }
    return true;
}

static void client(void *arg)
{
    int id = (int)(intptr_t)arg;
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    int fd = go_dial_tcp(addr, GO_SECOND);
    if (fd < 0) {
        printf("client %d: dial: %s\n", id, strerror(errno));
        go_wg_done(&clients);
        return;
    }
    for (int i = 0; i < MESSAGES; i++) {
        char out[MSGLEN + 1], in[MSGLEN + 1] = {0};
        long v = (long)id * MESSAGES + i;
        snprintf(out, sizeof out, "%015ld\n", v);
        if (go_write(fd, out, MSGLEN) < 0 || !read_full(fd, in, MSGLEN)) {
            printf("client %d: %s\n", id, strerror(errno));
            break;
        }
        echoed[id]++;
        if (memcmp(in, out, MSGLEN) != 0)
            wrong[id]++;
        sums[id] += strtol(in, NULL, 10);
    }
    go_close(fd); /* the server's read gets EOF */
    go_wg_done(&clients);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    int lfd = go_listen_tcp("127.0.0.1:0");
    if (lfd < 0) {
        perror("listen");
        return 1;
    }
    port = go_local_port(lfd);
    go_wg_add(&server, 1);
    GO(accept_loop, (void *)(intptr_t)lfd);

    for (int i = 0; i < CLIENTS; i++) {
        go_wg_add(&clients, 1);
        GO(client, (void *)(intptr_t)i);
    }
    go_wg_wait(&clients);

    long sum = 0;
    int n = 0, bad = 0;
    for (int i = 0; i < CLIENTS; i++) {
        sum += sums[i];
        n += echoed[i];
        bad += wrong[i];
    }
    long want = (long)CLIENTS * MESSAGES * (CLIENTS * MESSAGES - 1) / 2;
    printf("%d clients x %d messages: %d echoed, %d wrong\n", CLIENTS, MESSAGES,
           n, bad);
    printf("sum %ld (want %ld)\n", sum, want);

    go_close(lfd);
    go_wg_wait(&server);
    printf("server stopped\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
