/*
 * Goroutine-aware I/O: the public go_read ... go_close, on the poller
 * (rt/netpoll.h). Go's internal/poll and net packages, reduced to POSIX
 * calls.
 *
 * Every call here is a scheduling point and tries its system call first:
 * data already there costs no park. Writes never raise SIGPIPE on a socket
 * (MSG_NOSIGNAL), as Go ignores it outside fds 1 and 2; on a pipe, EPIPE is
 * returned with SIGPIPE blocked and consumed, except on fds 1 and 2, where
 * a broken pipe kills the program as it kills a Go one.
 *
 * For the race detector, as Go's syscall package does with its ioSync:
 * every write releases one global sync object before it starts and every
 * successful read acquires it, so a write happens before any later read
 * (over-approximating: across fds too), and the runtime's copies from and
 * to user buffers are reported as the calling goroutine's accesses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gorace.h>

#include "hooks.h"
#include "netpoll.h"
#include "sched.h"
#include "time.h"

#define HOOK(ev, ...) RT_HOOK(ev, rt_hook_cur(), __VA_ARGS__)
#define RETURN_PC() ((uintptr_t)__builtin_return_address(0))

static char io_sync __attribute__((unused)); /* Go's syscall.ioSync */

/* ---- read and write ------------------------------------------------------ */

typedef struct {
    void *buf;
    size_t n;
} rw_args;

/* write(2) on a pipe with SIGPIPE blocked; a SIGPIPE it raised is taken
 * back before it is unblocked. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t n)
{
    sigset_t pipe, old;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old);
    sigset_t pending;
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);
    ssize_t r = write(fd, buf, n);
    int err = errno;
    if (r < 0 && err == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = err;
    return r;
}

static ssize_t write_op(int fd, void *arg)
{
    rw_args *a = arg;
    if (rt_netpoll_is_socket(fd))
        return send(fd, a->buf, a->n, MSG_NOSIGNAL);
    if (fd <= 2)
        return write(fd, a->buf, a->n);
    return write_nosigpipe(fd, a->buf, a->n);
}

static ssize_t read_with(go_ctx *ctx, int fd, void *buf, size_t n, uintptr_t pc)
{
    (void)pc;
    rt_sched_point();
    ssize_t r = rt_netpoll_read(fd, buf, n, ctx);
    if (r > 0)
        HOOK(mem_access, buf, (size_t)r, 1, pc);
    if (r >= 0)
        HOOK(acquire, &io_sync);
    return r;
}

ssize_t go_read(int fd, void *buf, size_t n)
{
    return read_with(NULL, fd, buf, n, RETURN_PC());
}

ssize_t go_read_ctx(go_ctx *ctx, int fd, void *buf, size_t n)
{
    return read_with(ctx, fd, buf, n, RETURN_PC());
}

ssize_t go_write(int fd, const void *buf, size_t n)
{
    rt_sched_point();
    HOOK(release_merge, &io_sync);
    void *lock = rt_netpoll_write_lock(fd);
    size_t done = 0;
    ssize_t r;
    do { /* at least once: a zero-byte write still checks fd */
        rw_args a = {(char *)buf + done, n - done};
        r = rt_netpoll_io(fd, RT_POLL_WRITE, write_op, &a, NULL);
        if (r > 0)
            done += (size_t)r;
    } while (r >= 0 && done < n);
    int err = r < 0 ? errno : 0;
    rt_netpoll_write_unlock(lock);
    if (r < 0) {
        errno = err;
        return -1;
    }
    if (n)
        HOOK(mem_access, buf, n, 0, RETURN_PC());
    return (ssize_t)n;
}

/* ---- accept and connect ----------------------------------------------------
 */

typedef struct {
    struct sockaddr *addr;
    socklen_t *len;
} accept_args;

