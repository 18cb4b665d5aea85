// Seed 002's opening problem, solved over real sockets: check five
// microservices at once instead of one after another. Each service is a
// tiny HTTP/1.0 server on 127.0.0.1 (an accept loop in a goroutine, one
// goroutine per connection that parses the request line and answers), and
// each check is a client goroutine that dials with a timeout (Go's
// net.DialTimeout) and bounds the whole exchange with go_set_deadline
// (Go's conn.SetDeadline). "search" is slow: it would answer after 2s, so
// its check fails with ETIMEDOUT at the 300ms deadline; "billing" is
// failing: it answers 503. The five checks together take one deadline, not
// the sum of five exchanges. Main then stops the servers the way a Go
// server shuts down: it cancels their context (the slow handler gives up)
// and closes the listeners (each accept loop wakes with EBADF), and waits
// for every server goroutine. The deadline leaves the healthy services
// 300ms for an exchange that takes well under 1ms: on a loaded 2-core
// machine 100ms was too thin a margin (a healthy check was seen to take
// 96ms).
//
// expect: ok
// gomaxprocs: 1,2
// clang-format off
// stdout-set: auth is up (auth: ok)|payments is up (payments: ok)|inventory is up (inventory: ok)|search is down (i/o timeout)|billing is down (HTTP 503 Service Unavailable)
// clang-format on
// stdout: servers stopped
#include <gorace.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mode { HEALTHY, SLOW, FAILING };

struct service {
    const char *name;
    enum mode mode;
    int lfd, port;
};

static struct service services[] = {
    {.name = "auth", .mode = HEALTHY},
    {.name = "payments", .mode = HEALTHY},
    {.name = "inventory", .mode = HEALTHY},
    {.name = "search", .mode = SLOW},
    {.name = "billing", .mode = FAILING},
};
enum { NSERVICES = sizeof services / sizeof *services };

#define DEADLINE (300 * GO_MILLISECOND)

static go_ctx *server_ctx; /* cancelled when the servers shut down */
static go_wg servers;      /* accept loops and connection handlers */
static go_chan *results;   /* of char[96], one line per check */

/* ---- the server side ---- */

struct conn {
    struct service *svc;
    int fd;
};

static void handle(void *arg)
{
    struct conn *c = arg;
    char req[512];
    size_t n = 0;
    /* Read the request head, up to its blank line. */
    while (n < sizeof req - 1) {
        ssize_t k = go_read(c->fd, req + n, sizeof req - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
        req[n] = 0;
        if (strstr(req, "\r\n\r\n") != NULL)
            break;
    }
    req[n] = 0;

    char method[8], path[64], body[64];
    const char *status = "200 OK";
    if (sscanf(req, "%7s %63s HTTP/1.", method, path) != 2 ||
        strcmp(method, "GET") != 0) {
        status = "400 Bad Request";
        snprintf(body, sizeof body, "bad request");
    } else if (strcmp(path, "/health") != 0) {
        status = "404 Not Found";
        snprintf(body, sizeof body, "no such page");
    } else if (c->svc->mode == FAILING) {
        status = "503 Service Unavailable";
        snprintf(body, sizeof body, "%s: database unreachable", c->svc->name);
    } else {
        snprintf(body, sizeof body, "%s: ok", c->svc->name);
    }

    bool answer = true;
    if (c->svc->mode == SLOW) {
        go_case cases[] = {
            GO_RECV_CASE(go_after(2 * GO_SECOND), NULL),
            GO_RECV_CASE(go_ctx_done(server_ctx), NULL),
        };
        answer = go_select(cases, 2, false) == 0; /* not if shutting down */
    }
    if (answer) {
        char resp[256];
        int len = snprintf(resp, sizeof resp,
                           "HTTP/1.0 %s\r\nContent-Type: text/plain\r\n"
                           "Content-Length: %zu\r\n\r\n%s",
                           status, strlen(body), body);
        go_write(c->fd, resp, (size_t)len);
    }
    go_close(c->fd);
    free(c);
    go_wg_done(&servers);
}

static void serve(void *arg)
{
    struct service *s = arg;
    for (;;) {
        int fd = go_accept(s->lfd, NULL, NULL);
        if (fd < 0) {
            if (errno != EBADF) /* EBADF: the listener was closed */
                printf("%s: accept: %s\n", s->name, strerror(errno));
            break;
        }
        struct conn *c = malloc(sizeof *c);
        c->svc = s;
        c->fd = fd;
        go_wg_add(&servers, 1);
        GO(handle, c);
    }
    go_wg_done(&servers);
}

/* ---- the client side ---- */

static void check(void *arg)
{
    struct service *s = arg;
    char line[96], addr[32], resp[512];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", s->port);

    int fd = go_dial_tcp(addr, DEADLINE);
    if (fd < 0) {
        snprintf(line, sizeof line, "%s is down (dial: %s)", s->name,
                 strerror(errno));
        go_chan_send(results, line);
        return;
    }
    go_set_deadline(fd, go_now() + DEADLINE);
    static const char req[] = "GET /health HTTP/1.0\r\nHost: local\r\n\r\n";
    size_t n = 0;
    ssize_t k = go_write(fd, req, sizeof req - 1);
    /* HTTP/1.0: the response ends when the server closes the connection. */
    while (k >= 0 && n < sizeof resp - 1 &&
           (k = go_read(fd, resp + n, sizeof resp - 1 - n)) > 0)
        n += (size_t)k;
    resp[n] = 0;

    int code;
    char reason[32];
    const char *body = strstr(resp, "\r\n\r\n");
    if (k < 0 && errno == ETIMEDOUT)
        snprintf(line, sizeof line, "%s is down (i/o timeout)", s->name);
    else if (k < 0)
        snprintf(line, sizeof line, "%s is down (%s)", s->name,
                 strerror(errno));
    else if (sscanf(resp, "HTTP/1.%*d %d %31[^\r]", &code, reason) != 2 ||
             body == NULL)
        snprintf(line, sizeof line, "%s is down (bad response)", s->name);
    else if (code != 200)
        snprintf(line, sizeof line, "%s is down (HTTP %d %s)", s->name, code,
                 reason);
    else
        snprintf(line, sizeof line, "%s is up (%s)", s->name, body + 4);
    go_close(fd);
    go_chan_send(results, line);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    server_ctx = go_with_cancel(go_background());
    for (int i = 0; i < NSERVICES; i++) {
        services[i].lfd = go_listen_tcp("127.0.0.1:0");
        if (services[i].lfd < 0) {
            perror("listen");
            return 1;
        }
        services[i].port = go_local_port(services[i].lfd);
        go_wg_add(&servers, 1);
        GO(serve, &services[i]);
    }

    results = go_chan_make(96, 0);
    for (int i = 0; i < NSERVICES; i++)
        GO(check, &services[i]);
    char line[96];
    for (int i = 0; i < NSERVICES; i++) {
        go_chan_recv(results, line);
        printf("%s\n", line);
    }

    go_cancel(server_ctx);
    for (int i = 0; i < NSERVICES; i++)
        go_close(services[i].lfd);
    go_wg_wait(&servers);
    printf("servers stopped\n");
    go_ctx_free(server_ctx);
    go_chan_free(results);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
