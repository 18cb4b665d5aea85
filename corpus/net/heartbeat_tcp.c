// Seed 001's heartbeat server, over TCP and bounded in time: main blocks in
// listen_and_serve (Go's http.ListenAndServe) while a goroutine of the
// server writes a numbered heartbeat line to its client every 5ms (a
// ticker). The client is another goroutine that dials the server, reads
// lines with go_read_ctx under a 1s timeout (so a silent server cannot hang
// it), and after five heartbeats cancels the server's context: that
// unblocks main, which closes the listener, waits for the heartbeat
// goroutine to notice the cancellation and close its end, and only then
// closes the client's end (so the server never writes to a closed peer).
// Durations shrunk 1000x from the article's 5s.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: client: Heartbeat 1
// stdout: client: Heartbeat 2
// stdout: client: Heartbeat 3
// stdout: client: Heartbeat 4
// stdout: client: Heartbeat 5
// stdout: client: got 5 heartbeats, stopping the server
// stdout: server stopped
#include <gorace.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { WANT = 5 };

static go_wg server; /* the heartbeat goroutine */
/* Of int: the client's connection, for main to close once the server
   stopped writing to it. */
static go_chan *client_fd;

struct hb {
    go_ctx *ctx;
    int fd;
};

static void heartbeat(void *arg)
{
    struct hb *h = arg;
    go_ticker *t = go_ticker_new(5 * GO_MILLISECOND);
    for (int n = 1;; n++) {
        go_case cases[] = {
            GO_RECV_CASE(go_ticker_chan(t), NULL),
            GO_RECV_CASE(go_ctx_done(h->ctx), NULL),
        };
        if (go_select(cases, 2, false) == 1)
            break;
        char line[32];
        int len = snprintf(line, sizeof line, "Heartbeat %d\n", n);
        if (go_write(h->fd, line, (size_t)len) < 0)
            break;
    }
    go_ticker_stop(t);
    go_ticker_free(t);
    go_close(h->fd);
    go_wg_done(&server);
}

/* Serves one client: blocks its caller until ctx is done. */
static void listen_and_serve(go_ctx *ctx, int lfd)
{
    struct hb h = {ctx, go_accept(lfd, NULL, NULL)};
    if (h.fd < 0) {
        perror("accept");
        return;
    }
    go_wg_add(&server, 1);
    GO(heartbeat, &h);
    go_chan_recv(go_ctx_done(ctx), NULL);
    go_close(lfd);
    go_wg_wait(&server);
}

struct client {
    go_ctx *server_ctx;
    int port;
};

static void client(void *arg)
{
    struct client *c = arg;
    char addr[32], buf[256];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", c->port);
    int fd = go_dial_tcp(addr, GO_SECOND);
    if (fd < 0) {
        perror("dial");
        go_exit(1);
    }
    go_ctx *ctx = go_with_timeout(go_background(), GO_SECOND);
    size_t n = 0;
    int got = 0;
    while (got < WANT) {
        ssize_t k = go_read_ctx(ctx, fd, buf + n, sizeof buf - 1 - n);
        if (k <= 0) {
            printf("client: read: %s\n", k == 0 ? "EOF" : strerror(errno));
            break;
        }
        n += (size_t)k;
        buf[n] = 0;
        /* Print each complete line; keep a partial one for the next read. */
        char *line = buf, *nl;
        while (got < WANT && (nl = strchr(line, '\n')) != NULL) {
            *nl = 0;
            printf("client: %s\n", line);
            got++;
            line = nl + 1;
        }
        n = strlen(line);
        memmove(buf, line, n + 1);
    }
    go_cancel(ctx);
    go_ctx_free(ctx);
    printf("client: got %d heartbeats, stopping the server\n", got);
    go_cancel(c->server_ctx);
    go_chan_send(client_fd, &fd);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    int lfd = go_listen_tcp("127.0.0.1:0");
    if (lfd < 0) {
        perror("listen");
        return 1;
    }
    go_ctx *ctx = go_with_cancel(go_background());
    client_fd = go_chan_make(sizeof(int), 1);
    struct client c = {ctx, go_local_port(lfd)};
    GO(client, &c);
    listen_and_serve(ctx, lfd);
    printf("server stopped\n");
    int fd;
    go_chan_recv(client_fd, &fd);
    go_close(fd);
    go_ctx_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
