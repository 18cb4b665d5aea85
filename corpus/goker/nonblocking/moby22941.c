// GoKer moby#22941 (non-blocking, Go-specific: anonymous function).
// Origin: moby/moby PR 22941; GoKer file
// goker/nonblocking/moby/22941/moby22941_test.go.
//
// `for _, pair := range tests { go func() { srv.Write(pair[0]) }() }`:
// before Go 1.22 the closure captures the one range variable pair, which
// the test overwrites with the next element while the first goroutine reads
// pair[0]. That read and the test's second assignment to pair are unordered
// (the pipe's write lock is taken after the read), so they race on every
// schedule. The test then sleeps 10ms without waiting. The closure's
// capture is modelled by passing &pair. Fixed twin: moby22941_fixed.c.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <string.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

/* A Go []byte. */
struct bytes {
    const char *ptr;
    long len, cap;
};

static struct bytes B(const char *s) {
    return (struct bytes){s, (long)strlen(s), (long)strlen(s)};
}

struct pipe {
    go_mutex wr_mu;
};

static void pipe_write(struct pipe *p, struct bytes b)
{
    go_mutex_lock(&p->wr_mu);
    b.ptr++, b.len--, b.cap--; /* b = b[1:] */
    USE(b);
    go_mutex_unlock(&p->wr_mu);
}

static struct pipe srv;

static void writer(void *arg)
{
    struct bytes(*pair)[2] = arg; /* captured by reference */
    pipe_write(&srv, (*pair)[0]);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct bytes tests[2][2] = {
        {B("GET /foo\nHost: /var/run/docker.sock\nUser-Agent: Docker\r\n\r\n"),
         B("GET /foo\nHost: \r\nConnection: close\r\nUser-Agent: "
           "Docker\r\n\r\n")},
        {B("GET /foo\nHost: /var/run/docker.sock\nUser-Agent: Docker\nFoo: "
           "Bar\r\n"),
         B("GET /foo\nHost: \r\nConnection: close\r\nUser-Agent: "
           "Docker\nFoo: Bar\r\n")},
    };
    struct bytes pair[2];
    for (int k = 0; k < 2; k++) {
        memcpy(pair, tests[k], sizeof pair);
        GO(writer, &pair);
    }
    go_sleep(10 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