static ssize_t accept_op(int fd, void *arg)
{
    accept_args *a = arg;
    for (;;) {
        int c = accept4(fd, a->addr, a->len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        /* Go retries a connection reset before it was accepted. */
        int err = c < 0 ? errno : 0;
        if (err == ECONNABORTED || err == EINTR)
            continue;
        return c;
    }
}

int go_accept(int lfd, struct sockaddr *addr, socklen_t *len)
{
    rt_sched_point();
    accept_args a = {addr, len};
    int c = (int)rt_netpoll_io(lfd, RT_POLL_READ, accept_op, &a, NULL);
    if (c >= 0 && rt_netpoll_open(c) < 0) {
        int err = errno;
        close(c);
        errno = err;
        return -1;
    }
    return c;
}

typedef struct {
    const struct sockaddr *addr;
    socklen_t len;
    bool started;
} connect_args;

/* connect(2), then, once it is in progress, its outcome (Go's
 * netFD.connect): SO_ERROR after each write readiness, and getpeername to
 * tell a spurious wake-up from a connection. */
static ssize_t connect_op(int fd, void *arg)
{
    connect_args *a = arg;
    if (!a->started) {
        a->started = true;
        if (connect(fd, a->addr, a->len) == 0)
            return 0;
        int err = errno;
        if (err == EINPROGRESS || err == EALREADY || err == EINTR)
            errno = EAGAIN;
        return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -1;
    if (err == EINPROGRESS || err == EALREADY || err == EINTR) {
        errno = EAGAIN;
        return -1;
    }
    if (err) {
        errno = err;
        return -1;
    }
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
        return 0;
    if (errno == ENOTCONN)
        errno = EAGAIN;
    return -1;
}

int go_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    rt_sched_point();
    connect_args a = {addr, len, false};
    return (int)rt_netpoll_io(fd, RT_POLL_WRITE, connect_op, &a, NULL);
}

/* ---- listen and dial
 * --------------------------------------------------------- */

/* Splits "host:port", "[v6]:port" or ":port" (Go's net.SplitHostPort);
 * host is "" for the last. false (EINVAL) when malformed. */
static bool split_host_port(const char *hp, char *host, size_t hostcap,
                            char *port, size_t portcap)
{
    if (!hp)
        return false;
    const char *colon = strrchr(hp, ':'), *h = hp, *hend;
    if (!colon)
        return false; /* Go: "missing port in address" */
    if (hp[0] == '[') {
        hend = strchr(hp, ']');
        if (!hend || hend + 1 != colon)
            return false;
        h = hp + 1;
    } else {
        hend = colon;
        if (memchr(hp, ':', (size_t)(colon - hp)))
            return false; /* Go: "too many colons in address" */
    }
    size_t hl = (size_t)(hend - h), pl = strlen(colon + 1);
    if (hl >= hostcap || pl == 0 || pl >= portcap)
        return false;
    memcpy(host, h, hl);
    host[hl] = 0;
    memcpy(port, colon + 1, pl + 1);
    /* getaddrinfo wraps a number past 65535; Go says "invalid port". */
    if (strspn(port, "0123456789") == pl)
        return pl <= 5 && atol(port) <= 65535;
    return true;
}

/* getaddrinfo for TCP; a name lookup may block, so it is bracketed as a
 * system call (Go resolves in a goroutine or through cgo, likewise). 0 or
 * -1 with errno (EINVAL malformed, ENOENT no such host). */
static int resolve(const char *hostport, bool passive, struct addrinfo **res)
{
    char host[256], port[64];
    if (!split_host_port(hostport, host, sizeof host, port, sizeof port)) {
        errno = EINVAL;
        return -1;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_protocol = IPPROTO_TCP,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    if (passive && !host[0]) { /* Go listens on every address, both families */
        hints.ai_family = AF_INET6;
        hints.ai_flags |= AI_PASSIVE;
    }
    const char *node = host[0] ? host : passive ? NULL : "127.0.0.1";
    int rc = getaddrinfo(node, port, &hints, res), sys_err = errno;
    if (rc == EAI_FAMILY && passive && !host[0]) { /* no IPv6 here */
        hints.ai_family = AF_INET;
        rc = getaddrinfo(node, port, &hints, res);
    }
    if (rc == EAI_NONAME) { /* a name, not a number: ask the resolver */
        hints.ai_flags &= ~(AI_NUMERICHOST | AI_NUMERICSERV);
        go_syscall_enter();
        rc = getaddrinfo(node, port, &hints, res);
        sys_err = errno;
        go_syscall_exit();
    }
    if (rc == 0)
        return 0;
    errno = rc == EAI_SYSTEM ? sys_err
            : rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_SERVICE
                ? (host[0] ? ENOENT : EINVAL)
                : EINVAL;
    return -1;
}

static int tcp_socket(const struct addrinfo *ai)
{
    return socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  IPPROTO_TCP);
}

/* Go's net.Listen picks the first IPv4 address of a name (localhost). */
static const struct addrinfo *listen_addr(const struct addrinfo *res)
{
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (ai->ai_family == AF_INET)
            return ai;
    return res;
}

int go_listen_tcp(const char *hostport)
{
    rt_sched_point();
    struct addrinfo *res;
    if (resolve(hostport, true, &res) < 0)
        return -1;
    const struct addrinfo *ai = listen_addr(res);
    int fd = tcp_socket(ai), one = 1, zero = 0;
    if (fd < 0)
        goto fail;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
        listen(fd, SOMAXCONN) < 0 || rt_netpoll_open(fd) < 0)
        goto fail;
    freeaddrinfo(res);
    return fd;
fail:;
    int err = errno;
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    errno = err;
    return -1;
}

