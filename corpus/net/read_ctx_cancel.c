// A read that a context ends: go_read_ctx waits for data or for ctx to be
// done, whichever comes first. The server stays silent; another goroutine
// cancels the context after 20ms, and the read returns -1 with errno
// ECANCELED while go_ctx_err_str says why ("context canceled"). A context
// that times out ends a read the same way (ECANCELED; the context says
// "context deadline exceeded"). The reads took no data, so the connection
// is still good: when the server finally writes, a read under a live
// context gets it. (Go has no Read with a context; this is what its
// callers build from SetReadDeadline and a goroutine watching ctx.Done.)
//
// expect: ok
// gomaxprocs: 1,2
// stdout: cancelled: ECANCELED (context canceled)
// stdout: timed out: ECANCELED (context deadline exceeded)
// stdout: live context: hello
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

static go_wg cancelled;

static void cancel_later(void *ctx)
{
    go_sleep(20 * GO_MILLISECOND);
    go_cancel(ctx);
    go_wg_done(&cancelled);
}

static void report(const char *what, go_ctx *ctx, int fd)
{
    char buf[16];
    ssize_t n = go_read_ctx(ctx, fd, buf, sizeof buf);
    if (n < 0)
        printf("%s: %s (%s)\n", what, errname(errno), go_ctx_err_str(ctx));
    else
        printf("%s: %.*s\n", what, (int)n, buf);
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
    int sfd = go_accept(lfd, NULL, NULL); /* the silent server's end */
    if (fd < 0 || sfd < 0) {
        perror("connect");
        return 1;
    }
    go_close(lfd);

    go_ctx *ctx = go_with_cancel(go_background());
    go_wg_add(&cancelled, 1);
    GO(cancel_later, ctx);
    report("cancelled", ctx, fd);

    go_ctx *tctx = go_with_timeout(go_background(), 20 * GO_MILLISECOND);
    report("timed out", tctx, fd);

    go_write(sfd, "hello", 5);
    go_ctx *live = go_with_cancel(go_background());
    report("live context", live, fd);

    go_wg_wait(&cancelled); /* cancel_later is done with ctx */
    go_cancel(tctx);
    go_cancel(live);
    go_ctx_free(ctx);
    go_ctx_free(tctx);
    go_ctx_free(live);
    go_close(sfd);
    go_close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
