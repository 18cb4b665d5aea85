// A connection handler left blocked on a channel after its server stopped.
// The server reads each request in a per-connection goroutine and hands it
// to a dispatcher over an unbuffered channel. Two requests arrive; the
// dispatcher serves one and then the server shuts down: main stops
// dispatching and closes the listener (the accept loop ends with EBADF).
// The second handler, which had already read its request, is blocked in
// its send forever: no one will receive again. Unlike a goroutine parked in
// go_read (io_wait_at_exit.c), this one is stuck on a channel that nothing
// running can release, so it is a leak. Go exits 0 and says nothing;
// gorace's detector reports the handler when main returns.
// server_stopped_leak_fixed.c gives the handler a way out: it selects on
// its send and on a done channel that the shutdown closes.
//
// expect: leak
// gomaxprocs: 1,2
// stdout: served 1 request
// stdout: server stopped
#include <gorace.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static go_chan *requests;   /* of char[32]: handlers -> dispatcher */
static go_wg read_requests; /* each handler has read its request */
static go_wg acceptor;

static void handle(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char req[32] = {0};
    ssize_t n = go_read(fd, req, sizeof req - 1);
    go_close(fd);
    if (n <= 0)
        snprintf(req, sizeof req, "(no request)");
    go_wg_done(&read_requests);
    go_chan_send(requests, req); /* blocks forever once dispatching stopped */
}

static void accept_loop(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    int fd;
    while ((fd = go_accept(lfd, NULL, NULL)) >= 0)
        GO(handle, (void *)(intptr_t)fd);
    if (errno != EBADF)
        printf("accept: %s\n", strerror(errno));
    go_wg_done(&acceptor);
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
    requests = go_chan_make(32, 0);
    go_wg_add(&acceptor, 1);
    GO(accept_loop, (void *)(intptr_t)lfd);

    /* Two clients each send one request. */
    int clients[2];
    go_wg_add(&read_requests, 2);
    for (int i = 0; i < 2; i++) {
        clients[i] = go_dial_tcp(addr, GO_SECOND);
        char req[32];
        int len = snprintf(req, sizeof req, "GET /%c", 'a' + i);
        if (clients[i] < 0 || go_write(clients[i], req, (size_t)len) < 0) {
            perror("client");
            return 1;
        }
    }
    go_wg_wait(&read_requests);

    /* The dispatcher serves one request, then the server shuts down. */
    char req[32];
    go_chan_recv(requests, req);
    printf("served 1 request\n");
    go_close(lfd);
    go_wg_wait(&acceptor);
    printf("server stopped\n");
    for (int i = 0; i < 2; i++)
        go_close(clients[i]);
    /* The other handler is in its send: it has only to return from
       go_wg_done and call go_chan_send (100ms: a margin for a loaded
       machine; before it blocks, the handler is runnable, not leaked). */
    go_sleep(100 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