/* One address of a dial: 0 and *out, or -1 with errno. */
static int dial_one(const struct addrinfo *ai, int64_t deadline, int *out)
{
    int fd = tcp_socket(ai);
    if (fd < 0)
        return -1;
    if (rt_netpoll_open(fd) < 0 ||
        (deadline && rt_netpoll_set_deadline(fd, RT_POLL_WRITE, deadline)) ||
        go_connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        int err = errno;
        rt_netpoll_close(fd);
        errno = err;
        return -1;
    }
    if (deadline)
        rt_netpoll_set_deadline(fd, RT_POLL_WRITE, 0);
    int one = 1; /* Go's TCPConn default: no Nagle delay */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *out = fd;
    return 0;
}

int go_dial_tcp(const char *hostport, int64_t timeout_ns)
{
    rt_sched_point();
    if (timeout_ns < 0) {
        errno = ETIMEDOUT; /* Go: a negative timeout has already passed */
        return -1;
    }
    int64_t deadline = timeout_ns ? rt_when_after(timeout_ns) : 0;
    struct addrinfo *res;
    if (resolve(hostport, false, &res) < 0)
        return -1;
    int fd = -1, err = ECONNREFUSED;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (dial_one(ai, deadline, &fd) == 0)
            break;
        err = errno;
        if (err == ETIMEDOUT)
            break;
    }
    freeaddrinfo(res);
    if (fd < 0)
        errno = err;
    return fd;
}

int go_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    errno = EAFNOSUPPORT;
    return -1;
}

/* ---- deadlines and close --------------------------------------------------
 */

int go_set_deadline(int fd, int64_t deadline_ns)
{
    return rt_netpoll_set_deadline(fd, RT_POLL_READ | RT_POLL_WRITE,
                                   deadline_ns);
}

int go_set_read_deadline(int fd, int64_t deadline_ns)
{
    return rt_netpoll_set_deadline(fd, RT_POLL_READ, deadline_ns);
}

int go_set_write_deadline(int fd, int64_t deadline_ns)
{
    return rt_netpoll_set_deadline(fd, RT_POLL_WRITE, deadline_ns);
}

int go_close(int fd)
{
    rt_sched_point();
    return rt_netpoll_close(fd);
}
