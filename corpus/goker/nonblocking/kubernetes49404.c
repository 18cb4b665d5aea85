// GoKer kubernetes#49404 (non-blocking, traditional: data race).
// Origin: kubernetes/kubernetes PR 49404; GoKer file
// goker/nonblocking/kubernetes/49404/kubernetes49404_test.go.
//
// The test registers, on a ServeMux, a handler closure that sets the
// test's local `called = true`, wraps the mux in a server and starts it:
// goServe() starts a goroutine running Serve(), which starts a conn
// goroutine that dispatches through the server's handler and the mux to
// the closure. The test's inner function returns at once, and its deferred
// check reads `called`; then the test sleeps 10ms. Nothing orders the conn
// goroutine's write of `called` with the test's read: a race on every
// schedule, whichever runs first, provided the conn goroutine runs within
// the test's 10ms sleep (kept as GoKer has it). That is real time: with
// the process starved of CPU (nice 19 beside a CI run on 2 cores), 3 of 20
// free runs at GOMAXPROCS 1 ended the sleep before the handler ran and
// exited 0; under a seed the sleep is virtual and the handler always
// runs. So it runs under seeds only.
//
// Handler has two implementations (the closure type websocket_Handler and
// *ServeMux): an interface value is a method and its receiver. The
// closure's captured `called` is passed by address. The upstream patch is
// not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: none free-running, real time decides (see above)
#include <gorace.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

/* The Handler interface: ServeHTTP and the receiver. */
struct handler {
    void (*serve_http)(void *self);
    void *self;
};

/* websocket_Handler is a func(); ours is the test's closure over called. */
struct websocket_handler {
    void (*fn)(bool *called);
    bool *called;
};

static void websocket_handler_serve_http(void *self)
{
    struct websocket_handler *h = self;
    h->fn(h->called);
}

struct mux_entry {
    struct handler h;
};

/* []muxEntry */
struct mux_entries {
    struct mux_entry *ptr;
    long len, cap;
};

struct serve_mux {
    struct mux_entries es;
};

static struct handler mux_match(struct serve_mux *mux)
{
    struct mux_entries es = mux->es; /* for _, e := range mux.es */
    for (long i = 0; i < es.len; i++)
        return es.ptr[i].h;
    return (struct handler){0};
}

static struct handler mux_handler_(struct serve_mux *mux)
{
    struct handler h = mux_match(mux);
    return h;
}

static struct handler mux_handler(struct serve_mux *mux)
{
    return mux_handler_(mux);
}

static struct mux_entries append_entry(struct mux_entries es,
                                       struct mux_entry e)
{
    if (es.len == es.cap) {
        long cap = es.cap ? 2 * es.cap : 1;
        struct mux_entry *p = calloc((size_t)cap, sizeof *p);
        if (es.len)
            memcpy(p, es.ptr, (size_t)es.len * sizeof *p);
        es.ptr = p, es.cap = cap;
    }
    es.ptr[es.len++] = e;
    return es;
}

static struct mux_entries append_sorted(struct mux_entries es,
                                        struct mux_entry e)
{
    long n = es.len;
    long i = 0;
    if (i == n)
        return append_entry(es, e);
    es = append_entry(es, (struct mux_entry){0});
    memmove(&es.ptr[i + 1], &es.ptr[i],
            (size_t)(es.len - i - 1) * sizeof *es.ptr);
    es.ptr[i] = e;
    return es;
}

static void mux_handle(struct serve_mux *mux, struct handler handler)
{
    struct mux_entry e = {handler};
    mux->es = append_sorted(mux->es, e);
}

static void mux_serve_http(void *self)
{
    struct serve_mux *mux = self;
    struct handler h = mux_handler(mux);
    h.serve_http(h.self);
}

static struct serve_mux *new_serve_mux(void)
{
    return calloc(1, sizeof(struct serve_mux));
}

struct http_server {
    struct handler handler;
};

struct server {
    struct http_server *config;
    go_wg wg;
};

struct conn {
    struct http_server *server;
};

/* serverHandler{c.server}.ServeHTTP() */
static void server_handler_serve_http(struct http_server *srv)
{
    struct handler handler = srv->handler;
    handler.serve_http(handler.self);
}

static void conn_serve(void *arg)
{
    struct conn *c = arg;
    server_handler_serve_http(c->server);
}

static struct conn *new_conn(struct http_server *srv)
{
    struct conn *c = calloc(1, sizeof *c);
    c->server = srv;
    return c;
}

static void http_server_serve(struct http_server *srv)
{
    struct conn *c = new_conn(srv);
    GO(conn_serve, c);
}

static void go_serve_goroutine(void *arg)
{
    struct server *s = arg;
    http_server_serve(s->config);
    go_wg_done(&s->wg);
}

static void go_serve(struct server *s)
{
    go_wg_add(&s->wg, 1);
    GO(go_serve_goroutine, s);
}

static void start_tls(struct server *s)
{
    go_serve(s);
}

static struct server *new_unstarted_server(struct handler handler)
{
    struct server *s = calloc(1, sizeof *s);
    s->config = calloc(1, sizeof *s->config);
    s->config->handler = handler;
    return s;
}

/* The test's handler closure. */
static void set_called(bool *called)
{
    *called = true;
}

static void test_inner(bool expect_called, bool *called)
{
    struct serve_mux *backend_handler = new_serve_mux();
    struct websocket_handler *wh = calloc(1, sizeof *wh);
    wh->fn = set_called;
    wh->called = called;
    mux_handle(backend_handler,
               (struct handler){websocket_handler_serve_http, wh});

    struct server *backend_server =
        new_unstarted_server((struct handler){mux_serve_http, backend_handler});

    start_tls(backend_server);

    /* The deferred check, run as the function returns. */
    if (*called != expect_called) {
        char buf[8];
        snprintf(buf, sizeof buf, "Error");
        USE(buf[0]);
    }
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    bool expect_called = true;
    bool *called = calloc(1, sizeof *called); /* escapes to the closure */
    test_inner(expect_called, called);
    go_sleep(10 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
