// The fix of server_stopped_leak.c: shutdown closes a done channel, and
// each handler selects between handing its request to the dispatcher and
// that channel, so the handler whose request came too late drops it and
// returns. Main waits for every handler (a WaitGroup) before it returns,
// so none is left behind.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: served 1 request
// stdout: server stopped
// stdout: dropped 1 request at shutdown
#include <gorace.h>
#include <errno.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>

static go_chan *requests;   /* of char[32]: handlers -> dispatcher */
static go_wg read_requests; /* each handler has read its request */
static go_wg acceptor;
static go_chan *done; /* closed at shutdown */
static go_wg handlers;
static atomic_int dropped;

static void handle(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char req[32] = {0};
    ssize_t n = go_read(fd, req, sizeof req - 1);
    go_close(fd);
    if (n <= 0)
        snprintf(req, sizeof req, "(no request)");
    go_wg_done(&read_requests);
    go_case cases[] = {
        GO_SEND_CASE(requests, req),
        GO_RECV_CASE(done, NULL),
    };
    if (go_select(cases, 2, false) == 1)
        atomic_fetch_add(&dropped, 1);
    go_wg_done(&handlers);
}

static void accept_loop(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    int fd;
    while ((fd = go_accept(lfd, NULL, NULL)) >= 0) {
        go_wg_add(&handlers, 1);
        GO(handle, (void *)(intptr_t)fd);
    }
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
    done = go_chan_make(0, 0);
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
    go_chan_close(done);
    go_close(lfd);
    go_wg_wait(&acceptor);
    printf("server stopped\n");
    for (int i = 0; i < 2; i++)
        go_close(clients[i]);
    go_wg_wait(&handlers); /* after the acceptor: it adds no more */
    printf("dropped %d request at shutdown\n", atomic_load(&dropped));
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
