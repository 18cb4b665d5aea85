// Fixed twin of moby22941.c: each goroutine gets its own copy of pair
// (Go's `pair := pair`, or the per-iteration variable of Go 1.22), the fix
// for a captured range variable; GoKer's kernel does not carry the upstream
// patch, which we did not read.
//
// expect: ok
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
    struct bytes(*pair)[2] = arg; /* this goroutine's own copy */
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
    struct bytes pairs[2][2]; /* pair := pair, one per iteration */
    for (int k = 0; k < 2; k++) {
        memcpy(pairs[k], tests[k], sizeof pairs[k]);
        GO(writer, &pairs[k]);
    }
    go_sleep(10 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
